// libFuzzer target for the C2SP signed-note code in crypto/note.h: ParseNote, OpenNote against a
// fixed known key, ValidateKeyName, and SignNote followed by OpenNote.
//
// Besides "never crash", it checks properties that a parser facing untrusted notes must keep:
//  - a parsed note serialises back to exactly its input, so that there is one spelling of each
//    note and the text a verifier checks is the text it was given;
//  - OpenNote accepts only what ParseNote accepts, returns the parsed text, credits only keys it
//    was given and that signed, and fails only with the documented status codes;
//  - signing valid text and opening the result gives the text back;
//  - ValidateKeyName agrees with the spec's rule for key names, written out independently here.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/note.h"
#include "crypto/note_verifiers.h"
#include "tests/fuzz/fuzz_check.h"

namespace pbl::crypto {
namespace {

// The example key of c2sp.org/signed-note, so that the spec's example note is a valid seed.
constexpr std::string_view kExampleName = "example.com/foo";
constexpr uint32_t kExampleKeyId = 0x530d903a;
constexpr std::string_view kExampleVkey =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr Ed25519PublicKey kExamplePublicKey = {
    0xe9, 0x32, 0x79, 0x1a, 0xe6, 0xe7, 0xa8, 0x40, 0xa4, 0x61, 0x64, 0xc9, 0x04, 0x78, 0x64, 0x26,
    0xd5, 0xe7, 0x82, 0x1d, 0xd8, 0xb2, 0x9a, 0x00, 0xd6, 0x1c, 0xae, 0x72, 0xaf, 0xdd, 0x4d, 0xa4};

// A key whose secret the fuzzer knows, so that it can sign inputs and open them again.
constexpr std::string_view kSignerName = "fuzz.example/signer";

// The em dash and space that open every signature line.
constexpr std::string_view kSignaturePrefix = "\xe2\x80\x94 ";

struct Keys {
  Ed25519NoteVerifier example{std::string(kExampleName), kExamplePublicKey};
  SigningKey signing_key;
  // Optional only because they are made after the key they borrow or mirror.
  std::optional<Ed25519NoteSigner> signer;
  std::optional<Ed25519NoteVerifier> verifier;
};

const Keys& GetKeys() {
  static const Keys* keys = [] {
    InitCrypto();
    const std::vector<uint8_t> seed(kEd25519SeedBytes, 0x42);
    absl::StatusOr<SigningKey> key = SigningKey::FromSeed(seed);
    PBL_FUZZ_CHECK(key.ok(), "SigningKey::FromSeed of a fixed seed");
    auto* k = new Keys{.signing_key = *std::move(key), .signer = {}, .verifier = {}};
    absl::StatusOr<Ed25519NoteSigner> signer =
        Ed25519NoteSigner::Create(std::string(kSignerName), &k->signing_key);
    PBL_FUZZ_CHECK(signer.ok(), "Ed25519NoteSigner::Create of a fixed name");
    k->signer.emplace(*std::move(signer));
    k->verifier.emplace(std::string(kSignerName), k->signing_key.public_key());
    // The fixed keys must agree with the parser, or every later check would mislead.
    PBL_FUZZ_CHECK(k->example.key_id() == kExampleKeyId, "key ID of the spec's example key");
    absl::StatusOr<std::unique_ptr<NoteVerifier>> parsed = NewNoteVerifier(kExampleVkey);
    PBL_FUZZ_CHECK(parsed.ok() && (*parsed)->key_id() == kExampleKeyId,
                   "NewNoteVerifier of the spec's example key");
    return k;
  }();
  return *keys;
}

// Decodes the UTF-8 sequence at s[*pos] as RFC 3629 does (no overlong forms, no surrogates,
// nothing past U+10FFFF) and advances *pos; false if it is malformed.
bool DecodeUtf8(std::string_view s, size_t* pos, char32_t* code_point) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t lead = byte(*pos);
  int length = 0;
  char32_t min = 0;
  if (lead < 0x80) {
    *code_point = lead;
    *pos += 1;
    return true;
  } else if ((lead & 0xe0) == 0xc0) {
    length = 2, min = 0x80, *code_point = lead & 0x1f;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3, min = 0x800, *code_point = lead & 0x0f;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4, min = 0x10000, *code_point = lead & 0x07;
  } else {
    return false;
  }
  if (s.size() - *pos < static_cast<size_t>(length)) return false;
  for (int i = 1; i < length; ++i) {
    const uint8_t next = byte(*pos + i);
    if ((next & 0xc0) != 0x80) return false;
    *code_point = (*code_point << 6) | (next & 0x3f);
  }
  *pos += length;
  return *code_point >= min && *code_point <= 0x10ffff &&
         !(*code_point >= 0xd800 && *code_point <= 0xdfff);
}

// Unicode's White_Space property, which is what Go's unicode.IsSpace (used by the reference
// implementation, golang.org/x/mod/sumdb/note) tests.
bool IsUnicodeSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
         c == 0x3000;
}

