// A v2 log through the ledger's public API (specs/log-format-v2.md, sections 1-3 and 10), on a
// real RocksDB: entry 0 holds the log's VRF key; every other leaf is a sealed person leaf that
// the tree and its proofs cover as in v1; a person's history comes back as the entries appended,
// with openings that check against the leaves; no id, employer or wage is readable in any file
// under the data directory; a log opens only with its master key and in its format.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <latch>
#include <set>
#include <thread>

#include "crypto/base/status_macros.h"
#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "ledger/log/ledger.h"
#include "ledger/log/sealed.h"
#include "tests/testing/entries.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace pbl::ledger {
namespace {

using ::pbl::testing::ContributionEntry;
using ::pbl::testing::PersonId;
using ::pbl::testing::StatusIs;
using ::testing::HasSubstr;

constexpr std::string_view kOrigin = "pbl.example/node/310000";

crypto::SecretKey MasterKey(uint8_t fill) {
  return crypto::SecretKey::FromBytes(std::vector<uint8_t>(crypto::kSecretKeyBytes, fill)).value();
}

class SealedLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::pbl::testing::FreshTestDir("sealed_ledger");
    ASSERT_OK_AND_ASSIGN(ledger_, Open(&secrets_));
  }
  void TearDown() override {
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }
  absl::StatusOr<std::unique_ptr<Ledger>> Open(const NodeSecrets* secrets) {
    PBL_ASSIGN_OR_RETURN(std::unique_ptr<Storage> storage, OpenRocksStorage(dir_.string()));
    return Ledger::Open(std::move(storage), LedgerOptions{.origin = std::string(kOrigin),
                                                          .key = &key_,
                                                          .on_group = nullptr,
                                                          .on_stop = nullptr,
                                                          .secrets = secrets});
  }
  absl::Status Reopen(const NodeSecrets* secrets) {
    ledger_.reset();
    absl::StatusOr<std::unique_ptr<Ledger>> opened = Open(secrets);
    if (!opened.ok()) return opened.status();
    ledger_ = *std::move(opened);
    return absl::OkStatus();
  }
  // `people` workers, `months` months each.
  std::vector<std::string> Contributions(int64_t people, int64_t months, int64_t first = 0) {
    std::vector<std::string> batch;
    for (int64_t m = 0; m < months; ++m) {
      for (int64_t p = 0; p < people; ++p) batch.push_back(ContributionEntry(p, first + m));
    }
    return batch;
  }
  // Every file under the data directory, read whole.
  std::string AllFiles() const {
    std::string all;
    for (const auto& f : std::filesystem::recursive_directory_iterator(dir_)) {
      if (!f.is_regular_file()) continue;
      std::ifstream in(f.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  }

  std::filesystem::path dir_;
  crypto::SigningKey key_ = crypto::SigningKey::Generate();
  NodeSecrets secrets_{MasterKey(1)};
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(SealedLedgerTest, ANewLogStartsWithItsParametersAsEntryZero) {
  EXPECT_TRUE(ledger_->sealed());
  const LogHead head = ledger_->Head();
  EXPECT_EQ(head.size, 1);
  ASSERT_OK_AND_ASSIGN(const crypto::OpenedCheckpoint cp,
                       crypto::OpenCheckpoint(head.checkpoint, ledger_->verifier()));
  ASSERT_OK_AND_ASSIGN(const std::string entry0, ledger_->GetEntry(0));
  EXPECT_EQ(entry0, LogParametersLeaf(secrets_.vrf_public_key()));
  EXPECT_EQ(cp.checkpoint.root, crypto::LeafHash(crypto::AsBytes(entry0)));
  ASSERT_OK_AND_ASSIGN(const Leaf leaf, ParseLeaf(entry0));
  EXPECT_EQ(leaf.kind, LeafKind::kPublic);
  EXPECT_OK(ledger_->Verify());
}

TEST_F(SealedLedgerTest, LeavesAreSealedAndHistoriesComeBackOpened) {
  const std::vector<std::string> batch = Contributions(5, 4);
  ASSERT_OK_AND_ASSIGN(const AppendResult r, ledger_->Append(batch));
  EXPECT_EQ(r.first_index, 1);
  EXPECT_EQ(r.tree_size, 21);
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> leaves, ledger_->GetEntries(1, 20));
  ASSERT_OK_AND_ASSIGN(const crypto::OpenedCheckpoint cp,
                       crypto::OpenCheckpoint(r.checkpoint, ledger_->verifier()));
  std::set<PersonKey> keys;
  for (size_t i = 0; i < leaves.size(); ++i) {
    ASSERT_EQ(leaves[i].size(), kPersonLeafBytes);
    ASSERT_OK_AND_ASSIGN(const Leaf leaf, ParseLeaf(leaves[i]));
    keys.insert(leaf.person_key);
    ASSERT_OK_AND_ASSIGN(const crypto::Proof proof,
                         ledger_->InclusionProof(static_cast<int64_t>(i) + 1, 21));
    EXPECT_OK(crypto::VerifyInclusion(static_cast<int64_t>(i) + 1, 21,
                                      crypto::LeafHash(crypto::AsBytes(leaves[i])), proof,
                                      cp.checkpoint.root));
  }
  EXPECT_EQ(keys.size(), 5u);  // one K per person in the scheme

  ASSERT_OK_AND_ASSIGN(const std::vector<IndexedEntry> history,
                       ledger_->PersonEntries(PersonId(2), "UEBPI-310000"));
  ASSERT_EQ(history.size(), 4u);
  for (size_t m = 0; m < history.size(); ++m) {
    const IndexedEntry& e = history[m];
    EXPECT_EQ(e.index, 1 + static_cast<int64_t>(m) * 5 + 2);
    EXPECT_EQ(e.bytes, ContributionEntry(2, static_cast<int64_t>(m)));
    EXPECT_EQ(e.leaf, leaves[static_cast<size_t>(e.index - 1)]);
    ASSERT_OK_AND_ASSIGN(const Leaf leaf, ParseLeaf(e.leaf));
    EXPECT_OK(CheckOpening(leaf, e.opening));
    EXPECT_EQ(e.opening.substr(kCommitmentNonceBytes), e.bytes);
    // Whoever holds the history knows the person, so can check that K is theirs.
    EXPECT_THAT(VerifyPersonKey(secrets_.vrf_public_key(), "UEBPI-310000", PersonId(2),
                                secrets_.ProvePersonKey("UEBPI-310000", PersonId(2)).proof),
                ::pbl::testing::IsOkAndHolds(leaf.person_key));
  }
  ASSERT_OK_AND_ASSIGN(const std::vector<IndexedEntry> none,
                       ledger_->PersonEntries(PersonId(99), ""));
  EXPECT_TRUE(none.empty());
  EXPECT_OK(ledger_->Verify());
}

TEST_F(SealedLedgerTest, APersonsSchemesAreApartAndReadInSchemeOrder) {
  ASSERT_OK(ledger_
                ->Append({ContributionEntry(1, 0, "UEBPI-340000"),
                          ContributionEntry(1, 0, "UEBPI-310000"),
                          ContributionEntry(1, 1, "UEBPI-340000")})
                .status());
  ASSERT_OK_AND_ASSIGN(const std::vector<IndexedEntry> all,
                       ledger_->PersonEntries(PersonId(1), ""));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].index, 2);  // UEBPI-310000 sorts first
  EXPECT_EQ(all[1].index, 1);
  EXPECT_EQ(all[2].index, 3);
  ASSERT_OK_AND_ASSIGN(const Leaf a, ParseLeaf(all[0].leaf));
  ASSERT_OK_AND_ASSIGN(const Leaf b, ParseLeaf(all[1].leaf));
  EXPECT_NE(a.person_key, b.person_key);  // unrelated keys for one person's two schemes
  ASSERT_OK_AND_ASSIGN(const std::vector<IndexedEntry> anhui,
                       ledger_->PersonEntries(PersonId(1), "UEBPI-340000"));
  EXPECT_EQ(anhui.size(), 2u);
}

