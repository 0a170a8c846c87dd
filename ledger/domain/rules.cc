#include "ledger/domain/rules.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/base/toml_reader.h"
#include "ledger/domain/scheme.h"

namespace pbl::ledger {

namespace rules_internal {

// Defined in the source that ledger/embed_rules.cmake generates from specs/rules/*.toml at build
// time: each file's name (specs/rules/NAME.toml) and text, in name order.
std::vector<RulesFile> EmbeddedRulesFiles();

}  // namespace rules_internal

namespace {

// Bounds on what a rules file may hold. The rules are ours, but a bound keeps a bad edit from
// turning into a silent overflow in the engine.
constexpr int32_t kRateBpMax = 10000;
constexpr int32_t kAgeMonthsMax = 1200;
constexpr int32_t kAgeYearsMax = 100;
constexpr int32_t kContributionMonthsMax = 1200;
constexpr int32_t kGapMonthsMax = 12;
// 医保办发〔2021〕43号: after a longer gap a pooling area may impose at most 6 months of waiting.
constexpr int32_t kWaitingMonthsMax = 6;
constexpr int32_t kStepMonthsMax = 12;
constexpr int32_t kCreditFactorPerMilleMax = 2000;
constexpr size_t kDerivedCreditsMax = 64;
constexpr size_t kIdBytesMax = 64;
constexpr size_t kTextBytesMax = 1024;
constexpr size_t kRulesFileBytesMax = size_t{1} << 20;
// An open-ended month range ends here.
constexpr int32_t kOpenEndMonth = MonthIndex(kYearMax, 12);

// The kinds, in the order of RuleSet's lists.
constexpr std::array<std::string_view, 8> kKinds = {"account_crediting",
                                                    "employee_pension_transfer",
                                                    "resident_pension_transfer",
                                                    "urban_rural_bridging",
                                                    "medical_transfer",
                                                    "hpf_transfer",
                                                    "retirement_age",
                                                    "minimum_years"};

// Calls f(kind, rules) for each kind's list of `set`, const or not.
template <typename Set, typename F>
void ForEachKind(Set& set, F&& f) {
  f(kKinds[0], set.account_crediting);
  f(kKinds[1], set.employee_pension_transfer);
  f(kKinds[2], set.resident_pension_transfer);
  f(kKinds[3], set.urban_rural_bridging);
  f(kKinds[4], set.medical_transfer);
  f(kKinds[5], set.hpf_transfer);
  f(kKinds[6], set.retirement_age);
  f(kKinds[7], set.minimum_years);
}

// How the keys of a map parameter are read.
enum class MapKey { kYear, kRegion };

absl::StatusOr<int32_t> Month(const TableReader& table, std::string_view key) {
  PBL_ASSIGN_OR_RETURN(const toml::node* node, table.Require(key));
  const toml::value<std::string>* value = node->as_string();
  if (value == nullptr) return table.WrongType(key, *node, "a month string \"YYYY-MM\"");
  absl::StatusOr<int32_t> month = ParseMonth(value->get(), table.Name(key));
  if (!month.ok()) {
    return ErrorAt(table.file(), LineOf(node->source()), ToStd(month.status().message()));
  }
  return *month;
}

absl::StatusOr<Date> DateValue(const TableReader& table, std::string_view key) {
  PBL_ASSIGN_OR_RETURN(const toml::node* node, table.Require(key));
  const toml::value<toml::date>* value = node->as_date();
  if (value == nullptr) return table.WrongType(key, *node, "a TOML local date (YYYY-MM-DD)");
  const Date date{value->get().year, value->get().month, value->get().day};
  if (!IsRealDate(date.year, date.month, date.day)) {
    return table.Error(
        key, StrCat("= ", FormatDate(date), " is not a date in ", kYearMin, "-", kYearMax));
  }
  return date;
}

// A year key: exactly four digits, kYearMin..kYearMax.
absl::StatusOr<int32_t> ParseYearKey(std::string_view text, std::string_view name) {
  // The value is only computed from four digits: any longer text would overflow it.
  const bool digits = text.size() == 4 && std::all_of(text.begin(), text.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
  int32_t year = 0;
  if (digits) {
    for (char c : text) year = year * 10 + (c - '0');
  }
  if (!digits || year < kYearMin || year > kYearMax) {
    return absl::InvalidArgumentError(
        StrCat(name, " \"", Utf8Prefix(text, 32), "\" is not a year ", kYearMin, "-", kYearMax));
  }
  return year;
}

absl::StatusOr<std::map<int32_t, int32_t>> IntMap(const TableReader& table, std::string_view key,
                                                  MapKey key_kind, int32_t min, int32_t max) {
  PBL_ASSIGN_OR_RETURN(TableReader map, table.Table(key));
  std::map<int32_t, int32_t> out;
  for (auto&& [entry_key, node] : *map.table()) {
    const std::string name = map.Name(entry_key.str());
    absl::StatusOr<int32_t> parsed = key_kind == MapKey::kYear ? ParseYearKey(entry_key.str(), name)
                                                               : ParseRegion(entry_key.str(), name);
    if (!parsed.ok()) {
      return ErrorAt(table.file(), LineOf(entry_key.source()), ToStd(parsed.status().message()));
    }
    PBL_ASSIGN_OR_RETURN(out[*parsed], map.Int32(entry_key.str(), min, max));
  }
  return out;
}

// A month that may be absent: then kOpenEndMonth.
absl::StatusOr<int32_t> OptionalMonth(const TableReader& table, std::string_view key) {
  if (!table.Has(key)) return kOpenEndMonth;
  return Month(table, key);
}

// --- parameters of each kind ---

absl::StatusOr<std::vector<AccountCreditingParams::DerivedCredit>> ParseDerivedCredits(
    const TableReader& params) {
  PBL_ASSIGN_OR_RETURN(const toml::array* array, params.Array("derived_credits"));
  if (array->size() > kDerivedCreditsMax) {
    return params.Error("derived_credits", StrCat("has more than ", kDerivedCreditsMax, " items"));
  }
  std::vector<AccountCreditingParams::DerivedCredit> credits;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& node = (*array)[i];
    const std::string name = StrCat(params.Name("derived_credits"), "[", i, "]");
    if (!node.is_table()) {
      return ErrorAt(params.file(), LineOf(node.source()),
                     StrCat(name, " must be a table, not ", TypeName(node)));
    }
    const TableReader item(params.file(), node.as_table(), LineOf(node.source()), name);
    PBL_RETURN_IF_ERROR(item.CheckKeys({"first", "last", "rate_bp"}));
    AccountCreditingParams::DerivedCredit credit;
    PBL_ASSIGN_OR_RETURN(credit.first_month, Month(item, "first"));
    PBL_ASSIGN_OR_RETURN(credit.last_month, OptionalMonth(item, "last"));
    PBL_ASSIGN_OR_RETURN(credit.rate_bp, item.Int32("rate_bp", 0, kRateBpMax));
    if (credit.last_month < credit.first_month) {
      return item.Error("last", StrCat("= ", FormatMonth(credit.last_month), " is before first"));
    }
    if (!credits.empty() && credit.first_month <= credits.back().last_month) {
      return item.Error("first", StrCat("= ", FormatMonth(credit.first_month),
                                        " is not after the previous item's last month ",
                                        FormatMonth(credits.back().last_month),
                                        " (items must be sorted and must not overlap)"));
    }
    credits.push_back(credit);
  }
  return credits;
}

absl::StatusOr<AccountCreditingParams> ParseAccountCrediting(const TableReader& p) {
  PBL_RETURN_IF_ERROR(p.CheckKeys({"rates_bp", "default_rate_bp", "regional_rates_bp",
                                   "credit_factor_per_mille", "derived_credits"}));
  AccountCreditingParams out;
  PBL_ASSIGN_OR_RETURN(out.rates_bp, IntMap(p, "rates_bp", MapKey::kYear, 0, kRateBpMax));
  PBL_ASSIGN_OR_RETURN(out.default_rate_bp, p.Int32("default_rate_bp", 0, kRateBpMax));
  PBL_ASSIGN_OR_RETURN(out.regional_rates_bp,
                       IntMap(p, "regional_rates_bp", MapKey::kRegion, 0, kRateBpMax));
  PBL_ASSIGN_OR_RETURN(out.credit_factor_per_mille,
                       p.Int32("credit_factor_per_mille", 0, kCreditFactorPerMilleMax));
  PBL_ASSIGN_OR_RETURN(out.derived_credits, ParseDerivedCredits(p));
  return out;
}

absl::StatusOr<EmployeePensionTransferParams> ParseEmployeePensionTransfer(const TableReader& p) {
  PBL_RETURN_IF_ERROR(p.CheckKeys({"pooled_rate_bp", "pooled_first_month",
                                   "temporary_account_age_male", "temporary_account_age_female"}));
  EmployeePensionTransferParams out;
  PBL_ASSIGN_OR_RETURN(out.pooled_rate_bp, p.Int32("pooled_rate_bp", 0, kRateBpMax));
  PBL_ASSIGN_OR_RETURN(out.pooled_first_month, Month(p, "pooled_first_month"));
  PBL_ASSIGN_OR_RETURN(out.temporary_account_age_male,
                       p.Int32("temporary_account_age_male", 0, kAgeYearsMax));
  PBL_ASSIGN_OR_RETURN(out.temporary_account_age_female,
                       p.Int32("temporary_account_age_female", 0, kAgeYearsMax));
  return out;
}

absl::StatusOr<ResidentPensionTransferParams> ParseResidentPensionTransfer(const TableReader& p) {
  PBL_RETURN_IF_ERROR(p.CheckKeys({}));
  return ResidentPensionTransferParams{};
}

absl::StatusOr<BridgingParams> ParseBridging(const TableReader& p) {
  PBL_RETURN_IF_ERROR(p.CheckKeys({"employee_months_min"}));
  BridgingParams out;
  PBL_ASSIGN_OR_RETURN(out.employee_months_min,
                       p.Int32("employee_months_min", 0, kContributionMonthsMax));
  return out;
}

absl::StatusOr<MedicalTransferParams> ParseMedicalTransfer(const TableReader& p) {
  PBL_RETURN_IF_ERROR(p.CheckKeys({"gap_months_without_waiting", "waiting_months_max",
                                   "default_waiting_months", "waiting_months_by_region"}));
  MedicalTransferParams out;
  PBL_ASSIGN_OR_RETURN(out.gap_months_without_waiting,
                       p.Int32("gap_months_without_waiting", 0, kGapMonthsMax));
  PBL_ASSIGN_OR_RETURN(out.waiting_months_max, p.Int32("waiting_months_max", 0, kWaitingMonthsMax));
  // No destination may wait longer than the national maximum.
  PBL_ASSIGN_OR_RETURN(out.default_waiting_months,
                       p.Int32("default_waiting_months", 0, out.waiting_months_max));
  PBL_ASSIGN_OR_RETURN(
      out.waiting_months_by_region,
      IntMap(p, "waiting_months_by_region", MapKey::kRegion, 0, out.waiting_months_max));
  return out;
}

absl::StatusOr<HpfTransferParams> ParseHpfTransfer(const TableReader& p) {
  PBL_RETURN_IF_ERROR(p.CheckKeys({}));
  return HpfTransferParams{};
}

absl::StatusOr<RetirementAgeParams::Category> ParseCategory(const TableReader& params,
                                                            std::string_view key) {
  PBL_ASSIGN_OR_RETURN(TableReader t, params.Table(key));
  PBL_RETURN_IF_ERROR(t.CheckKeys(
      {"base_age_months", "first_delayed_birth_month", "step_months", "max_delay_months"}));
  RetirementAgeParams::Category out;
  PBL_ASSIGN_OR_RETURN(out.base_age_months, t.Int32("base_age_months", 0, kAgeMonthsMax));
  PBL_ASSIGN_OR_RETURN(out.first_delayed_birth_month,
                       OptionalMonth(t, "first_delayed_birth_month"));
  PBL_ASSIGN_OR_RETURN(out.step_months, t.Int32("step_months", 0, kStepMonthsMax));
  // The delayed age must stay an age: base + delay <= kAgeMonthsMax.
  PBL_ASSIGN_OR_RETURN(out.max_delay_months,
                       t.Int32("max_delay_months", 0, kAgeMonthsMax - out.base_age_months));
  if (out.step_months == 0 && out.max_delay_months != 0) {
    return t.Error("max_delay_months", "must be 0 when step_months is 0 (no delay)");
  }
  if (out.step_months != 0 && !t.Has("first_delayed_birth_month")) {
    return t.Error("first_delayed_birth_month", "is required when step_months is not 0");
  }
  return out;
}

absl::StatusOr<RetirementAgeParams> ParseRetirementAge(const TableReader& p) {
  PBL_RETURN_IF_ERROR(p.CheckKeys({"male", "female_worker", "female_staff"}));
  RetirementAgeParams out;
  PBL_ASSIGN_OR_RETURN(out.male, ParseCategory(p, "male"));
  PBL_ASSIGN_OR_RETURN(out.female_worker, ParseCategory(p, "female_worker"));
  PBL_ASSIGN_OR_RETURN(out.female_staff, ParseCategory(p, "female_staff"));
  return out;
}

absl::StatusOr<MinimumYearsParams> ParseMinimumYears(const TableReader& p) {
  PBL_RETURN_IF_ERROR(p.CheckKeys(
      {"base_months", "first_increase_year", "increase_months_per_year", "max_months"}));
  MinimumYearsParams out;
  PBL_ASSIGN_OR_RETURN(out.base_months, p.Int32("base_months", 0, kContributionMonthsMax));
  PBL_ASSIGN_OR_RETURN(out.first_increase_year, p.Int32("first_increase_year", kYearMin, kYearMax));
  PBL_ASSIGN_OR_RETURN(out.increase_months_per_year,
                       p.Int32("increase_months_per_year", 0, kContributionMonthsMax));
  PBL_ASSIGN_OR_RETURN(out.max_months,
                       p.Int32("max_months", out.base_months, kContributionMonthsMax));
  return out;
}

// --- rules and files ---

template <typename Params>
absl::Status Append(absl::StatusOr<Params> params, RuleInfo info,
                    std::vector<Rule<Params>>* rules) {
  if (!params.ok()) return params.status();
  rules->push_back(Rule<Params>{std::move(info), *std::move(params)});
  return absl::OkStatus();
}

// Parses `params` as parameters of `kind` and adds the rule to its list.
absl::Status AddRule(std::string_view kind, const TableReader& params, RuleInfo info,
                     RuleSet* set) {
  if (kind == "account_crediting") {
    return Append(ParseAccountCrediting(params), std::move(info), &set->account_crediting);
  }
  if (kind == "employee_pension_transfer") {
    return Append(ParseEmployeePensionTransfer(params), std::move(info),
                  &set->employee_pension_transfer);
  }
  if (kind == "resident_pension_transfer") {
    return Append(ParseResidentPensionTransfer(params), std::move(info),
                  &set->resident_pension_transfer);
  }
  if (kind == "urban_rural_bridging") {
    return Append(ParseBridging(params), std::move(info), &set->urban_rural_bridging);
  }
  if (kind == "medical_transfer") {
    return Append(ParseMedicalTransfer(params), std::move(info), &set->medical_transfer);
  }
  if (kind == "hpf_transfer") {
    return Append(ParseHpfTransfer(params), std::move(info), &set->hpf_transfer);
  }
  if (kind == "retirement_age") {
    return Append(ParseRetirementAge(params), std::move(info), &set->retirement_age);
  }
  if (kind == "minimum_years") {
    return Append(ParseMinimumYears(params), std::move(info), &set->minimum_years);
  }
  return absl::InternalError(StrCat("kind ", kind, " has no parser"));
}

bool IsKnownKind(std::string_view kind) {
  return std::find(kKinds.begin(), kKinds.end(), kind) != kKinds.end();
}

std::string KindList() {
  std::string out;
  for (std::string_view kind : kKinds) StrAppend(&out, out.empty() ? "" : ", ", kind);
  return out;
}

bool IsIdText(std::string_view id) {
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

// Where each id was first seen, to refuse duplicates across files.
using IdLocations = std::map<std::string, std::string, std::less<>>;

absl::Status ParseRule(const TableReader& rule, IdLocations* ids, RuleSet* set) {
  PBL_RETURN_IF_ERROR(rule.CheckKeys(
      {"id", "kind", "title", "citation", "effective_from", "effective_to", "params"}));
  RuleInfo info;
  info.file = std::string(rule.file());
  info.line = rule.line();
  PBL_ASSIGN_OR_RETURN(info.id, rule.String("id", kIdBytesMax));
  if (!IsIdText(info.id)) return rule.Error("id", "may hold only a-z, 0-9, '-' and '.'");
  PBL_ASSIGN_OR_RETURN(const std::string kind, rule.String("kind", kIdBytesMax));
  if (!IsKnownKind(kind)) {
    return rule.Error("kind", StrCat("\"", kind, "\" is not one of ", KindList()));
  }
  PBL_ASSIGN_OR_RETURN(info.title, rule.String("title", kTextBytesMax));
  PBL_ASSIGN_OR_RETURN(info.citation, rule.String("citation", kTextBytesMax));
  PBL_ASSIGN_OR_RETURN(info.effective_from, DateValue(rule, "effective_from"));
  if (rule.Has("effective_to")) {
    PBL_ASSIGN_OR_RETURN(info.effective_to, DateValue(rule, "effective_to"));
    if (*info.effective_to < info.effective_from) {
      return rule.Error("effective_to", StrCat("= ", FormatDate(*info.effective_to),
                                               " is before rule.effective_from = ",
                                               FormatDate(info.effective_from)));
    }
  }
  const std::string here = StrCat(info.file, ":", info.line);
  const auto [first, inserted] = ids->emplace(info.id, here);
  if (!inserted) {
    return rule.Error("id", StrCat("\"", info.id, "\" is already used at ", first->second));
  }
  PBL_ASSIGN_OR_RETURN(const TableReader params, rule.OptionalTable("params"));
  return AddRule(kind, params, std::move(info), set);
}

absl::Status ParseFile(const RulesFile& file, IdLocations* ids, RuleSet* set) {
  PBL_ASSIGN_OR_RETURN(const toml::table document, ParseToml(file.text, file.name));
  const TableReader top(file.name, &document, 1, "");
  PBL_RETURN_IF_ERROR(top.CheckKeys({"rule"}));
  if (!top.Has("rule")) return absl::OkStatus();
  PBL_ASSIGN_OR_RETURN(const toml::array* rules, top.Array("rule"));
  for (const toml::node& node : *rules) {
    if (!node.is_table()) {
      return ErrorAt(file.name, LineOf(node.source()),
                     StrCat("rule must be an array of tables ([[rule]]), not of ", TypeName(node)));
    }
    const TableReader rule(file.name, node.as_table(), LineOf(node.source()), "rule");
    PBL_RETURN_IF_ERROR(ParseRule(rule, ids, set));
  }
  return absl::OkStatus();
}

std::string DescribePeriod(const RuleInfo& info) {
  return StrCat(FormatDate(info.effective_from), "..",
                info.effective_to ? FormatDate(*info.effective_to) : std::string("open"));
}

// Sorts the rules of one kind by effective_from and refuses overlapping periods. With the list
// sorted, two periods overlap only if two neighbours do.
template <typename Params>
absl::Status SortAndCheckOverlaps(std::string_view kind, std::vector<Rule<Params>>* rules) {
  std::stable_sort(rules->begin(), rules->end(), [](const auto& a, const auto& b) {
    return a.info.effective_from < b.info.effective_from;
  });
  for (size_t i = 1; i < rules->size(); ++i) {
    const RuleInfo& before = (*rules)[i - 1].info;
    const RuleInfo& after = (*rules)[i].info;
    if (before.effective_to && *before.effective_to < after.effective_from) continue;
    return ErrorAt(after.file, after.line,
                   StrCat(kind, " rule \"", after.id, "\" (", DescribePeriod(after),
                          ") overlaps rule \"", before.id, "\" at ", before.file, ":", before.line,
                          " (", DescribePeriod(before), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckEveryKindPresent(const RuleSet& set) {
  absl::Status status;
  ForEachKind(set, [&](std::string_view kind, const auto& rules) {
    if (rules.empty() && status.ok()) {
      status = absl::InvalidArgumentError(StrCat("no rule of kind ", kind));
    }
  });
  return status;
}

absl::StatusOr<std::string> ReadRulesFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot open ", path.string()));
  std::string text;
  char buffer[4096];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > kRulesFileBytesMax) {
      return absl::InvalidArgumentError(
          StrCat(path.string(), ": longer than ", kRulesFileBytesMax, " bytes"));
    }
  }
  if (in.bad()) return absl::UnavailableError(StrCat("cannot read ", path.string()));
  return text;
}

}  // namespace

const RuleInfo* RuleSet::Find(std::string_view id) const {
  const RuleInfo* found = nullptr;
  ForEachKind(*this, [&](std::string_view, const auto& rules) {
    for (const auto& rule : rules) {
      if (found == nullptr && rule.info.id == id) found = &rule.info;
    }
  });
  return found;
}

absl::StatusOr<RuleSet> LoadRules(const std::vector<RulesFile>& files) {
  RuleSet set;
  IdLocations ids;
  for (const RulesFile& file : files) PBL_RETURN_IF_ERROR(ParseFile(file, &ids, &set));
  absl::Status status;
  ForEachKind(set, [&](std::string_view kind, auto& rules) {
    if (status.ok()) status = SortAndCheckOverlaps(kind, &rules);
  });
  PBL_RETURN_IF_ERROR(status);
  return set;
}

absl::StatusOr<RuleSet> LoadRulesDirectory(const std::string& directory) {
  std::error_code error;
  std::filesystem::directory_iterator it(directory, error);
  if (error) return absl::NotFoundError(StrCat("cannot list ", directory, ": ", error.message()));
  std::vector<std::filesystem::path> paths;
  for (; it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (it->path().extension() == ".toml" && it->is_regular_file(error)) {
      paths.push_back(it->path());
    }
  }
  if (error)
    return absl::UnavailableError(StrCat("cannot list ", directory, ": ", error.message()));
  std::sort(paths.begin(), paths.end());
  std::vector<RulesFile> files;
  for (const std::filesystem::path& path : paths) {
    PBL_ASSIGN_OR_RETURN(std::string text, ReadRulesFile(path));
    files.push_back(RulesFile{path.string(), std::move(text)});
  }
  return LoadRules(files);
}

const std::vector<RulesFile>& DefaultRulesFiles() {
  static const std::vector<RulesFile>* const files =
      new std::vector<RulesFile>(rules_internal::EmbeddedRulesFiles());
  return *files;
}

const RuleSet& DefaultRules() {
  static const RuleSet* const rules = [] {
    absl::StatusOr<RuleSet> loaded = LoadRules(DefaultRulesFiles());
    absl::Status status = loaded.status();
    if (status.ok()) status = CheckEveryKindPresent(*loaded);
    if (!status.ok()) {
      // The files are compiled in and the tests load them, so this is a broken build.
      std::fprintf(stderr, "pbl: the built-in rules (specs/rules) do not load: %s\n",
                   status.ToString().c_str());
      std::abort();
    }
    return new RuleSet(*std::move(loaded));
  }();
  return *rules;
}

}  // namespace pbl::ledger
