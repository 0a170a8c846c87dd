// The ledger through its public API, on a real RocksDB in a temporary directory.
#include "ledger/log/ledger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "ledger/log/log_format.h"
#include "pbl/v1/entry.pb.h"
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

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::pbl::testing::FreshTestDir("ledger");
    Reopen();
  }
  void TearDown() override {
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    ledger_.reset();
    absl::StatusOr<std::unique_ptr<Storage>> storage = OpenRocksStorage(dir_.string());
    ASSERT_TRUE(storage.ok()) << storage.status();
    absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(
        std::move(*storage),
        LedgerOptions{
            .origin = std::string(kOrigin), .key = &key_, .on_group = nullptr, .on_stop = nullptr});
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = std::move(*ledger);
  }
  // Appends `count` entries: `people` workers, consecutive months.
  AppendResult AppendContributions(int64_t first_month, int64_t count, int64_t people = 10) {
    std::vector<std::string> batch;
    for (int64_t i = 0; i < count; ++i) {
      batch.push_back(ContributionEntry(i % people, first_month + i / people));
    }
    absl::StatusOr<AppendResult> r = ledger_->Append(std::move(batch));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.value_or(AppendResult{});
  }

  std::filesystem::path dir_;
  crypto::SigningKey key_ = crypto::SigningKey::Generate();
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(LedgerTest, NewLogHasASignedEmptyCheckpoint) {
  const LogHead head = ledger_->Head();
  EXPECT_EQ(head.size, 0);
  ASSERT_OK_AND_ASSIGN(crypto::OpenedCheckpoint cp,
                       crypto::OpenCheckpoint(head.checkpoint, ledger_->verifier()));
  EXPECT_EQ(cp.checkpoint.size, 0);
  EXPECT_EQ(cp.checkpoint.root, crypto::EmptyTreeHash());
  EXPECT_OK(ledger_->Verify());
}

