// Months and dates as the rules count them. A month is one int32 index (year * 12 + month - 1),
// so that month arithmetic is integer arithmetic; a date is a checked civil date. Text forms are
// YYYY-MM and YYYY-MM-DD, years 1900-2199. Pure; thread-safe.
#ifndef PBL_LEDGER_DOMAIN_CALENDAR_H_
#define PBL_LEDGER_DOMAIN_CALENDAR_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pbl::ledger {

inline constexpr int32_t kYearMin = 1900;
inline constexpr int32_t kYearMax = 2199;

// year * 12 + (month - 1); 1998-01 is 23976.
constexpr int32_t MonthIndex(int32_t year, int32_t month) { return year * 12 + month - 1; }
constexpr int32_t YearOfMonth(int32_t month_index) { return month_index / 12; }
constexpr int32_t MonthOfYear(int32_t month_index) { return month_index % 12 + 1; }

// "YYYY-MM" to a month index; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<int32_t> ParseMonth(std::string_view text, std::string_view field = "month");
std::string FormatMonth(int32_t month_index);

struct Date {
  int32_t year = 0;
  int32_t month = 0;
  int32_t day = 0;

  int32_t MonthIndex() const { return ledger::MonthIndex(year, month); }
  auto operator<=>(const Date&) const = default;
};

bool IsRealDate(int32_t year, int32_t month, int32_t day);

// "YYYY-MM-DD" to a date; INVALID_ARGUMENT naming `field` otherwise (including 2023-02-29).
absl::StatusOr<Date> ParseDate(std::string_view text, std::string_view field = "date");
std::string FormatDate(const Date& date);

// The UTC civil date of a Unix time in milliseconds.
Date DateFromUnixMs(int64_t unix_ms);

// Whole years of age on `on` of someone born on `birth` (the birthday itself counts).
int32_t AgeInYears(const Date& birth, const Date& on);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_DOMAIN_CALENDAR_H_
