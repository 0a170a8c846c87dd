// The ledger over a storage that fails on command (tests/testing/faulty_storage.h): failed and
// half-failed writes, failing reads, and stray keys it must refuse to overwrite. Each test checks
// the durability contract of specs/ledger.md and the status code callers see.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "ledger/log/ledger.h"
#include "ledger/log/log_format.h"
#include "tests/testing/entries.h"
#include "tests/testing/faulty_storage.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace pbl::ledger {
namespace {

using ::pbl::testing::ContributionEntry;
using ::pbl::testing::FaultyStorage;
using ::pbl::testing::PersonId;
using ::pbl::testing::StatusIs;
using ::testing::HasSubstr;

constexpr std::string_view kOrigin = "pbl.example/node/310000";

// A fixed signing key, so that every run writes the same bytes.
crypto::SigningKey FixedKey() {
  std::array<uint8_t, crypto::kEd25519SeedBytes> seed{};
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(0xc0 + i);
  return std::move(crypto::SigningKey::FromSeed(seed)).value();
}
constexpr int64_t kPeople = 10;

// `count` contributions of kPeople workers in consecutive months from `first_month`: entry i is
// worker i % kPeople's.
std::vector<std::string> Contributions(int64_t first_month, int64_t count) {
  std::vector<std::string> batch;
  for (int64_t i = 0; i < count; ++i) {
    batch.push_back(ContributionEntry(i % kPeople, first_month + i / kPeople));
  }
  return batch;
}

// Writes one key straight into `storage`, around the ledger.
absl::Status PutDirect(Storage& storage, std::string_view key, std::string_view value) {
  std::unique_ptr<StorageBatch> batch = storage.NewBatch();
  batch->Put(key, value);
  return storage.Commit(*batch);
}

absl::Status Unavailable() { return absl::UnavailableError("injected: the disk went away"); }

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::pbl::testing::FreshTestDir("fault");
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<FaultyStorage> storage, OpenFaultyStorage());
    faulty_ = storage.get();
    ASSERT_OK_AND_ASSIGN(ledger_, Ledger::Open(std::move(storage), Options()));
  }
  void TearDown() override {
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }

  LedgerOptions Options() {
    return LedgerOptions{.origin = std::string(kOrigin), .key = &key_, .on_group = nullptr};
  }

  absl::StatusOr<std::unique_ptr<FaultyStorage>> OpenFaultyStorage() {
    absl::StatusOr<std::unique_ptr<Storage>> rocks = OpenRocksStorage(dir_.string());
    if (!rocks.ok()) return rocks.status();
    return std::make_unique<FaultyStorage>(std::move(*rocks));
  }

  // Closes the ledger and opens it again, without faults, to see what reached the disk.
  void Reopen() {
    ledger_.reset();
    faulty_ = nullptr;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<FaultyStorage> storage, OpenFaultyStorage());
    faulty_ = storage.get();
    ASSERT_OK_AND_ASSIGN(ledger_, Ledger::Open(std::move(storage), Options()));
  }

  std::filesystem::path dir_;
  crypto::SigningKey key_ = FixedKey();
  FaultyStorage* faulty_ = nullptr;  // owned by ledger_
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(FaultTest, FailedCommitLeavesTheLogUnchanged) {
  ASSERT_OK(ledger_->Append(Contributions(0, 10)));
  const LogHead before = ledger_->Head();
  faulty_->FailNextCommit(Unavailable());
  EXPECT_THAT(ledger_->Append(Contributions(1, 5)), StatusIs(absl::StatusCode::kUnavailable));
  const LogHead after = ledger_->Head();
  EXPECT_EQ(after.size, 10);
  EXPECT_EQ(after.checkpoint, before.checkpoint);
  EXPECT_THAT(faulty_->base().Get(EntryKey(10)), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(faulty_->base().Get(CheckpointKey(15)), StatusIs(absl::StatusCode::kNotFound));

  ASSERT_OK_AND_ASSIGN(AppendResult next, ledger_->Append(Contributions(2, 3)));
  EXPECT_EQ(next.first_index, 10);
  EXPECT_EQ(next.tree_size, 13);
  EXPECT_OK(ledger_->Verify());
  Reopen();
  EXPECT_EQ(ledger_->Head().size, 13);
  EXPECT_OK(ledger_->Verify());
}

TEST_F(FaultTest, LostCommitAckContinuesAfterTheWrittenGroup) {
  ASSERT_OK_AND_ASSIGN(AppendResult first, ledger_->Append(Contributions(0, 10)));
  faulty_->LoseNextCommitAck(Unavailable());
  const std::vector<std::string> lost = Contributions(1, 5);
  EXPECT_THAT(ledger_->Append(lost), StatusIs(absl::StatusCode::kUnavailable));
  // The group reached the disk although its caller was told it failed: its five entries are
  // one bundle (10..14, within the bundle boundaries 0 and 16).
  ASSERT_OK_AND_ASSIGN(std::string bundle, faulty_->base().Get(EntryKey(10)));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string_view> stored, SplitBundle(bundle));
  ASSERT_EQ(stored.size(), lost.size());
  for (size_t i = 0; i < lost.size(); ++i) EXPECT_EQ(stored[i], lost[i]);

  // The ledger must re-read its head rather than write the next group over the lost one.
  ASSERT_OK_AND_ASSIGN(AppendResult next, ledger_->Append(Contributions(2, 3)));
  EXPECT_EQ(next.first_index, 15);
  EXPECT_EQ(next.tree_size, 18);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> read, ledger_->GetEntries(10, 5));
  EXPECT_EQ(read, lost);
  EXPECT_OK(ledger_->Verify());
  ASSERT_OK_AND_ASSIGN(crypto::OpenedCheckpoint old,
                       crypto::OpenCheckpoint(first.checkpoint, ledger_->verifier()));
  ASSERT_OK_AND_ASSIGN(crypto::Proof proof, ledger_->ConsistencyProof(10, 18));
  EXPECT_OK(crypto::VerifyConsistency(10, 18, old.checkpoint.root, ledger_->Head().root, proof));
  Reopen();
  EXPECT_EQ(ledger_->Head().size, 18);
  EXPECT_OK(ledger_->Verify());
}

