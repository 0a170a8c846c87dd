#include "crypto/note.h"

#include <algorithm>
#include <optional>

#include "absl/status/status.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace pbl::crypto {

namespace {

// U+2014 EM DASH followed by a space starts every signature line.
constexpr std::string_view kSignatureLinePrefix = "\xE2\x80\x94 ";
constexpr size_t kKeyIdBytes = 4;

// Decodes one UTF-8 code point starting at s[*i], advancing *i; nullopt for invalid UTF-8
// (overlong forms, surrogates and values past U+10FFFF included).
std::optional<char32_t> NextCodePoint(std::string_view s, size_t* i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b0 = byte(*i);
  size_t length;
  char32_t cp;
  if (b0 < 0x80) {
    ++*i;
    return b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    length = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4;
    cp = b0 & 0x07;
  } else {
    return std::nullopt;
  }
  if (*i + length > s.size()) return std::nullopt;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(*i + k) & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte(*i + k) & 0x3F);
  }
  static constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return std::nullopt;
  }
  *i += length;
  return cp;
}

// Unicode White_Space, as Go's unicode.IsSpace, which the reference implementation uses.
bool IsUnicodeSpace(char32_t c) {
  switch (c) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

// Valid UTF-8 with no control character other than newline, as the spec requires of notes.
absl::Status ValidateNoteBytes(std::string_view s, std::string_view what) {
  for (size_t i = 0; i < s.size();) {
    const size_t at = i;
    const std::optional<char32_t> cp = NextCodePoint(s, &i);
    if (!cp) return absl::InvalidArgumentError(StrCat(what, " is not UTF-8 at byte ", at));
    if (*cp < 0x20 && *cp != '\n') {
      return absl::InvalidArgumentError(StrCat(what, " has a control character at byte ", at));
    }
  }
  return absl::OkStatus();
}

std::string KeyIdBytes(uint32_t key_id) {
  std::string out(kKeyIdBytes, '\0');
  for (size_t i = 0; i < kKeyIdBytes; ++i) {
    out[i] = static_cast<char>(key_id >> (8 * (kKeyIdBytes - 1 - i)));
  }
  return out;
}

absl::StatusOr<NoteSignature> ParseSignatureLine(std::string_view line, size_t number) {
  const auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(StrCat("signature line ", number, ": ", why));
  };
  if (!line.starts_with(kSignatureLinePrefix)) return bad("does not start with \"— \"");
  line.remove_prefix(kSignatureLinePrefix.size());
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return bad("has no space between key name and signature");
  NoteSignature sig;
  sig.name = std::string(line.substr(0, space));
  if (absl::Status s = ValidateKeyName(sig.name); !s.ok()) return bad(ToStd(s.message()));
  absl::StatusOr<std::string> decoded = Base64Decode(line.substr(space + 1));
  if (!decoded.ok()) return bad("signature is not canonical base64");
  if (decoded->size() <= kKeyIdBytes) return bad("signature is too short");
  for (size_t i = 0; i < kKeyIdBytes; ++i) {
    sig.key_id = (sig.key_id << 8) | static_cast<uint8_t>((*decoded)[i]);
  }
  sig.signature = decoded->substr(kKeyIdBytes);
  return sig;
}

std::string SignatureLine(std::string_view name, uint32_t key_id, std::string_view signature) {
  return StrCat(kSignatureLinePrefix, name, " ",
                Base64Encode(StrCat(KeyIdBytes(key_id), signature)), "\n");
}

absl::StatusOr<std::string> SignatureLines(std::string_view text,
                                           std::span<const NoteSigner* const> signers) {
  std::string lines;
  for (const NoteSigner* signer : signers) {
    PBL_RETURN_IF_ERROR(ValidateKeyName(signer->name()));
    PBL_ASSIGN_OR_RETURN(std::string sig, signer->Sign(text));
    lines += SignatureLine(signer->name(), signer->key_id(), sig);
  }
  return lines;
}

}  // namespace

std::string FormatKeyId(uint32_t key_id) { return HexEncode(AsBytes(KeyIdBytes(key_id))); }

