#include "ledger/domain/rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/base/strings.h"
#include "tests/testing/status_matchers.h"

namespace pbl::ledger {
namespace {

using ::pbl::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::StartsWith;

constexpr Date MakeDate(int32_t year, int32_t month, int32_t day) { return Date{year, month, day}; }

// The 1-based line of the first occurrence of `needle` in `text`; the tests name lines by what
// is on them rather than by counting.
int LineOf(std::string_view text, std::string_view needle) {
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string_view::npos) << needle;
  int line = 1;
  for (size_t i = 0; i < at && i < text.size(); ++i) line += text[i] == '\n' ? 1 : 0;
  return line;
}

absl::StatusOr<RuleSet> LoadText(std::string_view text) {
  return LoadRules({RulesFile{"bad.toml", std::string(text)}});
}

// INVALID_ARGUMENT whose message starts "bad.toml:LINE: " and names `what`.
auto RefusedAt(int line, std::string_view what) {
  return StatusIs(absl::StatusCode::kInvalidArgument,
                  AllOf(StartsWith(StrCat("bad.toml:", line, ": ")), HasSubstr(std::string(what))));
}

// A valid urban_rural_bridging rule with replaceable parts.
std::string BridgingRule(std::string_view id, std::string_view dates,
                         std::string_view params = "employee_months_min = 180\n") {
  return StrCat("[[rule]]\nid = \"", id,
                "\"\nkind = \"urban_rural_bridging\"\ntitle = \"Bridging\"\n"
                "citation = \"Renshebufa [2014] No. 17\"\n",
                dates, "\n[rule.params]\n", params);
}

constexpr std::string_view kRetirementRule = R"([[rule]]
id = "age"
kind = "retirement_age"
title = "Retirement age"
citation = "Guofa [1978] No. 104"
effective_from = 1978-06-02

[rule.params.male]
base_age_months = 720
step_months = 0
max_delay_months = 0

[rule.params.female_staff]
base_age_months = 660
step_months = 0
max_delay_months = 0

[rule.params.female_worker]
base_age_months = 600
step_months = 0
max_delay_months = 0
)";

constexpr std::string_view kMedicalRule = R"([[rule]]
id = "medical"
kind = "medical_transfer"
title = "Medical transfer"
citation = "Yibaobanfa [2021] No. 43"
effective_from = 2021-11-01

[rule.params]
gap_months_without_waiting = 3
waiting_months_max = 6
default_waiting_months = 6
waiting_months_by_region = { "310000" = 3 }
)";

constexpr std::string_view kCreditingRule = R"([[rule]]
id = "crediting"
kind = "account_crediting"
title = "Crediting"
citation = "Guofa [1997] No. 26"
effective_from = 1990-01-01

[rule.params]
rates_bp = { "2016" = 831, "2017" = 712 }
default_rate_bp = 350
regional_rates_bp = { "310000" = 300 }
credit_factor_per_mille = 1083
derived_credits = [
  { first = "1998-01", last = "2005-12", rate_bp = 1100 },
  { first = "2006-01", rate_bp = 800 },
]
)";

// Replaces the first `from` of `text` by `to`; the test fails if there is none.
std::string Replace(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  const size_t at = out.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) out.replace(at, from.size(), to);
  return out;
}

// --- the default rules ---

TEST(RulesDefaultTest, LoadsOneOrMoreRulesOfEveryKind) {
  const RuleSet& rules = DefaultRules();
  EXPECT_EQ(rules.account_crediting.size(), 1u);
  EXPECT_EQ(rules.employee_pension_transfer.size(), 1u);
  EXPECT_EQ(rules.resident_pension_transfer.size(), 1u);
  EXPECT_EQ(rules.urban_rural_bridging.size(), 1u);
  EXPECT_EQ(rules.medical_transfer.size(), 2u);
  EXPECT_EQ(rules.hpf_transfer.size(), 1u);
  EXPECT_EQ(rules.retirement_age.size(), 2u);
  EXPECT_EQ(rules.minimum_years.size(), 3u);
  EXPECT_EQ(DefaultRulesFiles().size(), 4u);
}

