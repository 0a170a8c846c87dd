// The transfer and entitlement rules as data. specs/rules/*.toml hold them (one [[rule]] table
// each: id, kind, title, citation, effective dates, params) and specs/rules/README.md documents
// the format and every rule. LoadRules parses and checks them; the engine (entitlement.h,
// transfer_plan.h) only reads the typed RuleSet. Rates are integers: basis points (1 bp =
// 0.01 %). A RuleSet is immutable once loaded; thread-safe to share.
#ifndef PBL_LEDGER_DOMAIN_RULES_H_
#define PBL_LEDGER_DOMAIN_RULES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/domain/calendar.h"

namespace pbl::ledger {

// What every rule has. The rule applies to events dated effective_from..effective_to inclusive.
struct RuleInfo {
  std::string id;        // e.g. "guobanfa-2009-66-pooled"
  std::string title;     // one line, English
  std::string citation;  // the document and article the numbers come from
  Date effective_from;
  std::optional<Date> effective_to;
  std::string file;  // where it was loaded from, for messages
  int line = 0;

  bool InEffect(const Date& on) const {
    return effective_from <= on && (!effective_to || on <= *effective_to);
  }
};

// kind = "account_crediting": the employee-pension individual account, annual method of the 1997
// rules. At each year-end: balance = previous x (1 + r) + year's credits x (1 + r x F / 2), with
// F = credit_factor_per_mille / 1000 (1.083), rounded half-up to the fen.
struct AccountCreditingParams {
  std::map<int32_t, int32_t> rates_bp;  // year -> rate (national table, 2016 on)
  int32_t default_rate_bp = 0;          // years outside the table and the regional list
  // Per-region rates for years before the national table (key: 6-digit region).
  std::map<int32_t, int32_t> regional_rates_bp;
  int32_t credit_factor_per_mille = 0;  // 1083
  // When a record gives only the base: credit = base x rate_bp, for months first..last.
  struct DerivedCredit {
    int32_t first_month = 0;  // month index
    int32_t last_month = 0;   // month index, inclusive
    int32_t rate_bp = 0;
  };
  std::vector<DerivedCredit> derived_credits;
};

// kind = "employee_pension_transfer" (Guobanfa [2009] No. 66).
struct EmployeePensionTransferParams {
  int32_t pooled_rate_bp = 0;                // 1200: 12 % of the monthly bases
  int32_t pooled_first_month = 0;            // month index of 1998-01
  int32_t temporary_account_age_male = 0;    // 50
  int32_t temporary_account_age_female = 0;  // 40
};

// kind = "resident_pension_transfer": within the resident scheme the whole account moves and
// months add up.
struct ResidentPensionTransferParams {};

// kind = "urban_rural_bridging" (Renshebufa [2014] No. 17).
struct BridgingParams {
  int32_t employee_months_min = 0;  // 180: at least this many -> resident to employee
};

// kind = "medical_transfer".
struct MedicalTransferParams {
  int32_t gap_months_without_waiting = 0;               // 3
  int32_t waiting_months_max = 0;                       // 6: no destination may set more
  int32_t default_waiting_months = 0;                   // destinations not listed
  std::map<int32_t, int32_t> waiting_months_by_region;  // destination region -> months
};

// kind = "hpf_transfer": the whole balance moves, months add up.
struct HpfTransferParams {};

// kind = "retirement_age": per category, the age in months and the delay for later births.
struct RetirementAgeParams {
  struct Category {
    int32_t base_age_months = 0;
    // Births from this month on retire later: one month per step_months of birth month, at
    // most max_delay_months. A category without delay has step_months = 0.
    int32_t first_delayed_birth_month = 0;  // month index
    int32_t step_months = 0;
    int32_t max_delay_months = 0;
  };
  Category male;
  Category female_worker;  // the 50 group
  Category female_staff;   // the 55 group
};

// kind = "minimum_years": months of contributions needed at retirement, by retirement year.
struct MinimumYearsParams {
  int32_t base_months = 0;               // 180
  int32_t first_increase_year = 0;       // 2030
  int32_t increase_months_per_year = 0;  // 6
  int32_t max_months = 0;                // 240
};

template <typename Params>
struct Rule {
  RuleInfo info;
  Params params;
};

// A file's name (for messages) and its TOML text.
struct RulesFile {
  std::string name;
  std::string text;
};

class RuleSet {
 public:
  // Each list holds the rules of one kind; their effective periods do not overlap.
  std::vector<Rule<AccountCreditingParams>> account_crediting;
  std::vector<Rule<EmployeePensionTransferParams>> employee_pension_transfer;
  std::vector<Rule<ResidentPensionTransferParams>> resident_pension_transfer;
  std::vector<Rule<BridgingParams>> urban_rural_bridging;
  std::vector<Rule<MedicalTransferParams>> medical_transfer;
  std::vector<Rule<HpfTransferParams>> hpf_transfer;
  std::vector<Rule<RetirementAgeParams>> retirement_age;
  std::vector<Rule<MinimumYearsParams>> minimum_years;

  // The common part of the rule with this id, or nullptr.
  const RuleInfo* Find(std::string_view id) const;

  // The rule of a kind in effect on `on`; FAILED_PRECONDITION naming the kind and date if none.
  template <typename Params>
  static absl::StatusOr<const Rule<Params>*> InEffect(const std::vector<Rule<Params>>& rules,
                                                      std::string_view kind, const Date& on);
};

// Parses and checks rules files. INVALID_ARGUMENT with "file:line: message" for: TOML syntax
// errors, an unknown key (at any level), a missing or mistyped parameter, an unknown kind, a
// duplicate id, effective_to before effective_from, a parameter out of its documented range, or
// two rules of one kind whose effective periods overlap (naming both lines).
absl::StatusOr<RuleSet> LoadRules(const std::vector<RulesFile>& files);

// Every *.toml file of `directory`, in name order.
absl::StatusOr<RuleSet> LoadRulesDirectory(const std::string& directory);

// The rules of specs/rules compiled into the program. Loaded once; the tests prove they load.
const RuleSet& DefaultRules();
// Their text, for `pbl rules` style listings and for tests that edit them.
const std::vector<RulesFile>& DefaultRulesFiles();

// --- implementation ---

template <typename Params>
absl::StatusOr<const Rule<Params>*> RuleSet::InEffect(const std::vector<Rule<Params>>& rules,
                                                      std::string_view kind, const Date& on) {
  for (const Rule<Params>& rule : rules) {
    if (rule.info.InEffect(on)) return &rule;
  }
  return absl::FailedPreconditionError(std::string("no ") + std::string(kind) +
                                       " rule is in effect on " + FormatDate(on));
}

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_DOMAIN_RULES_H_