TEST_F(LedgerTest, AppendReturnsIndicesAndACheckpointThatCoversThem) {
  const AppendResult first = AppendContributions(0, 30);
  EXPECT_EQ(first.first_index, 0);
  EXPECT_EQ(first.count, 30);
  EXPECT_EQ(first.tree_size, 30);
  const AppendResult second = AppendContributions(3, 20);
  EXPECT_EQ(second.first_index, 30);
  ASSERT_OK_AND_ASSIGN(crypto::OpenedCheckpoint cp,
                       crypto::OpenCheckpoint(second.checkpoint, ledger_->verifier()));
  EXPECT_EQ(cp.checkpoint.size, 50);
  for (int64_t i : {0, 17, 29, 30, 49}) {
    ASSERT_OK_AND_ASSIGN(std::string entry, ledger_->GetEntry(i));
    ASSERT_OK_AND_ASSIGN(crypto::Proof proof, ledger_->InclusionProof(i, 50));
    EXPECT_OK(crypto::VerifyInclusion(i, 50, crypto::LeafHash(crypto::AsBytes(entry)), proof,
                                      cp.checkpoint.root));
  }
  ASSERT_OK_AND_ASSIGN(crypto::OpenedCheckpoint old,
                       crypto::OpenCheckpoint(first.checkpoint, ledger_->verifier()));
  ASSERT_OK_AND_ASSIGN(crypto::Proof consistency, ledger_->ConsistencyProof(30, 50));
  EXPECT_OK(
      crypto::VerifyConsistency(30, 50, old.checkpoint.root, cp.checkpoint.root, consistency));
  ASSERT_OK_AND_ASSIGN(std::string at30, ledger_->CheckpointAt(30));
  EXPECT_EQ(at30, first.checkpoint);
  EXPECT_THAT(ledger_->CheckpointAt(31), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(LedgerTest, EntriesAreStoredByteForByte) {
  std::vector<std::string> batch = {ContributionEntry(1, 1), ContributionEntry(2, 1)};
  ASSERT_OK(ledger_->Append(batch).status());
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> read, ledger_->GetEntries(0, 100));
  EXPECT_EQ(read, batch);
  EXPECT_THAT(ledger_->GetEntry(2), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(ledger_->GetEntries(5, 1), StatusIs(absl::StatusCode::kOutOfRange));
}

// Entries are stored in bundles of up to 16, cut at multiples of 16 and at each group's end
// (specs/ledger.md). Groups of 1, 15, 16, 17, 33 and 7 entries put bundle ends everywhere: every
// entry and every range read back byte for byte, before and after reopening.
TEST_F(LedgerTest, EntriesReadBackAcrossBundleAndGroupBoundaries) {
  std::vector<std::string> all;
  for (const int64_t size : {1, 15, 16, 17, 33, 7}) {
    std::vector<std::string> batch;
    for (int64_t i = 0; i < size; ++i) {
      const auto n = static_cast<int64_t>(all.size());
      batch.push_back(ContributionEntry(n % 9, n / 9));
      all.push_back(batch.back());
    }
    ASSERT_OK(ledger_->Append(std::move(batch)).status());
  }
  const auto size = static_cast<int64_t>(all.size());  // 89
  // Groups 0, 1..15, 16..31, 32..48, 49..81, 82..88; bundles also end before 16, 32, 48, 64, 80.
  std::vector<int64_t> starts;
  ASSERT_OK(ledger_->storage()->Scan(EntryKey(0), EntryKey(size),
                                     [&](std::string_view key, std::string_view) {
                                       starts.push_back(DecodeIndexKey(kEntryPrefix, key).value());
                                       return true;
                                     }));
  EXPECT_EQ(starts, (std::vector<int64_t>{0, 1, 16, 32, 48, 49, 64, 80, 82}));
  for (int pass = 0; pass < 2; ++pass) {
    for (int64_t i = 0; i < size; ++i) {
      ASSERT_OK_AND_ASSIGN(std::string entry, ledger_->GetEntry(i));
      EXPECT_EQ(entry, all[static_cast<size_t>(i)]) << "entry " << i;
    }
    for (int64_t start = 0; start < size; start += 5) {
      for (const int64_t count : {1, 3, 16, 40, 100}) {
        ASSERT_OK_AND_ASSIGN(std::vector<std::string> read, ledger_->GetEntries(start, count));
        const int64_t end = std::min(size, start + count);
        EXPECT_EQ(read, std::vector<std::string>(all.begin() + start, all.begin() + end))
            << start << " +" << count;
      }
    }
    ASSERT_OK_AND_ASSIGN(std::vector<IndexedEntry> history,
                         ledger_->PersonEntries(PersonId(4), ""));
    ASSERT_EQ(history.size(), 10u);  // entries 4, 13, ..., 85
    for (size_t k = 0; k < history.size(); ++k) {
      EXPECT_EQ(history[k].index, static_cast<int64_t>(4 + 9 * k));
      EXPECT_EQ(history[k].bytes, all[4 + 9 * k]);
    }
    EXPECT_OK(ledger_->Verify());
    Reopen();
    EXPECT_EQ(ledger_->Head().size, size);
  }
}

TEST_F(LedgerTest, PersonHistoryComesThroughTheIndexInLogOrder) {
  AppendContributions(0, 100, 10);  // 10 people x 10 months
  ASSERT_OK(ledger_->Append({ContributionEntry(3, 50, "HPF-310000")}).status());
  ASSERT_OK_AND_ASSIGN(std::vector<IndexedEntry> pension,
                       ledger_->PersonEntries(PersonId(3), "UEBPI-310000"));
  ASSERT_EQ(pension.size(), 10u);
  for (size_t i = 0; i < pension.size(); ++i) {
    EXPECT_EQ(pension[i].index, static_cast<int64_t>(3 + 10 * i));
    v1::Entry e;
    ASSERT_TRUE(e.ParseFromString(pension[i].bytes));
    EXPECT_EQ(e.person_id(), PersonId(3));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<IndexedEntry> all, ledger_->PersonEntries(PersonId(3), ""));
  EXPECT_EQ(all.size(), 11u);
  ASSERT_OK_AND_ASSIGN(std::vector<IndexedEntry> none,
                       ledger_->PersonEntries(PersonId(77), "UEBPI-310000"));
  EXPECT_TRUE(none.empty());
  EXPECT_THAT(ledger_->PersonEntries("12345", ""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(LedgerTest, ABatchWithOneBadEntryIsRejectedWholeNamingTheEntry) {
  AppendContributions(0, 5);
  v1::Entry bad;
  ASSERT_TRUE(bad.ParseFromString(ContributionEntry(1, 9)));
  bad.set_scheme_id("PENSION-310000");
  std::vector<std::string> batch = {ContributionEntry(1, 7), ContributionEntry(1, 8),
                                    bad.SerializeAsString()};
  EXPECT_THAT(ledger_->Append(batch),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("entry 2: scheme_id")));
  EXPECT_EQ(ledger_->Head().size, 5);
}

TEST_F(LedgerTest, MalformedEntriesAreRejectedWithTheirField) {
  v1::Entry e;
  ASSERT_TRUE(e.ParseFromString(ContributionEntry(1, 1)));
  const auto with = [&](auto edit) {
    v1::Entry copy = e;
    edit(copy);
    return copy.SerializeAsString();
  };
  const struct {
    std::string bytes;
    std::string field;
  } cases[] = {
      {"not a protobuf \xff\xff", "protobuf"},
      {with([](v1::Entry& x) { x.set_person_id("31010419600101000"); }), "person_id"},
      {with([](v1::Entry& x) { x.set_person_id("31010419600101000Y"); }), "person_id"},
      {with([](v1::Entry& x) {
         std::string id = PersonId(1);
         id.back() = id.back() == '0' ? '1' : '0';
         x.set_person_id(id);
       }),
       "check character"},
      {with([](v1::Entry& x) { x.set_person_id("310104199902300011"); }), "birth date"},
      {with([](v1::Entry& x) { x.set_scheme_id("UEBPI-31000"); }), "scheme_id"},
      {with([](v1::Entry& x) { x.set_node_time_unix_ms(0); }), "node_time_unix_ms"},
      {with([](v1::Entry& x) { x.clear_monthly_contribution(); }), "body"},
      {ContributionEntry(1, 1) + "\xf8\x01\x01", "unknown"},  // field 31, a varint
      {ContributionEntry(1, 1) + "\x50\x01", "unknown"},      // field 10 with the wrong wire type
      {std::string(kEntryBytesMax + 1, 'x'), "limit"},
      {"", "empty"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(ledger_->Append({c.bytes}),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)))
        << c.field;
  }
  EXPECT_EQ(ledger_->Head().size, 0);
}

TEST_F(LedgerTest, BatchLimitsAreEnforced) {
  EXPECT_THAT(ledger_->Append({}), StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> too_many(kBatchEntriesMax + 1, ContributionEntry(1, 1));
  EXPECT_THAT(ledger_->Append(too_many),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("limit")));
}

TEST_F(LedgerTest, ReopenedLogContinuesWithTheSameTree) {
  AppendContributions(0, 77);
  const LogHead before = ledger_->Head();
  Reopen();
  const LogHead after = ledger_->Head();
  EXPECT_EQ(after.size, 77);
  EXPECT_EQ(after.root, before.root);
  EXPECT_EQ(after.checkpoint, before.checkpoint);
  AppendContributions(100, 23);
  EXPECT_OK(ledger_->Verify());
  ASSERT_OK_AND_ASSIGN(crypto::Proof p, ledger_->ConsistencyProof(77, 100));
  EXPECT_OK(crypto::VerifyConsistency(77, 100, before.root, ledger_->Head().root, p));
}

TEST_F(LedgerTest, ConcurrentAppendsAreGroupedAndAllAcknowledged) {
  constexpr int kThreads = 8;
  constexpr int kBatches = 40;
  std::vector<std::thread> threads;
  std::vector<std::vector<AppendResult>> results(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        absl::StatusOr<AppendResult> r =
            ledger_->Append({ContributionEntry(t, b * 2), ContributionEntry(t, b * 2 + 1)});
        ASSERT_TRUE(r.ok()) << r.status();
        results[t].push_back(*r);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ledger_->Head().size, kThreads * kBatches * 2);
  std::set<int64_t> indices;
  for (int t = 0; t < kThreads; ++t) {
    for (const AppendResult& r : results[t]) {
      ASSERT_OK_AND_ASSIGN(std::string e0, ledger_->GetEntry(r.first_index));
      v1::Entry parsed;
      ASSERT_TRUE(parsed.ParseFromString(e0));
      EXPECT_EQ(parsed.person_id(), PersonId(t));
      EXPECT_GE(r.tree_size, r.first_index + 2);
      indices.insert(r.first_index);
      indices.insert(r.first_index + 1);
    }
  }
  EXPECT_EQ(indices.size(), static_cast<size_t>(kThreads * kBatches * 2));
  EXPECT_OK(ledger_->Verify());
}

// Readers running while groups are written and synced see only durable, complete groups: the
// head never shrinks, its checkpoint verifies and names its size, every entry below it reads
// back, and its root is the root the proofs use (a consistency proof from the previous head).
TEST_F(LedgerTest, AsyncAppendsFromOneThreadLandInCallOrderAndBadOnesFailAtOnce) {
  constexpr int kBatches = 30;
  constexpr int kPerBatch = 50;
  std::vector<std::future<absl::StatusOr<AppendResult>>> pending;
  for (int b = 0; b < kBatches; ++b) {
    std::vector<std::string> batch;
    for (int i = 0; i < kPerBatch; ++i) batch.push_back(ContributionEntry(b, 1 + i));
    pending.push_back(ledger_->AppendAsync(std::move(batch)));
    if (b == 10) {
      // A bad batch in the middle: its future is ready with the error before anything waits.
      std::future<absl::StatusOr<AppendResult>> bad = ledger_->AppendAsync({"not an entry"});
      ASSERT_EQ(bad.wait_for(std::chrono::seconds(0)), std::future_status::ready);
      EXPECT_THAT(bad.get().status(),
                  StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("entry 0")));
    }
  }
  std::set<int64_t> checkpoints;
  for (int b = 0; b < kBatches; ++b) {
    ASSERT_OK_AND_ASSIGN(const AppendResult r, pending[static_cast<size_t>(b)].get());
    EXPECT_EQ(r.first_index, int64_t{b} * kPerBatch) << "batch " << b;
    EXPECT_EQ(r.count, kPerBatch);
    EXPECT_GE(r.tree_size, r.first_index + r.count);
    checkpoints.insert(r.tree_size);
  }
  EXPECT_EQ(ledger_->Head().size, kBatches * kPerBatch);
  // Batches queued together share groups: fewer signed checkpoints than batches.
  EXPECT_LT(checkpoints.size(), size_t{kBatches});
  Reopen();
  EXPECT_EQ(ledger_->Head().size, kBatches * kPerBatch);
  EXPECT_OK(ledger_->Verify());
  ASSERT_OK_AND_ASSIGN(const std::string entry, ledger_->GetEntry(int64_t{29} * kPerBatch));
  EXPECT_EQ(entry, ContributionEntry(29, 1));
}

TEST_F(LedgerTest, ReadersDuringAppendsSeeOnlyWholeGroups) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 60;
  std::atomic<bool> done{false};
  std::vector<std::thread> appenders;
  for (int t = 0; t < kThreads; ++t) {
    appenders.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        ASSERT_OK(ledger_->Append({ContributionEntry(t, b * 3), ContributionEntry(t, b * 3 + 1),
                                   ContributionEntry(t, b * 3 + 2)}));
      }
    });
  }
  int64_t reads = 0;
  std::thread reader([&] {
    LogHead previous = ledger_->Head();
    while (!done.load()) {
      const LogHead head = ledger_->Head();
      ASSERT_GE(head.size, previous.size);
      ASSERT_OK_AND_ASSIGN(crypto::OpenedCheckpoint opened,
                           crypto::OpenCheckpoint(head.checkpoint, ledger_->verifier()));
      ASSERT_EQ(opened.checkpoint.size, head.size);
      ASSERT_EQ(opened.checkpoint.root, head.root);
      if (head.size > 0) {
        ASSERT_OK(ledger_->GetEntry(head.size - 1));
      }
      EXPECT_THAT(ledger_->GetEntry(head.size + 3000), StatusIs(absl::StatusCode::kOutOfRange));
      if (previous.size > 0 && head.size > previous.size) {
        ASSERT_OK_AND_ASSIGN(crypto::Proof proof,
                             ledger_->ConsistencyProof(previous.size, head.size));
        ASSERT_OK(
            crypto::VerifyConsistency(previous.size, head.size, previous.root, head.root, proof));
      }
      previous = head;
      ++reads;
    }
  });
  for (std::thread& t : appenders) t.join();
  done.store(true);
  reader.join();
  EXPECT_GT(reads, 0);
  EXPECT_EQ(ledger_->Head().size, kThreads * kBatches * 3);
  EXPECT_OK(ledger_->Verify());
}

