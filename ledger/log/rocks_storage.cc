// RocksDB behind the Storage interface. This file is the one place where rocksdb::Status becomes
// absl::Status.
//
// Each one-byte key prefix (specs/ledger.md) lives in its own column family, so that the
// sequential entry and hash keys are never compacted together with the random person rows: entry
// files then move down the levels without being rewritten. Every key of a prefix is in its
// family, so a floor seek or a scan stays inside the family of its first key.
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <array>

#include "crypto/base/strings.h"
#include "ledger/log/log_format.h"
#include "ledger/log/storage.h"

namespace pbl::ledger {

namespace {

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = StrCat(what, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(message);
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  return absl::UnavailableError(message);
}

rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }
std::string_view ToView(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// Column families: the default one (required by RocksDB, holds any other key) and one per prefix.
// v2's content rows arrive in index order like the entries; its person keys and person index
// rows in random order like v1's person rows.
constexpr std::array<char, 7> kFamilyPrefixes = {
    kEntryPrefix,   kHashPrefix,       kPersonPrefix, kCheckpointPrefix,
    kContentPrefix, kPersonKeysPrefix, kChainPrefix};
constexpr std::array<const char*, 7> kFamilyNames = {
    "entries", "hashes", "persons", "checkpoints", "contents", "person_keys", "person_chains"};

class Families {
 public:
  // handles[0] is the default family, handles[i + 1] the one for kFamilyPrefixes[i].
  explicit Families(std::vector<rocksdb::ColumnFamilyHandle*> handles)
      : handles_(std::move(handles)) {}
  rocksdb::ColumnFamilyHandle* For(std::string_view key) const {
    if (!key.empty()) {
      for (size_t i = 0; i < kFamilyPrefixes.size(); ++i) {
        if (key[0] == kFamilyPrefixes[i]) return handles_[i + 1];
      }
    }
    return handles_[0];
  }
  const std::vector<rocksdb::ColumnFamilyHandle*>& all() const { return handles_; }

 private:
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

class RocksBatch : public StorageBatch {
 public:
  explicit RocksBatch(const Families& families) : families_(families) {}
  void Put(std::string_view key, std::string_view value) override {
    batch_.Put(families_.For(key), ToSlice(key), ToSlice(value));
  }
  size_t count() const override { return static_cast<size_t>(batch_.Count()); }
  rocksdb::WriteBatch& batch() { return batch_; }

 private:
  const Families& families_;
  rocksdb::WriteBatch batch_;
};

// RocksDB counts every operation in thread-local perf contexts unless the thread says not to
// (PerfLevel kEnableCount by default). Nothing here reads them, and the thread-local lookups were
// ~4% of the CPU of an append (perf, ledger_bench): each thread turns them off on first use.
void NoPerfCounters() {
  thread_local const bool off = [] {
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    return true;
  }();
  (void)off;
}

class RocksStorage : public Storage {
 public:
  RocksStorage(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
               bool sync)
      : db_(std::move(db)), families_(std::move(handles)), sync_(sync) {}
  // Flushing the memtables on close spares the next open a replay of the write-ahead log
  // (about 0.8 s after 10M entries). Nothing acknowledged depends on it: the log is synced.
  ~RocksStorage() override {
    db_->Flush(rocksdb::FlushOptions(), families_.all()).PermitUncheckedError();
    for (rocksdb::ColumnFamilyHandle* h : families_.all()) {
      db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    db_->Close().PermitUncheckedError();
  }

  absl::StatusOr<std::string> Get(std::string_view key) const override {
    NoPerfCounters();
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), families_.For(key), ToSlice(key), &value);
    if (!s.ok()) return FromRocks(s, "read");
    return value;
  }

  absl::StatusOr<std::optional<KeyValue>> Floor(std::string_view lower,
                                                std::string_view key) const override {
    NoPerfCounters();
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), families_.For(key)));
    it->SeekForPrev(ToSlice(key));
    if (!it->Valid()) {
      if (absl::Status s = FromRocks(it->status(), "seek"); !s.ok()) return s;
      return std::nullopt;
    }
    if (ToView(it->key()) < lower) return std::nullopt;
    return KeyValue{std::string(ToView(it->key())), std::string(ToView(it->value()))};
  }

  absl::Status Scan(
      std::string_view start, std::string_view end,
      const std::function<bool(std::string_view, std::string_view)>& fn) const override {
    NoPerfCounters();
    rocksdb::ReadOptions options;
    // A full scan must not push the hot blocks of recent appends out of the cache.
    options.fill_cache = false;
    const rocksdb::Slice upper = ToSlice(end);
    options.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, families_.For(start)));
    for (it->Seek(ToSlice(start)); it->Valid(); it->Next()) {
      if (!fn(ToView(it->key()), ToView(it->value()))) return absl::OkStatus();
    }
    return FromRocks(it->status(), "scan");
  }

  std::unique_ptr<StorageBatch> NewBatch() const override {
    return std::make_unique<RocksBatch>(families_);
  }

  absl::Status Commit(StorageBatch& batch) override {
    NoPerfCounters();
    rocksdb::WriteOptions options;
    options.sync = sync_;
    return FromRocks(db_->Write(options, &static_cast<RocksBatch&>(batch).batch()), "write");
  }

  absl::Status CommitUnsynced(StorageBatch& batch) override {
    NoPerfCounters();
    return FromRocks(db_->Write(rocksdb::WriteOptions(), &static_cast<RocksBatch&>(batch).batch()),
                     "write");
  }

  absl::Status Sync() override {
    NoPerfCounters();
    if (!sync_) return absl::OkStatus();
    return FromRocks(db_->SyncWAL(), "sync");
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  Families families_;
  bool sync_;
};

