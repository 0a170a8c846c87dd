// Worked examples of the transfer and entitlement rules, checked against the engine
// (ledger/entitlement.h, ledger/transfer_plan.h) with DefaultRules().
//
// Every expected number here is computed by hand: the arithmetic is written out in the comments
// and the results are literal numbers. Nothing of the engine (nor a helper of it such as
// DivideRoundHalfUp, MonthIndex or RangesToMonths) is used to compute an expectation, so a
// mistake in the engine cannot hide behind the same mistake in its test. The only values taken
// from the engine are rule-id labels in the VerifyTransfer tests (see CopyRuleIds); all figures
// there are by hand too.
//
// Individual-account crediting (rule "ia-crediting-1997"), for each closed year Y:
//   balance_Y = round_half_up(balance_{Y-1} x (1 + r) + credits_Y x (1 + r x 1.083 / 2)),
// so each year has two factors; for the rates used here:
//   r       1 + r     1 + r x 1.083 / 2
//   3.50 %  1.0350    1 + 0.0379050 / 2 = 1.01895250   (years before 2016, default)
//   8.31 %  1.0831    1 + 0.0899973 / 2 = 1.04499865   (2016)
//   7.12 %  1.0712    1 + 0.0771096 / 2 = 1.03855480   (2017)
//   8.29 %  1.0829    1 + 0.0897807 / 2 = 1.04489035   (2018)
//   7.61 %  1.0761    1 + 0.0824163 / 2 = 1.04120815   (2019)
//   6.04 %  1.0604    1 + 0.0654132 / 2 = 1.03270660   (2020)
//   6.69 %  1.0669    1 + 0.0724527 / 2 = 1.03622635   (2021)
//   6.12 %  1.0612    1 + 0.0662796 / 2 = 1.03313980   (2022)
//   3.97 %  1.0397    1 + 0.0429951 / 2 = 1.02149755   (2023)
//   2.62 %  1.0262    1 + 0.0283746 / 2 = 1.01418730   (2024)
// Years after 2024 have no published rate: no interest. The as_of year is open: principal only.
// (Each product below was also re-checked with exact integer/fraction arithmetic in python3.)

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ledger/domain/calendar.h"
#include "ledger/domain/entitlement.h"
#include "ledger/domain/rules.h"
#include "ledger/domain/scheme.h"
#include "ledger/domain/transfer_plan.h"
#include "pbl/v1/entry.pb.h"
#include "tests/testing/history_builder.h"
#include "tests/testing/status_matchers.h"