TEST(RulesDefaultTest, AccountCreditingHasTheNationalRates) {
  const Rule<AccountCreditingParams>& rule = DefaultRules().account_crediting.at(0);
  EXPECT_EQ(rule.info.id, "ia-crediting-1997");
  EXPECT_EQ(rule.info.effective_from, MakeDate(1990, 1, 1));
  EXPECT_FALSE(rule.info.effective_to.has_value());
  EXPECT_THAT(rule.info.citation, HasSubstr("Guofa [1997] No. 26"));
  // 2025's 1.50 % is unverified and deliberately absent.
  EXPECT_THAT(rule.params.rates_bp, ElementsAre(Pair(2016, 831), Pair(2017, 712), Pair(2018, 829),
                                                Pair(2019, 761), Pair(2020, 604), Pair(2021, 669),
                                                Pair(2022, 612), Pair(2023, 397), Pair(2024, 262)));
  EXPECT_EQ(rule.params.default_rate_bp, 350);
  EXPECT_THAT(rule.params.regional_rates_bp, IsEmpty());
  EXPECT_EQ(rule.params.credit_factor_per_mille, 1083);
  ASSERT_EQ(rule.params.derived_credits.size(), 2u);
  EXPECT_EQ(rule.params.derived_credits[0].first_month, MonthIndex(1998, 1));
  EXPECT_EQ(rule.params.derived_credits[0].last_month, MonthIndex(2005, 12));
  EXPECT_EQ(rule.params.derived_credits[0].rate_bp, 1100);
  EXPECT_EQ(rule.params.derived_credits[1].first_month, MonthIndex(2006, 1));
  EXPECT_EQ(rule.params.derived_credits[1].last_month, MonthIndex(2199, 12));
  EXPECT_EQ(rule.params.derived_credits[1].rate_bp, 800);
}

TEST(RulesDefaultTest, PensionTransferAndBridgingNumbers) {
  const RuleSet& rules = DefaultRules();
  const Rule<EmployeePensionTransferParams>& employee = rules.employee_pension_transfer.at(0);
  EXPECT_EQ(employee.info.id, "guobanfa-2009-66");
  EXPECT_EQ(employee.info.effective_from, MakeDate(2010, 1, 1));
  EXPECT_THAT(employee.info.citation, HasSubstr("Guobanfa [2009] No. 66"));
  EXPECT_EQ(employee.params.pooled_rate_bp, 1200);
  EXPECT_EQ(employee.params.pooled_first_month, MonthIndex(1998, 1));
  EXPECT_EQ(employee.params.temporary_account_age_male, 50);
  EXPECT_EQ(employee.params.temporary_account_age_female, 40);

  EXPECT_EQ(rules.resident_pension_transfer.at(0).info.id, "urrbpi-cross-region");
  EXPECT_EQ(rules.resident_pension_transfer.at(0).info.effective_from, MakeDate(2014, 7, 1));
  EXPECT_THAT(rules.resident_pension_transfer.at(0).info.citation, HasSubstr("Guofa [2014] No. 8"));

  const Rule<BridgingParams>& bridging = rules.urban_rural_bridging.at(0);
  EXPECT_EQ(bridging.info.id, "renshebufa-2014-17");
  EXPECT_EQ(bridging.info.effective_from, MakeDate(2014, 7, 1));
  EXPECT_EQ(bridging.params.employee_months_min, 180);

  EXPECT_EQ(rules.hpf_transfer.at(0).info.id, "hpf-transfer-2017");
  EXPECT_EQ(rules.hpf_transfer.at(0).info.effective_from, MakeDate(2017, 7, 1));
}

TEST(RulesDefaultTest, MedicalTransferNumbers) {
  const std::vector<Rule<MedicalTransferParams>>& rules = DefaultRules().medical_transfer;
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].info.id, "renshebufa-2009-191");
  EXPECT_EQ(rules[0].info.effective_from, MakeDate(2010, 7, 1));
  EXPECT_EQ(rules[0].info.effective_to, MakeDate(2021, 10, 31));
  EXPECT_EQ(rules[1].info.id, "yibaobanfa-2021-43");
  EXPECT_EQ(rules[1].info.effective_from, MakeDate(2021, 11, 1));
  EXPECT_FALSE(rules[1].info.effective_to.has_value());
  for (const Rule<MedicalTransferParams>& rule : rules) {
    EXPECT_EQ(rule.params.gap_months_without_waiting, 3) << rule.info.id;
    EXPECT_EQ(rule.params.waiting_months_max, 6) << rule.info.id;
    EXPECT_EQ(rule.params.default_waiting_months, 6) << rule.info.id;
    EXPECT_THAT(rule.params.waiting_months_by_region, IsEmpty()) << rule.info.id;
  }
}

