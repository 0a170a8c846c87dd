// RFC 6962 / RFC 9162 Merkle trees over SHA-256: leaf and node hashes, tree roots, inclusion and
// consistency proofs, and their verification.
//
// Pure code: no storage and no I/O. Trees are read through HashReader, which addresses the hashes
// a log stores in the "stored hash" layout of Go's golang.org/x/mod/sumdb/tlog: when leaf n is
// appended, its leaf hash is stored, followed by the hash of every complete subtree that leaf
// closes, level by level. A tree of n leaves has StoredHashCount(n) = 2n - popcount(n) stored
// hashes, and any root or proof needs O(log n) of them. All functions are thread-safe as long as
// the reader is.
#ifndef PBL_CRYPTO_MERKLE_H_
#define PBL_CRYPTO_MERKLE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/sha256.h"

namespace pbl::crypto {

// Trees hold at most 2^62 leaves, so that every stored-hash index fits in an int64.
inline constexpr int64_t kTreeSizeMax = int64_t{1} << 62;
inline constexpr int kTreeLevelsMax = 63;

using Proof = std::vector<Hash>;

// SHA-256(0x00 || data).
Hash LeafHash(std::span<const uint8_t> data);
// SHA-256(0x01 || left || right).
Hash NodeHash(const Hash& left, const Hash& right);
// The root of the empty tree: SHA-256 of the empty string.
Hash EmptyTreeHash();

// The position, in storage order, of the hash of the n-th complete subtree at `level`
// (level 0 = leaves), i.e. of the subtree covering leaves [n << level, (n + 1) << level).
int64_t StoredHashIndex(int level, int64_t n);
// The number of hashes stored for a tree of `size` leaves.
int64_t StoredHashCount(int64_t size);

// Reads stored hashes by stored-hash index. A reader fills `out[i]` with the hash at
// `indexes[i]`, or returns an error (OUT_OF_RANGE past what it holds, DATA_LOSS if storage is
// damaged). Implementations must be safe to call from the thread that uses them.
class HashReader {
 public:
  virtual ~HashReader() = default;
  virtual absl::Status ReadHashes(std::span<const int64_t> indexes, std::span<Hash> out) const = 0;
};

// The right edge of a tree: the roots of its complete subtrees, largest first (one per set bit
// of the size). It is all that is needed to append leaves and compute the root without reading
// storage, and it is what a log keeps in memory. Not thread-safe; copyable.
class MerkleFrontier {
 public:
  MerkleFrontier() = default;
  // Loads the frontier of a stored tree with O(log size) hash reads.
  static absl::StatusOr<MerkleFrontier> Load(int64_t size, const HashReader& reader);

  int64_t size() const { return size_; }
  // Appends a leaf hash and appends to `stored` the hashes the log must store for it, in
  // storage order: the leaf hash, then each subtree it completes (StoredHashIndex order).
  void Append(const Hash& leaf_hash, std::vector<Hash>* stored);
  // The RFC 6962 root of the current tree (EmptyTreeHash() for size 0).
  Hash Root() const;

 private:
  int64_t size_ = 0;
  std::vector<Hash> subtrees_;  // roots of complete subtrees, largest (leftmost) first
};

// The root of the first `size` leaves of the tree behind `reader`.
absl::StatusOr<Hash> TreeHash(int64_t size, const HashReader& reader);

// The inclusion proof (RFC 9162 section 2.1.3.1) of leaf `index` in the tree of `size` leaves.
// INVALID_ARGUMENT unless 0 <= index < size <= kTreeSizeMax.
absl::StatusOr<Proof> ProveInclusion(int64_t index, int64_t size, const HashReader& reader);

// The consistency proof (RFC 9162 section 2.1.4.1) that the tree of `old_size` leaves is a
// prefix of the tree of `new_size` leaves. Empty when the sizes are equal. INVALID_ARGUMENT
// unless 1 <= old_size <= new_size <= kTreeSizeMax (as Go's tlog.ProveTree).
absl::StatusOr<Proof> ProveConsistency(int64_t old_size, int64_t new_size,
                                       const HashReader& reader);

// The number of hashes in a correct proof, for callers that bound input before reading it;
// -1 when the arguments are impossible (the same checks as ProveInclusion / ProveConsistency).
int InclusionProofLength(int64_t index, int64_t size);
int ConsistencyProofLength(int64_t old_size, int64_t new_size);

// Checks an inclusion proof (RFC 9162 section 2.1.3.2). INVALID_ARGUMENT when the index and size
// are impossible or the proof has the wrong number of hashes (trailing data included);
// DATA_LOSS when the hashes do not lead to `root`.
absl::Status VerifyInclusion(int64_t index, int64_t size, const Hash& leaf_hash,
                             std::span<const Hash> proof, const Hash& root);

// Checks a consistency proof (RFC 9162 section 2.1.4.2), with the same error convention as
// VerifyInclusion. Equal sizes need an empty proof and equal roots.
absl::Status VerifyConsistency(int64_t old_size, int64_t new_size, const Hash& old_root,
                               const Hash& new_root, std::span<const Hash> proof);

// A HashReader over hashes held in memory, for tests, tools and small trees. Not thread-safe
// for concurrent Append.
class MemoryHashStore : public HashReader {
 public:
  void Append(std::span<const uint8_t> leaf_data);
  void AppendLeafHash(const Hash& leaf_hash);
  int64_t size() const { return frontier_.size(); }
  Hash Root() const { return frontier_.Root(); }
  const std::vector<Hash>& stored() const { return stored_; }
  absl::Status ReadHashes(std::span<const int64_t> indexes, std::span<Hash> out) const override;

 private:
  MerkleFrontier frontier_;
  std::vector<Hash> stored_;
};

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_MERKLE_H_
