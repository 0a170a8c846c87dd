#include "crypto/encoding.h"

#include <sodium.h>

#include <limits>

#include "absl/status/status.h"
#include "crypto/base/strings.h"

namespace pbl::crypto {

std::string HexEncode(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return absl::InvalidArgumentError(
        StrCat("hex string has an odd number of digits (", hex.size(), ")"));
  }
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(StrCat("hex string has a non-hex digit at ", 2 * i));
    }
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

std::optional<uint32_t> ParseKeyIdHex(std::string_view hex) {
  if (hex.size() != 8) return std::nullopt;
  uint32_t id = 0;
  for (char c : hex) {
    // Upper case is refused so that a key ID has exactly one spelling.
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    id = id << 4 | static_cast<uint32_t>(HexValue(c));
  }
  return id;
}

std::string Base64Encode(std::span<const uint8_t> bytes) {
  const size_t encoded_size =
      sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(encoded_size, '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(encoded_size - 1);  // drop the terminating NUL libsodium writes
  return out;
}

std::string Base64Encode(std::string_view bytes) { return Base64Encode(AsBytes(bytes)); }

absl::StatusOr<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return absl::InvalidArgumentError(
        StrCat("base64 length ", text.size(), " is not a multiple of 4"));
  }
  // libsodium 1.0.18 maps some bytes outside the alphabet (such as 0xAF) onto alphabet
  // characters, so the alphabet is checked here first: one encoding per byte string.
  const size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  for (size_t i = 0; i < text.size() - padding; ++i) {
    const char c = text[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '/')) {
      return absl::InvalidArgumentError(StrCat("base64 has a bad character at ", i));
    }
  }
  std::string out(text.size() / 4 * 3, '\0');
  size_t decoded_size = 0;
  const char* end = nullptr;
  // libsodium rejects characters outside the alphabet, bad padding and non-zero unused bits;
  // `end` must reach the end of the input so that nothing trails the padding.
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &decoded_size, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return absl::InvalidArgumentError("not canonical standard base64");
  }
  out.resize(decoded_size);
  return out;
}

absl::StatusOr<int64_t> ParseDecimal(std::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("empty number");
  if (text.size() > 1 && text[0] == '0') {
    return absl::InvalidArgumentError(StrCat("number \"", text, "\" has a leading zero"));
  }
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return absl::InvalidArgumentError("number has a character other than a decimal digit");
    }
    const int digit = c - '0';
    if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) {
      return absl::InvalidArgumentError("number is larger than 2^63-1");
    }
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace pbl::crypto