absl::Status ValidateKeyName(std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("key name is empty");
  if (name.size() > kKeyNameBytesMax) {
    return absl::InvalidArgumentError(
        StrCat("key name is longer than ", kKeyNameBytesMax, " bytes"));
  }
  for (size_t i = 0; i < name.size();) {
    const std::optional<char32_t> cp = NextCodePoint(name, &i);
    if (!cp) return absl::InvalidArgumentError("key name is not UTF-8");
    if (*cp == '+') return absl::InvalidArgumentError("key name contains '+'");
    if (IsUnicodeSpace(*cp)) return absl::InvalidArgumentError("key name contains a space");
    if (*cp < 0x20 || *cp == 0x7F) {
      return absl::InvalidArgumentError("key name contains a control character");
    }
  }
  return absl::OkStatus();
}

uint32_t ComputeKeyId(std::string_view name, uint8_t type, std::span<const uint8_t> public_key) {
  const Hash h =
      Sha256Hasher().Update(name).Update(uint8_t{'\n'}).Update(type).Update(public_key).Finish();
  return uint32_t{h[0]} << 24 | uint32_t{h[1]} << 16 | uint32_t{h[2]} << 8 | uint32_t{h[3]};
}

absl::Status ValidateNoteText(std::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("note text is empty");
  if (text.size() > kNoteBytesMax) return absl::InvalidArgumentError("note text is too long");
  if (text.back() != '\n') {
    return absl::InvalidArgumentError("note text does not end in a newline");
  }
  return ValidateNoteBytes(text, "note text");
}

absl::StatusOr<Note> ParseNote(std::string_view message) {
  if (message.size() > kNoteBytesMax) {
    return absl::InvalidArgumentError(
        StrCat("note is ", message.size(), " bytes; the limit is ", kNoteBytesMax));
  }
  PBL_RETURN_IF_ERROR(ValidateNoteBytes(message, "note"));
  if (message.empty() || message.back() != '\n') {
    return absl::InvalidArgumentError("note does not end in a newline");
  }
  // The text ends at the last blank line; signatures follow it.
  const size_t split = message.rfind("\n\n");
  if (split == std::string_view::npos) {
    return absl::InvalidArgumentError("note has no blank line between text and signatures");
  }
  Note note;
  note.text = std::string(message.substr(0, split + 1));
  std::string_view rest = message.substr(split + 2);
  if (rest.empty()) return absl::InvalidArgumentError("note has no signature lines");
  while (!rest.empty()) {
    if (note.signatures.size() == kNoteSignaturesMax) {
      return absl::InvalidArgumentError(
          StrCat("note has more than ", kNoteSignaturesMax, " signatures"));
    }
    const size_t newline = rest.find('\n');  // present: the message ends in a newline
    PBL_ASSIGN_OR_RETURN(NoteSignature sig,
                         ParseSignatureLine(rest.substr(0, newline), note.signatures.size() + 1));
    note.signatures.push_back(std::move(sig));
    rest.remove_prefix(newline + 1);
  }
  return note;
}

absl::StatusOr<std::string> SignNote(std::string_view text,
                                     std::span<const NoteSigner* const> signers) {
  PBL_RETURN_IF_ERROR(ValidateNoteText(text));
  if (signers.empty()) return absl::InvalidArgumentError("a note needs at least one signer");
  PBL_ASSIGN_OR_RETURN(std::string lines, SignatureLines(text, signers));
  std::string message = StrCat(text, "\n", lines);
  // Parsing what we produce guarantees that every note we sign is one that verifiers accept.
  PBL_RETURN_IF_ERROR(ParseNote(message).status());
  return message;
}

absl::StatusOr<std::string> AddNoteSignatures(std::string_view message,
                                              std::span<const NoteSigner* const> signers) {
  PBL_ASSIGN_OR_RETURN(Note note, ParseNote(message));
  PBL_ASSIGN_OR_RETURN(std::string lines, SignatureLines(note.text, signers));
  std::string out = StrCat(message, lines);
  PBL_RETURN_IF_ERROR(ParseNote(out).status());
  return out;
}

absl::StatusOr<OpenedNote> OpenNote(std::string_view message,
                                    std::span<const NoteVerifier* const> known) {
  PBL_ASSIGN_OR_RETURN(Note note, ParseNote(message));
  OpenedNote opened;
  for (NoteSignature& sig : note.signatures) {
    const NoteVerifier* verifier = nullptr;
    for (const NoteVerifier* v : known) {
      if (v->name() == sig.name && v->key_id() == sig.key_id) verifier = v;
    }
    if (verifier == nullptr) {
      opened.unknown.push_back(std::move(sig));
      continue;
    }
    if (!verifier->Verify(note.text, sig.signature)) {
      return absl::DataLossError(StrCat("the signature of known key ", sig.name, "+",
                                        FormatKeyId(sig.key_id), " does not verify"));
    }
    if (std::find(opened.verified_by.begin(), opened.verified_by.end(), verifier) ==
        opened.verified_by.end()) {
      opened.verified_by.push_back(verifier);
    }
  }
  if (opened.verified_by.empty()) {
    return absl::UnauthenticatedError("the note has no signature from a known key");
  }
  opened.text = std::move(note.text);
  return opened;
}