TEST(RulesDefaultTest, RetirementAgeNumbers) {
  const std::vector<Rule<RetirementAgeParams>>& rules = DefaultRules().retirement_age;
  ASSERT_EQ(rules.size(), 2u);
  const RetirementAgeParams& old_rule = rules[0].params;
  EXPECT_EQ(rules[0].info.id, "retirement-age-1978");
  EXPECT_EQ(rules[0].info.effective_from, MakeDate(1978, 6, 2));
  EXPECT_EQ(rules[0].info.effective_to, MakeDate(2024, 12, 31));
  EXPECT_EQ(old_rule.male.base_age_months, 720);
  EXPECT_EQ(old_rule.female_staff.base_age_months, 660);
  EXPECT_EQ(old_rule.female_worker.base_age_months, 600);
  for (const auto* category : {&old_rule.male, &old_rule.female_staff, &old_rule.female_worker}) {
    EXPECT_EQ(category->step_months, 0);
    EXPECT_EQ(category->max_delay_months, 0);
    EXPECT_EQ(category->first_delayed_birth_month, MonthIndex(2199, 12));
  }
  const RetirementAgeParams& new_rule = rules[1].params;
  EXPECT_EQ(rules[1].info.id, "retirement-age-2025");
  EXPECT_EQ(rules[1].info.effective_from, MakeDate(2025, 1, 1));
  EXPECT_EQ(new_rule.male.base_age_months, 720);
  EXPECT_EQ(new_rule.male.first_delayed_birth_month, MonthIndex(1965, 1));
  EXPECT_EQ(new_rule.male.step_months, 4);
  EXPECT_EQ(new_rule.male.max_delay_months, 36);
  EXPECT_EQ(new_rule.female_staff.base_age_months, 660);
  EXPECT_EQ(new_rule.female_staff.first_delayed_birth_month, MonthIndex(1970, 1));
  EXPECT_EQ(new_rule.female_staff.step_months, 4);
  EXPECT_EQ(new_rule.female_staff.max_delay_months, 36);
  EXPECT_EQ(new_rule.female_worker.base_age_months, 600);
  EXPECT_EQ(new_rule.female_worker.first_delayed_birth_month, MonthIndex(1975, 1));
  EXPECT_EQ(new_rule.female_worker.step_months, 2);
  EXPECT_EQ(new_rule.female_worker.max_delay_months, 60);
}

TEST(RulesDefaultTest, MinimumYearsNumbers) {
  const std::vector<Rule<MinimumYearsParams>>& rules = DefaultRules().minimum_years;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].info.id, "minimum-years-1997");
  EXPECT_EQ(rules[0].info.effective_from, MakeDate(1997, 7, 16));
  EXPECT_EQ(rules[0].info.effective_to, MakeDate(2011, 6, 30));
  EXPECT_EQ(rules[0].params.base_months, 180);
  EXPECT_EQ(rules[0].params.max_months, 180);
  EXPECT_EQ(rules[1].info.id, "minimum-years-2011");
  EXPECT_EQ(rules[1].info.effective_from, MakeDate(2011, 7, 1));
  EXPECT_EQ(rules[1].info.effective_to, MakeDate(2024, 12, 31));
  EXPECT_EQ(rules[1].params.base_months, 180);
  EXPECT_EQ(rules[1].params.first_increase_year, 2199);
  EXPECT_EQ(rules[1].params.increase_months_per_year, 0);
  EXPECT_EQ(rules[1].params.max_months, 180);
  EXPECT_EQ(rules[2].info.id, "minimum-years-2025");
  EXPECT_EQ(rules[2].info.effective_from, MakeDate(2025, 1, 1));
  EXPECT_EQ(rules[2].params.base_months, 180);
  EXPECT_EQ(rules[2].params.first_increase_year, 2030);
  EXPECT_EQ(rules[2].params.increase_months_per_year, 6);
  EXPECT_EQ(rules[2].params.max_months, 240);
}

TEST(RulesDefaultTest, FindReturnsTheRuleWithThatId) {
  const RuleInfo* found = DefaultRules().Find("renshebufa-2014-17");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->id, "renshebufa-2014-17");
  EXPECT_EQ(found->file, "specs/rules/pension.toml");
  EXPECT_GT(found->line, 0);
  EXPECT_EQ(DefaultRules().Find("no-such-rule"), nullptr);
}

