// SHA-256 (OpenSSL libcrypto, which uses the CPU's SHA extensions). Pure functions and a
// streaming hasher; thread-safe.
#ifndef PBL_CRYPTO_SHA256_H_
#define PBL_CRYPTO_SHA256_H_

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace pbl::crypto {

inline constexpr size_t kHashBytes = 32;
using Hash = std::array<uint8_t, kHashBytes>;

Hash Sha256(std::span<const uint8_t> data);
Hash Sha256(std::string_view data);

// Incremental SHA-256 over several pieces, so callers can hash prefix || data without copying.
class Sha256Hasher {
 public:
  Sha256Hasher();
  Sha256Hasher& Update(std::span<const uint8_t> data);
  Sha256Hasher& Update(std::string_view data);
  Sha256Hasher& Update(uint8_t byte);
  Hash Finish();

 private:
  // Opaque storage for libcrypto's SHA256_CTX, kept out of this header so that OpenSSL stays
  // private to crypto/ (checked by a static_assert in sha256.cc).
  alignas(16) unsigned char state_[128];
};

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_SHA256_H_
