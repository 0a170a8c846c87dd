#include "ledger/rules.h"

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
#include "crypto/status_macros.h"
#include "crypto/strings.h"
#include "ledger/scheme.h"

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

int LineOf(const toml::source_region& region) { return static_cast<int>(region.begin.line); }

absl::Status ErrorAt(std::string_view file, int line, std::string_view message) {
  return absl::InvalidArgumentError(StrCat(file, ":", line, ": ", message));
}

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// How the keys of a map parameter are read.
enum class MapKey { kYear, kRegion };

// One TOML table of a rules file, read with typed getters whose errors name the file, the line
// and the dotted key ("rule.params.rates_bp"). A null table stands for an absent optional table:
// it has no keys, and a missing key is reported at `line`, the line of the table's parent.
class TableReader {
 public:
  TableReader(std::string_view file, const toml::table* table, int line, std::string path)
      : file_(file), table_(table), line_(line), path_(std::move(path)) {}

  std::string_view file() const { return file_; }
  int line() const { return line_; }

  // The dotted name of `key` in this table.
  std::string Name(std::string_view key) const {
    return path_.empty() ? std::string(key) : StrCat(path_, ".", key);
  }

  // An error at the line of `key`, or of the table when the key is absent.
  absl::Status Error(std::string_view key, std::string_view message) const {
    const toml::node* node = Find(key);
    return ErrorAt(file_, node ? LineOf(node->source()) : line_, StrCat(Name(key), " ", message));
  }

  // Refuses any key not in `allowed`.
  absl::Status CheckKeys(std::initializer_list<std::string_view> allowed) const;

  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  absl::StatusOr<int32_t> Int(std::string_view key, int32_t min, int32_t max) const;
  absl::StatusOr<std::string> String(std::string_view key, size_t max_bytes) const;
  absl::StatusOr<int32_t> Month(std::string_view key) const;
  absl::StatusOr<Date> DateValue(std::string_view key) const;
  absl::StatusOr<std::map<int32_t, int32_t>> IntMap(std::string_view key, MapKey key_kind,
                                                    int32_t min, int32_t max) const;
  absl::StatusOr<const toml::array*> Array(std::string_view key) const;
  absl::StatusOr<TableReader> Table(std::string_view key) const;
  // A table that may be absent: then a reader of no keys.
  absl::StatusOr<TableReader> OptionalTable(std::string_view key) const;

 private:
  const toml::node* Find(std::string_view key) const { return table_ ? table_->get(key) : nullptr; }
  absl::StatusOr<const toml::node*> Require(std::string_view key) const;
  absl::Status WrongType(std::string_view key, const toml::node& node,
                         std::string_view wanted) const {
    return Error(key, StrCat("must be ", wanted, ", not ", TypeName(node)));
  }

  std::string_view file_;
  const toml::table* table_;
  int line_;
  std::string path_;
};

absl::Status TableReader::CheckKeys(std::initializer_list<std::string_view> allowed) const {
  if (table_ == nullptr) return absl::OkStatus();
  // The table iterates in key order; report the unknown key that comes first in the file.
  const toml::key* unknown = nullptr;
  for (auto&& [key, node] : *table_) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
    if (unknown == nullptr || key.source().begin.line < unknown->source().begin.line) {
      unknown = &key;
    }
  }
  if (unknown == nullptr) return absl::OkStatus();
  std::string expected;
  for (std::string_view name : allowed) StrAppend(&expected, expected.empty() ? "" : ", ", name);
  return ErrorAt(file_, LineOf(unknown->source()),
                 StrCat("unknown key ", Name(unknown->str()), " (expected ",
                        expected.empty() ? "no keys" : expected, ")"));
}

absl::StatusOr<const toml::node*> TableReader::Require(std::string_view key) const {
  const toml::node* node = Find(key);
  if (node == nullptr) return ErrorAt(file_, line_, StrCat("missing key ", Name(key)));
  return node;
}

absl::StatusOr<int32_t> TableReader::Int(std::string_view key, int32_t min, int32_t max) const {
  PBL_ASSIGN_OR_RETURN(const toml::node* node, Require(key));
  const toml::value<int64_t>* value = node->as_integer();
  if (value == nullptr) return WrongType(key, *node, "an integer");
  if (value->get() < min || value->get() > max) {
    return Error(key, StrCat("= ", value->get(), " is outside ", min, "..", max));
  }
  return static_cast<int32_t>(value->get());
}

