// Tampering under the ledger: each test builds a log of several groups, closes it, changes bytes
// directly in RocksDB, reopens it and expects DATA_LOSS naming what was changed and where, from
// Ledger::Open (which checks the head) or else from Ledger::Verify (which checks everything).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/base/strings.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "crypto/sha256.h"
#include "ledger/log/ledger.h"
#include "ledger/log/log_format.h"
#include "ledger/log/person_store.h"
#include "tests/testing/entries.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace pbl::ledger {
namespace {

using ::pbl::testing::ContributionEntry;
using ::pbl::testing::PersonId;
using ::pbl::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr std::string_view kOrigin = "pbl.example/node/310000";

// A fixed signing key, so that every run writes the same bytes.
crypto::SigningKey FixedKey() {
  std::array<uint8_t, crypto::kEd25519SeedBytes> seed{};
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(0xa0 + i);
  return std::move(crypto::SigningKey::FromSeed(seed)).value();
}
constexpr std::string_view kScheme = "UEBPI-310000";
// Five groups; the log ends at 350 and has checkpoints at 0, 100, 137, 200, 300 and 350.
constexpr int64_t kGroupSizes[] = {100, 37, 63, 100, 50};
constexpr int64_t kLogSize = 350;
constexpr int64_t kPeople = 20;
// An entry in the middle of the log, in the second group, and its worker.
constexpr int64_t kVictim = 123;
constexpr int64_t kVictimPerson = kVictim % kPeople;

// The database under the ledger, opened directly so that tests can change what the ledger wrote.
// It opens every column family there is and finds a key's family by its first byte, as
// ledger/rocks_storage.cc does (one family per key prefix, named here by that prefix).
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    std::vector<std::string> names;
    status_ = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const std::string& name : names)
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* db = nullptr;
    if (status_.ok())
      status_ = rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles_, &db);
    db_.reset(db);
    for (size_t i = 0; i < handles_.size(); ++i) {
      static const std::map<std::string, char> kPrefixOf = {
          {"entries", kEntryPrefix},      {"hashes", kHashPrefix},
          {"persons", kPersonPrefix},     {"checkpoints", kCheckpointPrefix},
          {"contents", kContentPrefix},   {"person_keys", kPersonKeysPrefix},
          {"person_chains", kChainPrefix}};
      if (auto it = kPrefixOf.find(names[i]); it != kPrefixOf.end())
        by_prefix_[it->second] = handles_[i];
    }
  }
  ~RawDb() {
    for (rocksdb::ColumnFamilyHandle* h : handles_)
      db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }

  bool ok() const { return status_.ok(); }
  std::string error() const { return status_.ToString(); }

  std::string Get(std::string_view key) {
    std::string value;
    Keep(db_->Get(rocksdb::ReadOptions(), Family(key), Slice(key), &value));
    return value;
  }
  void Put(std::string_view key, std::string_view value) {
    Keep(db_->Put(rocksdb::WriteOptions(), Family(key), Slice(key), Slice(value)));
  }
  void Delete(std::string_view key) {
    Keep(db_->Delete(rocksdb::WriteOptions(), Family(key), Slice(key)));
  }

  // The stored hash at `stored_index`, read from the blob that holds it as the ledger's floor
  // reads find it, and its replacement.
  crypto::Hash GetStoredHash(int64_t stored_index) {
    crypto::Hash h{};
    const auto [blob_key, offset] = LocateStoredHash(stored_index);
    const std::string blob = Get(blob_key);
    if (offset + h.size() <= blob.size()) std::copy_n(blob.begin() + offset, h.size(), h.begin());
    return h;
  }
  void PutStoredHash(int64_t stored_index, const crypto::Hash& h) {
    const auto [blob_key, offset] = LocateStoredHash(stored_index);
    std::string blob = Get(blob_key);
    if (offset + h.size() > blob.size()) return Keep(rocksdb::Status::NotFound("hash"));
    blob.replace(offset, h.size(), reinterpret_cast<const char*>(h.data()), h.size());
    Put(blob_key, blob);
  }

  // Entry `index` as the ledger reads it (from the bundle holding it), and its replacement or
  // removal inside that bundle; PutEntry past every bundle starts a bundle of its own.
  std::string GetEntry(int64_t index) {
    auto [key, entries] = LocateEntry(index);
    if (!key.empty() && static_cast<size_t>(index - Start(key)) < entries.size()) {
      return entries[static_cast<size_t>(index - Start(key))];
    }
    Keep(rocksdb::Status::NotFound("no bundle holds the entry"));
    return "";
  }
  void PutEntry(int64_t index, std::string_view bytes) {
    auto [key, entries] = LocateEntry(index);
    if (key.empty() || static_cast<size_t>(index - Start(key)) >= entries.size()) {
      return Put(EntryKey(index), Bundle({std::string(bytes)}));
    }
    entries[static_cast<size_t>(index - Start(key))] = bytes;
    Put(key, Bundle(entries));
  }
  void RemoveEntry(int64_t index) {
    auto [key, entries] = LocateEntry(index);
    if (key.empty() || static_cast<size_t>(index - Start(key)) >= entries.size()) {
      return Keep(rocksdb::Status::NotFound("no bundle holds the entry"));
    }
    entries.erase(entries.begin() + (index - Start(key)));
    if (entries.empty()) return Delete(key);
    Put(key, Bundle(entries));
  }
  // The key of the bundle holding entry `index`.
  std::string BundleKeyOf(int64_t index) { return LocateEntry(index).first; }

 private:
  static rocksdb::Slice Slice(std::string_view s) { return {s.data(), s.size()}; }
  static int64_t Start(const std::string& bundle_key) {
    return DecodeIndexKey(kEntryPrefix, bundle_key).value_or(-1);
  }
  static std::string Bundle(const std::vector<std::string>& entries) {
    std::string bundle;
    for (const std::string& e : entries) AppendToBundle(&bundle, e);
    return bundle;
  }
  // The greatest key not above `key` in its family, with its value, as the ledger's floor reads
  // find it; nullopt if there is none.
  std::optional<std::pair<std::string, std::string>> Floor(const std::string& key) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Family(key)));
    it->SeekForPrev(Slice(key));
    if (!it->Valid()) return std::nullopt;
    return std::pair(it->key().ToString(), it->value().ToString());
  }
  // The greatest bundle key not above entry `index`, and that bundle's entries.
  std::pair<std::string, std::vector<std::string>> LocateEntry(int64_t index) {
    const auto found = Floor(EntryKey(index));
    if (!found) return {};
    absl::StatusOr<std::vector<std::string_view>> entries = SplitBundle(found->second);
    if (!entries.ok()) {
      Keep(rocksdb::Status::Corruption("the bundle does not split"));
      return {};
    }
    return {found->first, std::vector<std::string>(entries->begin(), entries->end())};
  }
  rocksdb::ColumnFamilyHandle* Family(std::string_view key) {
    if (key == kLayoutKey) return db_->DefaultColumnFamily();
    auto it = key.empty() ? by_prefix_.end() : by_prefix_.find(key[0]);
    if (it == by_prefix_.end()) {
      Keep(rocksdb::Status::InvalidArgument("no column family for the key's prefix"));
      return db_->DefaultColumnFamily();
    }
    return it->second;
  }

  // Keeps the first error, so that a test checks one status after all its changes.
  void Keep(const rocksdb::Status& s) {
    if (status_.ok()) status_ = s;
  }

  // The key of the blob holding a stored hash, and the hash's offset in it.
  std::pair<std::string, size_t> LocateStoredHash(int64_t stored_index) {
    const auto found = Floor(HashBlobKey(stored_index));
    const std::optional<int64_t> start =
        found ? DecodeIndexKey(kHashPrefix, found->first) : std::nullopt;
    if (!start) {
      Keep(rocksdb::Status::NotFound("no hash blob holds the stored hash"));
      return {"", 0};
    }
    return {found->first, static_cast<size_t>(stored_index - *start) * crypto::kHashBytes};
  }

  rocksdb::Status status_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<char, rocksdb::ColumnFamilyHandle*> by_prefix_;
  std::unique_ptr<rocksdb::DB> db_;
};

