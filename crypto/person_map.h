// The person map of log format v2 (specs/log-format-v2.md, sections 4 and 5): a binary prefix
// tree over 256-bit person keys, each leaf holding its key's chain head (the count of the key's
// log leaves, the chain hash over them, the index of the last), whose root every v2 checkpoint
// carries. Here: the hashes, the chain step, proofs with their wire form and their checks, and
// an in-memory map (the auditor's, the tests' and the benchmark's; the node keeps the same
// nodes in rows). Pure code, no I/O. The free functions are thread-safe; PersonMap is not.
#ifndef PBL_CRYPTO_PERSON_MAP_H_
#define PBL_CRYPTO_PERSON_MAP_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/sha256.h"

namespace pbl::crypto {

using MapKey = Hash;
inline constexpr int kMapKeyBits = 256;
inline constexpr size_t kMapValueBytes = 48;

// A key's leaf value: u64(count) || chain || u64(last_index).
struct MapValue {
  uint64_t count = 0;
  Hash chain{};
  uint64_t last_index = 0;

  std::array<uint8_t, kMapValueBytes> Encode() const;
  static MapValue Decode(std::span<const uint8_t, kMapValueBytes> bytes);
  friend bool operator==(const MapValue&, const MapValue&) = default;
};

// SHA-256(0x04 || chain || u64(index) || leaf_hash): the chain after one more leaf of its key.
Hash ChainNext(const Hash& chain, uint64_t index, const Hash& leaf_hash);
// SHA-256(0x02 || key || value).
Hash MapLeafHash(const MapKey& key, const MapValue& value);
// SHA-256(0x03 || left || right).
Hash MapNodeHash(const Hash& left, const Hash& right);
// The hash of a subtree without leaves (and of the empty map): 32 zero bytes.
inline constexpr Hash kEmptyMapHash{};

// Bit `depth` (0 = the most significant bit of byte 0) of `key`: which side the key takes below
// a node at that depth.
inline int MapKeyBit(const MapKey& key, int depth) {
  return (key[static_cast<size_t>(depth) / 8] >> (7 - depth % 8)) & 1;
}

// A path from the root to where a key is, or would be. siblings[i] is the sibling of the path's
// node at depth i + 1 (kEmptyMapHash for an empty one), so the terminal is at depth
// siblings.size(). For an absence proof the terminal is an empty subtree (no `other`) or the
// leaf of another key sharing the key's first siblings.size() bits.
struct MapProof {
  std::vector<Hash> siblings;
  std::optional<std::pair<MapKey, MapValue>> other;  // absence proofs only
};

// The wire form: u16(depth) || ceil(depth / 8) bytes of bitmap (bit i, most significant first,
// set when siblings[i] is empty and left out) || the other siblings, deepest first || for an
// absence proof, 0x00 (an empty subtree) or 0x01 || other key || other value.
std::string EncodeMapProof(const MapProof& proof, bool absence);
// INVALID_ARGUMENT for bytes that are not one proof of that kind in this form (a depth above 256,
// bitmap bits past the depth, short or trailing bytes).
absl::StatusOr<MapProof> ParseMapProof(std::string_view bytes, bool absence);

// OK when `proof` leads from (key, value) to `root`. INVALID_ARGUMENT for a malformed proof (an
// `other`, a depth above 256, an empty deepest sibling, which no map has); DATA_LOSS when the
// hashes do not lead to the root.
absl::Status VerifyMapInclusion(const Hash& root, const MapKey& key, const MapValue& value,
                                const MapProof& proof);
// OK when `proof` shows that `key` has no leaf in the map of `root`. INVALID_ARGUMENT for a
// malformed proof (the other key equal to `key` or not sharing its first depth bits, an empty
// deepest sibling); DATA_LOSS when the hashes do not lead to the root.
absl::Status VerifyMapAbsence(const Hash& root, const MapKey& key, const MapProof& proof);

// The map in memory. Update sets many keys' values at once, as a log group does; every node on
// their paths is hashed once per Update.
class PersonMap {
 public:
  // Sets each key's value (a key given twice: the later value). Keys not given keep theirs.
  void Update(std::vector<std::pair<MapKey, MapValue>> batch);
  Hash Root() const;
  std::optional<MapValue> Get(const MapKey& key) const;
  // An inclusion proof when the key is present (`other` empty), else an absence proof.
  MapProof Prove(const MapKey& key) const;
  size_t size() const { return leaves_ - free_leaves_.size(); }
  // Leaf and node hashes computed so far, for the benchmark.
  uint64_t hashes() const { return hashes_; }

 private:
  using Item = std::pair<MapKey, MapValue>;
  struct Node {
    Hash hash{};
    int32_t left = -1;  // children of an internal node; -1 for an empty subtree
    int32_t right = -1;
    int32_t leaf = -1;  // >= 0: a leaf, its index in keys_ and values_
  };
  const Hash& HashOf(int32_t node) const {
    return node < 0 ? kEmptyMapHash : nodes_[static_cast<size_t>(node)].hash;
  }
  int32_t NewNode();
  int32_t NewLeaf(const Item& item);
  void Rehash(int32_t node);
  // The subtree at `depth` over `items` (sorted, distinct keys, at least one).
  int32_t Build(int depth, std::span<const Item> items);
  // `node` at `depth` with `items` (sorted, distinct, sharing the node's path) set.
  int32_t Update(int32_t node, int depth, std::span<const Item> items);
  int32_t UpdateLeaf(int32_t node, int depth, std::span<const Item> items);

  std::vector<Node> nodes_;
  std::vector<MapKey> keys_;
  std::vector<MapValue> values_;
  std::vector<int32_t> free_nodes_;
  std::vector<int32_t> free_leaves_;
  size_t leaves_ = 0;
  int32_t root_ = -1;
  uint64_t hashes_ = 0;
};

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_PERSON_MAP_H_
