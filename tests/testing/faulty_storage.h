// A Storage that wraps another (a real RocksStorage) and injects faults on command, for tests of
// the ledger's durability contract (specs/ledger.md):
//   - FailNextCommit: the next Commit writes nothing and returns the error;
//   - LoseNextCommitAck: the next Commit writes the batch, then returns the error anyway, as when
//     a write reaches the disk but its acknowledgement is lost;
//   - FailNextSync: the next Sync returns the error (what was written stays written);
//   - FailReads: every read that would return a given key (Get, Floor, Scan) returns the error;
//   - BeforeNextScan: runs a function just before the next scan that starts at a given key, to
//     put another operation (an append) at an exact point inside a reader's work.
// base() is the wrapped storage, for writes that go around the ledger. Thread-safe: faults may be
// set from the test's thread while the ledger's sequencer commits and other threads read.
#ifndef PBL_TESTS_TESTING_FAULTY_STORAGE_H_
#define PBL_TESTS_TESTING_FAULTY_STORAGE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/log/storage.h"

namespace pbl::testing {

class FaultyStorage : public ledger::Storage {
 public:
  explicit FaultyStorage(std::unique_ptr<ledger::Storage> base) : base_(std::move(base)) {}

  ledger::Storage& base() { return *base_; }

  void FailNextCommit(absl::Status error) {
    std::lock_guard lock(mu_);
    commit_fault_ = CommitFault{std::move(error), /*write=*/false};
  }
  void LoseNextCommitAck(absl::Status error) {
    std::lock_guard lock(mu_);
    commit_fault_ = CommitFault{std::move(error), /*write=*/true};
  }
  void FailNextSync(absl::Status error) {
    std::lock_guard lock(mu_);
    sync_fault_ = std::move(error);
  }
  void FailReads(std::string key, absl::Status error) {
    std::lock_guard lock(mu_);
    read_faults_[std::move(key)] = std::move(error);
  }
  void HealReads() {
    std::lock_guard lock(mu_);
    read_faults_.clear();
  }
  void BeforeNextScan(std::string start, std::function<void()> hook) {
    std::lock_guard lock(mu_);
    scan_hooks_[std::move(start)] = std::move(hook);
  }
  // Batches that reached the base storage, faulty or not.
  int64_t commits() const {
    std::lock_guard lock(mu_);
    return commits_;
  }

  absl::StatusOr<std::string> Get(std::string_view key) const override {
    if (absl::Status s = ReadFault(key); !s.ok()) return s;
    return base_->Get(key);
  }

  absl::StatusOr<std::optional<ledger::KeyValue>> Floor(std::string_view lower,
                                                        std::string_view key) const override {
    absl::StatusOr<std::optional<ledger::KeyValue>> kv = base_->Floor(lower, key);
    if (kv.ok() && kv->has_value()) {
      if (absl::Status s = ReadFault((*kv)->key); !s.ok()) return s;
    }
    return kv;
  }

  absl::Status Scan(
      std::string_view start, std::string_view end,
      const std::function<bool(std::string_view key, std::string_view value)>& fn) const override {
    // The hook runs outside the lock: it may append, and the sequencer then commits through us.
    if (std::function<void()> hook = TakeScanHook(start)) hook();
    absl::Status fault;
    absl::Status scanned =
        base_->Scan(start, end, [&](std::string_view key, std::string_view value) {
          fault = ReadFault(key);
          return fault.ok() && fn(key, value);
        });
    return fault.ok() ? scanned : fault;
  }

  std::unique_ptr<ledger::StorageBatch> NewBatch() const override { return base_->NewBatch(); }

  absl::Status Commit(ledger::StorageBatch& batch) override {
    return Write(batch, /*synced=*/true);
  }
  absl::Status CommitUnsynced(ledger::StorageBatch& batch) override {
    return Write(batch, /*synced=*/false);
  }
  absl::Status Sync() override {
    std::optional<absl::Status> fault;
    {
      std::lock_guard lock(mu_);
      fault.swap(sync_fault_);
    }
    if (fault) return *fault;
    return base_->Sync();
  }

 private:
  struct CommitFault {
    absl::Status error;
    bool write = false;  // whether the batch is written before the error is returned
  };

  // Commit and CommitUnsynced, with the commit fault if one is set.
  absl::Status Write(ledger::StorageBatch& batch, bool synced) {
    std::optional<CommitFault> fault;
    {
      std::lock_guard lock(mu_);
      fault.swap(commit_fault_);
    }
    if (fault && !fault->write) return fault->error;
    absl::Status written = synced ? base_->Commit(batch) : base_->CommitUnsynced(batch);
    if (written.ok()) {
      std::lock_guard lock(mu_);
      ++commits_;
    }
    return fault ? fault->error : written;
  }

  absl::Status ReadFault(std::string_view key) const {
    std::lock_guard lock(mu_);
    const auto it = read_faults_.find(std::string(key));
    return it == read_faults_.end() ? absl::OkStatus() : it->second;
  }

  std::function<void()> TakeScanHook(std::string_view start) const {
    std::lock_guard lock(mu_);
    const auto it = scan_hooks_.find(std::string(start));
    if (it == scan_hooks_.end()) return nullptr;
    std::function<void()> hook = std::move(it->second);
    scan_hooks_.erase(it);
    return hook;
  }

  const std::unique_ptr<ledger::Storage> base_;
  mutable std::mutex mu_;
  std::optional<CommitFault> commit_fault_;                          // guarded by mu_
  std::optional<absl::Status> sync_fault_;                           // guarded by mu_
  std::map<std::string, absl::Status> read_faults_;                  // guarded by mu_
  mutable std::map<std::string, std::function<void()>> scan_hooks_;  // guarded by mu_
  int64_t commits_ = 0;                                              // guarded by mu_
};

}  // namespace pbl::testing

#endif  // PBL_TESTS_TESTING_FAULTY_STORAGE_H_
