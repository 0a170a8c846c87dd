// HMAC-SHA-256 (RFC 2104) and HKDF-SHA-256 (RFC 5869), through OpenSSL's libcrypto, for the
// keys a v2 node derives from its master key (specs/log-format-v2.md, section 2). Pure
// functions; thread-safe.
#ifndef PBL_CRYPTO_HMAC_H_
#define PBL_CRYPTO_HMAC_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "crypto/sha256.h"

namespace pbl::crypto {

Hash HmacSha256(std::span<const uint8_t> key, std::string_view data);

inline constexpr size_t kHkdfSha256OutputMax = 255 * kHashBytes;
// HKDF-Extract then HKDF-Expand: `length` bytes (1 to kHkdfSha256OutputMax; checked) from the
// input keying material, an optional salt (empty: RFC 5869's 32 zero bytes) and `info`. The
// caller wipes the result when it is secret (WipeMemory).
std::vector<uint8_t> HkdfSha256(std::span<const uint8_t> ikm, std::span<const uint8_t> salt,
                                std::string_view info, size_t length);

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_HMAC_H_
