// AuditTree: the Merkle tree an audit rebuilds from a log's entries, one leaf hash at a time
// (RFC 9162, crypto/merkle.h). Copyable; not thread-safe.
#ifndef PBL_LEDGER_VERIFIER_AUDIT_TREE_H_
#define PBL_LEDGER_VERIFIER_AUDIT_TREE_H_

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/merkle.h"

namespace pbl::verifier {

// It keeps the frontier (the roots of the complete subtrees) and the last complete subtree of
// every level, which is what the auditor remembers to resume from; with `keep_hashes` it also
// keeps every stored hash (64 bytes an entry), so that the root of any prefix can be computed.
class AuditTree {
 public:
  explicit AuditTree(bool keep_hashes = false) : keep_hashes_(keep_hashes) {}
  // The tree of `size` leaves whose frontier is `subtrees` (largest first, as Frontier()
  // returns). INVALID_ARGUMENT when their number is not one per set bit of `size`.
  static absl::StatusOr<AuditTree> Resume(int64_t size, std::span<const crypto::Hash> subtrees);

  void Append(const crypto::Hash& leaf_hash);
  int64_t size() const { return frontier_.size(); }
  crypto::Hash Root() const { return frontier_.Root(); }
  // The roots of the complete subtrees, largest first: one per set bit of size().
  std::vector<crypto::Hash> Frontier() const;
  // The root of the first `size` leaves. Any size with keep_hashes, else only size().
  absl::StatusOr<crypto::Hash> PrefixRoot(int64_t size) const;

 private:
  bool keep_hashes_;
  crypto::MerkleFrontier frontier_;
  std::array<crypto::Hash, crypto::kTreeLevelsMax> last_at_level_{};
  std::vector<crypto::Hash> stored_;  // every stored hash with keep_hashes_; else scratch
};

}  // namespace pbl::verifier

#endif  // PBL_LEDGER_VERIFIER_AUDIT_TREE_H_
