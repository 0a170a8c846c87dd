// C2SP tlog-checkpoint bodies (c2sp.org/tlog-checkpoint@v1.0.0): the text of a signed note that
// commits to a Merkle tree head.
//
//   <origin>\n<size in decimal, no leading zeros>\n<base64 root hash>\n[<extension line>\n]...
//
// Parsing is strict: anything else is INVALID_ARGUMENT naming the line. Pure; thread-safe.
#ifndef PBL_CRYPTO_CHECKPOINT_H_
#define PBL_CRYPTO_CHECKPOINT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/note.h"
#include "crypto/sha256.h"

namespace pbl::crypto {

inline constexpr size_t kCheckpointExtensionsMax = 16;

struct Checkpoint {
  std::string origin;
  int64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // opaque, kept verbatim

  // The note text of this checkpoint.
  std::string Body() const;
  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

absl::StatusOr<Checkpoint> ParseCheckpoint(std::string_view text);

// Signs a checkpoint as a note with the given signers (the log's own first).
absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint,
                                           std::span<const NoteSigner* const> signers);

struct OpenedCheckpoint {
  Checkpoint checkpoint;
  OpenedNote note;
};

// Verifies a signed checkpoint: the note must carry a valid signature from `log`, whose name
// must equal the checkpoint's origin; `others` (witnesses) are checked too when they signed.
// Errors as OpenNote, plus UNAUTHENTICATED when the log's own signature is missing and
// INVALID_ARGUMENT when the origin is not the log's name.
absl::StatusOr<OpenedCheckpoint> OpenCheckpoint(std::string_view message, const NoteVerifier& log,
                                                std::span<const NoteVerifier* const> others = {});

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_CHECKPOINT_H_