class TamperTest : public ::testing::Test {
 protected:
  TamperTest() = default;
  // A v2 log (entry 0 its parameters, then the same entries) when `secrets` is set.
  explicit TamperTest(const NodeSecrets* secrets) : secrets_(secrets) {}

  void SetUp() override {
    dir_ = ::pbl::testing::FreshTestDir("tamper");
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger, Open());
    int64_t index = 0;
    for (const int64_t size : kGroupSizes) {
      std::vector<std::string> batch;
      for (int64_t i = 0; i < size; ++i, ++index) {
        batch.push_back(ContributionEntry(index % kPeople, index / kPeople));
      }
      ASSERT_OK(ledger->Append(std::move(batch)));
    }
    ASSERT_EQ(ledger->Head().size, kLogSize + (secrets_ != nullptr ? 1 : 0));
    ASSERT_OK(ledger->Verify());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  absl::StatusOr<std::unique_ptr<Ledger>> Open() {
    absl::StatusOr<std::unique_ptr<Storage>> storage = OpenRocksStorage(dir_.string());
    if (!storage.ok()) return storage.status();
    return Ledger::Open(std::move(*storage), LedgerOptions{.origin = std::string(kOrigin),
                                                           .key = &key_,
                                                           .on_group = nullptr,
                                                           .on_stop = nullptr,
                                                           .secrets = secrets_});
  }