TEST(RulesInEffectTest, PicksTheRetirementRuleOfTheDate) {
  const std::vector<Rule<RetirementAgeParams>>& rules = DefaultRules().retirement_age;
  ASSERT_OK_AND_ASSIGN(const Rule<RetirementAgeParams>* before,
                       RuleSet::InEffect(rules, "retirement_age", MakeDate(2024, 12, 31)));
  EXPECT_EQ(before->info.id, "retirement-age-1978");
  ASSERT_OK_AND_ASSIGN(const Rule<RetirementAgeParams>* after,
                       RuleSet::InEffect(rules, "retirement_age", MakeDate(2025, 1, 1)));
  EXPECT_EQ(after->info.id, "retirement-age-2025");
}

TEST(RulesInEffectTest, FailsBeforeTheFirstRule) {
  EXPECT_THAT(
      RuleSet::InEffect(DefaultRules().retirement_age, "retirement_age", MakeDate(1978, 6, 1)),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr("retirement_age"), HasSubstr("1978-06-01"))));
  EXPECT_THAT(
      RuleSet::InEffect(DefaultRules().medical_transfer, "medical_transfer", MakeDate(2010, 6, 30)),
      StatusIs(absl::StatusCode::kFailedPrecondition));
}

// --- the source directory against the compiled-in copy ---

std::string Describe(const AccountCreditingParams& p) {
  std::string out = StrCat("default=", p.default_rate_bp, " f=", p.credit_factor_per_mille);
  for (const auto& [year, bp] : p.rates_bp) StrAppend(&out, " ", year, "=", bp);
  for (const auto& [region, bp] : p.regional_rates_bp) StrAppend(&out, " r", region, "=", bp);
  for (const auto& c : p.derived_credits) {
    StrAppend(&out, " d", c.first_month, "-", c.last_month, "=", c.rate_bp);
  }
  return out;
}
std::string Describe(const EmployeePensionTransferParams& p) {
  return StrCat(p.pooled_rate_bp, " ", p.pooled_first_month, " ", p.temporary_account_age_male, " ",
                p.temporary_account_age_female);
}
std::string Describe(const ResidentPensionTransferParams&) { return ""; }
std::string Describe(const BridgingParams& p) { return StrCat(p.employee_months_min); }
std::string Describe(const MedicalTransferParams& p) {
  std::string out = StrCat(p.gap_months_without_waiting, " ", p.waiting_months_max, " ",
                           p.default_waiting_months);
  for (const auto& [region, months] : p.waiting_months_by_region) {
    StrAppend(&out, " ", region, "=", months);
  }
  return out;
}
std::string Describe(const HpfTransferParams&) { return ""; }
std::string Describe(const RetirementAgeParams::Category& c) {
  return StrCat(c.base_age_months, "/", c.first_delayed_birth_month, "/", c.step_months, "/",
                c.max_delay_months);
}
std::string Describe(const RetirementAgeParams& p) {
  return StrCat(Describe(p.male), " ", Describe(p.female_worker), " ", Describe(p.female_staff));
}
std::string Describe(const MinimumYearsParams& p) {
  return StrCat(p.base_months, " ", p.first_increase_year, " ", p.increase_months_per_year, " ",
                p.max_months);
}

// Every field of every rule, with the file reduced to its base name.
template <typename Params>
void DescribeRules(const std::vector<Rule<Params>>& rules, std::string* out) {
  for (const Rule<Params>& rule : rules) {
    const RuleInfo& i = rule.info;
    StrAppend(out, i.id, "|", i.title, "|", i.citation, "|", FormatDate(i.effective_from), "|",
              i.effective_to ? FormatDate(*i.effective_to) : "-", "|",
              std::filesystem::path(i.file).filename().string(), ":", i.line, "|",
              Describe(rule.params), "\n");
  }
}

std::string Describe(const RuleSet& set) {
  std::string out;
  DescribeRules(set.account_crediting, &out);
  DescribeRules(set.employee_pension_transfer, &out);
  DescribeRules(set.resident_pension_transfer, &out);
  DescribeRules(set.urban_rural_bridging, &out);
  DescribeRules(set.medical_transfer, &out);
  DescribeRules(set.hpf_transfer, &out);
  DescribeRules(set.retirement_age, &out);
  DescribeRules(set.minimum_years, &out);
  return out;
}

