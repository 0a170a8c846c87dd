// Folding a v2 log's leaves into its person map (specs/log-format-v2.md, sections 4 and 5): each
// person or erasure leaf extends its key's chain, C_n = H(0x04 || C_(n-1) || u64(index) ||
// leaf hash), and the map holds each key's (count, chain, last index). The node's mapper, its
// Verify and the auditor fold the same way, so one class does it. Pure code, no I/O; not
// thread-safe.
#ifndef PBL_LEDGER_LOG_MAP_FOLDER_H_
#define PBL_LEDGER_LOG_MAP_FOLDER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "crypto/person_map.h"
#include "crypto/sha256.h"
#include "ledger/log/sealed.h"

namespace pbl::ledger {

using MapUpdate = std::vector<std::pair<PersonKey, crypto::MapValue>>;

// How far a v2 checkpoint's map size may be below its size: the ledger's appends wait while the
// map is more than kMapLagMax (100,000) leaves behind, and up to kGroupsInFlight (2) groups of
// kGroupEntriesMax (65,536) may be written beyond what the mapper can fold (ledger.h checks the
// sum). An auditor refuses a checkpoint whose map is further behind.
inline constexpr int64_t kMapBehindMax = 100'000 + 2 * 65'536;

class MapFolder {
 public:
  // Extends the chain of `leaf`'s key by leaf `index`, whose RFC 9162 leaf hash is `leaf_hash`;
  // a public leaf has no key and changes nothing. Leaves must come in log order. Returns the
  // key's value before (nullopt for a new key, or a public leaf).
  std::optional<crypto::MapValue> Add(int64_t index, const Leaf& leaf,
                                      const crypto::Hash& leaf_hash);
  // Sets a key's value, or removes the key (nullopt), among the changes not yet taken.
  void Set(const PersonKey& key, const std::optional<crypto::MapValue>& value);
  // The key's value, counting the changes not yet taken.
  std::optional<crypto::MapValue> Get(const PersonKey& key) const;
  // The changes since the last call, sorted by key; the caller applies them to map().
  MapUpdate TakeChanged();
  // Applies the changes not yet taken and returns the map's root.
  crypto::Hash Flush();
  size_t pending() const { return changed_.size(); }

  crypto::PersonMap& map() { return map_; }
  const crypto::PersonMap& map() const { return map_; }

 private:
  crypto::PersonMap map_;
  // nullopt: a key removed (Set, for the auditor's undo) and not in map_.
  std::map<PersonKey, std::optional<crypto::MapValue>> changed_;
};

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_LOG_MAP_FOLDER_H_