  // What a tampered log reports: Open's error if it does not open, else Verify's result.
  absl::Status OpenAndVerify() {
    absl::StatusOr<std::unique_ptr<Ledger>> ledger = Open();
    if (!ledger.ok()) return ledger.status();
    return (*ledger)->Verify();
  }

  // Runs `tamper` on the closed database, then closes it again for the ledger.
  void Tamper(const std::function<void(RawDb&)>& tamper) {
    RawDb db(dir_.string());
    ASSERT_TRUE(db.ok()) << db.error();
    tamper(db);
    ASSERT_TRUE(db.ok()) << db.error();
  }

  // Flips one bit of the stored hash at `stored_index`.
  void FlipStoredHash(int64_t stored_index) {
    Tamper([&](RawDb& db) {
      crypto::Hash h = db.GetStoredHash(stored_index);
      h[5] ^= 0x10;
      db.PutStoredHash(stored_index, h);
    });
  }

  std::filesystem::path dir_;
  crypto::SigningKey key_ = FixedKey();
  const NodeSecrets* secrets_ = nullptr;
};

TEST_F(TamperTest, FlippedEntryByteIsDataLoss) {
  // A byte inside a text field, so that the entry still parses and only its hash can tell.
  Tamper([](RawDb& db) {
    std::string entry = db.GetEntry(kVictim);
    const size_t at = entry.find("SH-UEBPI");
    ASSERT_NE(at, std::string::npos);
    entry[at] = 'T';
    db.PutEntry(kVictim, entry);
  });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("entry 123"), HasSubstr("stored leaf hash"))));
}

TEST_F(TamperTest, TruncatedEntryIsDataLoss) {
  Tamper([](RawDb& db) {
    std::string entry = db.GetEntry(kVictim);
    entry.resize(entry.size() / 2);
    db.PutEntry(kVictim, entry);
  });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("entry 123 is not a valid entry")));
}

TEST_F(TamperTest, EntryReplacedByAnotherValidEntryIsDataLoss) {
  Tamper([](RawDb& db) { db.PutEntry(kVictim, ContributionEntry(kVictimPerson, 99)); });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("entry 123"), HasSubstr("stored leaf hash"))));
}

TEST_F(TamperTest, EntryRewrittenWithItsLeafHashIsDataLoss) {
  // Whoever rewrites an entry and its leaf hash is caught by the node above it: entries 122 and
  // 123 make the level-1 node that entry 123 closes.
  const std::string forged = ContributionEntry(kVictimPerson, 99);
  Tamper([&](RawDb& db) {
    db.PutEntry(kVictim, forged);
    db.PutStoredHash(crypto::StoredHashIndex(0, kVictim),
                     crypto::LeafHash(crypto::AsBytes(forged)));
  });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(StrCat("stored hash ", crypto::StoredHashIndex(1, kVictim / 2),
                                        " (level 1, closed by entry 123)"))));
}

TEST_F(TamperTest, EntryBundleDeletedIsDataLoss) {
  // Entry 123 is in the bundle of entries 112..127 (the second group is 100..136).
  Tamper([](RawDb& db) {
    ASSERT_EQ(db.BundleKeyOf(kVictim), EntryKey(112));
    db.Delete(EntryKey(112));
  });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("entry 112 is missing")));
}

