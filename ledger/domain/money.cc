#include "ledger/domain/money.h"

#include <cassert>
#include <limits>

#include "absl/status/status.h"
#include "crypto/base/strings.h"

namespace pbl::ledger {

absl::StatusOr<int64_t> ParseYuan(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(StrCat("amount \"", text.substr(0, 32), "\" ", why));
  };
  std::string_view s = text;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  const size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view decimals =
      dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (whole.empty()) return bad("has no yuan digits");
  if (whole.size() > 1 && whole[0] == '0') return bad("has a leading zero");
  if (dot != std::string_view::npos && (decimals.empty() || decimals.size() > 2)) {
    return bad("must have 1 or 2 decimals after the point");
  }
  int64_t fen = 0;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (char c : whole) {
    if (c < '0' || c > '9') return bad("has a character other than digits and one point");
    if (fen > (kMax / 100 - (c - '0')) / 10) return bad("is too large");
    fen = fen * 10 + (c - '0');
  }
  fen *= 100;
  int64_t cents = 0;
  int64_t scale = 10;
  for (char c : decimals) {
    if (c < '0' || c > '9') return bad("has a character other than digits and one point");
    cents += (c - '0') * scale;
    scale /= 10;
  }
  if (fen > kMax - cents) return bad("is too large");
  fen += cents;
  if (negative && fen == 0) return bad("is negative zero");
  return negative ? -fen : fen;
}

std::string FormatFen(int64_t fen) {
  // Work in unsigned so that the most negative amount formats too.
  const bool negative = fen < 0;
  const uint64_t magnitude =
      negative ? uint64_t{0} - static_cast<uint64_t>(fen) : static_cast<uint64_t>(fen);
  const uint64_t cents = magnitude % 100;
  return StrCat(negative ? "-" : "", magnitude / 100, cents < 10 ? ".0" : ".", cents);
}

int64_t DivideRoundHalfUp(int64_t numerator, int64_t denominator) {
  assert(denominator > 0);
  const int64_t quotient = numerator / denominator;
  const int64_t remainder = numerator % denominator;
  // Compare 2 * |remainder| with the denominator without overflow.
  const int64_t abs_remainder = remainder < 0 ? -remainder : remainder;
  if (abs_remainder >= denominator - abs_remainder) return quotient + (numerator < 0 ? -1 : 1);
  return quotient;
}

}  // namespace pbl::ledger