TEST_F(SealedLedgerTest, NoIdEmployerOrWageIsReadableUnderTheDataDirectory) {
  for (int round = 0; round < 3; ++round) {
    ASSERT_OK(ledger_->Append(Contributions(50, 2, round * 2)).status());
  }
  ASSERT_OK(Reopen(&secrets_));  // flushes the memtables into table files
  ledger_.reset();
  const std::string files = AllFiles();
  ASSERT_GT(files.size(), 10'000u);
  for (int64_t p = 0; p < 50; ++p) {
    EXPECT_EQ(files.find(PersonId(p)), std::string::npos) << PersonId(p);
    EXPECT_EQ(files.find(PersonId(p).substr(0, 14)), std::string::npos);  // nor its prefix
  }
  EXPECT_EQ(files.find("91310000"), std::string::npos);   // employer ids
  EXPECT_EQ(files.find("SH-UEBPI-"), std::string::npos);  // source references
  // The same search finds them all in a v1 log of the same entries: the test can fail.
  std::filesystem::remove_all(dir_);
  ASSERT_OK(Reopen(nullptr));
  ASSERT_OK(ledger_->Append(Contributions(50, 2)).status());
  ASSERT_OK(Reopen(nullptr));
  ledger_.reset();
  EXPECT_NE(AllFiles().find(PersonId(49)), std::string::npos);
}

TEST_F(SealedLedgerTest, AReopenedLogKeepsItsKeysAndOpensOnlyWithItsMasterKeyAndFormat) {
  ASSERT_OK(ledger_->Append(Contributions(3, 2)).status());
  ASSERT_OK(Reopen(&secrets_));
  ASSERT_OK(ledger_->Append(Contributions(3, 1, 2)).status());
  ASSERT_OK_AND_ASSIGN(const std::vector<IndexedEntry> history,
                       ledger_->PersonEntries(PersonId(0), "UEBPI-310000"));
  ASSERT_EQ(history.size(), 3u);
  std::set<std::string> keys;
  for (const IndexedEntry& e : history) keys.insert(e.leaf.substr(2, 32));
  EXPECT_EQ(keys.size(), 1u);  // the same K before and after the restart
  EXPECT_EQ(history[2].bytes, ContributionEntry(0, 2));
  EXPECT_OK(ledger_->Verify());

  const NodeSecrets other(MasterKey(2));
  EXPECT_THAT(Reopen(&other),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("master key")));
  EXPECT_THAT(Reopen(nullptr),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("format v2")));
  ASSERT_OK(Reopen(&secrets_));
  EXPECT_OK(ledger_->Verify());

  // A v1 log is never opened as v2, nor the other way.
  ledger_.reset();
  std::filesystem::remove_all(dir_);
  ASSERT_OK(Reopen(nullptr));
  ASSERT_OK(ledger_->Append(Contributions(1, 1)).status());
  EXPECT_THAT(Reopen(&secrets_),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("format v1")));
}

