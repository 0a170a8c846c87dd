// Private key files. A key file holds one line in the format of Go's sumdb/note signer keys,
//   PRIVATE+KEY+<name>+<key ID, 8 hex digits>+<base64(0x01 || 32-byte Ed25519 seed)>
// so that keys move between PBL and Go tools. Files are created with mode 0600 and a file that
// group or others may read is refused. Buffers holding secrets are wiped after use.
#ifndef PBL_CRYPTO_KEY_FILE_H_
#define PBL_CRYPTO_KEY_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/aead.h"
#include "crypto/ed25519.h"

namespace pbl::crypto {

struct NamedKey {
  std::string name;
  SigningKey key;
};

// The private key string for `key` named `name` (a secret: wipe it after use).
absl::StatusOr<std::string> FormatPrivateKey(std::string_view name, const SigningKey& key);
absl::StatusOr<NamedKey> ParsePrivateKey(std::string_view text);

// Writes a new key file with mode 0600; ALREADY_EXISTS if `path` exists (keys are never
// overwritten).
absl::Status WriteKeyFile(const std::string& path, std::string_view name, const SigningKey& key);
// Reads a key file. FAILED_PRECONDITION if group or others can read it, NOT_FOUND if missing,
// INVALID_ARGUMENT if its content is malformed.
absl::StatusOr<NamedKey> ReadKeyFile(const std::string& path);
// Reads another secret file (a TLS private key) under the same rule: FAILED_PRECONDITION if
// group or others can read it, INVALID_ARGUMENT if it is not a regular file or is over
// `max_bytes`, NOT_FOUND if missing. `what` names it in messages.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path, std::string_view what,
                                           size_t max_bytes = 1 << 20);

// The master key file of a v2 node (specs/log-format-v2.md, section 2): one line,
//   PBL+MASTER+KEY+<base64 of 32 random bytes>
// Written with mode 0600, never over an existing file (ALREADY_EXISTS); read under the rule of
// ReadKeyFile (FAILED_PRECONDITION if group or others can read it, INVALID_ARGUMENT if malformed).
absl::Status WriteMasterKeyFile(const std::string& path, const SecretKey& key);
absl::StatusOr<SecretKey> ReadMasterKeyFile(const std::string& path);

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_KEY_FILE_H_
