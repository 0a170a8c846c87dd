// The ledger over a storage that fails on command (tests/testing/faulty_storage.h): failed and
// half-failed writes, failing reads, and stray keys it must refuse to overwrite. Each test checks
// the durability contract of specs/ledger.md and the status code callers see.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "crypto/sha256.h"
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
    return LedgerOptions{.origin = std::string(kOrigin),
                         .key = &key_,
                         .on_group = nullptr,
                         .on_stop = [this](const absl::Status&) { ++stops_; }};
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
  std::atomic<int> stops_{0};  // on_stop calls
};

// Fail-stop (specs/ledger.md, "Durability contract"): after a failed write or fsync the ledger
// takes no more appends, whatever later writes would do, and still serves reads; opening it again
// recovers what the storage holds.
void ExpectStopped(Ledger& ledger, const absl::StatusOr<AppendResult>& failed) {
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("same batch id")));
  EXPECT_THAT(ledger.stopped(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(ledger.Append(Contributions(7, 3)),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("no more appends")));
}

TEST_F(FaultTest, FailedCommitStopsAppendsAndReopeningRecovers) {
  ASSERT_OK(ledger_->Append(Contributions(0, 10)));
  const LogHead before = ledger_->Head();
  faulty_->FailNextCommit(Unavailable());
  ExpectStopped(*ledger_, ledger_->Append(Contributions(1, 5)));
  EXPECT_EQ(stops_, 1);
  const LogHead after = ledger_->Head();
  EXPECT_EQ(after.size, 10);
  EXPECT_EQ(after.checkpoint, before.checkpoint);
  EXPECT_THAT(faulty_->base().Get(EntryKey(10)), StatusIs(absl::StatusCode::kNotFound));
  // Reads go on.
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> read, ledger_->GetEntries(0, 10));
  EXPECT_EQ(read, Contributions(0, 10));
  EXPECT_OK(ledger_->Verify());
  Reopen();
  EXPECT_OK(ledger_->stopped());
  ASSERT_OK_AND_ASSIGN(AppendResult next, ledger_->Append(Contributions(2, 3)));
  EXPECT_EQ(next.first_index, 10);
  EXPECT_EQ(next.tree_size, 13);
  EXPECT_OK(ledger_->Verify());
}

// The write reached the storage although its caller was told it failed: the caller was told
// that the outcome is unknown, and opening again finds the group.
TEST_F(FaultTest, LostCommitAckStopsAppendsAndReopeningFindsTheGroup) {
  ASSERT_OK(ledger_->Append(Contributions(0, 10)));
  faulty_->LoseNextCommitAck(Unavailable());
  const std::vector<std::string> lost = Contributions(1, 5);
  ExpectStopped(*ledger_, ledger_->Append(lost));
  EXPECT_EQ(ledger_->Head().size, 10);
  const int64_t commits = faulty_->commits();
  EXPECT_THAT(ledger_->Append(Contributions(3, 1)), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(faulty_->commits(), commits);  // nothing written after the lost group
  Reopen();
  EXPECT_EQ(ledger_->Head().size, 15);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> read, ledger_->GetEntries(10, 5));
  EXPECT_EQ(read, lost);
  ASSERT_OK_AND_ASSIGN(AppendResult next, ledger_->Append(Contributions(2, 3)));
  EXPECT_EQ(next.first_index, 15);
  EXPECT_OK(ledger_->Verify());
}

// A failed fsync may have dropped pages that earlier writes left dirty, so no later fsync is
// trusted: the failed group's caller and every later one get UNAVAILABLE, and the head stays.
TEST_F(FaultTest, FailedSyncStopsAppendsEvenIfTheNextSyncWouldSucceed) {
  ASSERT_OK_AND_ASSIGN(AppendResult first, ledger_->Append(Contributions(0, 10)));
  faulty_->FailNextSync(Unavailable());
  const std::vector<std::string> unsynced = Contributions(1, 5);
  ExpectStopped(*ledger_, ledger_->Append(unsynced));
  EXPECT_EQ(stops_, 1);
  EXPECT_EQ(ledger_->Head().size, 10);
  EXPECT_EQ(ledger_->Head().checkpoint, first.checkpoint);
  EXPECT_THAT(ledger_->GetEntry(10), StatusIs(absl::StatusCode::kOutOfRange));
  Reopen();
  // This process's storage still holds the unsynced group; after a power cut it might not.
  EXPECT_EQ(ledger_->Head().size, 15);
  EXPECT_OK(ledger_->Verify());
}