TEST_F(TamperTest, EntryRemovedFromItsBundleIsDataLoss) {
  // The entries after it in the bundle move up one place: entry 123 then has 124's bytes.
  Tamper([](RawDb& db) { db.RemoveEntry(kVictim); });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("entry 123"), HasSubstr("stored leaf hash"))));
}

TEST_F(TamperTest, MalformedEntryBundleIsDataLoss) {
  // A length that runs past the bundle's end.
  Tamper([](RawDb& db) {
    std::string bundle = db.Get(EntryKey(112));
    bundle[0] = static_cast<char>(0xff);
    db.Put(EntryKey(112), bundle);
  });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("the entry bundle at entry 112 is malformed"),
                             HasSubstr("runs past the bundle's end"))));
}

TEST_F(TamperTest, EntryBundleCrossingABoundaryIsDataLoss) {
  // Entry 112 moved to the end of the bundle of 100..111 and the rest of its own bundle keyed at
  // 113: every entry is still there, in order, but a read of entry 112 would look for a bundle
  // starting at 112 or later.
  Tamper([](RawDb& db) {
    const std::string first = db.Get(EntryKey(112)).substr(0, 2 + db.GetEntry(112).size());
    const std::string rest = db.Get(EntryKey(112)).substr(first.size());
    db.Put(EntryKey(100), db.Get(EntryKey(100)) + first);
    db.Delete(EntryKey(112));
    db.Put(EntryKey(113), rest);
  });
  EXPECT_THAT(OpenAndVerify(), StatusIs(absl::StatusCode::kDataLoss,
                                        HasSubstr("the entry bundle at entry 100 (13 entries) "
                                                  "crosses a bundle boundary")));
}

TEST_F(TamperTest, OverlappingEntryBundleIsDataLoss) {
  // A stray bundle key inside the bundle of 112..127, holding a copy of entry 120.
  Tamper([](RawDb& db) {
    std::string bundle;
    AppendToBundle(&bundle, db.GetEntry(120));
    db.Put(EntryKey(120), bundle);
  });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("the entry bundle at entry 120 (1 entries) overlaps the one "
                                 "before it")));
}

TEST_F(TamperTest, LastEntryDeletedIsDataLoss) {
  Tamper([](RawDb& db) { db.RemoveEntry(kLogSize - 1); });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("the last entry key says 349")));
}

TEST_F(TamperTest, EntryAddedPastTheHeadIsDataLoss) {
  Tamper([](RawDb& db) { db.PutEntry(kLogSize, ContributionEntry(1, 99)); });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("the last entry key says 351")));
}

TEST_F(TamperTest, FlippedLeafHashIsDataLoss) {
  FlipStoredHash(crypto::StoredHashIndex(0, kVictim));
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(StrCat("entry 123: its bytes do not match its stored leaf hash "
                                        "(stored hash ",
                                        crypto::StoredHashIndex(0, kVictim), ")"))));
}

TEST_F(TamperTest, FlippedInteriorHashIsDataLoss) {
  // The level-2 node over entries 120..123, which entry 123 closes.
  const int64_t node = crypto::StoredHashIndex(2, kVictim / 4);
  FlipStoredHash(node);
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(StrCat("stored hash ", node, " (level 2, closed by entry 123)"))));
}

TEST_F(TamperTest, FlippedFrontierHashFailsOpen) {
  // The root of entries 0..255, the first hash of the frontier Open loads for size 350.
  FlipStoredHash(crypto::StoredHashIndex(8, 0));
  EXPECT_THAT(OpenAndVerify(), StatusIs(absl::StatusCode::kDataLoss,
                                        HasSubstr("does not have the latest checkpoint's root")));
}

TEST_F(TamperTest, TruncatedHashBlobIsDataLoss) {
  // The second group's blob, which Open does not read: the frontier lies in later groups.
  const int64_t blob_start = crypto::StoredHashCount(100);
  Tamper([&](RawDb& db) {
    std::string blob = db.Get(HashBlobKey(blob_start));
    blob.pop_back();
    db.Put(HashBlobKey(blob_start), blob);
  });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr(StrCat("hash blob starting at stored hash ", blob_start))));
}