bool IsControl(char32_t c) { return c < 0x20 || (c >= 0x7f && c <= 0x9f); }

struct NameVerdict {
  bool valid = false;
  bool has_control = false;
};

// The spec's rule for key names, plus this project's length bound.
NameVerdict ReferenceKeyNameCheck(std::string_view name) {
  NameVerdict verdict;
  bool valid = !name.empty() && name.size() <= kKeyNameBytesMax;
  for (size_t pos = 0; pos < name.size();) {
    char32_t c = 0;
    if (!DecodeUtf8(name, &pos, &c)) {
      valid = false;
      break;
    }
    if (IsUnicodeSpace(c) || c == '+') valid = false;
    if (IsControl(c)) verdict.has_control = true;
  }
  verdict.valid = valid;
  return verdict;
}

void CheckKeyName(std::string_view name) {
  const bool accepted = ValidateKeyName(name).ok();
  const NameVerdict reference = ReferenceKeyNameCheck(name);
  // Accepting a name the spec forbids could let a space or '+' split a signature line or a
  // verifier key differently from other implementations, so that direction is always a bug.
  PBL_FUZZ_CHECK(!accepted || reference.valid, "ValidateKeyName accepted a name the spec forbids");
  // Rejecting a spec-valid name only costs interoperability; refusing control characters is a
  // defensible extra strictness (notes cannot carry them anyway), so it is tolerated.
  PBL_FUZZ_CHECK(accepted || !reference.valid || reference.has_control,
                 "ValidateKeyName rejected a name the spec allows");
}

std::string SignatureLine(const NoteSignature& signature) {
  std::string bytes;
  for (int shift = 24; shift >= 0; shift -= 8) {
    bytes.push_back(static_cast<char>((signature.key_id >> shift) & 0xff));
  }
  bytes += signature.signature;
  return std::string(kSignaturePrefix) + signature.name + " " + Base64Encode(bytes) + "\n";
}

// The one spelling of a parsed note: its text, a blank line, and a line per signature.
std::string Serialize(const Note& note) {
  std::string message = note.text + "\n";
  for (const NoteSignature& signature : note.signatures) message += SignatureLine(signature);
  return message;
}

bool SignatureMatches(const NoteSignature& signature, const NoteVerifier& verifier) {
  return signature.name == verifier.name() && signature.key_id == verifier.key_id();
}

void CheckParsedNote(std::string_view message, const Note& note) {
  PBL_FUZZ_CHECK(!note.text.empty() && note.text.back() == '\n', "note text ends in newline");
  PBL_FUZZ_CHECK(!note.signatures.empty(), "a parsed note has at least one signature");
  PBL_FUZZ_CHECK(note.signatures.size() <= kNoteSignaturesMax, "signature count bound");
  for (const NoteSignature& signature : note.signatures) {
    PBL_FUZZ_CHECK(ValidateKeyName(signature.name).ok(), "signature names are valid key names");
  }
  PBL_FUZZ_CHECK(Serialize(note) == message, "a parsed note serialises back to its input");
}