absl::StatusOr<Ed25519NoteSigner> Ed25519NoteSigner::Create(std::string name,
                                                            const SigningKey* key) {
  PBL_RETURN_IF_ERROR(ValidateKeyName(name));
  const uint32_t id = ComputeKeyId(name, kSignatureTypeEd25519, key->public_key());
  return Ed25519NoteSigner(std::move(name), id, key);
}

absl::StatusOr<std::string> Ed25519NoteSigner::Sign(std::string_view text) const {
  const Ed25519Signature sig = key_->Sign(AsBytes(text));
  return std::string(sig.begin(), sig.end());
}

std::string Ed25519NoteSigner::VerifierKey() const {
  return FormatVerifierKey(name_, kSignatureTypeEd25519, key_->public_key());
}

Ed25519NoteVerifier::Ed25519NoteVerifier(std::string name, const Ed25519PublicKey& key)
    : name_(std::move(name)), key_id_(ComputeKeyId(name_, kSignatureTypeEd25519, key)), key_(key) {}

bool Ed25519NoteVerifier::Verify(std::string_view text, std::string_view signature) const {
  return VerifyEd25519(key_, AsBytes(text), AsBytes(signature));
}

absl::StatusOr<KeyStringParts> SplitKeyString(std::string_view text, std::string_view what) {
  const size_t plus1 = text.find('+');
  const size_t plus2 = plus1 == std::string_view::npos ? plus1 : text.find('+', plus1 + 1);
  if (plus2 == std::string_view::npos) {
    return absl::InvalidArgumentError(StrCat(what, " is not name+keyid+key"));
  }
  KeyStringParts out;
  out.name = std::string(text.substr(0, plus1));
  if (absl::Status s = ValidateKeyName(out.name); !s.ok()) {
    return absl::InvalidArgumentError(StrCat(what, ": ", s.message()));
  }
  const std::optional<uint32_t> id = ParseKeyIdHex(text.substr(plus1 + 1, plus2 - plus1 - 1));
  if (!id) {
    return absl::InvalidArgumentError(StrCat(what, ": key ID is not 8 lower-case hex digits"));
  }
  out.key_id = *id;
  absl::StatusOr<std::string> material = Base64Decode(text.substr(plus2 + 1));
  if (!material.ok()) {
    return absl::InvalidArgumentError(StrCat(what, ": key is not canonical base64"));
  }
  out.material = std::move(*material);
  return out;
}

absl::StatusOr<VerifierKey> ParseVerifierKey(std::string_view vkey) {
  PBL_ASSIGN_OR_RETURN(KeyStringParts parts, SplitKeyString(vkey, "verifier key"));
  VerifierKey out;
  out.name = std::move(parts.name);
  out.key_id = parts.key_id;
  const std::string& key = parts.material;
  if (key.empty()) return absl::InvalidArgumentError("verifier key: key is empty");
  out.type = static_cast<uint8_t>(key[0]);
  if (out.type != kSignatureTypeEd25519 && out.type != kSignatureTypeCosignatureV1) {
    return absl::InvalidArgumentError(
        StrCat("verifier key: unsupported signature type ", static_cast<int>(out.type)));
  }
  if (key.size() != 1 + kEd25519PublicKeyBytes) {
    return absl::InvalidArgumentError("verifier key: Ed25519 public key is not 32 bytes");
  }
  std::copy(key.begin() + 1, key.end(), out.public_key.begin());
  if (ComputeKeyId(out.name, out.type, out.public_key) != out.key_id) {
    return absl::InvalidArgumentError("verifier key: key ID does not match the key");
  }
  return out;
}

std::string FormatVerifierKey(std::string_view name, uint8_t type, const Ed25519PublicKey& key) {
  std::string material(1, static_cast<char>(type));
  material.append(key.begin(), key.end());
  return StrCat(name, "+", FormatKeyId(ComputeKeyId(name, type, key)), "+", Base64Encode(material));
}

}  // namespace pbl::crypto
