#include "ledger/domain/retirement.h"

#include <algorithm>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"

namespace pbl::ledger {

namespace {

const RetirementAgeParams::Category* CategoryOf(const RetirementAgeParams& params,
                                                v1::RetirementCategory category) {
  switch (category) {
    case v1::RETIREMENT_CATEGORY_MALE:
      return &params.male;
    case v1::RETIREMENT_CATEGORY_FEMALE_WORKER:
      return &params.female_worker;
    case v1::RETIREMENT_CATEGORY_FEMALE_STAFF:
      return &params.female_staff;
    default:
      return nullptr;
  }
}

int32_t AgeMonths(const RetirementAgeParams::Category& c, int32_t birth_month) {
  if (c.step_months <= 0 || birth_month < c.first_delayed_birth_month) return c.base_age_months;
  const int32_t delay = (birth_month - c.first_delayed_birth_month) / c.step_months + 1;
  return c.base_age_months + std::min(delay, c.max_delay_months);
}

Date FirstDay(int32_t month_index) {
  return Date{YearOfMonth(month_index), MonthOfYear(month_index), 1};
}

int32_t MinimumMonths(const MinimumYearsParams& p, int32_t retirement_year) {
  if (retirement_year < p.first_increase_year) return p.base_months;
  const int32_t increases = retirement_year - p.first_increase_year + 1;
  return std::min(p.max_months, p.base_months + increases * p.increase_months_per_year);
}

}  // namespace

absl::StatusOr<Retirement> ComputeRetirement(const RuleSet& rules, const Date& birth,
                                             v1::RetirementCategory category) {
  if (category == v1::RETIREMENT_CATEGORY_UNSPECIFIED) {
    return absl::InvalidArgumentError("retirement category is not set");
  }
  const int32_t birth_month = birth.MonthIndex();
  for (const Rule<RetirementAgeParams>& rule : rules.retirement_age) {
    const RetirementAgeParams::Category* c = CategoryOf(rule.params, category);
    if (c == nullptr) return absl::InvalidArgumentError("unknown retirement category");
    Retirement r;
    r.age_months = AgeMonths(*c, birth_month);
    r.month = birth_month + r.age_months;
    if (!rule.info.InEffect(FirstDay(r.month))) continue;
    r.rule_id = rule.info.id;
    // Retirements before the first minimum_years rule (1997) have no minimum to report.
    const absl::StatusOr<const Rule<MinimumYearsParams>*> minimum =
        RuleSet::InEffect(rules.minimum_years, "minimum_years", FirstDay(r.month));
    if (minimum.ok()) {
      r.minimum_months = MinimumMonths((*minimum)->params, YearOfMonth(r.month));
      r.minimum_rule_id = (*minimum)->info.id;
    }
    return r;
  }
  return absl::FailedPreconditionError(
      StrCat("no retirement_age rule covers a person born ", FormatDate(birth)));
}

}  // namespace pbl::ledger