TEST(RulesDirectoryTest, SourceDirectoryEqualsDefaultRules) {
  ASSERT_OK_AND_ASSIGN(const RuleSet from_directory, LoadRulesDirectory(PBL_RULES_DIR));
  EXPECT_EQ(Describe(from_directory), Describe(DefaultRules()));
}

TEST(RulesDirectoryTest, CompiledInTextsEqualTheSourceFiles) {
  for (const RulesFile& file : DefaultRulesFiles()) {
    const std::filesystem::path path =
        std::filesystem::path(PBL_RULES_DIR) / std::filesystem::path(file.name).filename();
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << path;
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), file.text) << path;
  }
}

TEST(RulesDirectoryTest, MissingDirectoryIsNotFound) {
  EXPECT_THAT(LoadRulesDirectory("/nonexistent/pbl/rules"), StatusIs(absl::StatusCode::kNotFound));
}

// --- what LoadRules accepts ---

TEST(RulesLoadTest, EmptyFileHasNoRules) {
  ASSERT_OK_AND_ASSIGN(const RuleSet rules, LoadText("# nothing yet\n"));
  EXPECT_THAT(rules.account_crediting, IsEmpty());
  EXPECT_THAT(rules.minimum_years, IsEmpty());
}

TEST(RulesLoadTest, ReadsMapsAndOpenEndedCredits) {
  ASSERT_OK_AND_ASSIGN(const RuleSet rules, LoadText(kCreditingRule));
  ASSERT_EQ(rules.account_crediting.size(), 1u);
  const AccountCreditingParams& p = rules.account_crediting[0].params;
  EXPECT_THAT(p.rates_bp, ElementsAre(Pair(2016, 831), Pair(2017, 712)));
  EXPECT_THAT(p.regional_rates_bp, ElementsAre(Pair(310000, 300)));
  ASSERT_EQ(p.derived_credits.size(), 2u);
  EXPECT_EQ(p.derived_credits[1].last_month, MonthIndex(2199, 12));
  EXPECT_EQ(rules.account_crediting[0].info.line, 1);
  EXPECT_EQ(rules.account_crediting[0].info.file, "bad.toml");
}

TEST(RulesLoadTest, KindsWithoutParamsMayOmitTheTable) {
  ASSERT_OK_AND_ASSIGN(const RuleSet rules,
                       LoadText("[[rule]]\nid = \"hpf\"\nkind = \"hpf_transfer\"\ntitle = \"t\"\n"
                                "citation = \"c\"\neffective_from = 2017-07-01\n"));
  EXPECT_EQ(rules.hpf_transfer.size(), 1u);
}

TEST(RulesLoadTest, AdjacentPeriodsOfOneKindAreFine) {
  const std::string text =
      BridgingRule("later", "effective_from = 2020-01-01") + "\n" +
      BridgingRule("earlier", "effective_from = 2014-07-01\neffective_to = 2019-12-31");
  ASSERT_OK_AND_ASSIGN(const RuleSet rules, LoadText(text));
  ASSERT_EQ(rules.urban_rural_bridging.size(), 2u);
  EXPECT_EQ(rules.urban_rural_bridging[0].info.id, "earlier");  // sorted by effective_from
  EXPECT_EQ(rules.urban_rural_bridging[1].info.id, "later");
}

// --- what LoadRules refuses ---

TEST(RulesRefusalTest, UnknownKeyAtTopLevel) {
  const std::string text = "version = 1\n" + BridgingRule("b", "effective_from = 2014-07-01");
  EXPECT_THAT(LoadText(text), RefusedAt(1, "unknown key version"));
}

TEST(RulesRefusalTest, UnknownKeyInRule) {
  const std::string text = BridgingRule("b", "effective_from = 2014-07-01\nauthor = \"me\"");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "author"), "unknown key rule.author"));
}

TEST(RulesRefusalTest, UnknownKeyInParams) {
  const std::string text = BridgingRule("b", "effective_from = 2014-07-01",
                                        "employee_months_min = 180\nresident_months_min = 1\n");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "resident_months_min"),
                                        "unknown key rule.params.resident_months_min"));
}