absl::StatusOr<std::string> TableReader::String(std::string_view key, size_t max_bytes) const {
  PBL_ASSIGN_OR_RETURN(const toml::node* node, Require(key));
  const toml::value<std::string>* value = node->as_string();
  if (value == nullptr) return WrongType(key, *node, "a string");
  if (value->get().empty()) return Error(key, "is empty");
  if (value->get().size() > max_bytes) {
    return Error(key, StrCat("is longer than ", max_bytes, " bytes"));
  }
  return value->get();
}

absl::StatusOr<int32_t> TableReader::Month(std::string_view key) const {
  PBL_ASSIGN_OR_RETURN(const toml::node* node, Require(key));
  const toml::value<std::string>* value = node->as_string();
  if (value == nullptr) return WrongType(key, *node, "a month string \"YYYY-MM\"");
  absl::StatusOr<int32_t> month = ParseMonth(value->get(), Name(key));
  if (!month.ok()) return ErrorAt(file_, LineOf(node->source()), ToStd(month.status().message()));
  return *month;
}

absl::StatusOr<Date> TableReader::DateValue(std::string_view key) const {
  PBL_ASSIGN_OR_RETURN(const toml::node* node, Require(key));
  const toml::value<toml::date>* value = node->as_date();
  if (value == nullptr) return WrongType(key, *node, "a TOML local date (YYYY-MM-DD)");
  const Date date{value->get().year, value->get().month, value->get().day};
  if (!IsRealDate(date.year, date.month, date.day)) {
    return Error(key,
                 StrCat("= ", FormatDate(date), " is not a date in ", kYearMin, "-", kYearMax));
  }
  return date;
}

// A year key: exactly four digits, kYearMin..kYearMax.
absl::StatusOr<int32_t> ParseYearKey(std::string_view text, std::string_view name) {
  int32_t year = 0;
  bool digits = text.size() == 4;
  for (char c : text) {
    digits = digits && c >= '0' && c <= '9';
    year = year * 10 + (c - '0');
  }
  if (!digits || year < kYearMin || year > kYearMax) {
    return absl::InvalidArgumentError(
        StrCat(name, " \"", text.substr(0, 32), "\" is not a year ", kYearMin, "-", kYearMax));
  }
  return year;
}

absl::StatusOr<std::map<int32_t, int32_t>> TableReader::IntMap(std::string_view key,
                                                               MapKey key_kind, int32_t min,
                                                               int32_t max) const {
  PBL_ASSIGN_OR_RETURN(TableReader map, Table(key));
  std::map<int32_t, int32_t> out;
  for (auto&& [entry_key, node] : *map.table_) {
    const std::string name = map.Name(entry_key.str());
    absl::StatusOr<int32_t> parsed = key_kind == MapKey::kYear ? ParseYearKey(entry_key.str(), name)
                                                               : ParseRegion(entry_key.str(), name);
    if (!parsed.ok()) {
      return ErrorAt(file_, LineOf(entry_key.source()), ToStd(parsed.status().message()));
    }
    PBL_ASSIGN_OR_RETURN(out[*parsed], map.Int(entry_key.str(), min, max));
  }
  return out;
}

absl::StatusOr<const toml::array*> TableReader::Array(std::string_view key) const {
  PBL_ASSIGN_OR_RETURN(const toml::node* node, Require(key));
  const toml::array* array = node->as_array();
  if (array == nullptr) return WrongType(key, *node, "an array");
  return array;
}

absl::StatusOr<TableReader> TableReader::Table(std::string_view key) const {
  PBL_ASSIGN_OR_RETURN(const toml::node* node, Require(key));
  const toml::table* table = node->as_table();
  if (table == nullptr) return WrongType(key, *node, "a table");
  return TableReader(file_, table, LineOf(node->source()), Name(key));
}

absl::StatusOr<TableReader> TableReader::OptionalTable(std::string_view key) const {
  if (!Has(key)) return TableReader(file_, nullptr, line_, Name(key));
  return Table(key);
}

// A month that may be absent: then kOpenEndMonth.
absl::StatusOr<int32_t> OptionalMonth(const TableReader& table, std::string_view key) {
  if (!table.Has(key)) return kOpenEndMonth;
  return table.Month(key);
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
    PBL_ASSIGN_OR_RETURN(credit.first_month, item.Month("first"));
    PBL_ASSIGN_OR_RETURN(credit.last_month, OptionalMonth(item, "last"));
    PBL_ASSIGN_OR_RETURN(credit.rate_bp, item.Int("rate_bp", 0, kRateBpMax));
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
  PBL_ASSIGN_OR_RETURN(out.rates_bp, p.IntMap("rates_bp", MapKey::kYear, 0, kRateBpMax));
  PBL_ASSIGN_OR_RETURN(out.default_rate_bp, p.Int("default_rate_bp", 0, kRateBpMax));
  PBL_ASSIGN_OR_RETURN(out.regional_rates_bp,
                       p.IntMap("regional_rates_bp", MapKey::kRegion, 0, kRateBpMax));
  PBL_ASSIGN_OR_RETURN(out.credit_factor_per_mille,
                       p.Int("credit_factor_per_mille", 0, kCreditFactorPerMilleMax));
  PBL_ASSIGN_OR_RETURN(out.derived_credits, ParseDerivedCredits(p));
  return out;
}

