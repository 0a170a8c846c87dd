// The person map of a v2 log (specs/log-format-v2.md, sections 4, 5 and 10) through the ledger:
// every checkpoint carries one pbl-map line whose root is the map of the chains of the leaves
// below its map size, recomputed here from the leaves alone (tests/testing/map_oracle.h); the
// map never moves back; it is folded again after a restart that lost it; appends wait for it
// rather than let it fall more than the bound behind; and Verify and Open refuse a map that the
// leaves do not give.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <vector>

#include "crypto/base/status_macros.h"
#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "crypto/person_map.h"
#include "ledger/log/ledger.h"
#include "ledger/log/log_format.h"
#include "ledger/log/mapper.h"
#include "ledger/log/sealed.h"
#include "tests/testing/entries.h"
#include "tests/testing/map_oracle.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace pbl::ledger {
namespace {

using ::pbl::testing::ContributionEntry;
using ::pbl::testing::StatusIs;
using ::testing::HasSubstr;

constexpr std::string_view kOrigin = "pbl.example/node/310000";
constexpr int kNeverMs = 3'600'000;  // a mapper that folds only when it must

class PersonMapLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::pbl::testing::FreshTestDir("person_map_ledger");
    ASSERT_OK(Reopen());
  }
  void TearDown() override {
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }
  absl::Status Reopen(int interval_ms = 250, int64_t lag_max = kMapLagMax) {
    ledger_.reset();
    PBL_ASSIGN_OR_RETURN(std::unique_ptr<Storage> storage, OpenRocksStorage(dir_.string()));
    LedgerOptions options{.origin = std::string(kOrigin),
                          .key = &key_,
                          .on_group = nullptr,
                          .on_stop = nullptr,
                          .secrets = &secrets_};
    options.map_interval_ms = interval_ms;
    options.map_lag_max = lag_max;
    PBL_ASSIGN_OR_RETURN(ledger_, Ledger::Open(std::move(storage), std::move(options)));
    return absl::OkStatus();
  }
  std::vector<std::string> Months(int64_t people, int64_t months, int64_t first = 0) {
    std::vector<std::string> batch;
    for (int64_t m = 0; m < months; ++m) {
      for (int64_t p = 0; p < people; ++p) batch.push_back(ContributionEntry(p, first + m));
    }
    return batch;
  }
  // The map of the leaves below `size`, from the leaves alone (tests/testing/map_oracle.h).
  crypto::Hash MapRootOfLeaves(int64_t size) {
    std::vector<std::string> leaves;
    for (int64_t start = 0; start < size; start += static_cast<int64_t>(kReadEntriesMax)) {
      absl::StatusOr<std::vector<std::string>> read =
          ledger_->GetEntries(start, std::min(static_cast<int64_t>(kReadEntriesMax), size - start));
      EXPECT_OK(read.status());
      if (!read.ok()) return {};
      leaves.insert(leaves.end(), read->begin(), read->end());
    }
    return ::pbl::testing::MapRootOfLeaves(leaves, size);
  }
  static PersonKey KeyOf(std::string_view leaf) {
    PersonKey key;
    std::copy_n(leaf.begin() + 2, key.size(), key.begin());
    return key;
  }
  // Every stored checkpoint's map, by checkpoint size.
  std::map<int64_t, MapHead> CheckpointMaps() {
    std::map<int64_t, MapHead> out;
    const std::string prefix(1, kCheckpointPrefix);
    EXPECT_OK(ledger_->storage()->Scan(
        prefix, PrefixEnd(prefix), [&](std::string_view key, std::string_view note) {
          absl::StatusOr<crypto::OpenedCheckpoint> cp =
              crypto::OpenCheckpoint(note, ledger_->verifier());
          EXPECT_OK(cp.status());
          if (!cp.ok()) return false;
          absl::StatusOr<MapHead> head =
              ParseMapLine(cp->checkpoint.extensions, cp->checkpoint.size);
          EXPECT_OK(head.status()) << cp->checkpoint.size;
          if (head.ok()) out[DecodeIndexKey(kCheckpointPrefix, key).value()] = *head;
          return true;
        }));
    return out;
  }

  std::filesystem::path dir_;
  crypto::SigningKey key_ = crypto::SigningKey::Generate();
  NodeSecrets secrets_{
      crypto::SecretKey::FromBytes(std::vector<uint8_t>(crypto::kSecretKeyBytes, 7)).value()};
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(PersonMapLedgerTest, EveryCheckpointCarriesTheMapOfTheLeavesBelowItsMapSize) {
  ASSERT_OK_AND_ASSIGN(const crypto::OpenedCheckpoint first,
                       crypto::OpenCheckpoint(ledger_->Head().checkpoint, ledger_->verifier()));
  EXPECT_THAT(first.checkpoint.extensions,
              ::testing::ElementsAre(MapLine(MapHead{1, crypto::kEmptyMapHash})));
  for (int round = 0; round < 6; ++round) {
    ASSERT_OK(ledger_->Append(Months(7, 3, round * 3)).status());
    if (round % 2 == 1) {
      ASSERT_OK(ledger_->WaitForMap(ledger_->Head().size));
    }
  }
  const int64_t size = ledger_->Head().size;
  ASSERT_OK(ledger_->WaitForMap(size));
  EXPECT_EQ(ledger_->mapper()->head().size, size);
  EXPECT_EQ(ledger_->mapper()->head().root, MapRootOfLeaves(size));
  EXPECT_EQ(ledger_->mapper()->keys(), 7u);
  ASSERT_OK(ledger_->Append(Months(1, 1, 100)).status());  // its checkpoint carries that map

  const std::map<int64_t, MapHead> maps = CheckpointMaps();
  ASSERT_EQ(maps.size(), 8u);  // size 1 and 7 appends
  int64_t last = 0;
  for (const auto& [cp_size, head] : maps) {
    EXPECT_LE(head.size, cp_size);
    EXPECT_GE(head.size, last) << "the map moved back at checkpoint " << cp_size;
    last = head.size;
    EXPECT_EQ(head.root, MapRootOfLeaves(head.size)) << "checkpoint " << cp_size;
  }
  EXPECT_EQ(maps.rbegin()->second.size, size);
  EXPECT_OK(ledger_->Verify());
}