TEST_F(FaultTest, LostCommitAckOfTheFirstGroupIsReloaded) {
  faulty_->LoseNextCommitAck(Unavailable());
  EXPECT_THAT(ledger_->Append(Contributions(0, 4)), StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_OK_AND_ASSIGN(AppendResult next, ledger_->Append(Contributions(1, 4)));
  EXPECT_EQ(next.first_index, 4);
  EXPECT_OK(ledger_->Verify());
}

// A group is written, then made durable by the syncer's fsync. When the fsync fails, the group's
// caller gets the error and the head does not move; the group stays written, so the ledger
// re-reads its head and the next group goes after it.
TEST_F(FaultTest, FailedSyncFailsTheAppendAndTheLogContinuesAfterIt) {
  ASSERT_OK_AND_ASSIGN(AppendResult first, ledger_->Append(Contributions(0, 10)));
  faulty_->FailNextSync(Unavailable());
  const std::vector<std::string> unsynced = Contributions(1, 5);
  EXPECT_THAT(ledger_->Append(unsynced), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ledger_->Head().size, 10);
  EXPECT_EQ(ledger_->Head().checkpoint, first.checkpoint);
  EXPECT_THAT(ledger_->GetEntry(10), StatusIs(absl::StatusCode::kOutOfRange));

  ASSERT_OK_AND_ASSIGN(AppendResult next, ledger_->Append(Contributions(2, 3)));
  EXPECT_EQ(next.first_index, 15);
  EXPECT_EQ(next.tree_size, 18);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> read, ledger_->GetEntries(10, 5));
  EXPECT_EQ(read, unsynced);
  EXPECT_OK(ledger_->Verify());
  Reopen();
  EXPECT_EQ(ledger_->Head().size, 18);
  EXPECT_OK(ledger_->Verify());
}

TEST_F(FaultTest, FailedWriteOfTheFirstCheckpointFailsOpen) {
  ledger_.reset();
  std::filesystem::remove_all(dir_);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<FaultyStorage> storage, OpenFaultyStorage());
  storage->FailNextCommit(Unavailable());
  EXPECT_THAT(Ledger::Open(std::move(storage), Options()),
              StatusIs(absl::StatusCode::kUnavailable));
  Reopen();
  EXPECT_EQ(ledger_->Head().size, 0);
  EXPECT_OK(ledger_->Verify());
}