absl::StatusOr<EmployeePensionTransferParams> ParseEmployeePensionTransfer(const TableReader& p) {
  PBL_RETURN_IF_ERROR(p.CheckKeys({"pooled_rate_bp", "pooled_first_month",
                                   "temporary_account_age_male", "temporary_account_age_female"}));
  EmployeePensionTransferParams out;
  PBL_ASSIGN_OR_RETURN(out.pooled_rate_bp, p.Int("pooled_rate_bp", 0, kRateBpMax));
  PBL_ASSIGN_OR_RETURN(out.pooled_first_month, p.Month("pooled_first_month"));
  PBL_ASSIGN_OR_RETURN(out.temporary_account_age_male,
                       p.Int("temporary_account_age_male", 0, kAgeYearsMax));
  PBL_ASSIGN_OR_RETURN(out.temporary_account_age_female,
                       p.Int("temporary_account_age_female", 0, kAgeYearsMax));
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
                       p.Int("employee_months_min", 0, kContributionMonthsMax));
  return out;
}

absl::StatusOr<MedicalTransferParams> ParseMedicalTransfer(const TableReader& p) {
  PBL_RETURN_IF_ERROR(p.CheckKeys({"gap_months_without_waiting", "waiting_months_max",
                                   "default_waiting_months", "waiting_months_by_region"}));
  MedicalTransferParams out;
  PBL_ASSIGN_OR_RETURN(out.gap_months_without_waiting,
                       p.Int("gap_months_without_waiting", 0, kGapMonthsMax));
  PBL_ASSIGN_OR_RETURN(out.waiting_months_max, p.Int("waiting_months_max", 0, kWaitingMonthsMax));
  // No destination may wait longer than the national maximum.
  PBL_ASSIGN_OR_RETURN(out.default_waiting_months,
                       p.Int("default_waiting_months", 0, out.waiting_months_max));
  PBL_ASSIGN_OR_RETURN(
      out.waiting_months_by_region,
      p.IntMap("waiting_months_by_region", MapKey::kRegion, 0, out.waiting_months_max));
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
  PBL_ASSIGN_OR_RETURN(out.base_age_months, t.Int("base_age_months", 0, kAgeMonthsMax));
  PBL_ASSIGN_OR_RETURN(out.first_delayed_birth_month,
                       OptionalMonth(t, "first_delayed_birth_month"));
  PBL_ASSIGN_OR_RETURN(out.step_months, t.Int("step_months", 0, kStepMonthsMax));
  // The delayed age must stay an age: base + delay <= kAgeMonthsMax.
  PBL_ASSIGN_OR_RETURN(out.max_delay_months,
                       t.Int("max_delay_months", 0, kAgeMonthsMax - out.base_age_months));
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
  PBL_ASSIGN_OR_RETURN(out.base_months, p.Int("base_months", 0, kContributionMonthsMax));
  PBL_ASSIGN_OR_RETURN(out.first_increase_year, p.Int("first_increase_year", kYearMin, kYearMax));
  PBL_ASSIGN_OR_RETURN(out.increase_months_per_year,
                       p.Int("increase_months_per_year", 0, kContributionMonthsMax));
  PBL_ASSIGN_OR_RETURN(out.max_months,
                       p.Int("max_months", out.base_months, kContributionMonthsMax));
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
  PBL_ASSIGN_OR_RETURN(info.effective_from, rule.DateValue("effective_from"));
  if (rule.Has("effective_to")) {
    PBL_ASSIGN_OR_RETURN(info.effective_to, rule.DateValue("effective_to"));
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
  toml::table document;
  // toml++ reports syntax errors by exception; this is the one place they become a Status.
  try {
    document = toml::parse(std::string_view(file.text), std::string_view(file.name));
  } catch (const toml::parse_error& error) {
    return ErrorAt(file.name, LineOf(error.source()),
                   StrCat("TOML syntax error: ", error.description()));
  }
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
