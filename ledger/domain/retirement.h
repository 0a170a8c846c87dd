// The statutory retirement month and the minimum contribution months at that date, from the
// retirement_age and minimum_years rules (rules.h). Pure; thread-safe.
#ifndef PBL_LEDGER_DOMAIN_RETIREMENT_H_
#define PBL_LEDGER_DOMAIN_RETIREMENT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/domain/calendar.h"
#include "ledger/domain/rules.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::ledger {

struct Retirement {
  int32_t age_months = 0;  // e.g. 724 = 60 years 4 months
  int32_t month = 0;       // month index: birth month + age_months
  std::string rule_id;
  // Contribution months needed when retiring in that month; 0 and no rule id for retirements
  // before the first minimum_years rule (1997-07-16).
  int32_t minimum_months = 0;
  std::string minimum_rule_id;
};

// The rule used is the one in effect on the first day of the retirement month it gives (the 1978
// ages up to 2024-12, the 2025 decision after). INVALID_ARGUMENT for an unspecified category;
// FAILED_PRECONDITION if no rule covers the date.
absl::StatusOr<Retirement> ComputeRetirement(const RuleSet& rules, const Date& birth,
                                             v1::RetirementCategory category);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_DOMAIN_RETIREMENT_H_
