#include "rpc/proofs.h"

#include <vector>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/merkle.h"

namespace pbl::rpc {

absl::StatusOr<v1::ProvenEntry> ProveEntry(const ledger::Ledger& ledger, int64_t index,
                                           std::string bytes, int64_t tree_size) {
  PBL_ASSIGN_OR_RETURN(const crypto::Proof proof, ledger.InclusionProof(index, tree_size));
  v1::ProvenEntry out;
  out.set_index(static_cast<uint64_t>(index));
  out.set_entry(std::move(bytes));
  for (const crypto::Hash& h : proof) out.add_inclusion_proof(std::string(h.begin(), h.end()));
  return out;
}

absl::StatusOr<std::vector<v1::ProvenEntry>> ProveEntries(const ledger::Ledger& ledger,
                                                          std::vector<ledger::IndexedEntry> entries,
                                                          int64_t tree_size) {
  std::vector<int64_t> indexes;
  indexes.reserve(entries.size());
  for (const ledger::IndexedEntry& e : entries) indexes.push_back(e.index);
  PBL_ASSIGN_OR_RETURN(const std::vector<crypto::Proof> proofs,
                       ledger.InclusionProofs(indexes, tree_size));
  std::vector<v1::ProvenEntry> out(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    out[i].set_index(static_cast<uint64_t>(entries[i].index));
    out[i].set_entry(std::move(entries[i].bytes));
    for (const crypto::Hash& h : proofs[i]) {
      out[i].add_inclusion_proof(std::string(h.begin(), h.end()));
    }
  }
  return out;
}

absl::Status VerifyProvenEntry(const v1::ProvenEntry& entry, const crypto::Checkpoint& checkpoint) {
  const int64_t index = static_cast<int64_t>(entry.index());
  if (entry.index() >= static_cast<uint64_t>(checkpoint.size)) {
    return absl::InvalidArgumentError(
        StrCat("entry ", entry.index(), " is past the checkpoint's size ", checkpoint.size));
  }
  std::vector<crypto::Hash> proof;
  for (const std::string& h : entry.inclusion_proof()) {
    if (h.size() != crypto::kHashBytes) {
      return absl::InvalidArgumentError(
          StrCat("entry ", entry.index(), ": a proof hash has ", h.size(), " bytes"));
    }
    crypto::Hash hash;
    std::copy(h.begin(), h.end(), hash.begin());
    proof.push_back(hash);
  }
  const crypto::Hash leaf = crypto::LeafHash(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(entry.entry().data()), entry.entry().size()));
  const absl::Status status =
      crypto::VerifyInclusion(index, checkpoint.size, leaf, proof, checkpoint.root);
  if (!status.ok()) {
    return absl::Status(status.code(), StrCat("entry ", entry.index(),
                                              ": inclusion proof: ", ToStd(status.message())));
  }
  return absl::OkStatus();
}

absl::StatusOr<crypto::Checkpoint> OpenCheckpointAs(std::string_view note,
                                                    const crypto::NoteVerifier& verifier,
                                                    std::string_view what) {
  absl::StatusOr<crypto::OpenedCheckpoint> opened = crypto::OpenCheckpoint(note, verifier);
  if (!opened.ok()) {
    return absl::Status(opened.status().code(),
                        StrCat(what, ": ", ToStd(opened.status().message())));
  }
  return opened->checkpoint;
}

}  // namespace pbl::rpc
