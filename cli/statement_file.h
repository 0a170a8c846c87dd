// Portable statement files (specs/statement-format.md): a person's entries on one node, each with
// its inclusion proof against the node's signed checkpoint, in a strict line format that anyone
// can check offline with the node's verifier key. Every byte of a file is covered by a signature
// or a proof, or fixed by the format, so a file with any byte changed fails to parse or to
// verify. Pure; thread-safe.
#ifndef PBL_CLI_STATEMENT_FILE_H_
#define PBL_CLI_STATEMENT_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/history_view.h"
#include "crypto/checkpoint.h"
#include "crypto/note.h"
#include "pbl/v1/node.pb.h"

namespace pbl::cli {

inline constexpr std::string_view kStatementHeader = "pbl statement v1";
inline constexpr size_t kStatementBytesMax = size_t{64} << 20;
inline constexpr int64_t kStatementEntriesMax = 100'000;
inline constexpr size_t kStatementEntryBytesMax = 65535;
// The checkpoint body (origin, size, root), its extensions, the blank line and the signatures.
inline constexpr int64_t kStatementNoteLinesMax =
    3 + crypto::kCheckpointExtensionsMax + 1 + crypto::kNoteSignaturesMax;
// A tree of at most 2^62 leaves (crypto::kTreeSizeMax) has proofs of at most 62 hashes.
inline constexpr size_t kStatementProofHashesMax = 62;

// A parsed statement file.
struct StatementFile {
  v1::Statement statement;           // node_id stays empty: the file names the node by its origin
  std::vector<int64_t> entry_lines;  // the 1-based line of each entry's `entry` line
};

// The file for `statement`: INVALID_ARGUMENT when the statement cannot be written as one (no
// entries, a checkpoint that does not end in a newline, a cosignature with a newline). The
// node id is not written. The caller parses the result back to check it (ParseStatementFile).
absl::StatusOr<std::string> FormatStatementFile(const v1::Statement& statement);

// Parses a file strictly; INVALID_ARGUMENT naming the line (and the entry, inside an entry's
// block) otherwise, including the note's and the checkpoint body's syntax.
absl::StatusOr<StatementFile> ParseStatementFile(std::string_view text);

// The keys a reader trusts: node keys (Ed25519) and witness keys (Ed25519 or cosignature/v1).
struct TrustedKeys {
  std::vector<std::unique_ptr<crypto::NoteVerifier>> nodes;
  std::vector<std::unique_ptr<crypto::NoteVerifier>> witnesses;
};

struct VerifiedCheckpoint {
  crypto::Checkpoint checkpoint;
  std::vector<std::string> node_signers;     // "name+keyid" of the node keys that signed
  std::vector<std::string> witness_signers;  // "name+keyid" of the witnesses that signed
};

// Opens the checkpoint with the cosignatures appended: every signature must be by a trusted
// key and verify, a node key named as the origin must have signed, and every witness too.
// DATA_LOSS or UNAUTHENTICATED starting "checkpoint: " otherwise.
absl::StatusOr<VerifiedCheckpoint> VerifyStatementCheckpoint(const StatementFile& file,
                                                             const TrustedKeys& keys);

// Checks each entry against `checkpoint` (a verified one, or for a self-check an unverified
// one): its index is in the tree, its proof leads to the root, it parses as a pbl.v1.Entry of
// the statement's person. DATA_LOSS "line L: entry N: ..." otherwise.
absl::StatusOr<std::vector<DecodedEntry>> VerifyStatementEntries(
    const StatementFile& file, const crypto::Checkpoint& checkpoint);

// The checkpoint body of a parsed file, not verified (for the export's self-check).
absl::StatusOr<crypto::Checkpoint> UnverifiedCheckpoint(const StatementFile& file);

}  // namespace pbl::cli

#endif  // PBL_CLI_STATEMENT_FILE_H_