// A blob key inside another blob's range shadows the rest of that blob for the floor reads of
// proofs, so proofs are built from hashes Verify never compared.
TEST_F(TamperTest, HashBlobInsideAGroupIsDataLoss) {
  const int64_t inside = crypto::StoredHashCount(100) + 10;
  Tamper([&](RawDb& db) { db.Put(HashBlobKey(inside), std::string(crypto::kHashBytes, 'x')); });
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger, Open());
  // The tampering matters: some entry of the second group no longer proves its inclusion.
  int bad_proofs = 0;
  for (int64_t i = 100; i < 137; ++i) {
    ASSERT_OK_AND_ASSIGN(std::string entry, ledger->GetEntry(i));
    const absl::StatusOr<crypto::Proof> proof = ledger->InclusionProof(i, kLogSize);
    if (!proof.ok() ||
        !crypto::VerifyInclusion(i, kLogSize, crypto::LeafHash(crypto::AsBytes(entry)), *proof,
                                 ledger->Head().root)
             .ok()) {
      ++bad_proofs;
    }
  }
  EXPECT_GT(bad_proofs, 0);
  EXPECT_THAT(ledger->Verify(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(StrCat("stored hash ", inside))));
}

// A blob past the tree holds no hash of it, yet every later append would refuse to write over it
// (INTERNAL): the log must not pass as sound. Open can tell in one read, as the last blob must end
// at the tree's last stored hash.
TEST_F(TamperTest, HashBlobPastTheTreeIsDataLoss) {
  const int64_t past = crypto::StoredHashCount(kLogSize);
  Tamper([&](RawDb& db) { db.Put(HashBlobKey(past), std::string(crypto::kHashBytes, 'x')); });
  EXPECT_THAT(OpenAndVerify(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("hash blob")));
}

TEST_F(TamperTest, IndexRowRemovedIsDataLoss) {
  Tamper([](RawDb& db) { db.Delete(PersonIndexKey(PersonId(kVictimPerson), kScheme, kVictim)); });
  EXPECT_THAT(OpenAndVerify(), StatusIs(absl::StatusCode::kDataLoss,
                                        HasSubstr("entry 123 has no person index row")));
}

TEST_F(TamperTest, IndexRowMovedToAnotherPersonIsDataLoss) {
  Tamper([](RawDb& db) {
    db.Delete(PersonIndexKey(PersonId(kVictimPerson), kScheme, kVictim));
    db.Put(PersonIndexKey(PersonId(kVictimPerson + 1), kScheme, kVictim), "");
  });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("person index row for entry 123 names a person or scheme")));
}

TEST_F(TamperTest, IndexRowForANonexistentEntryIsDataLoss) {
  Tamper([](RawDb& db) { db.Put(PersonIndexKey(PersonId(kVictimPerson), kScheme, kLogSize), ""); });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("person index row"), HasSubstr("points past the log"))));
}

TEST_F(TamperTest, FlippedOldCheckpointByteIsDataLoss) {
  Tamper([](RawDb& db) {
    std::string note = db.Get(CheckpointKey(137));
    note[note.size() / 2] ^= 0x01;
    db.Put(CheckpointKey(137), note);
  });
  EXPECT_THAT(OpenAndVerify(), StatusIs(absl::StatusCode::kDataLoss,
                                        HasSubstr("checkpoint at size 137 does not verify")));
}

TEST_F(TamperTest, FlippedLatestCheckpointByteIsDataLoss) {
  Tamper([](RawDb& db) {
    std::string note = db.Get(CheckpointKey(kLogSize));
    note[note.size() / 2] ^= 0x01;
    db.Put(CheckpointKey(kLogSize), note);
  });
  EXPECT_THAT(OpenAndVerify(), StatusIs(absl::StatusCode::kDataLoss,
                                        HasSubstr("latest checkpoint does not verify")));
}

TEST_F(TamperTest, CheckpointCopiedToAnotherSizeIsDataLoss) {
  // A valid signature, but over a checkpoint of another size.
  Tamper([](RawDb& db) { db.Put(CheckpointKey(137), db.Get(CheckpointKey(200))); });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss, AllOf(HasSubstr("checkpoint at size 137"),
                                                          HasSubstr("differs from its key"))));
}

