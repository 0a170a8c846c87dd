// C2SP tlog-proof@v1 (c2sp.org/tlog-proof): an offline-verifiable proof that an entry is in a
// log, made of the entry's index, its inclusion proof and the signed checkpoint it leads to.
//
//   c2sp.org/tlog-proof@v1
//   [extra <base64>]
//   index <decimal>
//   <base64 hash>            (zero or more, from the leaf's sibling up)
//   <blank line>
//   <signed checkpoint, verbatim>
//
// Pure; thread-safe.
#ifndef PBL_CRYPTO_TLOG_PROOF_H_
#define PBL_CRYPTO_TLOG_PROOF_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "crypto/note.h"

namespace pbl::crypto {

inline constexpr std::string_view kTlogProofHeader = "c2sp.org/tlog-proof@v1";
inline constexpr size_t kTlogProofHashesMax = kTreeLevelsMax;

struct TlogProof {
  std::optional<std::string> extra;  // unauthenticated application data
  int64_t index = 0;
  Proof hashes;
  std::string checkpoint;  // the signed checkpoint note

  std::string Format() const;
};

absl::StatusOr<TlogProof> ParseTlogProof(std::string_view text);

// Verifies that `leaf_data` is entry `index` of the log `log` signed: opens the checkpoint with
// the log's key and checks the inclusion proof against its size and root. Returns the checkpoint.
absl::StatusOr<Checkpoint> VerifyTlogProof(const TlogProof& proof,
                                           std::span<const uint8_t> leaf_data,
                                           const NoteVerifier& log);

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_TLOG_PROOF_H_
