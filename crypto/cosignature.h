// C2SP tlog-cosignature/v1 (signature type 0x04): a witness's timestamped Ed25519 statement that
// it saw a checkpoint, so that nodes can witness each other's logs. The signed message is
//   "cosignature/v1\n" "time <T>\n" <checkpoint body>
// and the signature bytes are the 8-byte big-endian timestamp T followed by the Ed25519
// signature. Thread-safe (immutable after construction).
#ifndef PBL_CRYPTO_COSIGNATURE_H_
#define PBL_CRYPTO_COSIGNATURE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"

namespace pbl::crypto {

inline constexpr size_t kCosignatureBytes = 8 + kEd25519SignatureBytes;

// The message a cosigner signs for `body` at `timestamp` (POSIX seconds).
std::string CosignedMessage(std::string_view body, uint64_t timestamp);

class CosignatureSigner : public NoteSigner {
 public:
  using Clock = std::function<uint64_t()>;  // POSIX seconds; injected for tests
  // The key must outlive the signer.
  static absl::StatusOr<CosignatureSigner> Create(std::string name, const SigningKey* key,
                                                  Clock clock);
  const std::string& name() const override { return name_; }
  uint32_t key_id() const override { return key_id_; }
  absl::StatusOr<std::string> Sign(std::string_view text) const override;
  std::string VerifierKey() const;

 private:
  CosignatureSigner(std::string name, uint32_t key_id, const SigningKey* key, Clock clock)
      : name_(std::move(name)), key_id_(key_id), key_(key), clock_(std::move(clock)) {}
  std::string name_;
  uint32_t key_id_;
  const SigningKey* key_;
  Clock clock_;
};

class CosignatureVerifier : public NoteVerifier {
 public:
  CosignatureVerifier(std::string name, const Ed25519PublicKey& key);
  const std::string& name() const override { return name_; }
  uint32_t key_id() const override { return key_id_; }
  bool Verify(std::string_view text, std::string_view signature) const override;
  // The timestamp of a cosignature that verifies, else nullopt.
  std::optional<uint64_t> VerifiedTimestamp(std::string_view text,
                                            std::string_view signature) const;

 private:
  std::string name_;
  uint32_t key_id_;
  Ed25519PublicKey key_;
};

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_COSIGNATURE_H_