TEST_F(PersonMapLedgerTest, AKeysValueIsItsCountChainAndLastIndex) {
  ASSERT_OK_AND_ASSIGN(const AppendResult r, ledger_->Append(Months(2, 3)));
  ASSERT_OK(ledger_->WaitForMap(r.tree_size));
  // Person 1's leaves are 2, 4, 6.
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> leaves, ledger_->GetEntries(1, 6));
  const PersonKey key = KeyOf(leaves[1]);
  crypto::Hash chain{};
  for (const int64_t index : {2, 4, 6}) {
    chain = crypto::ChainNext(
        chain, static_cast<uint64_t>(index),
        crypto::LeafHash(crypto::AsBytes(leaves[static_cast<size_t>(index - 1)])));
  }
  EXPECT_EQ(ledger_->mapper()->Get(key), (crypto::MapValue{3, chain, 6}));
  const auto [proof, head] = ledger_->mapper()->Prove(key);
  EXPECT_OK(crypto::VerifyMapInclusion(head.root, key, crypto::MapValue{3, chain, 6}, proof));
  EXPECT_THAT(crypto::VerifyMapInclusion(head.root, key, crypto::MapValue{2, chain, 6}, proof),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(PersonMapLedgerTest, LeavesTheMapperDidNotFoldAreFoldedWhenTheLogOpensAgain) {
  ASSERT_OK(Reopen(kNeverMs));
  for (int round = 0; round < 4; ++round)
    ASSERT_OK(ledger_->Append(Months(5, 2, round * 2)).status());
  const int64_t size = ledger_->Head().size;
  EXPECT_EQ(ledger_->mapper()->head().size, 1);  // nothing folded yet: the log is still open
  ASSERT_OK(Reopen(kNeverMs));
  EXPECT_EQ(ledger_->mapper()->head().size, size);
  EXPECT_EQ(ledger_->mapper()->head().root, MapRootOfLeaves(size));
  ASSERT_OK(ledger_->Append(Months(1, 1, 50)).status());
  EXPECT_EQ(CheckpointMaps().rbegin()->second.size, size);
  EXPECT_OK(ledger_->Verify());
}

TEST_F(PersonMapLedgerTest, NoCheckpointsMapIsFurtherBehindThanTheBound) {
  constexpr int64_t kLag = 200;
  ASSERT_OK(Reopen(kNeverMs, kLag));
  for (int round = 0; round < 30; ++round)
    ASSERT_OK(ledger_->Append(Months(10, 5, round * 5)).status());
  // Each append of 50 entries waits for the map when it is more than kLag behind (the mapper
  // folds early once it is kLag / 2 behind), so no checkpoint's map is further behind than kLag
  // and the groups in flight.
  for (const auto& [cp_size, head] : CheckpointMaps()) {
    EXPECT_GE(head.size, cp_size - kLag - 2 * 50) << "checkpoint " << cp_size;
  }
  EXPECT_GT(ledger_->mapper()->head().size, 1);
  EXPECT_OK(ledger_->Verify());
}

TEST_F(PersonMapLedgerTest, VerifyRefusesACheckpointWhoseMapTheLeavesDoNotGive) {
  ASSERT_OK_AND_ASSIGN(const AppendResult r, ledger_->Append(Months(3, 2)));
  ASSERT_OK(ledger_->WaitForMap(r.tree_size));
  ASSERT_OK(ledger_->Append(Months(3, 1, 2)).status());
  const int64_t size = ledger_->Head().size;
  // A checkpoint for the head signed by the node's own key, whose map omits person 0's last
  // leaf: what a node hiding an entry from the map would sign.
  ASSERT_OK_AND_ASSIGN(const crypto::OpenedCheckpoint head,
                       crypto::OpenCheckpoint(ledger_->Head().checkpoint, ledger_->verifier()));
  const MapHead honest = ParseMapLine(head.checkpoint.extensions, size).value();
  ASSERT_EQ(honest.size, r.tree_size);
  MapHead forged = honest;
  forged.root[0] ^= 1;
  ASSERT_OK_AND_ASSIGN(crypto::Ed25519NoteSigner signer,
                       crypto::Ed25519NoteSigner::Create(std::string(kOrigin), &key_));
  const crypto::NoteSigner* signers[] = {&signer};
  ASSERT_OK_AND_ASSIGN(
      const std::string note,
      crypto::SignCheckpoint(
          crypto::Checkpoint{std::string(kOrigin), size, head.checkpoint.root, {MapLine(forged)}},
          signers));
  ledger_.reset();
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> storage, OpenRocksStorage(dir_.string()));
    std::unique_ptr<StorageBatch> batch = storage->NewBatch();
    batch->Put(CheckpointKey(size), note);
    ASSERT_OK(storage->Commit(*batch));
  }
  ASSERT_OK(Reopen());
  EXPECT_THAT(ledger_->Verify(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("carries a map root for map size " +
                                                              std::to_string(honest.size))));
}

TEST_F(PersonMapLedgerTest, OpenRefusesMapRowsThatDoNotGiveTheirRoot) {
  ASSERT_OK_AND_ASSIGN(const AppendResult r, ledger_->Append(Months(3, 2)));
  ASSERT_OK(ledger_->WaitForMap(r.tree_size));
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> leaves, ledger_->GetEntries(1, 1));
  const PersonKey key = KeyOf(leaves[0]);
  ledger_.reset();
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Storage> storage, OpenRocksStorage(dir_.string()));
    std::unique_ptr<StorageBatch> batch = storage->NewBatch();
    batch->Put(MapValueRowKey(key), std::string(crypto::kMapValueBytes, '\x01'));
    ASSERT_OK(storage->Commit(*batch));
  }
  EXPECT_THAT(Reopen(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("map value rows")));
}

TEST_F(PersonMapLedgerTest, WaitForMapPastTheLogIsRefused) {
  EXPECT_THAT(ledger_->WaitForMap(ledger_->Head().size + 1),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_OK(ledger_->WaitForMap(ledger_->Head().size));
}

}  // namespace
}  // namespace pbl::ledger