// Layouts. A log written before entry bundles has no layout row and one unprefixed entry per
// key; such a log is still read, appended to and verified in that layout.
class LayoutTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = ::pbl::testing::FreshTestDir("layout"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  absl::StatusOr<std::unique_ptr<Ledger>> Open() {
    absl::StatusOr<std::unique_ptr<Storage>> storage = OpenRocksStorage(dir_.string());
    if (!storage.ok()) return storage.status();
    return Ledger::Open(
        std::move(*storage),
        LedgerOptions{
            .origin = std::string(kOrigin), .key = &key_, .on_group = nullptr, .on_stop = nullptr});
  }
  void Tamper(const std::function<void(RawDb&)>& change) {
    RawDb db(dir_.string());
    ASSERT_TRUE(db.ok()) << db.error();
    change(db);
    ASSERT_TRUE(db.ok()) << db.error();
  }

  std::filesystem::path dir_;
  crypto::SigningKey key_ = FixedKey();
};

TEST_F(LayoutTest, ANewLogNamesItsLayoutAndBundlesItsEntries) {
  std::vector<std::string> entries;
  for (int64_t i = 0; i < 20; ++i) entries.push_back(ContributionEntry(i, 0));
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger, Open());
    ASSERT_OK(ledger->Append(entries).status());
  }
  Tamper([&](RawDb& db) {
    EXPECT_EQ(db.Get(kLayoutKey), kLayoutBundles);
    const std::string bundle = db.Get(EntryKey(0));
    ASSERT_OK_AND_ASSIGN(std::vector<std::string_view> first, SplitBundle(bundle));
    EXPECT_EQ(std::vector<std::string>(first.begin(), first.end()),
              std::vector<std::string>(entries.begin(), entries.begin() + 16));
    EXPECT_EQ(db.GetEntry(19), entries[19]);
  });
}

TEST_F(LayoutTest, ALogWithoutALayoutRowIsRefused) {
  // A log as builds before entry bundles left it: checkpoints and entries, no layout row.
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger, Open());
    ASSERT_OK(ledger->Append({ContributionEntry(1, 0), ContributionEntry(2, 0)}).status());
  }
  Tamper([](RawDb& db) { db.Delete(kLayoutKey); });
  EXPECT_THAT(Open().status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no layout row")));
  // Refusing wrote nothing (no layout row either): the next open is refused the same way.
  EXPECT_THAT(Open().status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no layout row")));
}

TEST_F(LayoutTest, AnEmptyLogWithoutALayoutRowIsRefused) {
  // The empty log of such a build: a checkpoint at size 0 and no layout row.
  { ASSERT_OK(Open().status()); }
  Tamper([](RawDb& db) { db.Delete(kLayoutKey); });
  EXPECT_THAT(Open().status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no layout row")));
}

TEST_F(LayoutTest, AnUnknownLayoutIsRefused) {
  { ASSERT_OK(Open().status()); }
  Tamper([](RawDb& db) { db.Put(kLayoutKey, "pbl-log/entry-bundles-256"); });
  EXPECT_THAT(Open().status(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                        HasSubstr("'pbl-log/entry-bundles-256'")));
}

// The same log in format v2: entry 0 holds the log's parameters, so the entries above are one
// place later, and each has a content row, a person index row and its person's key rows.
class SealedTamperTest : public TamperTest {
 protected:
  static constexpr int64_t kSealedVictim = kVictim + 1;
  static constexpr int64_t kSealedSize = kLogSize + 1;

  SealedTamperTest() : TamperTest(&sealed_secrets_) {}

  // The K that leaf `index` carries, read from the closed database.
  static PersonKey KeyOf(RawDb& db, int64_t index) {
    PersonKey k{};
    const std::string leaf = db.GetEntry(index);
    if (leaf.size() == kPersonLeafBytes) std::copy_n(leaf.begin() + 2, k.size(), k.begin());
    return k;
  }
  std::string PersonRow(int64_t person) const {
    return PersonRowKey(sealed_secrets_.HandleOf(PersonId(person)));
  }

  // Made before the base's SetUp opens the log with it.
  NodeSecrets sealed_secrets_{crypto::SecretKey::FromBytes(std::vector<uint8_t>(32, 0x5a)).value()};
};

TEST_F(SealedTamperTest, ChangedContentRowIsDataLoss) {
  Tamper([](RawDb& db) {
    std::string row = db.Get(ContentRowKey(kSealedVictim));
    row[row.size() / 2] = static_cast<char>(row[row.size() / 2] ^ 0x01);
    db.Put(ContentRowKey(kSealedVictim), row);
  });
  EXPECT_THAT(OpenAndVerify(), StatusIs(absl::StatusCode::kDataLoss,
                                        HasSubstr("content row of entry 124 does not open")));
}

TEST_F(SealedTamperTest, ContentRowOfAnotherEntryOfThePersonIsDataLoss) {
  // Entry 124 and entry 124 + kPeople are the same worker's: one data key opens both rows, but
  // each row is sealed to its own leaf.
  Tamper([](RawDb& db) {
    db.Put(ContentRowKey(kSealedVictim), db.Get(ContentRowKey(kSealedVictim + kPeople)));
  });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("content row of entry 124 does not open for its leaf")));
}

