#include "crypto/person_map.h"

#include <algorithm>
#include <cstring>

#include "crypto/base/check.h"
#include "crypto/base/strings.h"

namespace pbl::crypto {

namespace {

constexpr uint8_t kMapLeafTag = 0x02;
constexpr uint8_t kMapNodeTag = 0x03;
constexpr uint8_t kChainTag = 0x04;

void PutU64(uint64_t v, uint8_t* out) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<uint8_t>(v);
}

uint64_t GetU64(const uint8_t* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

bool SharePrefix(const MapKey& a, const MapKey& b, int bits) {
  const int bytes = bits / 8;
  if (std::memcmp(a.data(), b.data(), static_cast<size_t>(bytes)) != 0) return false;
  const int rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (a[static_cast<size_t>(bytes)] & mask) == (b[static_cast<size_t>(bytes)] & mask);
}

// Folds `h`, the hash at depth siblings.size() on `key`'s path, up to the root.
Hash FoldUp(Hash h, const MapKey& key, const std::vector<Hash>& siblings) {
  for (size_t i = siblings.size(); i-- > 0;) {
    h = MapKeyBit(key, static_cast<int>(i)) == 1 ? MapNodeHash(siblings[i], h)
                                                 : MapNodeHash(h, siblings[i]);
  }
  return h;
}

absl::Status CheckShape(const MapProof& proof) {
  if (proof.siblings.size() > static_cast<size_t>(kMapKeyBits)) {
    return absl::InvalidArgumentError(
        StrCat("map proof: depth ", proof.siblings.size(), " is above ", kMapKeyBits));
  }
  if (!proof.siblings.empty() && proof.siblings.back() == kEmptyMapHash) {
    return absl::InvalidArgumentError(
        "map proof: the deepest sibling is empty (the terminal would sit higher)");
  }
  return absl::OkStatus();
}

absl::Status CheckRoot(const Hash& computed, const Hash& root) {
  if (computed != root) return absl::DataLossError("map proof: does not lead to the map root");
  return absl::OkStatus();
}

}  // namespace

std::array<uint8_t, kMapValueBytes> MapValue::Encode() const {
  std::array<uint8_t, kMapValueBytes> out;
  PutU64(count, out.data());
  std::memcpy(out.data() + 8, chain.data(), kHashBytes);
  PutU64(last_index, out.data() + 40);
  return out;
}

MapValue MapValue::Decode(std::span<const uint8_t, kMapValueBytes> bytes) {
  MapValue v;
  v.count = GetU64(bytes.data());
  std::memcpy(v.chain.data(), bytes.data() + 8, kHashBytes);
  v.last_index = GetU64(bytes.data() + 40);
  return v;
}

Hash ChainNext(const Hash& chain, uint64_t index, const Hash& leaf_hash) {
  std::array<uint8_t, 1 + 32 + 8 + 32> buf;
  buf[0] = kChainTag;
  std::memcpy(buf.data() + 1, chain.data(), kHashBytes);
  PutU64(index, buf.data() + 33);
  std::memcpy(buf.data() + 41, leaf_hash.data(), kHashBytes);
  return Sha256(buf);
}

Hash MapLeafHash(const MapKey& key, const MapValue& value) {
  std::array<uint8_t, 1 + 32 + kMapValueBytes> buf;
  buf[0] = kMapLeafTag;
  std::memcpy(buf.data() + 1, key.data(), kHashBytes);
  const auto v = value.Encode();
  std::memcpy(buf.data() + 33, v.data(), v.size());
  return Sha256(buf);
}

Hash MapNodeHash(const Hash& left, const Hash& right) {
  std::array<uint8_t, 1 + 32 + 32> buf;
  buf[0] = kMapNodeTag;
  std::memcpy(buf.data() + 1, left.data(), kHashBytes);
  std::memcpy(buf.data() + 33, right.data(), kHashBytes);
  return Sha256(buf);
}

// --- Proofs ------------------------------------------------------------------------------------

std::string EncodeMapProof(const MapProof& proof, bool absence) {
  const size_t depth = proof.siblings.size();
  std::string out;
  out.push_back(static_cast<char>(depth >> 8));
  out.push_back(static_cast<char>(depth & 0xFF));
  std::string bitmap((depth + 7) / 8, '\0');
  for (size_t i = 0; i < depth; ++i) {
    if (proof.siblings[i] == kEmptyMapHash) bitmap[i / 8] |= static_cast<char>(0x80 >> (i % 8));
  }
  out += bitmap;
  for (size_t i = depth; i-- > 0;) {
    if (proof.siblings[i] != kEmptyMapHash) {
      out.append(reinterpret_cast<const char*>(proof.siblings[i].data()), kHashBytes);
    }
  }
  if (absence) {
    if (!proof.other) {
      out.push_back('\0');
    } else {
      out.push_back('\1');
      out.append(reinterpret_cast<const char*>(proof.other->first.data()), kHashBytes);
      const auto v = proof.other->second.Encode();
      out.append(reinterpret_cast<const char*>(v.data()), v.size());
    }
  }
  return out;
}

absl::StatusOr<MapProof> ParseMapProof(std::string_view bytes, bool absence) {
  const auto bad = [](std::string_view why) {
    return absl::InvalidArgumentError(StrCat("map proof: ", why));
  };
  if (bytes.size() < 2) return bad("shorter than its depth");
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t depth = (size_t{p[0]} << 8) | p[1];
  if (depth > static_cast<size_t>(kMapKeyBits)) return bad("depth above 256");
  size_t at = 2;
  const size_t bitmap_bytes = (depth + 7) / 8;
  if (bytes.size() < at + bitmap_bytes) return bad("shorter than its bitmap");
  const uint8_t* bitmap = p + at;
  at += bitmap_bytes;
  if (depth % 8 != 0 && (bitmap[bitmap_bytes - 1] & (0xFF >> (depth % 8))) != 0) {
    return bad("bitmap bits set past the depth");
  }
  MapProof proof;
  proof.siblings.assign(depth, kEmptyMapHash);
  for (size_t i = depth; i-- > 0;) {
    if ((bitmap[i / 8] & (0x80 >> (i % 8))) != 0) continue;
    if (bytes.size() < at + kHashBytes) return bad("shorter than its siblings");
    std::memcpy(proof.siblings[i].data(), p + at, kHashBytes);
    if (proof.siblings[i] == kEmptyMapHash) return bad("an empty sibling not in the bitmap");
    at += kHashBytes;
  }
  if (absence) {
    if (bytes.size() < at + 1) return bad("no terminal");
    const uint8_t terminal = p[at++];
    if (terminal == 1) {
      if (bytes.size() < at + kHashBytes + kMapValueBytes) return bad("shorter than its terminal");
      MapKey key;
      std::memcpy(key.data(), p + at, kHashBytes);
      at += kHashBytes;
      proof.other.emplace(
          key, MapValue::Decode(std::span<const uint8_t, kMapValueBytes>(p + at, kMapValueBytes)));
      at += kMapValueBytes;
    } else if (terminal != 0) {
      return bad("terminal is neither 0 (empty) nor 1 (another key)");
    }
  }
  if (at != bytes.size()) return bad("bytes after the proof");
  return proof;
}

absl::Status VerifyMapInclusion(const Hash& root, const MapKey& key, const MapValue& value,
                                const MapProof& proof) {
  if (proof.other)
    return absl::InvalidArgumentError("map proof: an inclusion proof has no other key");
  if (absl::Status s = CheckShape(proof); !s.ok()) return s;
  return CheckRoot(FoldUp(MapLeafHash(key, value), key, proof.siblings), root);
}

absl::Status VerifyMapAbsence(const Hash& root, const MapKey& key, const MapProof& proof) {
  if (absl::Status s = CheckShape(proof); !s.ok()) return s;
  const int depth = static_cast<int>(proof.siblings.size());
  Hash terminal = kEmptyMapHash;
  if (proof.other) {
    const MapKey& other = proof.other->first;
    if (other == key) return absl::InvalidArgumentError("map proof: the other key is the key");
    if (!SharePrefix(other, key, depth)) {
      return absl::InvalidArgumentError(
          StrCat("map proof: the other key does not share the key's first ", depth, " bits"));
    }
    terminal = MapLeafHash(other, proof.other->second);
  }
  return CheckRoot(FoldUp(terminal, key, proof.siblings), root);
}

// --- PersonMap ---------------------------------------------------------------------------------

int32_t PersonMap::NewNode() {
  if (!free_nodes_.empty()) {
    const int32_t n = free_nodes_.back();
    free_nodes_.pop_back();
    nodes_[static_cast<size_t>(n)] = Node();
    return n;
  }
  PBL_CHECK(nodes_.size() < static_cast<size_t>(INT32_MAX), "the person map has 2^31 nodes");
  nodes_.emplace_back();
  return static_cast<int32_t>(nodes_.size() - 1);
}

int32_t PersonMap::NewLeaf(const Item& item) {
  int32_t slot;
  if (!free_leaves_.empty()) {
    slot = free_leaves_.back();
    free_leaves_.pop_back();
    keys_[static_cast<size_t>(slot)] = item.first;
    values_[static_cast<size_t>(slot)] = item.second;
  } else {
    slot = static_cast<int32_t>(keys_.size());
    keys_.push_back(item.first);
    values_.push_back(item.second);
    ++leaves_;
  }
  const int32_t n = NewNode();
  nodes_[static_cast<size_t>(n)].leaf = slot;
  Rehash(n);
  return n;
}

void PersonMap::Rehash(int32_t n) {
  Node& node = nodes_[static_cast<size_t>(n)];
  ++hashes_;
  if (node.leaf >= 0) {
    const auto slot = static_cast<size_t>(node.leaf);
    node.hash = MapLeafHash(keys_[slot], values_[slot]);
  } else {
    node.hash = MapNodeHash(HashOf(node.left), HashOf(node.right));
  }
}

int32_t PersonMap::Build(int depth, std::span<const Item> items) {
  if (items.size() == 1) return NewLeaf(items[0]);
  PBL_CHECK(depth < kMapKeyBits, "two equal keys in a map update");
  const auto split = std::partition_point(items.begin(), items.end(), [depth](const Item& i) {
    return MapKeyBit(i.first, depth) == 0;
  });
  const auto at = static_cast<size_t>(split - items.begin());
  const int32_t left = at == 0 ? -1 : Build(depth + 1, items.first(at));
  const int32_t right = at == items.size() ? -1 : Build(depth + 1, items.subspan(at));
  const int32_t n = NewNode();
  nodes_[static_cast<size_t>(n)].left = left;
  nodes_[static_cast<size_t>(n)].right = right;
  Rehash(n);
  return n;
}

int32_t PersonMap::UpdateLeaf(int32_t n, int depth, std::span<const Item> items) {
  const auto slot = static_cast<size_t>(nodes_[static_cast<size_t>(n)].leaf);
  const MapKey existing = keys_[slot];
  const bool replaced =
      std::binary_search(items.begin(), items.end(), Item{existing, MapValue()},
                         [](const Item& a, const Item& b) { return a.first < b.first; });
  if (replaced && items.size() == 1) {
    values_[slot] = items[0].second;
    Rehash(n);
    return n;
  }
  // The leaf moves down among the new keys: rebuild the subtree over all of them.
  std::vector<Item> merged(items.begin(), items.end());
  if (!replaced) {
    const Item old{existing, values_[slot]};
    merged.insert(std::lower_bound(merged.begin(), merged.end(), old,
                                   [](const Item& a, const Item& b) { return a.first < b.first; }),
                  old);
  }
  free_leaves_.push_back(static_cast<int32_t>(slot));
  free_nodes_.push_back(n);
  return Build(depth, merged);
}

int32_t PersonMap::Update(int32_t n, int depth, std::span<const Item> items) {
  if (items.empty()) return n;
  if (n < 0) return Build(depth, items);
  if (nodes_[static_cast<size_t>(n)].leaf >= 0) return UpdateLeaf(n, depth, items);
  const auto split = std::partition_point(items.begin(), items.end(), [depth](const Item& i) {
    return MapKeyBit(i.first, depth) == 0;
  });
  const auto at = static_cast<size_t>(split - items.begin());
  const int32_t left = Update(nodes_[static_cast<size_t>(n)].left, depth + 1, items.first(at));
  const int32_t right = Update(nodes_[static_cast<size_t>(n)].right, depth + 1, items.subspan(at));
  nodes_[static_cast<size_t>(n)].left = left;
  nodes_[static_cast<size_t>(n)].right = right;
  Rehash(n);
  return n;
}

void PersonMap::Update(std::vector<std::pair<MapKey, MapValue>> batch) {
  // Sorted by key, the last value of a key kept.
  std::stable_sort(batch.begin(), batch.end(),
                   [](const Item& a, const Item& b) { return a.first < b.first; });
  std::vector<Item> items;
  items.reserve(batch.size());
  for (Item& item : batch) {
    if (!items.empty() && items.back().first == item.first) {
      items.back().second = item.second;
    } else {
      items.push_back(std::move(item));
    }
  }
  root_ = Update(root_, 0, items);
}

Hash PersonMap::Root() const { return HashOf(root_); }

std::optional<MapValue> PersonMap::Get(const MapKey& key) const {
  int32_t n = root_;
  for (int depth = 0; n >= 0; ++depth) {
    const Node& node = nodes_[static_cast<size_t>(n)];
    if (node.leaf >= 0) {
      const auto slot = static_cast<size_t>(node.leaf);
      if (keys_[slot] == key) return values_[slot];
      return std::nullopt;
    }
    n = MapKeyBit(key, depth) == 1 ? node.right : node.left;
  }
  return std::nullopt;
}

MapProof PersonMap::Prove(const MapKey& key) const {
  MapProof proof;
  int32_t n = root_;
  for (int depth = 0; n >= 0; ++depth) {
    const Node& node = nodes_[static_cast<size_t>(n)];
    if (node.leaf >= 0) {
      const auto slot = static_cast<size_t>(node.leaf);
      if (keys_[slot] != key) proof.other.emplace(keys_[slot], values_[slot]);
      return proof;
    }
    const bool right = MapKeyBit(key, depth) == 1;
    proof.siblings.push_back(HashOf(right ? node.left : node.right));
    n = right ? node.right : node.left;
  }
  return proof;  // an empty subtree
}

}  // namespace pbl::crypto