TEST(RulesRefusalTest, UnknownKeyInCategoryTable) {
  const std::string text =
      Replace(kRetirementRule, "base_age_months = 660\n", "base_age_months = 660\nbase_age = 55\n");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "base_age ="),
                                        "unknown key rule.params.female_staff.base_age"));
}

TEST(RulesRefusalTest, UnknownCategory) {
  const std::string text =
      StrCat(kRetirementRule, "\n[rule.params.female_cadre]\nstep_months = 0\n");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "[rule.params.female_cadre]"),
                                        "unknown key rule.params.female_cadre"));
}

TEST(RulesRefusalTest, MissingParameter) {
  const std::string text = Replace(kMedicalRule, "default_waiting_months = 6\n", "");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "[rule.params]"),
                                        "missing key rule.params.default_waiting_months"));
}

TEST(RulesRefusalTest, MissingCategory) {
  const std::string text =
      Replace(kRetirementRule, "[rule.params.female_worker]", "[rule.params.female_workers]");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "[rule.params.female_workers]"),
                                        "rule.params.female_workers"));
}

TEST(RulesRefusalTest, MissingParamsTable) {
  const std::string text = Replace(BridgingRule("b", "effective_from = 2014-07-01"),
                                   "[rule.params]\nemployee_months_min = 180\n", "");
  EXPECT_THAT(LoadText(text), RefusedAt(1, "missing key rule.params.employee_months_min"));
}

TEST(RulesRefusalTest, FloatRate) {
  const std::string text =
      Replace(kCreditingRule, "default_rate_bp = 350", "default_rate_bp = 3.5");
  EXPECT_THAT(LoadText(text),
              RefusedAt(LineOf(text, "default_rate_bp"),
                        "rule.params.default_rate_bp must be an integer, not a floating-point"));
}

TEST(RulesRefusalTest, FloatRateInMap) {
  const std::string text = Replace(kCreditingRule, "\"2017\" = 712", "\"2017\" = 7.12");
  EXPECT_THAT(LoadText(text),
              RefusedAt(LineOf(text, "rates_bp"), "rule.params.rates_bp.2017 must be an integer"));
}

TEST(RulesRefusalTest, StringWhereIntegerExpected) {
  const std::string text =
      BridgingRule("b", "effective_from = 2014-07-01", "employee_months_min = \"180\"\n");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "employee_months_min"),
                                        "employee_months_min must be an integer, not a string"));
}

TEST(RulesRefusalTest, StringWhereDateExpected) {
  const std::string text = BridgingRule("b", "effective_from = \"2014-07-01\"");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "effective_from"),
                                        "rule.effective_from must be a TOML local date"));
}

TEST(RulesRefusalTest, UnknownKind) {
  const std::string text = Replace(BridgingRule("b", "effective_from = 2014-07-01"),
                                   "urban_rural_bridging", "urban_rural_bridge");
  EXPECT_THAT(LoadText(text),
              RefusedAt(LineOf(text, "kind"), "rule.kind \"urban_rural_bridge\" is not one of"));
}

TEST(RulesRefusalTest, DuplicateIdAcrossFiles) {
  const std::string first = BridgingRule("same",
                                         "effective_from = 2014-07-01\neffective_to = "
                                         "2019-12-31");
  const std::string second = "# second\n" + std::string(kMedicalRule);
  const std::string second_renamed = Replace(second, "id = \"medical\"", "id = \"same\"");
  EXPECT_THAT(LoadRules({RulesFile{"a.toml", first}, RulesFile{"bad.toml", second_renamed}}),
              RefusedAt(LineOf(second_renamed, "id ="), "\"same\" is already used at a.toml:1"));
}

TEST(RulesRefusalTest, EffectiveToBeforeFrom) {
  const std::string text =
      BridgingRule("b", "effective_from = 2014-07-01\neffective_to = 2014-06-30");
  EXPECT_THAT(LoadText(text),
              RefusedAt(LineOf(text, "effective_to"), "rule.effective_to = 2014-06-30 is before"));
}

TEST(RulesRefusalTest, ImpossibleDate) {
  const std::string text = BridgingRule("b", "effective_from = 1899-12-31");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "effective_from"), "rule.effective_from"));
}

