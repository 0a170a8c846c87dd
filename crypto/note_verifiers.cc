#include "crypto/note_verifiers.h"

#include "crypto/base/status_macros.h"
#include "crypto/cosignature.h"

namespace pbl::crypto {

std::unique_ptr<NoteVerifier> MakeNoteVerifier(const VerifierKey& key) {
  if (key.type == kSignatureTypeCosignatureV1) {
    return std::make_unique<CosignatureVerifier>(key.name, key.public_key);
  }
  return std::make_unique<Ed25519NoteVerifier>(key.name, key.public_key);
}

absl::StatusOr<std::unique_ptr<NoteVerifier>> NewNoteVerifier(std::string_view vkey) {
  PBL_ASSIGN_OR_RETURN(VerifierKey key, ParseVerifierKey(vkey));
  return MakeNoteVerifier(key);
}

}  // namespace pbl::crypto