TEST_F(SealedLedgerTest, ThreadsAppendingANewPersonAtOnceMakeOneDataKey) {
  // Every thread appends one month of each of the same new people, in the same order, starting
  // together: each person is first seen by several threads at once, many times over.
  constexpr int kThreads = 6;
  constexpr int kPeople = 150;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      const std::string scheme = t % 2 == 0 ? "UEBPI-310000" : "UEBMI-310000";
      for (int p = 0; p < kPeople; ++p) {
        if (!ledger_->Append({ContributionEntry(100 + p, t, scheme)}).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_OK(Reopen(&secrets_));  // nothing but the rows: no person's state in memory
  for (int p = 0; p < kPeople; ++p) {
    ASSERT_OK_AND_ASSIGN(const std::vector<IndexedEntry> all,
                         ledger_->PersonEntries(PersonId(100 + p), ""));
    EXPECT_EQ(all.size(), static_cast<size_t>(kThreads)) << p;
  }
  EXPECT_OK(ledger_->Verify());
}

TEST_F(SealedLedgerTest, ABadBatchMakesNoRowsAndBatchIdsReplay) {
  std::vector<std::string> bad = Contributions(2, 1);
  bad.push_back("not an entry");
  EXPECT_THAT(ledger_->Append(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(const std::vector<IndexedEntry> none,
                       ledger_->PersonEntries(PersonId(0), ""));
  EXPECT_TRUE(none.empty());
  const BatchId id{"import-1", crypto::Sha256("batch")};
  ASSERT_OK_AND_ASSIGN(const AppendResult first, ledger_->Append(Contributions(2, 1), id));
  ASSERT_OK_AND_ASSIGN(const AppendResult again, ledger_->Append(Contributions(2, 1), id));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.first_index, first.first_index);
  EXPECT_EQ(ledger_->Head().size, 3);
  EXPECT_OK(ledger_->Verify());
}

}  // namespace
}  // namespace pbl::ledger
