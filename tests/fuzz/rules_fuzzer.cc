// libFuzzer target for the rules files (ledger/rules.h LoadRules, through ledger/toml_reader.h):
// one RulesFile of arbitrary text, as a node reads from its [node] rules_dir.
//
// The properties checked, besides "never crash" (toml++'s exceptions included):
//  - every error is INVALID_ARGUMENT "fuzz.toml:LINE: message" with LINE a line of the text, as
//    documented (an error a reader cannot find in the file is of no help);
//  - an accepted file is within the documented limits, restated here: ids of 1-64 characters of
//    [a-z0-9.-], unique, found by RuleSet::Find; titles and citations of 1-1024 bytes;
//    effective_to not before effective_from; each kind's rules sorted by effective_from with
//    no two periods overlapping; rates 0-10000 bp; year keys 1900-2199 and region keys 6-digit
//    codes of a province; derived credits sorted and disjoint; waiting months at most the
//    maximum, itself at most 6; a delayed retirement age at most 1200 months; minimum months
//    base <= max <= 1200;
//  - the same rules in a second file are refused as duplicate ids, naming that file.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "crypto/base/strings.h"
#include "ledger/domain/calendar.h"
#include "ledger/domain/rules.h"
#include "ledger/domain/scheme.h"
#include "tests/fuzz/fuzz_check.h"