TEST_F(SealedTamperTest, DeletedContentRowIsDataLoss) {
  Tamper([](RawDb& db) { db.Delete(ContentRowKey(kSealedVictim)); });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("content row of entry 124")));
}

TEST_F(SealedTamperTest, ContentRowWithoutALeafIsDataLoss) {
  Tamper([](RawDb& db) { db.Put(ContentRowKey(0), db.Get(ContentRowKey(kSealedVictim))); });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("a content row for entry 0")));
}

TEST_F(SealedTamperTest, DeletedPersonIndexRowIsDataLoss) {
  Tamper([](RawDb& db) { db.Delete(ChainRowKey(KeyOf(db, kSealedVictim), kSealedVictim)); });
  EXPECT_THAT(OpenAndVerify(), StatusIs(absl::StatusCode::kDataLoss,
                                        HasSubstr("entry 124 has no person index row")));
}

TEST_F(SealedTamperTest, PersonIndexRowForAnotherPersonsLeafIsDataLoss) {
  // Entry 125 is the next worker's: a row claiming it for the victim's key.
  Tamper([](RawDb& db) { db.Put(ChainRowKey(KeyOf(db, kSealedVictim), kSealedVictim + 1), ""); });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("row for entry 125 names a key the leaf does not carry")));
}

TEST_F(SealedTamperTest, PersonIndexRowPastTheLogIsDataLoss) {
  Tamper([](RawDb& db) { db.Put(ChainRowKey(KeyOf(db, kSealedVictim), kSealedSize + 5), ""); });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("points past the log")));
}

TEST_F(SealedTamperTest, DataKeyOfAnotherPersonIsDataLoss) {
  // Each wrapped data key is bound to its person's handle.
  Tamper(
      [&](RawDb& db) { db.Put(PersonRow(kVictimPerson), db.Get(PersonRow(kVictimPerson + 1))); });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("data key does not open")));
}

TEST_F(SealedTamperTest, PersonKeyRowOfAnotherPersonIsDataLoss) {
  Tamper([&](RawDb& db) {
    db.Put(PersonRow(kVictimPerson) + std::string(kScheme),
           db.Get(PersonRow(kVictimPerson + 1) + std::string(kScheme)));
  });
  EXPECT_THAT(OpenAndVerify(), StatusIs(absl::StatusCode::kDataLoss,
                                        HasSubstr("person key row of scheme UEBPI-310000")));
}

TEST_F(SealedTamperTest, ForgedPersonLeafIsDataLoss) {
  // A leaf with the victim's key and another commitment: its hash is not the stored one.
  Tamper([](RawDb& db) {
    std::string leaf = db.GetEntry(kSealedVictim);
    leaf[40] = static_cast<char>(leaf[40] ^ 0x01);
    db.PutEntry(kSealedVictim, leaf);
  });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("entry 124"), HasSubstr("stored leaf hash"))));
}

TEST_F(SealedTamperTest, ChangedLogParametersDoNotOpen) {
  Tamper([](RawDb& db) {
    std::string params = db.GetEntry(0);
    params.back() = static_cast<char>(params.back() ^ 0x01);
    db.PutEntry(0, params);
  });
  EXPECT_THAT(OpenAndVerify(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("entry 0 of the log")));
}

}  // namespace
}  // namespace pbl::ledger
