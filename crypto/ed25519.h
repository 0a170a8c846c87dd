// Ed25519 keys and signatures (RFC 8032, through libsodium, which stays private to crypto/).
//
// SigningKey holds a secret: it is move-only and wipes its memory when destroyed or moved from.
// Verification is a pure function. Thread-safe: a const SigningKey may sign from many threads.
#ifndef PBL_CRYPTO_ED25519_H_
#define PBL_CRYPTO_ED25519_H_

#include <array>
#include <cstdint>
#include <span>

#include "absl/status/statusor.h"

namespace pbl::crypto {

inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kEd25519SeedBytes = 32;
inline constexpr size_t kEd25519SignatureBytes = 64;

using Ed25519PublicKey = std::array<uint8_t, kEd25519PublicKeyBytes>;
using Ed25519Signature = std::array<uint8_t, kEd25519SignatureBytes>;

// Call once before using any crypto/ function from several threads (idempotent).
void InitCrypto();

class SigningKey {
 public:
  // A fresh key from the operating system's random source.
  static SigningKey Generate();
  // The key whose RFC 8032 private seed is `seed` (32 bytes), else INVALID_ARGUMENT.
  static absl::StatusOr<SigningKey> FromSeed(std::span<const uint8_t> seed);

  SigningKey(SigningKey&& other) noexcept;
  SigningKey& operator=(SigningKey&& other) noexcept;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  ~SigningKey();

  const Ed25519PublicKey& public_key() const { return public_key_; }
  // The 32-byte seed; the caller must wipe any copy it makes (see WipeMemory).
  std::span<const uint8_t> seed() const { return {secret_.data(), kEd25519SeedBytes}; }
  Ed25519Signature Sign(std::span<const uint8_t> message) const;

 private:
  SigningKey() = default;
  std::array<uint8_t, 64> secret_{};  // libsodium's secret key: seed || public key
  Ed25519PublicKey public_key_{};
};

// True when `signature` is a valid Ed25519 signature of `message` under `public_key`.
bool VerifyEd25519(const Ed25519PublicKey& public_key, std::span<const uint8_t> message,
                   std::span<const uint8_t> signature);

// Overwrites memory in a way the compiler may not remove.
void WipeMemory(void* data, size_t size);

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_ED25519_H_