namespace pbl::ledger {
namespace {

constexpr std::string_view kFile = "fuzz.toml";

bool IdOk(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return true;
}

void CheckInfo(const RuleSet& set, const RuleInfo& info) {
  PBL_FUZZ_CHECK(IdOk(info.id), "rule id of 1-64 characters of [a-z0-9.-]");
  PBL_FUZZ_CHECK(set.Find(info.id) == &info, "Find(id) finds the one rule of that id");
  PBL_FUZZ_CHECK(!info.title.empty() && info.title.size() <= 1024, "title bound");
  PBL_FUZZ_CHECK(!info.citation.empty() && info.citation.size() <= 1024, "citation bound");
  PBL_FUZZ_CHECK(info.file == kFile && info.line >= 1, "a rule knows its file and line");
  PBL_FUZZ_CHECK(
      IsRealDate(info.effective_from.year, info.effective_from.month, info.effective_from.day),
      "effective_from is a real date");
  if (info.effective_to) {
    PBL_FUZZ_CHECK(
        IsRealDate(info.effective_to->year, info.effective_to->month, info.effective_to->day) &&
            info.effective_from <= *info.effective_to,
        "effective_to is a real date, not before effective_from");
  }
}

template <typename Params>
void CheckKind(const RuleSet& set, const std::vector<Rule<Params>>& rules) {
  for (size_t i = 0; i < rules.size(); ++i) {
    CheckInfo(set, rules[i].info);
    if (i == 0) continue;
    const RuleInfo& before = rules[i - 1].info;
    PBL_FUZZ_CHECK(before.effective_from <= rules[i].info.effective_from, "sorted by start");
    PBL_FUZZ_CHECK(before.effective_to && *before.effective_to < rules[i].info.effective_from,
                   "no two periods of one kind overlap");
  }
}

bool RateOk(int32_t bp) { return bp >= 0 && bp <= 10'000; }

void CheckAccountCrediting(const AccountCreditingParams& p) {
  for (const auto& [year, bp] : p.rates_bp) {
    PBL_FUZZ_CHECK(year >= kYearMin && year <= kYearMax && RateOk(bp), "rates_bp bounds");
  }
  for (const auto& [region, bp] : p.regional_rates_bp) {
    PBL_FUZZ_CHECK(
        region >= 100'000 && region <= 999'999 && IsProvinceCode(region / 10'000) && RateOk(bp),
        "regional_rates_bp bounds");
  }
  PBL_FUZZ_CHECK(RateOk(p.default_rate_bp), "default_rate_bp bound");
  PBL_FUZZ_CHECK(p.credit_factor_per_mille >= 0 && p.credit_factor_per_mille <= 2000,
                 "credit_factor_per_mille bound");
  PBL_FUZZ_CHECK(p.derived_credits.size() <= 64, "derived_credits bound");
  int32_t previous_last = -1;
  for (const AccountCreditingParams::DerivedCredit& d : p.derived_credits) {
    PBL_FUZZ_CHECK(RateOk(d.rate_bp) && d.first_month <= d.last_month &&
                       d.first_month > previous_last && d.first_month >= MonthIndex(kYearMin, 1) &&
                       d.last_month <= MonthIndex(kYearMax, 12),
                   "derived credits sorted, disjoint, within the calendar");
    previous_last = d.last_month;
  }
}

void CheckRetirementCategory(const RetirementAgeParams::Category& c) {
  PBL_FUZZ_CHECK(c.base_age_months >= 0 && c.max_delay_months >= 0 && c.step_months >= 0 &&
                     c.step_months <= 12 && c.base_age_months + c.max_delay_months <= 1200,
                 "retirement age bounds");
  PBL_FUZZ_CHECK(c.step_months != 0 || c.max_delay_months == 0, "no delay without a step");
}

void CheckParams(const RuleSet& set) {
  for (const auto& r : set.account_crediting) CheckAccountCrediting(r.params);
  for (const auto& r : set.employee_pension_transfer) {
    const EmployeePensionTransferParams& p = r.params;
    PBL_FUZZ_CHECK(RateOk(p.pooled_rate_bp) && p.temporary_account_age_male >= 0 &&
                       p.temporary_account_age_male <= 100 && p.temporary_account_age_female >= 0 &&
                       p.temporary_account_age_female <= 100,
                   "employee pension transfer bounds");
  }
  for (const auto& r : set.urban_rural_bridging) {
    PBL_FUZZ_CHECK(r.params.employee_months_min >= 0 && r.params.employee_months_min <= 1200,
                   "bridging bound");
  }
  for (const auto& r : set.medical_transfer) {
    const MedicalTransferParams& p = r.params;
    PBL_FUZZ_CHECK(p.waiting_months_max >= 0 && p.waiting_months_max <= 6 &&
                       p.default_waiting_months >= 0 &&
                       p.default_waiting_months <= p.waiting_months_max &&
                       p.gap_months_without_waiting >= 0 && p.gap_months_without_waiting <= 12,
                   "medical transfer bounds");
    for (const auto& [region, months] : p.waiting_months_by_region) {
      PBL_FUZZ_CHECK(
          IsProvinceCode(region / 10'000) && months >= 0 && months <= p.waiting_months_max,
          "waiting months by region bounds");
    }
  }
  for (const auto& r : set.retirement_age) {
    CheckRetirementCategory(r.params.male);
    CheckRetirementCategory(r.params.female_worker);
    CheckRetirementCategory(r.params.female_staff);
  }
  for (const auto& r : set.minimum_years) {
    const MinimumYearsParams& p = r.params;
    PBL_FUZZ_CHECK(p.base_months >= 0 && p.base_months <= p.max_months && p.max_months <= 1200 &&
                       p.increase_months_per_year >= 0 && p.first_increase_year >= kYearMin &&
                       p.first_increase_year <= kYearMax,
                   "minimum years bounds");
  }
}

void CheckAccepted(const RuleSet& set) {
  CheckKind(set, set.account_crediting);
  CheckKind(set, set.employee_pension_transfer);
  CheckKind(set, set.resident_pension_transfer);
  CheckKind(set, set.urban_rural_bridging);
  CheckKind(set, set.medical_transfer);
  CheckKind(set, set.hpf_transfer);
  CheckKind(set, set.retirement_age);
  CheckKind(set, set.minimum_years);
  CheckParams(set);
}

size_t RuleCount(const RuleSet& s) {
  return s.account_crediting.size() + s.employee_pension_transfer.size() +
         s.resident_pension_transfer.size() + s.urban_rural_bridging.size() +
         s.medical_transfer.size() + s.hpf_transfer.size() + s.retirement_age.size() +
         s.minimum_years.size();
}

}  // namespace
}  // namespace pbl::ledger

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using pbl::ledger::kFile;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const int64_t lines = static_cast<int64_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  absl::StatusOr<pbl::ledger::RuleSet> rules = pbl::ledger::LoadRules({{std::string(kFile), text}});
  if (!rules.ok()) {
    PBL_FUZZ_CHECK(rules.status().code() == absl::StatusCode::kInvalidArgument,
                   "LoadRules fails with INVALID_ARGUMENT");
    PBL_FUZZ_CHECK(pbl::fuzz::NamesFileLine(pbl::ToStd(rules.status().message()), kFile, lines),
                   "a LoadRules error starts with \"file:line: \", a line of the file");
    return 0;
  }
  pbl::ledger::CheckAccepted(*rules);
  if (pbl::ledger::RuleCount(*rules) == 0) return 0;
  absl::StatusOr<pbl::ledger::RuleSet> twice =
      pbl::ledger::LoadRules({{std::string(kFile), text}, {"again.toml", text}});
  PBL_FUZZ_CHECK(
      !twice.ok() && twice.status().code() == absl::StatusCode::kInvalidArgument &&
          pbl::fuzz::NamesFileLine(pbl::ToStd(twice.status().message()), "again.toml", lines),
      "the same rules in a second file are refused there as duplicates");
  return 0;
}
