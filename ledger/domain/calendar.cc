#include "ledger/domain/calendar.h"

#include <cstdio>

#include "absl/status/status.h"
#include "crypto/base/strings.h"

namespace pbl::ledger {

namespace {

// Parses exactly `width` ASCII digits.
bool ParseDigits(std::string_view text, int32_t* value) {
  int32_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *value = v;
  return !text.empty();
}

absl::Status BadText(std::string_view field, std::string_view text, std::string_view form) {
  return absl::InvalidArgumentError(StrCat(field, " \"", Utf8Prefix(text, 32), "\" is not a ", form,
                                           " (years ", kYearMin, "-", kYearMax, ")"));
}

}  // namespace

absl::StatusOr<int32_t> ParseMonth(std::string_view text, std::string_view field) {
  int32_t year = 0;
  int32_t month = 0;
  if (text.size() != 7 || text[4] != '-' || !ParseDigits(text.substr(0, 4), &year) ||
      !ParseDigits(text.substr(5, 2), &month) || year < kYearMin || year > kYearMax || month < 1 ||
      month > 12) {
    return BadText(field, text, "month YYYY-MM");
  }
  return MonthIndex(year, month);
}

std::string FormatMonth(int32_t month_index) {
  char out[16];
  std::snprintf(out, sizeof(out), "%04d-%02d", static_cast<int>(YearOfMonth(month_index)),
                static_cast<int>(MonthOfYear(month_index)));
  return out;
}

bool IsRealDate(int32_t year, int32_t month, int32_t day) {
  static constexpr int32_t kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < kYearMin || year > kYearMax || month < 1 || month > 12 || day < 1) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

absl::StatusOr<Date> ParseDate(std::string_view text, std::string_view field) {
  Date date;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      !ParseDigits(text.substr(0, 4), &date.year) || !ParseDigits(text.substr(5, 2), &date.month) ||
      !ParseDigits(text.substr(8, 2), &date.day) || !IsRealDate(date.year, date.month, date.day)) {
    return BadText(field, text, "real date YYYY-MM-DD");
  }
  return date;
}

std::string FormatDate(const Date& date) {
  char out[16];
  std::snprintf(out, sizeof(out), "%04d-%02d-%02d", static_cast<int>(date.year),
                static_cast<int>(date.month), static_cast<int>(date.day));
  return out;
}

Date DateFromUnixMs(int64_t unix_ms) {
  // Days to civil date (proleptic Gregorian), after H. Hinnant's days_from_civil inverse.
  int64_t days = unix_ms / 86'400'000 - (unix_ms % 86'400'000 < 0 ? 1 : 0);
  days += 719'468;
  const int64_t era = (days >= 0 ? days : days - 146'096) / 146'097;
  const int64_t doe = days - era * 146'097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return Date{static_cast<int32_t>(year), static_cast<int32_t>(month), static_cast<int32_t>(day)};
}

int32_t AgeInYears(const Date& birth, const Date& on) {
  int32_t age = on.year - birth.year;
  if (on.month < birth.month || (on.month == birth.month && on.day < birth.day)) --age;
  return age;
}

}  // namespace pbl::ledger
