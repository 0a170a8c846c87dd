// C2SP signed notes (c2sp.org/signed-note@v1.0.0): text signed by one or more keys, and verifier
// keys in the `name+keyid+base64(type||key)` form.
//
//   <text ending in newline>
//   <blank line>
//   — <key name> base64(key ID || signature)      (one line per signature)
//
// OpenNote follows the spec's verifier rules: signatures from unknown keys are ignored; a
// signature whose (name, key ID) matches a known key must verify or the whole note is rejected;
// at least one known key must have signed. Notes hold at most kNoteSignaturesMax signatures and
// kNoteBytesMax bytes. Everything here is thread-safe (signers and verifiers are immutable).
#ifndef PBL_CRYPTO_NOTE_H_
#define PBL_CRYPTO_NOTE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/ed25519.h"

namespace pbl::crypto {

inline constexpr size_t kNoteBytesMax = 1 << 20;
inline constexpr size_t kNoteSignaturesMax = 100;  // the spec asks for at least 16
inline constexpr size_t kKeyNameBytesMax = 256;

// Signature type bytes assigned by the signed-note spec.
inline constexpr uint8_t kSignatureTypeEd25519 = 0x01;
inline constexpr uint8_t kSignatureTypeCosignatureV1 = 0x04;

// One signature line, parsed but not verified.
struct NoteSignature {
  std::string name;
  uint32_t key_id = 0;
  std::string signature;  // the bytes after the key ID
};

struct Note {
  std::string text;  // includes its final newline
  std::vector<NoteSignature> signatures;
};

// Checks a key name: non-empty, valid UTF-8, no Unicode space, no '+', at most
// kKeyNameBytesMax bytes.
absl::Status ValidateKeyName(std::string_view name);

// The key ID as 8 lower-case hex digits, as in verifier keys.
std::string FormatKeyId(uint32_t key_id);

// key ID = SHA-256(name || 0x0A || type || public key)[:4], big-endian.
uint32_t ComputeKeyId(std::string_view name, uint8_t type, std::span<const uint8_t> public_key);

// Parses a signed note's syntax (no signature is checked). INVALID_ARGUMENT naming what is
// wrong: size, encoding, control characters, missing blank line, a malformed signature line.
absl::StatusOr<Note> ParseNote(std::string_view message);

// Checks note text before signing: non-empty, ends in newline, valid UTF-8, no control
// characters other than newline. (A text may end in blank lines: the signatures start after the
// last blank line of the note, so the text is recovered exactly.)
absl::Status ValidateNoteText(std::string_view text);

class NoteSigner {
 public:
  virtual ~NoteSigner() = default;
  virtual const std::string& name() const = 0;
  virtual uint32_t key_id() const = 0;
  // The signature bytes (without key ID) over `text`.
  virtual absl::StatusOr<std::string> Sign(std::string_view text) const = 0;
};

class NoteVerifier {
 public:
  virtual ~NoteVerifier() = default;
  virtual const std::string& name() const = 0;
  virtual uint32_t key_id() const = 0;
  virtual bool Verify(std::string_view text, std::string_view signature) const = 0;
};

// Ed25519 note signatures (type 0x01). The signer borrows its key: it must outlive the signer.
class Ed25519NoteSigner : public NoteSigner {
 public:
  static absl::StatusOr<Ed25519NoteSigner> Create(std::string name, const SigningKey* key);
  const std::string& name() const override { return name_; }
  uint32_t key_id() const override { return key_id_; }
  absl::StatusOr<std::string> Sign(std::string_view text) const override;
  // The verifier key string for this signer.
  std::string VerifierKey() const;

 private:
  Ed25519NoteSigner(std::string name, uint32_t key_id, const SigningKey* key)
      : name_(std::move(name)), key_id_(key_id), key_(key) {}
  std::string name_;
  uint32_t key_id_;
  const SigningKey* key_;
};

class Ed25519NoteVerifier : public NoteVerifier {
 public:
  Ed25519NoteVerifier(std::string name, const Ed25519PublicKey& key);
  const std::string& name() const override { return name_; }
  uint32_t key_id() const override { return key_id_; }
  bool Verify(std::string_view text, std::string_view signature) const override;
  const Ed25519PublicKey& public_key() const { return key_; }

 private:
  std::string name_;
  uint32_t key_id_;
  Ed25519PublicKey key_;
};

// A parsed verifier key string `name+keyid+base64(type||public key)`.
struct VerifierKey {
  std::string name;
  uint32_t key_id = 0;
  uint8_t type = 0;
  Ed25519PublicKey public_key{};
};

// The parts of `name+keyid+base64(material)`, the form of verifier keys and (after
// `PRIVATE+KEY+`) of private keys: a valid key name, a key ID in 8 lower-case hex digits, and
// canonical base64. INVALID_ARGUMENT starting with `what` otherwise. The material may be secret:
// callers wipe it.
struct KeyStringParts {
  std::string name;
  uint32_t key_id = 0;
  std::string material;
};
absl::StatusOr<KeyStringParts> SplitKeyString(std::string_view text, std::string_view what);

// Parses a verifier key string for type 0x01 (Ed25519) or 0x04 (cosignature/v1). The stated
// key ID must equal the one computed from the key. INVALID_ARGUMENT naming the bad part.
absl::StatusOr<VerifierKey> ParseVerifierKey(std::string_view vkey);
std::string FormatVerifierKey(std::string_view name, uint8_t type, const Ed25519PublicKey& key);

// Signs `text` with every signer and returns the complete signed note.
absl::StatusOr<std::string> SignNote(std::string_view text,
                                     std::span<const NoteSigner* const> signers);
// Adds signatures to an already signed note, keeping its existing signature lines.
absl::StatusOr<std::string> AddNoteSignatures(std::string_view message,
                                              std::span<const NoteSigner* const> signers);

struct OpenedNote {
  std::string text;
  std::vector<const NoteVerifier*> verified_by;  // known keys whose signature verified
  std::vector<NoteSignature> unknown;            // signatures from keys not given
};

// Parses and verifies a note against known keys (rules in the file comment). INVALID_ARGUMENT
// for malformed notes, DATA_LOSS when a known key's signature fails, UNAUTHENTICATED when no
// known key signed.
absl::StatusOr<OpenedNote> OpenNote(std::string_view message,
                                    std::span<const NoteVerifier* const> known);

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_NOTE_H_