rocksdb::ColumnFamilyOptions FamilyOptions(size_t write_buffer_bytes) {
  rocksdb::ColumnFamilyOptions options;
  options.write_buffer_size = write_buffer_bytes;
  options.max_write_buffer_number = 3;
  options.compression = rocksdb::kNoCompression;
  // The keys of a group's batch arrive sorted within each family; the hint lets the memtable
  // insert each key next to the previous one.
  options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
  rocksdb::BlockBasedTableOptions table;
  // Small blocks and a bloom filter make point reads (entries of a history, checkpoints) touch
  // one block of one file; floor seeks for hashes ignore the filter. Block checksums are on by
  // default and catch bit rot under RocksDB itself.
  table.block_size = 4 * 1024;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Storage>> OpenRocksStorage(const std::string& path,
                                                          const RocksStorageOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  // A log written before a family existed gets it, empty.
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  // After a crash the write-ahead log is replayed up to its first damaged or missing record and
  // no further, so that the database is always a prefix of what was written: a group written
  // but not yet synced when the process died is lost only together with every later one.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  // Two cores: one background thread for flushes and one for compactions.
  db_options.IncreaseParallelism(2);
  // All memtables together stay under this, whatever each family's buffer size.
  db_options.db_write_buffer_size = size_t{256} << 20;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, FamilyOptions(size_t{4} << 20)}};
  // The person rows arrive in random order: each insert searches the memtable's skip list, and
  // in a 16 MB memtable that search stays in cache far more than in 64 MB. pbld spent 15% less
  // CPU on an import of 1,000,000 rows (scripts/bench-import.sh, A/B in one run); the entries
  // and hashes arrive in key order and insert next to the previous key whatever the size.
  const std::array<size_t, 7> buffer_bytes = {size_t{64} << 20, size_t{16} << 20, size_t{16} << 20,
                                              size_t{4} << 20,  size_t{64} << 20, size_t{16} << 20,
                                              size_t{16} << 20};
  for (size_t i = 0; i < kFamilyNames.size(); ++i) {
    families.emplace_back(kFamilyNames[i], FamilyOptions(buffer_bytes[i]));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, path, families, &handles, &db);
  if (!s.ok()) return FromRocks(s, StrCat("open ", path));
  return std::make_unique<RocksStorage>(std::unique_ptr<rocksdb::DB>(db), std::move(handles),
                                        options.sync);
}

}  // namespace pbl::ledger
