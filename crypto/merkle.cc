#include "crypto/merkle.h"

#include <algorithm>
#include <bit>
#include <cassert>

#include "absl/status/status.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"

namespace pbl::crypto {

namespace {

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

// A range of leaves [lo, hi) whose start is aligned to the largest power of two not above its
// length. Every range a proof needs (RFC 9162's recursion) has this shape, so its hash is the
// fold of O(log n) stored complete subtrees.
struct LeafRange {
  int64_t lo;
  int64_t hi;
};

// The largest power of two strictly less than n (n >= 2).
int64_t SplitPoint(int64_t n) {
  assert(n >= 2);
  return int64_t{1} << (std::bit_width(static_cast<uint64_t>(n - 1)) - 1);
}

// Appends the stored-hash indexes of the complete subtrees that make up `range`, largest first.
void AppendSubtreeIndexes(LeafRange range, std::vector<int64_t>* indexes) {
  int64_t lo = range.lo;
  while (lo < range.hi) {
    const int level = static_cast<int>(std::bit_width(static_cast<uint64_t>(range.hi - lo))) - 1;
    assert(lo % (int64_t{1} << level) == 0);
    indexes->push_back(StoredHashIndex(level, lo >> level));
    lo += int64_t{1} << level;
  }
}

// Folds subtree hashes (largest first) into the hash of the range they cover.
Hash FoldSubtrees(std::span<const Hash> subtrees) {
  assert(!subtrees.empty());
  Hash h = subtrees.back();
  for (size_t i = subtrees.size() - 1; i-- > 0;) h = NodeHash(subtrees[i], h);
  return h;
}

// Reads and hashes several ranges with a single call to the reader.
absl::StatusOr<Proof> HashRanges(std::span<const LeafRange> ranges, const HashReader& reader) {
  std::vector<int64_t> indexes;
  std::vector<size_t> ends;  // end offset in `indexes` of each range
  for (const LeafRange& r : ranges) {
    AppendSubtreeIndexes(r, &indexes);
    ends.push_back(indexes.size());
  }
  std::vector<Hash> hashes(indexes.size());
  PBL_RETURN_IF_ERROR(reader.ReadHashes(indexes, hashes));
  Proof out;
  out.reserve(ranges.size());
  size_t begin = 0;
  for (size_t end : ends) {
    out.push_back(FoldSubtrees(std::span<const Hash>(hashes).subspan(begin, end - begin)));
    begin = end;
  }
  return out;
}

// RFC 9162 PATH(m, D[lo:hi]) as the list of sibling ranges, leaf level first.
void InclusionRanges(int64_t m, int64_t lo, int64_t hi, std::vector<LeafRange>* out) {
  while (hi - lo > 1) {
    const int64_t k = SplitPoint(hi - lo);
    if (m < lo + k) {
      out->push_back({lo + k, hi});
      hi = lo + k;
    } else {
      out->push_back({lo, lo + k});
      lo = lo + k;
    }
  }
  // The loop walks top-down; proofs list siblings bottom-up.
  std::reverse(out->begin(), out->end());
}

// RFC 9162 SUBPROOF(m, D[lo:hi], b) as a list of ranges, in proof order.
void ConsistencyRanges(int64_t m, int64_t lo, int64_t hi, std::vector<LeafRange>* out) {
  bool whole_old_tree = true;  // RFC's b: the range is still the start of the old tree
  std::vector<LeafRange> top_down;
  while (m != hi) {
    const int64_t k = SplitPoint(hi - lo);
    if (m <= lo + k) {
      top_down.push_back({lo + k, hi});
      hi = lo + k;
    } else {
      top_down.push_back({lo, lo + k});
      lo = lo + k;
      whole_old_tree = false;
    }
  }
  if (!whole_old_tree) out->push_back({lo, hi});
  out->insert(out->end(), top_down.rbegin(), top_down.rend());
}

absl::Status CheckSize(int64_t size, std::string_view what) {
  if (size < 0 || size > kTreeSizeMax) {
    return absl::InvalidArgumentError(StrCat(what, " ", size, " is outside [0, 2^62]"));
  }
  return absl::OkStatus();
}

// The arguments ProveInclusion and VerifyInclusion accept.
absl::Status CheckInclusionArgs(int64_t index, int64_t size) {
  PBL_RETURN_IF_ERROR(CheckSize(size, "tree size"));
  if (index < 0 || index >= size) {
    return absl::InvalidArgumentError(StrCat("index ", index, " is not in a tree of size ", size));
  }
  return absl::OkStatus();
}

// The arguments ProveConsistency and VerifyConsistency accept.
absl::Status CheckConsistencyArgs(int64_t old_size, int64_t new_size) {
  PBL_RETURN_IF_ERROR(CheckSize(new_size, "new tree size"));
  if (old_size < 1 || old_size > new_size) {
    return absl::InvalidArgumentError(
        StrCat("old tree size ", old_size, " must be in [1, new tree size ", new_size, "]"));
  }
  return absl::OkStatus();
}

absl::Status WrongLength(std::string_view what, size_t got, int want) {
  return absl::InvalidArgumentError(StrCat(what, " has ", got, " hashes; it must have ", want));
}

}  // namespace

Hash LeafHash(std::span<const uint8_t> data) {
  return Sha256Hasher().Update(kLeafPrefix).Update(data).Finish();
}

Hash NodeHash(const Hash& left, const Hash& right) {
  return Sha256Hasher().Update(kNodePrefix).Update(left).Update(right).Finish();
}

Hash EmptyTreeHash() { return Sha256(std::span<const uint8_t>()); }

int64_t StoredHashCount(int64_t size) {
  return 2 * size - std::popcount(static_cast<uint64_t>(size));
}

int64_t StoredHashIndex(int level, int64_t n) {
  // The subtree is stored right after the hashes of every leaf before its last leaf, behind
  // that leaf's own hash and the `level - 1` smaller subtrees the leaf also completes.
  const int64_t last_leaf = ((n + 1) << level) - 1;
  return StoredHashCount(last_leaf) + level;
}

absl::StatusOr<MerkleFrontier> MerkleFrontier::Load(int64_t size, const HashReader& reader) {
  PBL_RETURN_IF_ERROR(CheckSize(size, "tree size"));
  MerkleFrontier frontier;
  frontier.size_ = size;
  if (size == 0) return frontier;
  std::vector<int64_t> indexes;
  AppendSubtreeIndexes({0, size}, &indexes);
  frontier.subtrees_.resize(indexes.size());
  PBL_RETURN_IF_ERROR(reader.ReadHashes(indexes, frontier.subtrees_));
  return frontier;
}

void MerkleFrontier::Append(const Hash& leaf_hash, std::vector<Hash>* stored) {
  assert(size_ < kTreeSizeMax);
  stored->push_back(leaf_hash);
  Hash h = leaf_hash;
  // Each trailing one bit of the old size is a complete subtree the new leaf's subtree merges
  // with.
  for (int64_t s = size_; s & 1; s >>= 1) {
    assert(!subtrees_.empty());
    h = NodeHash(subtrees_.back(), h);
    subtrees_.pop_back();
    stored->push_back(h);
  }
  subtrees_.push_back(h);
  ++size_;
  assert(subtrees_.size() == static_cast<size_t>(std::popcount(static_cast<uint64_t>(size_))));
}

Hash MerkleFrontier::Root() const {
  if (subtrees_.empty()) return EmptyTreeHash();
  return FoldSubtrees(subtrees_);
}

absl::StatusOr<Hash> TreeHash(int64_t size, const HashReader& reader) {
  PBL_RETURN_IF_ERROR(CheckSize(size, "tree size"));
  if (size == 0) return EmptyTreeHash();
  const LeafRange whole{0, size};
  PBL_ASSIGN_OR_RETURN(Proof hashes, HashRanges({&whole, 1}, reader));
  return hashes[0];
}

int InclusionProofLength(int64_t index, int64_t size) {
  if (!CheckInclusionArgs(index, size).ok()) return -1;
  std::vector<LeafRange> ranges;
  InclusionRanges(index, 0, size, &ranges);
  return static_cast<int>(ranges.size());
}

int ConsistencyProofLength(int64_t old_size, int64_t new_size) {
  if (!CheckConsistencyArgs(old_size, new_size).ok()) return -1;
  std::vector<LeafRange> ranges;
  ConsistencyRanges(old_size, 0, new_size, &ranges);
  return static_cast<int>(ranges.size());
}

absl::StatusOr<Proof> ProveInclusion(int64_t index, int64_t size, const HashReader& reader) {
  PBL_RETURN_IF_ERROR(CheckInclusionArgs(index, size));
  std::vector<LeafRange> ranges;
  InclusionRanges(index, 0, size, &ranges);
  return HashRanges(ranges, reader);
}

absl::StatusOr<Proof> ProveConsistency(int64_t old_size, int64_t new_size,
                                       const HashReader& reader) {
  PBL_RETURN_IF_ERROR(CheckConsistencyArgs(old_size, new_size));
  std::vector<LeafRange> ranges;
  ConsistencyRanges(old_size, 0, new_size, &ranges);
  return HashRanges(ranges, reader);
}

absl::Status VerifyInclusion(int64_t index, int64_t size, const Hash& leaf_hash,
                             std::span<const Hash> proof, const Hash& root) {
  PBL_RETURN_IF_ERROR(CheckInclusionArgs(index, size));
  const int want = InclusionProofLength(index, size);
  if (proof.size() != static_cast<size_t>(want)) {
    return WrongLength("inclusion proof", proof.size(), want);
  }
  // RFC 9162 section 2.1.3.2.
  uint64_t fn = static_cast<uint64_t>(index);
  uint64_t sn = static_cast<uint64_t>(size - 1);
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return absl::InvalidArgumentError("inclusion proof is too long");
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::InvalidArgumentError("inclusion proof is too short");
  if (r != root) {
    return absl::DataLossError(
        StrCat("inclusion proof of index ", index, " does not lead to the root of size ", size));
  }
  return absl::OkStatus();
}

absl::Status VerifyConsistency(int64_t old_size, int64_t new_size, const Hash& old_root,
                               const Hash& new_root, std::span<const Hash> proof) {
  PBL_RETURN_IF_ERROR(CheckConsistencyArgs(old_size, new_size));
  const int want = ConsistencyProofLength(old_size, new_size);
  if (proof.size() != static_cast<size_t>(want)) {
    return WrongLength("consistency proof", proof.size(), want);
  }
  if (old_size == new_size) {
    if (old_root != new_root) {
      return absl::DataLossError(StrCat("two different roots for the same tree size ", old_size));
    }
    return absl::OkStatus();
  }
  // RFC 9162 section 2.1.4.2. When the old tree is a complete subtree its root is the proof's
  // implicit first element.
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(static_cast<uint64_t>(old_size))) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = static_cast<uint64_t>(old_size - 1);
  uint64_t sn = static_cast<uint64_t>(new_size - 1);
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return absl::InvalidArgumentError("consistency proof is too long");
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::InvalidArgumentError("consistency proof is too short");
  if (fr != old_root || sr != new_root) {
    return absl::DataLossError(StrCat("consistency proof from size ", old_size, " to ", new_size,
                                      " does not match the roots"));
  }
  return absl::OkStatus();
}

void MemoryHashStore::Append(std::span<const uint8_t> leaf_data) {
  AppendLeafHash(LeafHash(leaf_data));
}

void MemoryHashStore::AppendLeafHash(const Hash& leaf_hash) {
  frontier_.Append(leaf_hash, &stored_);
}

absl::Status MemoryHashStore::ReadHashes(std::span<const int64_t> indexes,
                                         std::span<Hash> out) const {
  if (indexes.size() != out.size()) {
    return absl::InternalError("ReadHashes: indexes and output differ in length");
  }
  for (size_t i = 0; i < indexes.size(); ++i) {
    if (indexes[i] < 0 || static_cast<size_t>(indexes[i]) >= stored_.size()) {
      return absl::OutOfRangeError(
          StrCat("stored hash ", indexes[i], " is past the ", stored_.size(), " hashes held"));
    }
    out[i] = stored_[static_cast<size_t>(indexes[i])];
  }
  return absl::OkStatus();
}

}  // namespace pbl::crypto
