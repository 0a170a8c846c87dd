// StrCat / StrAppend for every layer.
//
// Debian 12's abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW is
// 0), so absl::StrCat does not take std::string_view. These small versions take std::string,
// std::string_view, C strings, absl::string_view (status messages), chars and integers.
// Header-only; thread-safe.
#ifndef PBL_CRYPTO_BASE_STRINGS_H_
#define PBL_CRYPTO_BASE_STRINGS_H_

#include <charconv>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/string_view.h"

namespace pbl {

namespace strings_internal {

template <typename T>
void AppendPiece(std::string* out, const T& piece) {
  if constexpr (std::is_same_v<T, absl::string_view>) {
    out->append(piece.data(), piece.size());
  } else if constexpr (std::is_same_v<T, char>) {
    out->push_back(piece);
  } else if constexpr (std::is_same_v<T, bool>) {
    out->append(piece ? "true" : "false");
  } else if constexpr (std::is_integral_v<T>) {
    char buffer[24];
    const std::to_chars_result r = std::to_chars(buffer, buffer + sizeof(buffer), piece);
    out->append(buffer, static_cast<size_t>(r.ptr - buffer));
  } else {
    out->append(std::string_view(piece));
  }
}

}  // namespace strings_internal

template <typename... Pieces>
void StrAppend(std::string* out, const Pieces&... pieces) {
  (strings_internal::AppendPiece(out, pieces), ...);
}

template <typename... Pieces>
std::string StrCat(const Pieces&... pieces) {
  std::string out;
  StrAppend(&out, pieces...);
  return out;
}

// Appends `byte` as \xNN (two lowercase hex digits): how a byte that must not appear as itself
// (a control character in a log line or an error message) is written.
inline void AppendHexEscape(std::string* out, unsigned char byte) {
  constexpr char kHex[] = "0123456789abcdef";
  out->append("\\x");
  out->push_back(kHex[byte >> 4]);
  out->push_back(kHex[byte & 0xF]);
}

// The longest prefix of `text` (valid UTF-8) that is at most `max_bytes` long and does not end
// inside a character: text cut to a byte limit stays valid UTF-8, so the protobuf string that
// holds it still parses.
inline std::string_view Utf8Prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  // Back off over continuation bytes (10xxxxxx) to the first byte of the cut character.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

// Converts abseil's string_view (status messages) to the standard one.
inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace pbl

#endif  // PBL_CRYPTO_BASE_STRINGS_H_