TEST_F(LedgerTest, ManyProofsAtOnceEqualTheProofsOneByOne) {
  // Groups of several sizes, so that the proofs read hashes from many blobs.
  for (int g = 0; g < 40; ++g) AppendContributions(g, 1 + g % 7);
  const int64_t size = ledger_->Head().size;
  std::vector<int64_t> indexes;
  for (int64_t i = 0; i < size; i += 3) indexes.push_back(i);
  indexes.push_back(size - 1);
  for (const int64_t tree_size : {size, size - 5, int64_t{17}}) {
    std::vector<int64_t> within;
    for (const int64_t i : indexes) {
      if (i < tree_size) within.push_back(i);
    }
    ASSERT_OK_AND_ASSIGN(const std::vector<crypto::Proof> proofs,
                         ledger_->InclusionProofs(within, tree_size));
    ASSERT_EQ(proofs.size(), within.size());
    for (size_t k = 0; k < within.size(); ++k) {
      ASSERT_OK_AND_ASSIGN(const crypto::Proof one, ledger_->InclusionProof(within[k], tree_size));
      EXPECT_EQ(proofs[k], one) << within[k] << " in " << tree_size;
    }
  }
  const std::vector<int64_t> past = {0, size};
  EXPECT_THAT(ledger_->InclusionProofs(past, size), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ledger_->InclusionProofs(past, size + 1), StatusIs(absl::StatusCode::kOutOfRange));
}

