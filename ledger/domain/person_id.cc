#include "ledger/domain/person_id.h"

#include <algorithm>
#include <array>

#include "crypto/base/strings.h"
#include "ledger/domain/calendar.h"
#include "ledger/domain/scheme.h"

namespace pbl::ledger {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
int32_t Digits(std::string_view s) {
  int32_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

char PersonIdCheckCharacter(std::string_view first17) {
  // Weight of position i is 2^(17 - i) mod 11 (ISO 7064 MOD 11-2).
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                   3, 7, 9,  10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < kWeights.size(); ++i) sum += (first17[i] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

absl::Status ValidatePersonId(std::string_view id) {
  const auto bad = [](auto... why) {
    return absl::InvalidArgumentError(StrCat("person_id ", why...));
  };
  if (id.size() != 18) return bad("must have 18 characters, has ", id.size());
  if (!std::all_of(id.begin(), id.begin() + 17, IsDigit)) {
    return bad("must start with 17 digits");
  }
  if (!IsDigit(id[17]) && id[17] != 'X') return bad("must end in a digit or X");
  if (!IsProvinceCode(Digits(id.substr(0, 2)))) {
    return bad("region ", id.substr(0, 6), " is not in a GB/T 2260 province");
  }
  const int year = Digits(id.substr(6, 4));
  const int month = Digits(id.substr(10, 2));
  const int day = Digits(id.substr(12, 2));
  if (year > 2099 || !IsRealDate(year, month, day)) {
    return bad("birth date ", id.substr(6, 8), " is not a real date");
  }
  const char check = PersonIdCheckCharacter(id.substr(0, 17));
  if (id[17] != check) {
    return bad("check character is ", id[17], " but the first 17 digits give ", check);
  }
  return absl::OkStatus();
}

Date PersonBirthDate(std::string_view id) {
  return Date{Digits(id.substr(6, 4)), Digits(id.substr(10, 2)), Digits(id.substr(12, 2))};
}

bool PersonIsMale(std::string_view id) { return (id[16] - '0') % 2 == 1; }

std::string MaskPersonId(std::string_view person_id) {
  if (person_id.size() <= 8) return std::string(person_id.size(), '*');
  return std::string(person_id.substr(0, 6)) + std::string(person_id.size() - 8, '*') +
         std::string(person_id.substr(person_id.size() - 2));
}

}  // namespace pbl::ledger
