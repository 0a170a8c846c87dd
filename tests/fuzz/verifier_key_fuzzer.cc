// libFuzzer target for verifier key strings (`name+keyid+base64(type||public key)`) in
// crypto/note.h: ParseVerifierKey, FormatVerifierKey, NewNoteVerifier and ValidateKeyName.
//
// The round trip is exact with one exception. Go's golang.org/x/mod/sumdb/note, which made the
// keys PBL must read, checks that the key ID has 8 characters and reads it with
// strconv.ParseUint(id, 16, 32), so upper-case hex names the same key; FormatVerifierKey writes
// lower case. Every other part has a single spelling: the name is verbatim (it cannot contain
// '+'), the key ID is fixed-width, and base64 must be canonical (see encoding.h). So a parsed key
// must format back to the input once the key ID's hex digits are lower-cased, and nothing else.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"
#include "crypto/note_verifiers.h"
#include "tests/fuzz/fuzz_check.h"

namespace pbl::crypto {
namespace {

constexpr size_t kKeyIdHexDigits = 8;

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// True when `input` equals `canonical` except for the case of the key ID's hex digits, which
// start right after the name and its '+'.
bool SameUpToKeyIdCase(std::string_view input, std::string_view canonical, size_t name_bytes) {
  if (input.size() != canonical.size()) return false;
  const size_t id_begin = name_bytes + 1;
  for (size_t i = 0; i < input.size(); ++i) {
    const bool in_key_id = i >= id_begin && i < id_begin + kKeyIdHexDigits;
    const char c = in_key_id ? ToLowerAscii(input[i]) : input[i];
    if (c != canonical[i]) return false;
  }
  return true;
}

bool SameKey(const VerifierKey& a, const VerifierKey& b) {
  return a.name == b.name && a.key_id == b.key_id && a.type == b.type &&
         a.public_key == b.public_key;
}

void CheckParsedKey(std::string_view input, const VerifierKey& key) {
  PBL_FUZZ_CHECK(ValidateKeyName(key.name).ok(), "the parsed name is a valid key name");
  PBL_FUZZ_CHECK(key.type == kSignatureTypeEd25519 || key.type == kSignatureTypeCosignatureV1,
                 "only the two supported key types parse");
  PBL_FUZZ_CHECK(key.key_id == ComputeKeyId(key.name, key.type, key.public_key),
                 "the stated key ID matches the key");
  const std::string canonical = FormatVerifierKey(key.name, key.type, key.public_key);
  absl::StatusOr<VerifierKey> reparsed = ParseVerifierKey(canonical);
  PBL_FUZZ_CHECK(reparsed.ok() && SameKey(*reparsed, key), "the formatted key parses back");
  PBL_FUZZ_CHECK(SameUpToKeyIdCase(input, canonical, key.name.size()),
                 "the formatted key is the input, up to the key ID's hex case");

  absl::StatusOr<std::unique_ptr<NoteVerifier>> verifier = NewNoteVerifier(input);
  PBL_FUZZ_CHECK(verifier.ok(), "NewNoteVerifier accepts what ParseVerifierKey accepts");
  PBL_FUZZ_CHECK((*verifier)->name() == key.name && (*verifier)->key_id() == key.key_id,
                 "the verifier is for the parsed key");
  // The input is not a signature by this key of this text, whatever its length.
  PBL_FUZZ_CHECK(!(*verifier)->Verify("fuzz\n", input), "garbage does not verify");
}

// The other direction: any valid key name must survive formatting and parsing.
void CheckNameRoundTrip(std::string_view name) {
  if (!ValidateKeyName(name).ok()) return;
  Ed25519PublicKey public_key{};
  for (size_t i = 0; i < public_key.size(); ++i) public_key[i] = static_cast<uint8_t>(i * 7 + 1);
  for (const uint8_t type : {kSignatureTypeEd25519, kSignatureTypeCosignatureV1}) {
    absl::StatusOr<VerifierKey> key = ParseVerifierKey(FormatVerifierKey(name, type, public_key));
    PBL_FUZZ_CHECK(key.ok(), "a formatted key with a valid name parses");
    PBL_FUZZ_CHECK(key->name == name && key->type == type && key->public_key == public_key,
                   "a formatted key parses to its parts");
  }
}

}  // namespace
}  // namespace pbl::crypto

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<pbl::crypto::VerifierKey> key = pbl::crypto::ParseVerifierKey(input);
  if (key.ok()) {
    pbl::crypto::CheckParsedKey(input, *key);
  } else {
    PBL_FUZZ_CHECK(key.status().code() == absl::StatusCode::kInvalidArgument,
                   "ParseVerifierKey fails with INVALID_ARGUMENT");
    PBL_FUZZ_CHECK(!pbl::crypto::NewNoteVerifier(input).ok(),
                   "NewNoteVerifier rejects what ParseVerifierKey rejects");
  }
  pbl::crypto::CheckNameRoundTrip(input);
  return 0;
}