TEST_F(FaultTest, EntryReadErrorsPropagate) {
  ASSERT_OK(ledger_->Append(Contributions(0, 20)));
  // Entry 7 is in the bundle of entries 0..15, entry 17 in that of 16..19.
  faulty_->FailReads(EntryKey(0), Unavailable());
  EXPECT_THAT(ledger_->GetEntry(7), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(ledger_->GetEntries(0, 20), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(ledger_->PersonEntries(PersonId(7), ""), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_OK(ledger_->GetEntry(17));
  faulty_->HealReads();
  EXPECT_OK(ledger_->GetEntry(7));
}

TEST_F(FaultTest, HashReadErrorsPropagateFromProofs) {
  ASSERT_OK(ledger_->Append(Contributions(0, 20)));
  // One group: every stored hash is in the blob that starts at stored hash 0.
  faulty_->FailReads(HashBlobKey(0), Unavailable());
  EXPECT_THAT(ledger_->InclusionProof(3, 20), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(ledger_->ConsistencyProof(5, 20), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(FaultTest, CheckpointReadErrorIsNotNotFound) {
  ASSERT_OK(ledger_->Append(Contributions(0, 20)));
  faulty_->FailReads(CheckpointKey(20), Unavailable());
  EXPECT_THAT(ledger_->CheckpointAt(20), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(FaultTest, VerifyPropagatesEntryReadErrors) {
  ASSERT_OK(ledger_->Append(Contributions(0, 20)));
  faulty_->FailReads(EntryKey(16), Unavailable());
  EXPECT_THAT(ledger_->Verify(), StatusIs(absl::StatusCode::kUnavailable));
}

// A read that fails is not a hash that does not match: an auditor told DATA_LOSS would treat a
// transient error as tampering.
TEST_F(FaultTest, VerifyPropagatesHashReadErrors) {
  ASSERT_OK(ledger_->Append(Contributions(0, 20)));
  faulty_->FailReads(HashBlobKey(0), Unavailable());
  EXPECT_THAT(ledger_->Verify(), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(FaultTest, OpenPropagatesHashReadErrors) {
  ASSERT_OK(ledger_->Append(Contributions(0, 20)));
  ledger_.reset();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<FaultyStorage> storage, OpenFaultyStorage());
  storage->FailReads(HashBlobKey(0), Unavailable());
  EXPECT_THAT(Ledger::Open(std::move(storage), Options()),
              StatusIs(absl::StatusCode::kUnavailable));
}

// After a lost ack the sequencer re-reads its head; a read that fails then is transient, and the
// next append, with the reads healed, continues after the lost group.
TEST_F(FaultTest, ReloadAfterALostAckPropagatesReadErrors) {
  ASSERT_OK(ledger_->Append(Contributions(0, 10)));
  faulty_->LoseNextCommitAck(Unavailable());
  EXPECT_THAT(ledger_->Append(Contributions(1, 6)), StatusIs(absl::StatusCode::kUnavailable));
  // The reload loads the frontier of size 16: one hash, the root of entries 0..15, which the
  // lost group stored in its blob.
  faulty_->FailReads(HashBlobKey(crypto::StoredHashCount(10)), Unavailable());
  EXPECT_THAT(ledger_->Append(Contributions(2, 1)), StatusIs(absl::StatusCode::kUnavailable));
  faulty_->HealReads();
  ASSERT_OK_AND_ASSIGN(AppendResult next, ledger_->Append(Contributions(3, 1)));
  EXPECT_EQ(next.first_index, 16);
  EXPECT_OK(ledger_->Verify());
}

// Keys past the head can only come from a bug or from someone writing under the ledger; the
// ledger must refuse to write a group over them, and write nothing.
class OverwriteTest : public FaultTest {
 protected:
  void ExpectAppendRefused(std::string_view stray_key) {
    ASSERT_OK(ledger_->Append(Contributions(0, 10)));
    ASSERT_OK(PutDirect(faulty_->base(), stray_key, "stray"));
    const int64_t commits = faulty_->commits();
    EXPECT_THAT(ledger_->Append(Contributions(1, 5)),
                StatusIs(absl::StatusCode::kInternal, HasSubstr("refusing to overwrite")));
    EXPECT_EQ(faulty_->commits(), commits);
    EXPECT_EQ(ledger_->Head().size, 10);
    ASSERT_OK_AND_ASSIGN(std::string stray, faulty_->base().Get(stray_key));
    EXPECT_EQ(stray, "stray");
  }
};

TEST_F(OverwriteTest, StrayEntryKeyPastTheHeadIsRefused) {
  ExpectAppendRefused(EntryKey(12));
  EXPECT_THAT(faulty_->base().Get(EntryKey(10)), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(OverwriteTest, StrayHashBlobPastTheHeadIsRefused) {
  ExpectAppendRefused(HashBlobKey(crypto::StoredHashCount(10)));
  EXPECT_THAT(faulty_->base().Get(EntryKey(10)), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(OverwriteTest, StrayCheckpointPastTheHeadIsRefused) {
  ExpectAppendRefused(CheckpointKey(15));
  EXPECT_THAT(faulty_->base().Get(EntryKey(10)), StatusIs(absl::StatusCode::kNotFound));
}

// Verify may run while appends go on (ledger.h); rows an append adds after Verify read the head
// are not damage. The hook puts an append between Verify's entry pass and its index pass.
TEST_F(FaultTest, VerifyConcurrentWithAnAppendFindsNoDamage) {
  ASSERT_OK(ledger_->Append(Contributions(0, 10)));
  faulty_->BeforeNextScan(std::string(1, kPersonPrefix),
                          [&] { ASSERT_OK(ledger_->Append(Contributions(1, 5))); });
  EXPECT_OK(ledger_->Verify());
  EXPECT_EQ(ledger_->Head().size, 15);
  EXPECT_OK(ledger_->Verify());
}

}  // namespace
}  // namespace pbl::ledger