TEST_F(LedgerTest, ProofsPastTheLogAreOutOfRange) {
  AppendContributions(0, 10);
  EXPECT_THAT(ledger_->InclusionProof(3, 11), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(ledger_->InclusionProof(10, 10), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ledger_->ConsistencyProof(5, 11), StatusIs(absl::StatusCode::kOutOfRange));
}

TEST_F(LedgerTest, VerifyReportsProgress) {
  AppendContributions(0, 1000, 100);
  int64_t last_done = -1;
  int64_t total = 0;
  EXPECT_OK(ledger_->Verify([&](int64_t done, int64_t t) {
    last_done = done;
    total = t;
  }));
  EXPECT_EQ(last_done, 1000);
  EXPECT_EQ(total, 1000);
}

TEST_F(LedgerTest, SecondOpenOfALockedDatabaseIsUnavailable) {
  EXPECT_THAT(OpenRocksStorage(dir_.string()), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(LedgerTest, LogOfAnotherKeyDoesNotOpen) {
  AppendContributions(0, 3);
  ledger_.reset();
  crypto::SigningKey other = crypto::SigningKey::Generate();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> storage, OpenRocksStorage(dir_.string()));
  EXPECT_THAT(Ledger::Open(std::move(storage), LedgerOptions{.origin = std::string(kOrigin),
                                                             .key = &other,
                                                             .on_group = nullptr,
                                                             .on_stop = nullptr}),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("checkpoint")));
}

}  // namespace
}  // namespace pbl::ledger
