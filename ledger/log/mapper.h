// The person map of a v2 log as the node keeps it (specs/log-format-v2.md, sections 5 and 10):
// durable leaves folded into their keys' chains and the map in batches, off the append path.
// Its rows: `l` K, the key's map value (48 bytes), and `n`, the map's size and root (u64 ||
// 32 bytes), written in one unsynced write per batch. The map is a function of the leaves, so
// after a crash the ledger folds the leaves past the `n` row again; a row lost with a crash is
// made again the same.
//
// The map's nodes are kept in memory (crypto::PersonMap, about 220 bytes per key), rebuilt from
// the `l` rows when the log is opened; the `m` rows of section 10, which would bound that memory
// and the time to open, are not built yet.
//
// Fold is called by one thread at a time (the ledger's mapper thread, or Open before it starts);
// head(), Get() and Prove() from any thread. Thread-safe in that sense.
#ifndef PBL_LEDGER_LOG_MAPPER_H_
#define PBL_LEDGER_LOG_MAPPER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/person_map.h"
#include "ledger/log/map_folder.h"
#include "ledger/log/sealed.h"
#include "ledger/log/storage.h"

namespace pbl::ledger {

// Leaves folded in one batch, at most.
inline constexpr int64_t kMapBatchMax = 100'000;

class Mapper {
 public:
  // Calls `fn` with each stored leaf whose index is in [start, end), in log order, until it
  // returns false (Ledger::ScanEntries).
  using ScanLeaves = std::function<absl::Status(
      int64_t start, int64_t end, const std::function<bool(int64_t, std::string_view)>& fn)>;

  // The map of the `l` rows, which must give the `n` row's root; DATA_LOSS otherwise.
  static absl::StatusOr<std::unique_ptr<Mapper>> Load(const Storage& storage);
  // Puts the `n` row of a new v2 log, whose only leaf is its public entry 0, into `batch`: a map
  // of size 1 and no keys.
  static void PutInitial(StorageBatch& batch);
  static MapHead InitialHead() { return MapHead{1, crypto::kEmptyMapHash}; }

  // Folds leaves [head().size, end) and writes their rows (unsynced). DATA_LOSS if a leaf is
  // missing or not a v2 leaf; the storage's error if the write fails (the map in memory is then
  // ahead of its rows, which the next open makes again).
  absl::Status Fold(int64_t end, Storage& storage, const ScanLeaves& scan);

  MapHead head() const;
  std::optional<crypto::MapValue> Get(const PersonKey& key) const;
  // An inclusion proof of `key` in the map of head(), or an absence proof; with that head.
  std::pair<crypto::MapProof, MapHead> Prove(const PersonKey& key) const;
  size_t keys() const;

 private:
  Mapper() = default;

  MapFolder folder_;  // its map is read under mu_ by other threads, written by Fold under mu_
  mutable std::mutex mu_;
  MapHead head_;  // guarded by mu_
};

// The key of a person key's `l` row.
std::string MapValueRowKey(const PersonKey& key);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_LOG_MAPPER_H_
