// Entries with inclusion proofs (ProvenEntry in node.proto): made from the node's ledger, and
// checked by anyone against a signed checkpoint. Used by transfer packages and receipts, and by
// worker statements. Pure apart from the ledger reads; thread-safe.
#ifndef PBL_RPC_PROOFS_H_
#define PBL_RPC_PROOFS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "crypto/checkpoint.h"
#include "crypto/note.h"
#include "ledger/log/ledger.h"
#include "pbl/v1/node.pb.h"

namespace pbl::rpc {

// The entry at `index` with its inclusion proof in the tree of `tree_size`.
absl::StatusOr<v1::ProvenEntry> ProveEntry(const ledger::Ledger& ledger, int64_t index,
                                           std::string bytes, int64_t tree_size);

// The entries with their inclusion proofs in the tree of `tree_size`, reading shared hashes once.
absl::StatusOr<std::vector<v1::ProvenEntry>> ProveEntries(const ledger::Ledger& ledger,
                                                          std::vector<ledger::IndexedEntry> entries,
                                                          int64_t tree_size);

// DATA_LOSS naming the entry's index unless its proof leads from the entry's leaf hash to the
// checkpoint's root; INVALID_ARGUMENT for an index past the checkpoint or a malformed proof.
absl::Status VerifyProvenEntry(const v1::ProvenEntry& entry, const crypto::Checkpoint& checkpoint);

// Opens a checkpoint note with `verifier`; DATA_LOSS/UNAUTHENTICATED/INVALID_ARGUMENT as
// crypto::OpenCheckpoint, with `what` ("package checkpoint") in front.
absl::StatusOr<crypto::Checkpoint> OpenCheckpointAs(std::string_view note,
                                                    const crypto::NoteVerifier& verifier,
                                                    std::string_view what);

}  // namespace pbl::rpc

#endif  // PBL_RPC_PROOFS_H_