void CheckOpenedNote(const Note& note, const OpenedNote& opened,
                     const std::vector<const NoteVerifier*>& known) {
  PBL_FUZZ_CHECK(opened.text == note.text, "OpenNote returns the parsed text");
  PBL_FUZZ_CHECK(!opened.verified_by.empty(), "OpenNote succeeds only when a known key signed");
  PBL_FUZZ_CHECK(opened.unknown.size() <= note.signatures.size(), "unknown signature count");
  for (const NoteVerifier* verifier : opened.verified_by) {
    PBL_FUZZ_CHECK(std::find(known.begin(), known.end(), verifier) != known.end(),
                   "verified_by lists only known keys");
    PBL_FUZZ_CHECK(
        std::any_of(note.signatures.begin(), note.signatures.end(),
                    [&](const NoteSignature& s) { return SignatureMatches(s, *verifier); }),
        "verified_by lists only keys that have a signature line");
  }
  for (const NoteSignature& signature : opened.unknown) {
    for (const NoteVerifier* verifier : known) {
      PBL_FUZZ_CHECK(!SignatureMatches(signature, *verifier), "unknown lists no known key");
    }
  }
}

void CheckParseAndOpen(std::string_view message) {
  const Keys& keys = GetKeys();
  const std::vector<const NoteVerifier*> known = {&keys.example, &*keys.verifier};
  absl::StatusOr<Note> note = ParseNote(message);
  absl::StatusOr<OpenedNote> opened = OpenNote(message, known);
  if (!note.ok()) {
    PBL_FUZZ_CHECK(note.status().code() == absl::StatusCode::kInvalidArgument,
                   "ParseNote fails with INVALID_ARGUMENT");
    PBL_FUZZ_CHECK(!opened.ok() && opened.status().code() == absl::StatusCode::kInvalidArgument,
                   "OpenNote rejects what ParseNote rejects, as INVALID_ARGUMENT");
    return;
  }
  CheckParsedNote(message, *note);
  if (opened.ok()) {
    CheckOpenedNote(*note, *opened, known);
    return;
  }
  const absl::StatusCode code = opened.status().code();
  PBL_FUZZ_CHECK(code == absl::StatusCode::kInvalidArgument ||
                     code == absl::StatusCode::kDataLoss ||
                     code == absl::StatusCode::kUnauthenticated,
                 "OpenNote fails only with its documented codes");
  const bool known_signed =
      std::any_of(note->signatures.begin(), note->signatures.end(), [&](const NoteSignature& s) {
        return SignatureMatches(s, keys.example) || SignatureMatches(s, *keys.verifier);
      });
  PBL_FUZZ_CHECK(known_signed || code == absl::StatusCode::kUnauthenticated,
                 "a note with no known key's signature is UNAUTHENTICATED");
}

// Treats the input as note text: valid text must sign, and a signed note must open to exactly
// the text that was signed (a signer that let the text and signature block run together would
// make the signature cover something other than what readers see).
void CheckSignAndOpen(std::string_view text) {
  const Keys& keys = GetKeys();
  const NoteSigner* signers[] = {&*keys.signer};
  absl::StatusOr<std::string> signed_note = SignNote(text, signers);
  // Text close to kNoteBytesMax may validate yet leave no room for the signature line, so the
  // promise is only held for text well under the bound.
  if (ValidateNoteText(text).ok() && text.size() <= kNoteBytesMax / 2) {
    PBL_FUZZ_CHECK(signed_note.ok(), "SignNote signs text that ValidateNoteText accepts");
  }
  if (!signed_note.ok()) return;
  const NoteVerifier* known[] = {&*keys.verifier};
  absl::StatusOr<OpenedNote> opened = OpenNote(*signed_note, known);
  PBL_FUZZ_CHECK(opened.ok(), "OpenNote opens what SignNote signed");
  PBL_FUZZ_CHECK(opened->text == text, "OpenNote returns the text that was signed");
  PBL_FUZZ_CHECK(opened->verified_by.size() == 1 && opened->verified_by[0] == known[0],
                 "the signer is credited");
}

}  // namespace
}  // namespace pbl::crypto

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  pbl::crypto::CheckParseAndOpen(input);
  pbl::crypto::CheckKeyName(input);
  pbl::crypto::CheckSignAndOpen(input);
  return 0;
}