// Two batches in flight when the fsync fails: neither is acknowledged, whichever group or fsync
// each was in.
TEST_F(FaultTest, FailedSyncFailsEveryBatchInFlight) {
  ASSERT_OK(ledger_->Append(Contributions(0, 10)));
  faulty_->FailNextSync(Unavailable());
  auto a = ledger_->AppendAsync(Contributions(1, 5));
  auto b = ledger_->AppendAsync(Contributions(2, 5));
  EXPECT_THAT(a.get(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(b.get(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ledger_->Head().size, 10);
  EXPECT_EQ(stops_, 1);
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

// Batch ids (specs/ledger.md, "Batch ids"): a batch resent with its id gets the first result and
// appends nothing, across a failure and a reopen; an id reused for other entries is refused.
BatchId Id(std::string id, const std::vector<std::string>& entries) {
  crypto::Sha256Hasher hasher;
  for (const std::string& e : entries) hasher.Update(e);
  return BatchId{std::move(id), hasher.Finish()};
}

TEST_F(FaultTest, ResentBatchIdReplaysTheFirstResultAndAppendsNothing) {
  const std::vector<std::string> batch = Contributions(0, 10);
  ASSERT_OK_AND_ASSIGN(AppendResult first, ledger_->Append(batch, Id("import/a/1-10", batch)));
  EXPECT_FALSE(first.replayed);
  ASSERT_OK(ledger_->Append(Contributions(1, 4)));
  ASSERT_OK_AND_ASSIGN(AppendResult again, ledger_->Append(batch, Id("import/a/1-10", batch)));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.first_index, 0);
  EXPECT_EQ(again.count, 10);
  EXPECT_EQ(again.tree_size, 10);
  EXPECT_EQ(again.checkpoint, first.checkpoint);
  EXPECT_EQ(ledger_->Head().size, 14);
  ASSERT_OK_AND_ASSIGN(std::optional<AppendResult> found,
                       ledger_->FindBatch(Id("import/a/1-10", batch)));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->first_index, 0);
  ASSERT_OK_AND_ASSIGN(found, ledger_->FindBatch(Id("import/a/11-20", batch)));
  EXPECT_FALSE(found.has_value());
  Reopen();
  ASSERT_OK_AND_ASSIGN(again, ledger_->Append(batch, Id("import/a/1-10", batch)));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.first_index, 0);
  EXPECT_EQ(ledger_->Head().size, 14);
  EXPECT_OK(ledger_->Verify());
}

TEST_F(FaultTest, BatchIdReusedForOtherEntriesIsRefused) {
  const std::vector<std::string> batch = Contributions(0, 10);
  ASSERT_OK(ledger_->Append(batch, Id("b", batch)));
  const std::vector<std::string> other = Contributions(1, 10);
  EXPECT_THAT(ledger_->Append(other, Id("b", other)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("another batch")));
  EXPECT_THAT(ledger_->FindBatch(Id("b", other)), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ledger_->Head().size, 10);
  EXPECT_THAT(ledger_->Append(batch, Id("", batch)), StatusIs(absl::StatusCode::kOk));
  EXPECT_THAT(ledger_->Append(batch, Id("has space", batch)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("printable")));
  EXPECT_THAT(ledger_->Append(batch, Id(std::string(kBatchIdBytesMax + 1, 'x'), batch)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// The same id twice in flight (one group, or the second before the first is durable): one is
// appended, the other replays its result.
TEST_F(FaultTest, SameBatchIdInFlightTwiceIsAppendedOnce) {
  const std::vector<std::string> batch = Contributions(0, 10);
  for (int round = 0; round < 20; ++round) {
    const std::string id = "round-" + std::to_string(round);
    const int64_t before = ledger_->Head().size;
    auto a = ledger_->AppendAsync(batch, Id(id, batch));
    auto b = ledger_->AppendAsync(batch, Id(id, batch));
    ASSERT_OK_AND_ASSIGN(AppendResult ra, a.get());
    ASSERT_OK_AND_ASSIGN(AppendResult rb, b.get());
    EXPECT_FALSE(ra.replayed);
    EXPECT_TRUE(rb.replayed);
    EXPECT_EQ(ra.first_index, before);
    EXPECT_EQ(rb.first_index, ra.first_index);
    EXPECT_EQ(rb.tree_size, ra.tree_size);
    EXPECT_EQ(ledger_->Head().size, before + 10);
  }
  EXPECT_OK(ledger_->Verify());
}

// What `pbl import` meets: the fsync under a batch fails, the node stops, and after the restart
// the same batch with the same id finds it in the log instead of appending it twice.
TEST_F(FaultTest, BatchResentAfterAFailedSyncAndReopenIsNotAppendedTwice) {
  ASSERT_OK(ledger_->Append(Contributions(0, 10)));
  const std::vector<std::string> batch = Contributions(1, 5);
  faulty_->FailNextSync(Unavailable());
  ExpectStopped(*ledger_, ledger_->Append(batch, Id("import/x/11-15", batch)));
  EXPECT_THAT(ledger_->Append(batch, Id("import/x/11-15", batch)),
              StatusIs(absl::StatusCode::kUnavailable));
  Reopen();
  ASSERT_EQ(ledger_->Head().size, 15);
  ASSERT_OK_AND_ASSIGN(AppendResult again, ledger_->Append(batch, Id("import/x/11-15", batch)));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.first_index, 10);
  EXPECT_EQ(ledger_->Head().size, 15);
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
