// Money is int64 fen (0.01 yuan). Yuan amounts in text are parsed exactly; nothing here, or
// anywhere in the rules, uses floating point. Pure; thread-safe.
#ifndef PBL_LEDGER_DOMAIN_MONEY_H_
#define PBL_LEDGER_DOMAIN_MONEY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pbl::ledger {

// Parses "1234", "1234.5", "1234.56" or "-0.01" (yuan, at most 2 decimals, no leading zeros, no
// exponent, no thousands separators) into fen. INVALID_ARGUMENT naming the problem otherwise,
// including amounts past int64.
absl::StatusOr<int64_t> ParseYuan(std::string_view text);

// Fen as yuan with exactly 2 decimals, e.g. -1234.50.
std::string FormatFen(int64_t fen);

// numerator / denominator rounded half away from zero, the rounding the rules use (half-up to the
// fen). `denominator` must be positive; the caller keeps numerator within int64.
int64_t DivideRoundHalfUp(int64_t numerator, int64_t denominator);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_DOMAIN_MONEY_H_
