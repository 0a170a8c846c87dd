// The narrow storage interface under the ledger: ordered keys, point and floor reads, ordered
// scans, and atomic synced batches of new keys. RocksDB implements it (OpenRocksStorage); tests
// wrap it to inject faults. Implementations are thread-safe: reads may run concurrently with
// each other and with one writer.
#ifndef PBL_LEDGER_LOG_STORAGE_H_
#define PBL_LEDGER_LOG_STORAGE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace pbl::ledger {

// Puts collected for one atomic write.
class StorageBatch {
 public:
  virtual ~StorageBatch() = default;
  virtual void Put(std::string_view key, std::string_view value) = 0;
  virtual size_t count() const = 0;
};

struct KeyValue {
  std::string key;
  std::string value;
};

class Storage {
 public:
  virtual ~Storage() = default;

  // The value of `key`; NOT_FOUND if absent; UNAVAILABLE or DATA_LOSS on storage errors.
  virtual absl::StatusOr<std::string> Get(std::string_view key) const = 0;

  // The greatest key k with `lower` <= k <= `key`, and its value; nullopt if there is none.
  virtual absl::StatusOr<std::optional<KeyValue>> Floor(std::string_view lower,
                                                        std::string_view key) const = 0;

  // Calls `fn` for each key in [start, end) in order, until it returns false.
  virtual absl::Status Scan(
      std::string_view start, std::string_view end,
      const std::function<bool(std::string_view key, std::string_view value)>& fn) const = 0;

  virtual std::unique_ptr<StorageBatch> NewBatch() const = 0;
  // Writes the batch atomically and durably (fsync) or not at all. After an error the caller
  // must not assume either outcome.
  virtual absl::Status Commit(StorageBatch& batch) = 0;
  // Writes the batch atomically without waiting for the disk: a crash may lose it, and then
  // every later write too, but never an earlier one (writes reach the disk in order). For state
  // that can be rebuilt; the log itself always uses Commit.
  virtual absl::Status CommitUnsynced(StorageBatch& batch) { return Commit(batch); }
  // Makes every write that returned before this call durable (fsync), CommitUnsynced ones
  // included. May run concurrently with CommitUnsynced from another thread.
  virtual absl::Status Sync() { return absl::OkStatus(); }
};

struct RocksStorageOptions {
  bool create_if_missing = true;
  // Written with fsync; turning it off is only for measuring what sync costs.
  bool sync = true;
};

// Opens (or creates) a RocksDB database in `path`. UNAVAILABLE if it is locked or unreadable.
absl::StatusOr<std::unique_ptr<Storage>> OpenRocksStorage(const std::string& path,
                                                          const RocksStorageOptions& options = {});

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_LOG_STORAGE_H_