namespace pbl::ledger {
namespace {

using ::pbl::testing::HistoryBuilder;
using ::pbl::testing::PersonIdFor;
using ::pbl::testing::StatusIs;
using ::testing::AnyOf;
using ::testing::Contains;
using ::testing::Field;

constexpr char kGuobanfa[] = "guobanfa-2009-66";
constexpr char kBridging[] = "renshebufa-2014-17";
constexpr char kCrediting[] = "ia-crediting-1997";
constexpr char kMedical[] = "yibaobanfa-2021-43";
constexpr char kHpf[] = "hpf-transfer-2017";
constexpr char kRetirement[] = "retirement-age-2025";
constexpr char kMinimumYears[] = "minimum-years-2025";

constexpr v1::RetirementCategory kMale = v1::RETIREMENT_CATEGORY_MALE;
constexpr v1::RetirementCategory kFemaleStaff = v1::RETIREMENT_CATEGORY_FEMALE_STAFF;
constexpr v1::RetirementCategory kFemaleWorker = v1::RETIREMENT_CATEGORY_FEMALE_WORKER;

// The month index as calendar.h documents it (year * 12 + month - 1), written out here.
constexpr int32_t Month(int32_t year, int32_t month) { return year * 12 + month - 1; }
static_assert(Month(1998, 1) == 23976);  // the example calendar.h gives

constexpr SchemeId Scheme(SchemeKind kind, int32_t region) { return SchemeId{kind, region}; }

TransferRequest Request(SchemeId source, SchemeId destination, Date date) {
  TransferRequest request;
  request.source = source;
  request.destination = destination;
  request.date = date;
  return request;
}

// Ranges as "first..last" strings, for readable comparisons.
std::vector<std::string> RangesText(
    const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges) {
  std::vector<std::string> text;
  for (const v1::MonthRange& r : ranges) text.push_back(r.first() + ".." + r.last());
  return text;
}

void SetRanges(google::protobuf::RepeatedPtrField<v1::MonthRange>* ranges,
               const std::vector<std::pair<std::string, std::string>>& runs) {
  ranges->Clear();
  for (const auto& [first, last] : runs) {
    v1::MonthRange* r = ranges->Add();
    r->set_first(first);
    r->set_last(last);
  }
}

std::string Describe(const std::vector<TransferFinding>& findings) {
  std::string text;
  for (const TransferFinding& f : findings) text += f.check + ": " + f.message + "\n";
  return text;
}

// ------------------------------------------------------------------------------------------
// Example (a): 2018-01..2022-12 at base 6,000 yuan, Shanghai -> Anhui on 2023-03-15.
//
// A man born 1993-06-15 (aged 29 on the transfer date, so no temporary account whatever the
// province; his hukou is in Anhui, the destination, anyway).
//   months: 2018-01..2022-12 = 5 x 12 = 60, all credited.
//   pooled: 12 % x (60 x 600,000) = 0.12 x 36,000,000 = 4,320,000 fen.
//   IA: personal 8 % x 600,000 = 48,000 fen a month, 12 x 48,000 = 576,000 fen a year.
//   2023 is open and has no credits, so the IA moved is balance_2022:
//   2018: 0 + 576,000 x 1.04489035                         =   601,856.8416 -> 601,857
//   2019: 601,857 x 1.0761 = 647,658.3177
//         + 576,000 x 1.04120815 = 599,735.8944           = 1,247,394.2121 -> 1,247,394
//   2020: 1,247,394 x 1.0604 = 1,322,736.5976
//         + 576,000 x 1.03270660 = 594,839.0016           = 1,917,575.5992 -> 1,917,576
//   2021: 1,917,576 x 1.0669 = 2,045,861.8344
//         + 576,000 x 1.03622635 = 596,866.3776           = 2,642,728.2120 -> 2,642,728
//   2022: 2,642,728 x 1.0612 = 2,804,462.9536
//         + 576,000 x 1.03313980 = 595,088.5248           = 3,399,551.4784 -> 3,399,551
//   principal 60 x 48,000 = 2,880,000; interest 3,399,551 - 2,880,000 = 519,551.
// ------------------------------------------------------------------------------------------
constexpr SchemeId kUebpiShanghai = Scheme(SchemeKind::kUebpi, 310000);
constexpr SchemeId kUebpiAnhui = Scheme(SchemeKind::kUebpi, 340000);
constexpr Date kDateA{2023, 3, 15};
constexpr int64_t kIaA = 3'399'551;
constexpr int64_t kPooledA = 4'320'000;

HistoryBuilder ExampleA() {
  HistoryBuilder b(PersonIdFor("340102", 1993, 6, 15, /*male=*/true));
  b.Enrol("UEBPI-310000", "2018-01-02", "340102", kMale)
      .Contributions("UEBPI-310000", "2018-01", "2022-12", 600'000, 48'000, 96'000)
      .Enrol("UEBPI-340000", "2023-03-01", "340102", kMale);
  return b;
}

// The figures a plan should have, all by hand.
struct ExpectedFigures {
  std::vector<std::string> credited = {};
  std::vector<std::string> not_converted = {};
  std::vector<std::string> overlapping = {};
  int64_t individual_account_fen = 0;
  int64_t pooled_fen = 0;
  int64_t refund_fen = 0;
  bool temporary_account = false;
  int32_t waiting_months = 0;
};

void ExpectFigures(const v1::TransferFigures& f, const ExpectedFigures& e) {
  EXPECT_EQ(RangesText(f.months_credited()), e.credited);
  EXPECT_EQ(RangesText(f.months_not_converted()), e.not_converted);
  EXPECT_EQ(RangesText(f.months_overlapping()), e.overlapping);
  EXPECT_EQ(f.individual_account_fen(), e.individual_account_fen);
  EXPECT_EQ(f.pooled_fen(), e.pooled_fen);
  EXPECT_EQ(f.refund_fen(), e.refund_fen);
  EXPECT_EQ(f.temporary_account(), e.temporary_account);
  EXPECT_EQ(f.waiting_months(), e.waiting_months);
}

TEST(TransferRulesEmployeePensionTest, ExampleAMovesSixtyMonthsPooledTwelvePercentAndTheIa) {
  const HistoryBuilder a = ExampleA();
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures f,
                       PlanTransfer(DefaultRules(), a.person_id(), a.history(),
                                    Request(kUebpiShanghai, kUebpiAnhui, kDateA)));
  ExpectFigures(f, {.credited = {"2018-01..2022-12"},
                    .individual_account_fen = 3'399'551,
                    .pooled_fen = 4'320'000});
  EXPECT_EQ(f.months_rule_id(), kGuobanfa);
  EXPECT_EQ(f.pooled_rule_id(), kGuobanfa);
  // The amount comes from the crediting rule and moves under Guobanfa art. 4(1): either id is a
  // fair label (the brief does not fix which).
  EXPECT_THAT(f.individual_account_rule_id(), AnyOf(kGuobanfa, kCrediting));
}

TEST(TransferRulesCreditingTest, ExampleASourceAccountSplitsPrincipalAndInterest) {
  const HistoryBuilder a = ExampleA();
  ASSERT_OK_AND_ASSIGN(
      const Entitlement e,
      ComputeEntitlement(DefaultRules(), a.person_id(), a.history(), kUebpiShanghai, kDateA));
  EXPECT_EQ(e.months_own, 60);
  EXPECT_EQ(e.months_total, 60);
  ASSERT_EQ(e.months.size(), 60u);
  EXPECT_EQ(e.months.front(), Month(2018, 1));
  EXPECT_EQ(e.months.back(), Month(2022, 12));
  EXPECT_EQ(e.account_principal_fen, 2'880'000);  // 60 x 48,000
  EXPECT_EQ(e.account_interest_fen, 519'551);     // 3,399,551 - 2,880,000
  EXPECT_EQ(e.account_balance_fen, kIaA);
  EXPECT_EQ(e.account_rule_id, kCrediting);
  EXPECT_EQ(e.hukou_region, 340102);
}

// ------------------------------------------------------------------------------------------
// Example (b): a record from 1996, 1996-01..1999-12 at base 2,000 yuan (200,000 fen), moved
// Shanghai -> Jiangsu on 2010-06-15 by a man born 1975-04-02 (aged 35).
//   personal part: 1996 3 % = 6,000; 1997 4 % = 8,000; 1998-1999 5 % = 10,000 fen a month.
//   months: 48 (1996-01..1999-12), all credited; the 24 pre-1998 months count.
//   pooled: only 1998-01 on: 12 % x (24 x 200,000) = 0.12 x 4,800,000 = 576,000 fen.
//   IA, all years at the default 3.5 % (factors 1.035 and 1.0189525); 2010 is open:
//   1996: 12 x 6,000 = 72,000 x 1.0189525                       =  73,364.58   ->  73,365
//   1997: 73,365 x 1.035 = 75,932.775 + 96,000 x 1.0189525 = 97,819.44
//                                                               = 173,752.215  -> 173,752
//   1998: 173,752 x 1.035 = 179,833.32 + 120,000 x 1.0189525 = 122,274.30
//                                                               = 302,107.62   -> 302,108
//   1999: 302,108 x 1.035 = 312,681.78 + 122,274.30             = 434,956.08   -> 434,956
//   2000: 434,956 x 1.035 = 450,179.46  -> 450,179
//   2001: 450,179 x 1.035 = 465,935.265 -> 465,935
//   2002: 465,935 x 1.035 = 482,242.725 -> 482,243
//   2003: 482,243 x 1.035 = 499,121.505 -> 499,122
//   2004: 499,122 x 1.035 = 516,591.27  -> 516,591
//   2005: 516,591 x 1.035 = 534,671.685 -> 534,672
//   2006: 534,672 x 1.035 = 553,385.52  -> 553,386
//   2007: 553,386 x 1.035 = 572,754.51  -> 572,755
//   2008: 572,755 x 1.035 = 592,801.425 -> 592,801
//   2009: 592,801 x 1.035 = 613,549.035 -> 613,549
//   principal 72,000 + 96,000 + 120,000 + 120,000 = 408,000; interest 205,549.
// ------------------------------------------------------------------------------------------
constexpr SchemeId kUebpiJiangsu = Scheme(SchemeKind::kUebpi, 320000);
constexpr Date kDateB{2010, 6, 15};

HistoryBuilder ExampleB() {
  HistoryBuilder b(PersonIdFor("310104", 1975, 4, 2, /*male=*/true));
  b.Enrol("UEBPI-310000", "1996-01-02", "310104", kMale)
      .Contributions("UEBPI-310000", "1996-01", "1996-12", 200'000, 6'000, 40'000)
      .Contributions("UEBPI-310000", "1997-01", "1997-12", 200'000, 8'000, 40'000)
      .Contributions("UEBPI-310000", "1998-01", "1999-12", 200'000, 10'000, 40'000)
      .Enrol("UEBPI-320000", "2010-06-01", "310104", kMale);
  return b;
}

TEST(TransferRulesEmployeePensionTest, ExampleBPre1998MonthsCountButMoveNoPooledMoney) {
  const HistoryBuilder b = ExampleB();
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures f,
                       PlanTransfer(DefaultRules(), b.person_id(), b.history(),
                                    Request(kUebpiShanghai, kUebpiJiangsu, kDateB)));
  ExpectFigures(
      f,
      {.credited = {"1996-01..1999-12"}, .individual_account_fen = 613'549, .pooled_fen = 576'000});
  EXPECT_EQ(f.months_rule_id(), kGuobanfa);
  EXPECT_EQ(f.pooled_rule_id(), kGuobanfa);
}

TEST(TransferRulesCreditingTest, ExampleBYearsBefore2016UseTheDefaultRate) {
  const HistoryBuilder b = ExampleB();
  ASSERT_OK_AND_ASSIGN(
      const Entitlement e,
      ComputeEntitlement(DefaultRules(), b.person_id(), b.history(), kUebpiShanghai, kDateB));
  EXPECT_EQ(e.months_total, 48);
  EXPECT_EQ(e.account_principal_fen, 408'000);
  EXPECT_EQ(e.account_interest_fen, 205'549);
  EXPECT_EQ(e.account_balance_fen, 613'549);
}

// Records that give only the base: the credit is derived per month and rounded per month.
//   base 300,005 fen, personal 0, as of 2010-03-01:
//   1997-12: before 1998 only the personal part counts -> credit 0 (the month still counts).
//   2005-07..2005-12: 11 % x 300,005 = 33,000.55 -> 33,001 a month; 6 x 33,001 = 198,006.
//   2006-01..2006-06:  8 % x 300,005 = 24,000.40 -> 24,000 a month; 6 x 24,000 = 144,000.
//   (Rounding once over the year would give 198,003 for 2005: a different answer.)
//   1997-2004: balance 0.
//   2005: 198,006 x 1.0189525 = 201,758.708715                          -> 201,759
//   2006: 201,759 x 1.035 = 208,820.565 + 144,000 x 1.0189525 = 146,729.16
//                                                 = 355,549.725          -> 355,550
//   2007: 355,550 x 1.035 = 367,994.25 -> 367,994
//   2008: 367,994 x 1.035 = 380,873.79 -> 380,874
//   2009: 380,874 x 1.035 = 394,204.59 -> 394,205
//   principal 198,006 + 144,000 = 342,006; interest 394,205 - 342,006 = 52,199.
TEST(TransferRulesCreditingTest, BaseOnlyRecordsCreditElevenThenEightPercentPerMonth) {
  HistoryBuilder b(PersonIdFor("310104", 1975, 4, 2, /*male=*/true));
  b.Enrol("UEBPI-310000", "1997-12-01", "310104", kMale)
      .Contributions("UEBPI-310000", "1997-12", "1997-12", 300'005, 0, 60'001)
      .Contributions("UEBPI-310000", "2005-07", "2006-06", 300'005, 0, 60'001);
  ASSERT_OK_AND_ASSIGN(const Entitlement e,
                       ComputeEntitlement(DefaultRules(), b.person_id(), b.history(),
                                          kUebpiShanghai, Date{2010, 3, 1}));
  EXPECT_EQ(e.months_own, 13);
  EXPECT_EQ(e.account_principal_fen, 342'006);
  EXPECT_EQ(e.account_interest_fen, 52'199);
  EXPECT_EQ(e.account_balance_fen, 394'205);
}

// The as_of year is open: its credits are principal without interest.
//   40,000 a month 2023-01..2024-06, as of 2024-09-30:
//   2023: 12 x 40,000 = 480,000 x 1.02149755 = 490,318.824 -> 490,319
//   2024 (open): + 6 x 40,000 = 240,000 -> balance 730,319; principal 720,000; interest 10,319.
TEST(TransferRulesCreditingTest, CurrentYearCreditsEarnNoInterestYet) {
  HistoryBuilder b(PersonIdFor("310104", 1990, 1, 1, /*male=*/true));
  b.Enrol("UEBPI-310000", "2023-01-03", "310104", kMale)
      .Contributions("UEBPI-310000", "2023-01", "2024-06", 500'000, 40'000, 80'000);
  ASSERT_OK_AND_ASSIGN(const Entitlement e,
                       ComputeEntitlement(DefaultRules(), b.person_id(), b.history(),
                                          kUebpiShanghai, Date{2024, 9, 30}));
  EXPECT_EQ(e.account_principal_fen, 720'000);
  EXPECT_EQ(e.account_interest_fen, 10'319);
  EXPECT_EQ(e.account_balance_fen, 730'319);
}

// Years after 2024 have no published rate: closed but without interest.
//   40,000 a month 2024-01..2025-12, as of 2026-03-01:
//   2024: 480,000 x 1.0141873 = 486,809.904 -> 486,810
//   2025 (closed, no rate): 486,810 + 480,000 = 966,810; principal 960,000; interest 6,810.
//   (The 3.5 % default must not be applied to 2025: that would give 1,003,707.)
TEST(TransferRulesCreditingTest, YearsWithoutAPublishedRateEarnNoInterest) {
  HistoryBuilder b(PersonIdFor("310104", 1990, 1, 1, /*male=*/true));
  b.Enrol("UEBPI-310000", "2024-01-02", "310104", kMale)
      .Contributions("UEBPI-310000", "2024-01", "2025-12", 500'000, 40'000, 80'000);
  ASSERT_OK_AND_ASSIGN(const Entitlement e,
                       ComputeEntitlement(DefaultRules(), b.person_id(), b.history(),
                                          kUebpiShanghai, Date{2026, 3, 1}));
  EXPECT_EQ(e.account_principal_fen, 960'000);
  EXPECT_EQ(e.account_interest_fen, 6'810);
  EXPECT_EQ(e.account_balance_fen, 966'810);
}

// ------------------------------------------------------------------------------------------
// Example (c): employee -> resident bridging with a refund for two fully overlapping years.
//
// A man born 1964-05-20: retirement age 60 (born before 1965-01, no delay), retirement month
// 2024-05; the transfer is on 2025-06-10, past it.
//   employee (UEBPI-310000): 2016-01..2020-12 = 60 months < 180 -> employee -> resident only.
//     base 5,000 yuan, personal 40,000 fen a month, 480,000 a year.
//   resident (URRBPI-310000): premiums 2019..2024, each personal 100,000 + collective 20,000 +
//     government 30,000.
//   overlap: 2019-01..2020-12 (24 months) count once, as employee months.
//   refund: 2019: round((100,000 + 20,000) x 12 / 12) = 120,000; 2020: 120,000; = 240,000.
//   months credited at the resident side: the 60 employee months; pooled 0.
//   IA moved (rule 1 balance on 2025-06-10; 2025 open, no 2025 credits):
//   2016: 480,000 x 1.04499865 = 501,599.352                             -> 501,599
//   2017: 501,599 x 1.0712 = 537,312.8488 + 480,000 x 1.0385548 = 498,506.304
//                                                    = 1,035,819.1528     -> 1,035,819
//   2018: 1,035,819 x 1.0829 = 1,121,688.3951 + 480,000 x 1.04489035 = 501,547.368
//                                                    = 1,623,235.7631     -> 1,623,236
//   2019: 1,623,236 x 1.0761 = 1,746,764.2596 + 480,000 x 1.04120815 = 499,779.912
//                                                    = 2,246,544.1716     -> 2,246,544
//   2020: 2,246,544 x 1.0604 = 2,382,235.2576 + 480,000 x 1.0327066 = 495,699.168
//                                                    = 2,877,934.4256     -> 2,877,934
//   2021: 2,877,934 x 1.0669 = 3,070,467.7846 -> 3,070,468
//   2022: 3,070,468 x 1.0612 = 3,258,380.6416 -> 3,258,381
//   2023: 3,258,381 x 1.0397 = 3,387,738.7257 -> 3,387,739
//   2024: 3,387,739 x 1.0262 = 3,476,497.7618 -> 3,476,498
// ------------------------------------------------------------------------------------------
constexpr SchemeId kUrrbpiShanghai = Scheme(SchemeKind::kUrrbpi, 310000);
constexpr Date kDateC{2025, 6, 10};
constexpr int64_t kIaC = 3'476'498;
constexpr int64_t kRefundC = 240'000;

HistoryBuilder ExampleC() {
  HistoryBuilder b(PersonIdFor("310104", 1964, 5, 20, /*male=*/true));
  b.Enrol("UEBPI-310000", "2016-01-04", "310104", kMale)
      .Contributions("UEBPI-310000", "2016-01", "2020-12", 500'000, 40'000, 80'000)
      .Enrol("URRBPI-310000", "2019-01-10", "310104", kMale);
  for (int32_t year = 2019; year <= 2024; ++year) {
    b.Premium("URRBPI-310000", year, 100'000, 20'000, 30'000);
  }
  return b;
}

TEST(TransferRulesBridgingTest, ExampleCEmployeeToResidentRefundsTwoOverlappingYears) {
  const HistoryBuilder c = ExampleC();
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures f,
                       PlanTransfer(DefaultRules(), c.person_id(), c.history(),
                                    Request(kUebpiShanghai, kUrrbpiShanghai, kDateC)));
  ExpectFigures(f, {.credited = {"2016-01..2020-12"},
                    .overlapping = {"2019-01..2020-12"},
                    .individual_account_fen = 3'476'498,
                    .pooled_fen = 0,
                    .refund_fen = 240'000});
  EXPECT_EQ(f.months_rule_id(), kBridging);
  EXPECT_EQ(f.refund_rule_id(), kBridging);
  EXPECT_THAT(f.individual_account_rule_id(), AnyOf(kBridging, kCrediting));
}

TEST(TransferRulesBridgingTest, ExampleCSourceIsPastRetirementWithTheCompoundedAccount) {
  const HistoryBuilder c = ExampleC();
  ASSERT_OK_AND_ASSIGN(
      const Entitlement e,
      ComputeEntitlement(DefaultRules(), c.person_id(), c.history(), kUebpiShanghai, kDateC));
  EXPECT_EQ(e.retirement_month, Month(2024, 5));  // 1964-05 + 60 years
  EXPECT_EQ(e.months_own, 60);
  EXPECT_EQ(e.account_principal_fen, 2'400'000);  // 60 x 40,000
  EXPECT_EQ(e.account_interest_fen, 1'076'498);   // 3,476,498 - 2,400,000
  EXPECT_EQ(e.account_balance_fen, kIaC);
}

// ------------------------------------------------------------------------------------------
// Example (d): resident -> employee with 180 employee months: resident months not converted.
//
// A man born 1964-03-10: retirement month 2024-03 (60, no delay); transfer 2025-05-20.
//   employee (UEBPI-310000): 2005-01..2019-12 = 15 x 12 = 180 months >= 180.
//   resident (URRBPI-310000): premiums 2020..2024, each 100,000 + 20,000 + 30,000 = 150,000.
//   No overlap: refund 0. Resident account (no interest): 5 x 150,000 = 750,000, all moved.
//   months credited: none; not converted: 2020-01..2024-12 (60 months). pooled 0.
// ------------------------------------------------------------------------------------------
constexpr Date kDateD{2025, 5, 20};

HistoryBuilder ExampleD(int32_t first_premium_year) {
  HistoryBuilder b(PersonIdFor("310104", 1964, 3, 10, /*male=*/true));
  b.Enrol("UEBPI-310000", "2005-01-04", "310104", kMale)
      .Contributions("UEBPI-310000", "2005-01", "2019-12", 300'000, 24'000, 60'000)
      .Enrol("URRBPI-310000", "2019-01-10", "310104", kMale);
  for (int32_t year = first_premium_year; year <= 2024; ++year) {
    b.Premium("URRBPI-310000", year, 100'000, 20'000, 30'000);
  }
  return b;
}

TEST(TransferRulesBridgingTest, ExampleDResidentToEmployeeConvertsNoMonths) {
  const HistoryBuilder d = ExampleD(2020);
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures f,
                       PlanTransfer(DefaultRules(), d.person_id(), d.history(),
                                    Request(kUrrbpiShanghai, kUebpiShanghai, kDateD)));
  ExpectFigures(f, {.not_converted = {"2020-01..2024-12"},
                    .individual_account_fen = 750'000,
                    .pooled_fen = 0,
                    .refund_fen = 0});
  EXPECT_EQ(f.months_rule_id(), kBridging);
}

// Same man with one more premium, for 2019, a year he also worked in full:
//   overlap 2019-01..2019-12; refund round((100,000 + 20,000) x 12 / 12) = 120,000, taken out
//   of the resident account: 6 x 150,000 - 120,000 = 780,000 moves. All 72 resident months
//   (2019-01..2024-12) are not converted: 0 credited + 72 not converted = the 72 months before.
TEST(TransferRulesBridgingTest, ExampleDOverlapRefundIsTakenOutOfTheResidentAccount) {
  const HistoryBuilder d = ExampleD(2019);
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures f,
                       PlanTransfer(DefaultRules(), d.person_id(), d.history(),
                                    Request(kUrrbpiShanghai, kUebpiShanghai, kDateD)));
  ExpectFigures(f, {.not_converted = {"2019-01..2024-12"},
                    .overlapping = {"2019-01..2019-12"},
                    .individual_account_fen = 780'000,
                    .pooled_fen = 0,
                    .refund_fen = 120'000});
  EXPECT_EQ(f.refund_rule_id(), kBridging);
}

// His employee record: 180 months, retirement 2024-03, minimum for a 2024 retirement 180: met.
TEST(TransferRulesBridgingTest, ExampleDEmployeeRecordMeetsTheMinimum) {
  const HistoryBuilder d = ExampleD(2020);
  ASSERT_OK_AND_ASSIGN(
      const Entitlement e,
      ComputeEntitlement(DefaultRules(), d.person_id(), d.history(), kUebpiShanghai, kDateD));
  EXPECT_EQ(e.months_total, 180);
  EXPECT_EQ(e.retirement_month, Month(2024, 3));
  EXPECT_EQ(e.minimum_months, 180);
  EXPECT_TRUE(e.minimum_met);
}

// ------------------------------------------------------------------------------------------
// Example (e): a partial-year overlap.
//
// A man born 1963-08-08 (retirement month 2023-08), transfer employee -> resident 2025-04-15.
//   employee: 2019-04..2019-09 (6 months < 180), 32,000 a month: 2019 credits 192,000.
//   resident premiums 2019 and 2020: personal 30,000 + collective 5,001 + government 20,000.
//   overlap: 2019-04..2019-09, 6 months of the 2019 premium (2020 has no employee month).
//   refund: round((30,000 + 5,001) x 6 / 12) = round(17,500.5) = 17,501 (half up).
//   IA: 2019: 192,000 x 1.04120815 = 199,911.9648 -> 199,912
//       2020: 199,912 x 1.0604 = 211,986.6848 -> 211,987
//       2021: 211,987 x 1.0669 = 226,168.9303 -> 226,169
//       2022: 226,169 x 1.0612 = 240,010.5428 -> 240,011
//       2023: 240,011 x 1.0397 = 249,539.4367 -> 249,539
//       2024: 249,539 x 1.0262 = 256,076.9218 -> 256,077   (2025 open)
// ------------------------------------------------------------------------------------------
constexpr Date kDateE{2025, 4, 15};

HistoryBuilder ExampleE() {
  HistoryBuilder b(PersonIdFor("310104", 1963, 8, 8, /*male=*/true));
  b.Enrol("UEBPI-310000", "2019-04-01", "310104", kMale)
      .Contributions("UEBPI-310000", "2019-04", "2019-09", 400'000, 32'000, 64'000)
      .Enrol("URRBPI-310000", "2019-01-10", "310104", kMale)
      .Premium("URRBPI-310000", 2019, 30'000, 5'001, 20'000)
      .Premium("URRBPI-310000", 2020, 30'000, 5'001, 20'000);
  return b;
}

TEST(TransferRulesBridgingTest, ExampleEPartialYearOverlapRefundsSixTwelfths) {
  const HistoryBuilder e = ExampleE();
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures f,
                       PlanTransfer(DefaultRules(), e.person_id(), e.history(),
                                    Request(kUebpiShanghai, kUrrbpiShanghai, kDateE)));
  ExpectFigures(f, {.credited = {"2019-04..2019-09"},
                    .overlapping = {"2019-04..2019-09"},
                    .individual_account_fen = 256'077,
                    .pooled_fen = 0,
                    .refund_fen = 17'501});
  EXPECT_EQ(f.refund_rule_id(), kBridging);
}

// ------------------------------------------------------------------------------------------
// Example (f): the temporary account (Guobanfa art. 5).
//
// Source Guangdong (UEBPI-440300), 2020-01..2022-12 at base 8,000 yuan, personal 64,000 a month
// (768,000 a year); hukou in Sichuan (510104). Normal figures on a 2023 date:
//   months 36; pooled 12 % x (36 x 800,000) = 0.12 x 28,800,000 = 3,456,000.
//   2020: 768,000 x 1.0327066 = 793,118.6688 -> 793,119
//   2021: 793,119 x 1.0669 = 846,178.6611 + 768,000 x 1.03622635 = 795,821.8368
//                                              = 1,642,000.4979 -> 1,642,000
//   2022: 1,642,000 x 1.0612 = 1,742,490.40 + 768,000 x 1.0331398 = 793,451.3664
//                                              = 2,535,941.7664 -> 2,535,942
// ------------------------------------------------------------------------------------------
constexpr SchemeId kUebpiShenzhen = Scheme(SchemeKind::kUebpi, 440300);
constexpr SchemeId kUebpiGuangzhou = Scheme(SchemeKind::kUebpi, 440100);
constexpr SchemeId kUebpiChengdu = Scheme(SchemeKind::kUebpi, 510100);

HistoryBuilder ExampleF(const std::string& person_id, v1::RetirementCategory category) {
  HistoryBuilder b(person_id);
  b.Enrol("UEBPI-440300", "2020-01-02", "510104", category)
      .Contributions("UEBPI-440300", "2020-01", "2022-12", 800'000, 64'000, 128'000);
  return b;
}

ExpectedFigures NormalF() {
  return {.credited = {"2020-01..2022-12"},
          .individual_account_fen = 2'535'942,
          .pooled_fen = 3'456'000};
}
// The relationship stays at the source: nothing moves.
ExpectedFigures TemporaryF() { return {.temporary_account = true}; }

// A man born 1970-02-14 is 53 on 2023-05-10.
std::string ManOver50() { return PersonIdFor("510104", 1970, 2, 14, /*male=*/true); }

TEST(TransferRulesTemporaryAccountTest, ExampleFManOver50ToANonHukouProvinceGetsOne) {
  const HistoryBuilder f = ExampleF(ManOver50(), kMale);
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures figures,
                       PlanTransfer(DefaultRules(), f.person_id(), f.history(),
                                    Request(kUebpiShenzhen, kUebpiShanghai, {2023, 5, 10})));
  ExpectFigures(figures, TemporaryF());
  EXPECT_EQ(figures.temporary_account_rule_id(), kGuobanfa);
}

TEST(TransferRulesTemporaryAccountTest, ExampleFOfficiallyApprovedMoveIsNormal) {
  const HistoryBuilder f = ExampleF(ManOver50(), kMale);
  TransferRequest request = Request(kUebpiShenzhen, kUebpiShanghai, {2023, 5, 10});
  request.officially_approved = true;
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures figures,
                       PlanTransfer(DefaultRules(), f.person_id(), f.history(), request));
  ExpectFigures(figures, NormalF());
}

TEST(TransferRulesTemporaryAccountTest, ExampleFMoveToTheHukouProvinceIsNormal) {
  const HistoryBuilder f = ExampleF(ManOver50(), kMale);
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures figures,
                       PlanTransfer(DefaultRules(), f.person_id(), f.history(),
                                    Request(kUebpiShenzhen, kUebpiChengdu, {2023, 5, 10})));
  ExpectFigures(figures, NormalF());
}

TEST(TransferRulesTemporaryAccountTest, MoveWithinTheSourceProvinceIsNormal) {
  // 440300 -> 440100: province 44 both sides, so the age limit does not apply.
  const HistoryBuilder f = ExampleF(ManOver50(), kMale);
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures figures,
                       PlanTransfer(DefaultRules(), f.person_id(), f.history(),
                                    Request(kUebpiShenzhen, kUebpiGuangzhou, {2023, 5, 10})));
  ExpectFigures(figures, NormalF());
}

TEST(TransferRulesTemporaryAccountTest, AgeLimitsStartOnTheBirthday) {
  // A man born 1973-05-10 is 49 on 2023-05-09 and 50 on 2023-05-10; a woman (female staff)
  // born 1983-05-10 is 39 and then 40. Both dates are in 2023, so the normal figures are those
  // above (closed years up to 2022).
  const std::string man = PersonIdFor("510104", 1973, 5, 10, /*male=*/true);
  const std::string woman = PersonIdFor("510104", 1983, 5, 10, /*male=*/false);
  const struct {
    const std::string* person_id;
    v1::RetirementCategory category;
    Date date;
    bool temporary;
  } cases[] = {
      {&man, kMale, {2023, 5, 9}, false},
      {&man, kMale, {2023, 5, 10}, true},
      {&woman, kFemaleStaff, {2023, 5, 9}, false},
      {&woman, kFemaleStaff, {2023, 5, 10}, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(*c.person_id + " on " + std::to_string(c.date.day));
    const HistoryBuilder f = ExampleF(*c.person_id, c.category);
    ASSERT_OK_AND_ASSIGN(const v1::TransferFigures figures,
                         PlanTransfer(DefaultRules(), f.person_id(), f.history(),
                                      Request(kUebpiShenzhen, kUebpiShanghai, c.date)));
    ExpectFigures(figures, c.temporary ? TemporaryF() : NormalF());
  }
}

// ------------------------------------------------------------------------------------------
// Example (g): retirement ages (from 2025-01-01). Delay = min((birth - first) / step + 1, max)
// months for births from `first` on; retirement month = birth month + age.
//   men (60, first 1965-01, step 4, max 36):
//     1964-12: before first, 60y0m -> 2024-12.
//     1965-01: 0/4 + 1 = 1 -> 60y1m -> 2025-02.
//     1966-03: 14 months after; 14/4 + 1 = 3 + 1 = 4 -> 60y4m -> 2026-07.
//     1969-02: 49; 49/4 + 1 = 12 + 1 = 13 -> 61y1m -> 2030-03.
//     1970-05: 64; 64/4 + 1 = 17 -> 61y5m -> 2031-10.
//     1976-08: 139; 139/4 + 1 = 34 + 1 = 35 -> 62y11m -> 2039-07.
//     1976-09: 140; 140/4 + 1 = 36 -> 63y0m -> 2039-09 (the first at the maximum).
//     1990-01: 300/4 + 1 = 76, capped at 36 -> 63y0m -> 2053-01.
//   female staff (55, first 1970-01, step 4, max 36):
//     1969-12: 55y0m -> 2024-12.   1975-06: 65; 65/4 + 1 = 17 -> 56y5m -> 2031-11.
//     1981-09: 140; 140/4 + 1 = 36 -> 58y0m -> 2039-09.
//   female worker (50, first 1975-01, step 2, max 60):
//     1974-12: 50y0m -> 2024-12.   1975-01: 1 -> 50y1m -> 2025-02.
//     1980-03: 62; 62/2 + 1 = 32 -> 52y8m -> 2032-11.
//     1984-11: 118; 118/2 + 1 = 60 -> 55y0m -> 2039-11.
// Minimum months by retirement year: 180 up to 2029, then 180 + 6 x (year - 2029), at most 240:
//   2030: 186; 2031: 180 + 6 x (2031 - 2030 + 1) = 192; 2032: 198; 2039 and later: 240.
// A retirement month before 2025-01 falls under the rules in effect then (specs/rules:
// "retirement-age-1978" and "minimum-years-2011", both to 2024-12-31): the same 60/55/50 and 180
// months, with those ids; the 2025 rules apply from 2025-01-01.
// ------------------------------------------------------------------------------------------
TEST(TransferRulesRetirementTest, ExampleGRetirementMonthAndMinimumMonths) {
  const struct {
    v1::RetirementCategory category;
    int32_t birth_year;
    int32_t birth_month;
    int32_t retirement_month;
    int32_t minimum_months;
    bool before_2025 = false;  // retires under the 1978 age and the 2011 minimum
  } cases[] = {
      {kMale, 1964, 12, Month(2024, 12), 180, true},
      {kMale, 1965, 1, Month(2025, 2), 180},
      {kMale, 1966, 3, Month(2026, 7), 180},
      {kMale, 1969, 2, Month(2030, 3), 186},
      {kMale, 1970, 5, Month(2031, 10), 192},
      {kMale, 1976, 8, Month(2039, 7), 240},
      {kMale, 1976, 9, Month(2039, 9), 240},
      {kMale, 1990, 1, Month(2053, 1), 240},
      {kFemaleStaff, 1969, 12, Month(2024, 12), 180, true},
      {kFemaleStaff, 1975, 6, Month(2031, 11), 192},
      {kFemaleStaff, 1981, 9, Month(2039, 9), 240},
      {kFemaleWorker, 1974, 12, Month(2024, 12), 180, true},
      {kFemaleWorker, 1975, 1, Month(2025, 2), 180},
      {kFemaleWorker, 1980, 3, Month(2032, 11), 198},
      {kFemaleWorker, 1984, 11, Month(2039, 11), 240},
  };
  for (const auto& c : cases) {
    const std::string person_id =
        PersonIdFor("310104", c.birth_year, c.birth_month, 15, c.category == kMale);
    SCOPED_TRACE(person_id);
    HistoryBuilder b(person_id);
    b.Enrol("UEBPI-310000", "2020-07-01", "310104", c.category);
    ASSERT_OK_AND_ASSIGN(const Entitlement e,
                         ComputeEntitlement(DefaultRules(), person_id, b.history(), kUebpiShanghai,
                                            Date{2025, 7, 1}));
    EXPECT_EQ(e.retirement_category, c.category);
    EXPECT_EQ(e.retirement_month, c.retirement_month);
    EXPECT_EQ(e.retirement_rule_id, c.before_2025 ? "retirement-age-1978" : kRetirement);
    EXPECT_EQ(e.minimum_months, c.minimum_months);
    EXPECT_EQ(e.minimum_rule_id, c.before_2025 ? "minimum-years-2011" : kMinimumYears);
    EXPECT_FALSE(e.minimum_met);  // enrolled, nothing paid
  }
}

// ------------------------------------------------------------------------------------------
// Example (h): medical and housing provident fund.
//
// Employee medical (UEBMI-310000): 2023-01..2024-03 = 15 months, personal 10,000 a month:
//   medical IA = 15 x 10,000 = 150,000 (no interest), all moved; months add up.
//   gap = months strictly between the last paid month 2024-03 and the transfer month:
//     on 2024-07-10: 2024-04, -05, -06 = 3 -> no waiting;
//     on 2024-08-10: 2024-04..2024-07 = 4 -> the destination's waiting period (default 6;
//     Kunming 530100 is assumed not to have its own).
// ------------------------------------------------------------------------------------------
constexpr SchemeId kUebmiShanghai = Scheme(SchemeKind::kUebmi, 310000);
constexpr SchemeId kUebmiKunming = Scheme(SchemeKind::kUebmi, 530100);

HistoryBuilder ExampleH() {
  HistoryBuilder b(PersonIdFor("310104", 1990, 1, 1, /*male=*/true));
  b.Enrol("UEBMI-310000", "2023-01-03", "310104", kMale)
      .Contributions("UEBMI-310000", "2023-01", "2024-03", 500'000, 10'000, 45'000);
  return b;
}

TEST(TransferRulesMedicalTest, ExampleHGapOfThreeMonthsHasNoWaiting) {
  const HistoryBuilder h = ExampleH();
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures f,
                       PlanTransfer(DefaultRules(), h.person_id(), h.history(),
                                    Request(kUebmiShanghai, kUebmiKunming, {2024, 7, 10})));
  ExpectFigures(
      f,
      {.credited = {"2023-01..2024-03"}, .individual_account_fen = 150'000, .waiting_months = 0});
  EXPECT_EQ(f.months_rule_id(), kMedical);
}

TEST(TransferRulesMedicalTest, ExampleHGapOfFourMonthsWaitsSix) {
  const HistoryBuilder h = ExampleH();
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures f,
                       PlanTransfer(DefaultRules(), h.person_id(), h.history(),
                                    Request(kUebmiShanghai, kUebmiKunming, {2024, 8, 10})));
  ExpectFigures(
      f,
      {.credited = {"2023-01..2024-03"}, .individual_account_fen = 150'000, .waiting_months = 6});
  EXPECT_EQ(f.months_rule_id(), kMedical);
  EXPECT_EQ(f.waiting_rule_id(), kMedical);
}

// Resident medical: premiums 2022 and 2023 (24 months); no individual account.
//   transfer 2024-02-15: last paid 2023-12, gap = 2024-01 = 1 month -> no waiting.
TEST(TransferRulesMedicalTest, ResidentMedicalMonthsAddUp) {
  HistoryBuilder b(PersonIdFor("310104", 1990, 1, 1, /*male=*/true));
  b.Enrol("URRBMI-310000", "2022-01-03", "310104", kMale)
      .Premium("URRBMI-310000", 2022, 38'000, 0, 64'000)
      .Premium("URRBMI-310000", 2023, 38'000, 0, 64'000);
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures f,
                       PlanTransfer(DefaultRules(), b.person_id(), b.history(),
                                    Request(Scheme(SchemeKind::kUrrbmi, 310000),
                                            Scheme(SchemeKind::kUrrbmi, 320100), {2024, 2, 15})));
  ExpectFigures(f, {.credited = {"2022-01..2023-12"}, .waiting_months = 0});
  EXPECT_EQ(f.months_rule_id(), kMedical);
}

// HPF: 2021-01..2023-12 = 36 months, personal 70,000 + employer 70,000 = 140,000 a month:
//   balance 36 x 140,000 = 5,040,000 (no interest), all moved on 2024-02-01.
TEST(TransferRulesHpfTest, ExampleHWholeBalanceMoves) {
  HistoryBuilder b(PersonIdFor("310104", 1990, 1, 1, /*male=*/true));
  b.Enrol("HPF-310000", "2021-01-04", "310104", kMale)
      .Contributions("HPF-310000", "2021-01", "2023-12", 1'000'000, 70'000, 70'000);
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures f,
                       PlanTransfer(DefaultRules(), b.person_id(), b.history(),
                                    Request(Scheme(SchemeKind::kHpf, 310000),
                                            Scheme(SchemeKind::kHpf, 320100), {2024, 2, 1})));
  ExpectFigures(f, {.credited = {"2021-01..2023-12"}, .individual_account_fen = 5'040'000});
  EXPECT_EQ(f.months_rule_id(), kHpf);
  EXPECT_EQ(f.individual_account_rule_id(), kHpf);
}

// ------------------------------------------------------------------------------------------
// Example (i): refusals, each FAILED_PRECONDITION.
// ------------------------------------------------------------------------------------------
absl::StatusOr<v1::TransferFigures> Plan(const HistoryBuilder& b, const TransferRequest& r) {
  return PlanTransfer(DefaultRules(), b.person_id(), b.history(), r);
}

TEST(TransferRulesRefusalTest, BenefitAlreadyBeingDrawn) {
  HistoryBuilder a = ExampleA();
  a.Benefit("UEBPI-310000", "2023-01", 300'000);
  EXPECT_THAT(Plan(a, Request(kUebpiShanghai, kUebpiAnhui, kDateA)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(TransferRulesRefusalTest, TransferAlreadyPending) {
  HistoryBuilder a = ExampleA();
  a.TransferInitiated("UEBPI-310000", "tr-2023-001", "UEBPI-340000", "2023-02-01");
  EXPECT_THAT(Plan(a, Request(kUebpiShanghai, kUebpiAnhui, kDateA)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(TransferRulesRefusalTest, PendingTransferIsNotRefusedAsItsOwnObstacle) {
  HistoryBuilder a = ExampleA();
  a.TransferInitiated("UEBPI-310000", "tr-2023-001", "UEBPI-340000", "2023-02-01");
  TransferRequest request = Request(kUebpiShanghai, kUebpiAnhui, kDateA);
  request.transfer_id = "tr-2023-001";
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures f, Plan(a, request));
  EXPECT_EQ(f.individual_account_fen(), kIaA);
  EXPECT_EQ(f.pooled_fen(), kPooledA);
}

TEST(TransferRulesRefusalTest, VoidedTransferNoLongerBlocks) {
  HistoryBuilder a = ExampleA();
  a.TransferInitiated("UEBPI-310000", "tr-2023-001", "UEBPI-340000", "2023-02-01")
      .TransferVoided("UEBPI-310000", "tr-2023-001");
  ASSERT_OK_AND_ASSIGN(const v1::TransferFigures f,
                       Plan(a, Request(kUebpiShanghai, kUebpiAnhui, kDateA)));
  EXPECT_EQ(f.individual_account_fen(), kIaA);
  EXPECT_EQ(f.pooled_fen(), kPooledA);
}

TEST(TransferRulesRefusalTest, BridgingBeforeRetirementAge) {
  // Example (c)'s record for a man born 1970-05-10: he retires 2031-10, not yet on 2025-06-10.
  HistoryBuilder b(PersonIdFor("310104", 1970, 5, 10, /*male=*/true));
  b.Enrol("UEBPI-310000", "2016-01-04", "310104", kMale)
      .Contributions("UEBPI-310000", "2016-01", "2020-12", 500'000, 40'000, 80'000)
      .Enrol("URRBPI-310000", "2019-01-10", "310104", kMale)
      .Premium("URRBPI-310000", 2021, 100'000, 20'000, 30'000);
  EXPECT_THAT(Plan(b, Request(kUebpiShanghai, kUrrbpiShanghai, kDateC)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(TransferRulesRefusalTest, EmployeeToResidentWithAtLeast180EmployeeMonths) {
  EXPECT_THAT(Plan(ExampleD(2020), Request(kUebpiShanghai, kUrrbpiShanghai, kDateD)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(TransferRulesRefusalTest, ResidentToEmployeeWithFewerThan180EmployeeMonths) {
  EXPECT_THAT(Plan(ExampleC(), Request(kUrrbpiShanghai, kUebpiShanghai, kDateC)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(TransferRulesRefusalTest, NothingToTransfer) {
  HistoryBuilder b(PersonIdFor("340102", 1993, 6, 15, /*male=*/true));
  b.Enrol("UEBPI-310000", "2022-01-04", "340102", kMale);
  EXPECT_THAT(Plan(b, Request(kUebpiShanghai, kUebpiAnhui, kDateA)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(TransferRulesRefusalTest, UnsupportedSchemePairs) {
  HistoryBuilder mlg(PersonIdFor("310104", 1980, 1, 1, /*male=*/true));
  mlg.Enrol("MLG-310000", "2022-01-04", "310104", kMale)
      .MlgPayment("MLG-310000", "2022-01", 150'000)
      .MlgPayment("MLG-310000", "2022-02", 150'000);
  EXPECT_THAT(Plan(mlg, Request(Scheme(SchemeKind::kMlg, 310000), Scheme(SchemeKind::kMlg, 320000),
                                {2022, 6, 1})),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  const HistoryBuilder a = ExampleA();
  EXPECT_THAT(Plan(a, Request(kUebpiShanghai, Scheme(SchemeKind::kUebmi, 340000), kDateA)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Plan(a, Request(kUebpiShanghai, Scheme(SchemeKind::kHpf, 340000), kDateA)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// ------------------------------------------------------------------------------------------
// Example (j): VerifyTransfer on recorded transfers whose figures are the hand-computed ones.
// ------------------------------------------------------------------------------------------

// Rule ids are labels, not figures, and the brief does not fix every one (e.g. which id the
// individual account carries), so the recorded figures take them from the engine's plan. Every
// number and month range is still set by hand.
void CopyRuleIds(const v1::TransferFigures& from, v1::TransferFigures* to) {
  to->set_months_rule_id(from.months_rule_id());
  to->set_individual_account_rule_id(from.individual_account_rule_id());
  to->set_pooled_rule_id(from.pooled_rule_id());
  to->set_refund_rule_id(from.refund_rule_id());
  to->set_temporary_account_rule_id(from.temporary_account_rule_id());
  to->set_waiting_rule_id(from.waiting_rule_id());
}

// Example (a) as recorded: 2018-01..2022-12, IA 3,399,551, pooled 4,320,000.
v1::TransferFigures RecordedA(const HistoryBuilder& a) {
  v1::TransferFigures f;
  SetRanges(f.mutable_months_credited(), {{"2018-01", "2022-12"}});
  f.set_individual_account_fen(kIaA);
  f.set_pooled_fen(kPooledA);
  absl::StatusOr<v1::TransferFigures> plan = Plan(a, Request(kUebpiShanghai, kUebpiAnhui, kDateA));
  if (plan.ok()) CopyRuleIds(*plan, &f);
  return f;
}

// Example (c) as recorded: credited 2016-01..2020-12, overlapping 2019-01..2020-12,
// IA 3,476,498, refund 240,000.
v1::TransferFigures RecordedC(const HistoryBuilder& c) {
  v1::TransferFigures f;
  SetRanges(f.mutable_months_credited(), {{"2016-01", "2020-12"}});
  SetRanges(f.mutable_months_overlapping(), {{"2019-01", "2020-12"}});
  f.set_individual_account_fen(kIaC);
  f.set_refund_fen(kRefundC);
  absl::StatusOr<v1::TransferFigures> plan =
      Plan(c, Request(kUebpiShanghai, kUrrbpiShanghai, kDateC));
  if (plan.ok()) CopyRuleIds(*plan, &f);
  return f;
}

absl::StatusOr<std::vector<TransferFinding>> VerifyA(const v1::TransferFigures& out,
                                                     const v1::TransferFigures& in) {
  const HistoryBuilder a = ExampleA();
  return VerifyTransfer(DefaultRules(), a.person_id(), a.history(),
                        Request(kUebpiShanghai, kUebpiAnhui, kDateA), out, in);
}

absl::StatusOr<std::vector<TransferFinding>> VerifyC(const v1::TransferFigures& out,
                                                     const v1::TransferFigures& in) {
  const HistoryBuilder c = ExampleC();
  return VerifyTransfer(DefaultRules(), c.person_id(), c.history(),
                        Request(kUebpiShanghai, kUrrbpiShanghai, kDateC), out, in);
}

TEST(TransferRulesVerifyTest, ExampleARecordedCorrectlyHasNoFindings) {
  const v1::TransferFigures recorded = RecordedA(ExampleA());
  ASSERT_OK_AND_ASSIGN(const std::vector<TransferFinding> findings, VerifyA(recorded, recorded));
  EXPECT_TRUE(findings.empty()) << Describe(findings);
}

TEST(TransferRulesVerifyTest, ExampleAIaInOneFenShortIsFound) {
  const v1::TransferFigures out = RecordedA(ExampleA());
  v1::TransferFigures in = out;
  in.set_individual_account_fen(kIaA - 1);  // 3,399,550
  ASSERT_OK_AND_ASSIGN(const std::vector<TransferFinding> findings, VerifyA(out, in));
  EXPECT_FALSE(findings.empty());
}

TEST(TransferRulesVerifyTest, ExampleAIaOneFenOverOnBothSidesIsFound) {
  v1::TransferFigures recorded = RecordedA(ExampleA());
  recorded.set_individual_account_fen(kIaA + 1);  // 3,399,552: out = in, but not the rules
  ASSERT_OK_AND_ASSIGN(const std::vector<TransferFinding> findings, VerifyA(recorded, recorded));
  EXPECT_FALSE(findings.empty());
}

TEST(TransferRulesVerifyTest, ExampleADroppedCreditedMonthIsFound) {
  const v1::TransferFigures out = RecordedA(ExampleA());
  v1::TransferFigures in = out;
  SetRanges(in.mutable_months_credited(), {{"2018-01", "2022-11"}});  // 59 months, not 60
  ASSERT_OK_AND_ASSIGN(const std::vector<TransferFinding> findings, VerifyA(out, in));
  EXPECT_FALSE(findings.empty());
}

TEST(TransferRulesVerifyTest, ExampleAMonthDroppedOnBothSidesIsFound) {
  v1::TransferFigures recorded = RecordedA(ExampleA());
  // 2020-06 missing: 59 credited + 0 not converted != the 60 months before.
  SetRanges(recorded.mutable_months_credited(), {{"2018-01", "2020-05"}, {"2020-07", "2022-12"}});
  ASSERT_OK_AND_ASSIGN(const std::vector<TransferFinding> findings, VerifyA(recorded, recorded));
  // transfer_plan.h names this check.
  EXPECT_THAT(findings, Contains(Field(&TransferFinding::check, "months-not-conserved")))
      << Describe(findings);
}

TEST(TransferRulesVerifyTest, ExampleCRecordedCorrectlyHasNoFindings) {
  const v1::TransferFigures recorded = RecordedC(ExampleC());
  ASSERT_OK_AND_ASSIGN(const std::vector<TransferFinding> findings, VerifyC(recorded, recorded));
  EXPECT_TRUE(findings.empty()) << Describe(findings);
}

TEST(TransferRulesVerifyTest, ExampleCWrongRefundInIsFound) {
  const v1::TransferFigures out = RecordedC(ExampleC());
  v1::TransferFigures in = out;
  in.set_refund_fen(kRefundC + 1);  // 240,001
  ASSERT_OK_AND_ASSIGN(const std::vector<TransferFinding> findings, VerifyC(out, in));
  EXPECT_FALSE(findings.empty());
}

TEST(TransferRulesVerifyTest, ExampleCWrongRefundOnBothSidesIsFound) {
  v1::TransferFigures recorded = RecordedC(ExampleC());
  // Refunding the whole 2019 and 2020 premiums, government subsidy included:
  // 2 x (100,000 + 20,000 + 30,000) = 300,000 instead of 240,000.
  recorded.set_refund_fen(300'000);
  ASSERT_OK_AND_ASSIGN(const std::vector<TransferFinding> findings, VerifyC(recorded, recorded));
  EXPECT_FALSE(findings.empty());
}

}  // namespace
}  // namespace pbl::ledger
