// Resident identity numbers (GB 11643-1999): 6-digit region code, 8-digit birth date, 3-digit
// sequence, and an ISO 7064 MOD 11-2 check character (0-9 or X). Pure; thread-safe.
#ifndef PBL_LEDGER_DOMAIN_PERSON_ID_H_
#define PBL_LEDGER_DOMAIN_PERSON_ID_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "ledger/domain/calendar.h"

namespace pbl::ledger {

// The check character the first 17 digits call for.
char PersonIdCheckCharacter(std::string_view first17);

// INVALID_ARGUMENT saying what is wrong unless `person_id` has 18 characters, a province code of
// GB/T 2260, a real birth date (years 1900-2099) and the right check character.
absl::Status ValidatePersonId(std::string_view person_id);

// The birth date and sex (odd 17th digit: male) of a person id that ValidatePersonId accepted.
Date PersonBirthDate(std::string_view person_id);
bool PersonIsMale(std::string_view person_id);

// The id as logs and messages may show it, "310104**********2X": the 6-digit region, asterisks,
// the last 2 characters (all asterisks if the id has 8 characters or fewer).
std::string MaskPersonId(std::string_view person_id);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_DOMAIN_PERSON_ID_H_
