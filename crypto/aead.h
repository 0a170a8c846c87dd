// Authenticated encryption for data at rest (specs/log-format-v2.md, section 2):
// XChaCha20-Poly1305 (libsodium's crypto_aead_xchacha20poly1305_ietf, draft-irtf-cfrg-xchacha),
// whose 24-byte nonces may be drawn at random for every message under one key.
//
// SecretKey holds 32 secret bytes: move-only, wiped when destroyed or moved from. The functions
// are pure apart from the random nonce; thread-safe.
#ifndef PBL_CRYPTO_AEAD_H_
#define PBL_CRYPTO_AEAD_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pbl::crypto {

inline constexpr size_t kSecretKeyBytes = 32;
inline constexpr size_t kAeadNonceBytes = 24;
inline constexpr size_t kAeadTagBytes = 16;
// What sealing adds to a plaintext: the nonce in front, the tag behind.
inline constexpr size_t kAeadOverheadBytes = kAeadNonceBytes + kAeadTagBytes;

class SecretKey {
 public:
  // 32 bytes from the operating system's random source.
  static SecretKey Generate();
  // INVALID_ARGUMENT unless `bytes` is 32 bytes.
  static absl::StatusOr<SecretKey> FromBytes(std::span<const uint8_t> bytes);

  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  // The caller must wipe any copy it makes (WipeMemory).
  std::span<const uint8_t, kSecretKeyBytes> bytes() const { return bytes_; }

 private:
  SecretKey() = default;
  std::array<uint8_t, kSecretKeyBytes> bytes_{};
};

// Fills `out` from the operating system's random source (libsodium's randombytes_buf).
void RandomBytes(std::span<uint8_t> out);

using AeadNonce = std::array<uint8_t, kAeadNonceBytes>;

// nonce || ciphertext || tag of `plaintext` with associated data `ad`, under a fresh random
// nonce.
std::string AeadSeal(const SecretKey& key, std::string_view plaintext, std::string_view ad);
// The same with the caller's nonce (for test vectors; a nonce must never be used twice under
// one key).
std::string AeadSealWithNonce(const SecretKey& key, const AeadNonce& nonce,
                              std::string_view plaintext, std::string_view ad);
// The plaintext of what AeadSeal made under `key` and `ad`. DATA_LOSS when `sealed` is shorter
// than kAeadOverheadBytes or does not authenticate (another key, other associated data, or
// changed bytes): the two are not told apart.
absl::StatusOr<std::string> AeadOpen(const SecretKey& key, std::string_view sealed,
                                     std::string_view ad);

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_AEAD_H_
