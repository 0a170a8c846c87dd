// A note verifier for any verifier key this project reads: Ed25519 (type 0x01) or C2SP
// cosignature/v1 (type 0x04). Kept apart from note.h so that note and cosignature do not include
// each other. Thread-safe.
#ifndef PBL_CRYPTO_NOTE_VERIFIERS_H_
#define PBL_CRYPTO_NOTE_VERIFIERS_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/note.h"

namespace pbl::crypto {

// A verifier for a parsed key of either supported type.
std::unique_ptr<NoteVerifier> MakeNoteVerifier(const VerifierKey& key);
// ParseVerifierKey, then MakeNoteVerifier. INVALID_ARGUMENT naming the bad part of `vkey`.
absl::StatusOr<std::unique_ptr<NoteVerifier>> NewNoteVerifier(std::string_view vkey);

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_NOTE_VERIFIERS_H_