TEST(RulesRefusalTest, OverlappingPeriodsNameBothRules) {
  const std::string text =
      BridgingRule("open", "effective_from = 2014-07-01") + "\n" +
      BridgingRule("later", "effective_from = 2020-01-01\neffective_to = 2020-12-31");
  const int later_line = LineOf(text, "[[rule]]\nid = \"later\"");
  EXPECT_THAT(LoadText(text), RefusedAt(later_line, "overlaps rule \"open\" at bad.toml:1"));
}

TEST(RulesRefusalTest, RateOutOfRange) {
  const std::string text = Replace(kCreditingRule, "\"2016\" = 831", "\"2016\" = 10001");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "rates_bp"),
                                        "rule.params.rates_bp.2016 = 10001 is outside 0..10000"));
}

TEST(RulesRefusalTest, NegativeRate) {
  const std::string text = Replace(kCreditingRule, "default_rate_bp = 350", "default_rate_bp = -1");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "default_rate_bp"), "is outside 0..10000"));
}

TEST(RulesRefusalTest, WaitingMaxAboveSixMonths) {
  const std::string text =
      Replace(kMedicalRule, "waiting_months_max = 6", "waiting_months_max = 7");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "waiting_months_max"),
                                        "rule.params.waiting_months_max = 7 is outside 0..6"));
}

TEST(RulesRefusalTest, RegionalWaitingAboveTheMaximum) {
  const std::string text =
      Replace(Replace(kMedicalRule, "waiting_months_max = 6", "waiting_months_max = 4"),
              "default_waiting_months = 6", "default_waiting_months = 4");
  const std::string longer = Replace(text, "\"310000\" = 3", "\"310000\" = 5");
  EXPECT_THAT(LoadText(longer),
              RefusedAt(LineOf(longer, "waiting_months_by_region"),
                        "rule.params.waiting_months_by_region.310000 = 5 is outside 0..4"));
}

TEST(RulesRefusalTest, BadMonthString) {
  const std::string text = Replace(kCreditingRule, "first = \"2006-01\"", "first = \"2006-13\"");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "2006-13"),
                                        "rule.params.derived_credits[1].first \"2006-13\""));
}

TEST(RulesRefusalTest, OverlappingDerivedCredits) {
  const std::string text = Replace(kCreditingRule, "first = \"2006-01\"", "first = \"2005-12\"");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "first = \"2005-12\""),
                                        "rule.params.derived_credits[1].first = 2005-12"));
}

TEST(RulesRefusalTest, BadRegionKey) {
  const std::string text = Replace(kMedicalRule, "\"310000\" = 3", "\"990000\" = 3");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "990000"),
                                        "rule.params.waiting_months_by_region.990000 \"990000\""));
}

TEST(RulesRefusalTest, BadYearKey) {
  const std::string text = Replace(kCreditingRule, "\"2017\" = 712", "\"17\" = 712");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "rates_bp"), "is not a year 1900-2199"));
}

// The fuzzer found these overflowing int32 while the key was read (UBSan: signed integer
// overflow); tests/fuzz/regressions/rules_fuzzer/year-key-overflow.
TEST(RulesRefusalTest, LongYearKeyWithoutOverflow) {
  const std::string text =
      Replace(kCreditingRule, "\"2017\" = 712", "\"20172017201720172017\" = 712");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "rates_bp"), "is not a year 1900-2199"));
}

TEST(RulesRefusalTest, LongRegionKeyWithoutOverflow) {
  const std::string text = Replace(kMedicalRule, "\"310000\" = 3", "\"3100003100003100\" = 3");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "3100003100003100"),
                                        "is not a 6-digit GB/T 2260 region code"));
}

TEST(RulesRefusalTest, DelayWithoutStep) {
  const std::string text = Replace(kRetirementRule, "step_months = 0\nmax_delay_months = 0",
                                   "step_months = 0\nmax_delay_months = 36");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "max_delay_months = 36"),
                                        "rule.params.male.max_delay_months must be 0"));
}

TEST(RulesRefusalTest, TomlSyntaxError) {
  const std::string text = BridgingRule("b", "effective_from = 2014-07-01\ntitle2 = ");
  EXPECT_THAT(LoadText(text), RefusedAt(LineOf(text, "title2"), "TOML syntax error"));
}

TEST(RulesRefusalTest, RuleAsPlainTable) {
  const std::string text = "[rule]\nid = \"x\"\n";
  EXPECT_THAT(LoadText(text), RefusedAt(1, "rule must be an array"));
}

}  // namespace
}  // namespace pbl::ledger
