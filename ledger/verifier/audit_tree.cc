#include "ledger/verifier/audit_tree.h"

#include <bit>
#include <map>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"

namespace pbl::verifier {

namespace {

using crypto::Hash;

// Serves a tree's stored hashes from a vector (every one) or from a sparse map (a frontier).
class VectorHashReader : public crypto::HashReader {
 public:
  explicit VectorHashReader(const std::vector<Hash>& stored) : stored_(stored) {}
  absl::Status ReadHashes(std::span<const int64_t> indexes, std::span<Hash> out) const override {
    if (indexes.size() != out.size()) return absl::InternalError("ReadHashes: lengths differ");
    for (size_t i = 0; i < indexes.size(); ++i) {
      if (indexes[i] < 0 || static_cast<size_t>(indexes[i]) >= stored_.size()) {
        return absl::OutOfRangeError(StrCat("stored hash ", indexes[i], " is not held"));
      }
      out[i] = stored_[static_cast<size_t>(indexes[i])];
    }
    return absl::OkStatus();
  }

 private:
  const std::vector<Hash>& stored_;
};

class MapHashReader : public crypto::HashReader {
 public:
  explicit MapHashReader(const std::map<int64_t, Hash>& hashes) : hashes_(hashes) {}
  absl::Status ReadHashes(std::span<const int64_t> indexes, std::span<Hash> out) const override {
    if (indexes.size() != out.size()) return absl::InternalError("ReadHashes: lengths differ");
    for (size_t i = 0; i < indexes.size(); ++i) {
      const auto it = hashes_.find(indexes[i]);
      if (it == hashes_.end()) {
        return absl::OutOfRangeError(StrCat("stored hash ", indexes[i], " is not in the frontier"));
      }
      out[i] = it->second;
    }
    return absl::OkStatus();
  }

 private:
  const std::map<int64_t, Hash>& hashes_;
};

}  // namespace

absl::StatusOr<AuditTree> AuditTree::Resume(int64_t size, std::span<const Hash> subtrees) {
  if (size < 0 || size > crypto::kTreeSizeMax) {
    return absl::InvalidArgumentError(StrCat("tree size ", size, " is out of range"));
  }
  if (subtrees.size() != static_cast<size_t>(std::popcount(static_cast<uint64_t>(size)))) {
    return absl::InvalidArgumentError(StrCat("a tree of ", size, " leaves has ",
                                             std::popcount(static_cast<uint64_t>(size)),
                                             " complete subtrees, not ", subtrees.size()));
  }
  AuditTree tree(false);
  std::map<int64_t, Hash> by_index;
  size_t next = 0;
  for (int level = crypto::kTreeLevelsMax - 1; level >= 0; --level) {
    if (((size >> level) & 1) == 0) continue;
    by_index[crypto::StoredHashIndex(level, (size >> level) - 1)] = subtrees[next];
    tree.last_at_level_[static_cast<size_t>(level)] = subtrees[next];
    ++next;
  }
  PBL_ASSIGN_OR_RETURN(tree.frontier_, crypto::MerkleFrontier::Load(size, MapHashReader(by_index)));
  return tree;
}

void AuditTree::Append(const Hash& leaf_hash) {
  if (!keep_hashes_) stored_.clear();
  const size_t first = stored_.size();
  frontier_.Append(leaf_hash, &stored_);
  // The leaf hash, then each subtree the leaf completes, one level up at a time.
  for (size_t k = first; k < stored_.size(); ++k) last_at_level_[k - first] = stored_[k];
}

std::vector<Hash> AuditTree::Frontier() const {
  std::vector<Hash> subtrees;
  const int64_t n = size();
  for (int level = crypto::kTreeLevelsMax - 1; level >= 0; --level) {
    if (((n >> level) & 1) != 0) subtrees.push_back(last_at_level_[static_cast<size_t>(level)]);
  }
  return subtrees;
}

absl::StatusOr<Hash> AuditTree::PrefixRoot(int64_t prefix_size) const {
  if (prefix_size == size()) return Root();
  if (prefix_size < 0 || prefix_size > size()) {
    return absl::OutOfRangeError(
        StrCat("prefix of ", prefix_size, " leaves of a tree of ", size()));
  }
  if (!keep_hashes_) {
    return absl::FailedPreconditionError("the tree does not keep the hashes of its prefixes");
  }
  return crypto::TreeHash(prefix_size, VectorHashReader(stored_));
}

}  // namespace pbl::verifier
