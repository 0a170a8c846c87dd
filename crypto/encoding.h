// Text encodings used by the wire and file formats: hex, standard base64 (RFC 4648 section 4,
// padded, canonical) and strict decimal integers. Pure functions; thread-safe.
#ifndef PBL_CRYPTO_ENCODING_H_
#define PBL_CRYPTO_ENCODING_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pbl::crypto {

std::string HexEncode(std::span<const uint8_t> bytes);
// Lower- or upper-case hex with an even number of digits.
absl::StatusOr<std::string> HexDecode(std::string_view hex);
// Exactly 8 lower-case hex digits (a key ID as verifier and private keys spell it), else nullopt.
std::optional<uint32_t> ParseKeyIdHex(std::string_view hex);

std::string Base64Encode(std::span<const uint8_t> bytes);
std::string Base64Encode(std::string_view bytes);
// Accepts only canonical padded standard base64: no whitespace, no missing padding, unused bits
// zero. Anything else is INVALID_ARGUMENT.
absl::StatusOr<std::string> Base64Decode(std::string_view text);

// Parses a non-negative ASCII decimal with no sign, no leading zeros (except "0" itself) and no
// other characters, up to INT64_MAX.
absl::StatusOr<int64_t> ParseDecimal(std::string_view text);

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_ENCODING_H_
