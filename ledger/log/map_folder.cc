#include "ledger/log/map_folder.h"

#include "crypto/base/check.h"

namespace pbl::ledger {

std::optional<crypto::MapValue> MapFolder::Add(int64_t index, const Leaf& leaf,
                                               const crypto::Hash& leaf_hash) {
  if (leaf.kind == LeafKind::kPublic) return std::nullopt;
  const std::optional<crypto::MapValue> before = Get(leaf.person_key);
  crypto::MapValue next = before.value_or(crypto::MapValue{});
  PBL_CHECK(!before || static_cast<int64_t>(next.last_index) < index,
            "leaves folded out of log order");
  ++next.count;
  next.chain = crypto::ChainNext(next.chain, static_cast<uint64_t>(index), leaf_hash);
  next.last_index = static_cast<uint64_t>(index);
  changed_[leaf.person_key] = next;
  return before;
}

void MapFolder::Set(const PersonKey& key, const std::optional<crypto::MapValue>& value) {
  PBL_CHECK(value || !map_.Get(key), "a key in the map cannot be removed");
  changed_[key] = value;
}

std::optional<crypto::MapValue> MapFolder::Get(const PersonKey& key) const {
  if (const auto it = changed_.find(key); it != changed_.end()) return it->second;
  return map_.Get(key);
}

MapUpdate MapFolder::TakeChanged() {
  MapUpdate out;
  out.reserve(changed_.size());
  for (const auto& [key, value] : changed_) {
    if (value) out.emplace_back(key, *value);
  }
  changed_.clear();
  return out;
}

crypto::Hash MapFolder::Flush() {
  map_.Update(TakeChanged());
  return map_.Root();
}

}  // namespace pbl::ledger
