// The month count (ledger/domain/months.h) that the entitlement and `pbl history` share: paid
// months after corrections, premium years whole, months in and out by transfers.
#include "ledger/domain/months.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "ledger/domain/calendar.h"
#include "pbl/v1/entry.pb.h"
#include "tests/testing/status_matchers.h"

namespace pbl::ledger {
namespace {

using ::pbl::testing::StatusIs;

v1::Entry Contribution(const std::string& period, int64_t base_fen) {
  v1::Entry e;
  v1::MonthlyContribution* c = e.mutable_monthly_contribution();
  c->set_period(period);
  c->set_base_fen(base_fen);
  c->set_personal_fen(base_fen * 8 / 100);
  c->set_employer_fen(base_fen * 16 / 100);
  return e;
}

v1::Entry Premium(int32_t year, int64_t personal_fen) {
  v1::Entry e;
  e.mutable_annual_premium()->set_year(year);
  e.mutable_annual_premium()->set_personal_fen(personal_fen);
  return e;
}

v1::Entry Correction(int64_t base_delta_fen, int64_t personal_delta_fen) {
  v1::Entry e;
  e.mutable_correction()->set_base_delta_fen(base_delta_fen);
  e.mutable_correction()->set_personal_delta_fen(personal_delta_fen);
  e.mutable_correction()->set_reason("test");
  return e;
}

void AddRange(google::protobuf::RepeatedPtrField<v1::MonthRange>* ranges, const char* first,
              const char* last) {
  v1::MonthRange* r = ranges->Add();
  r->set_first(first);
  r->set_last(last);
}

int32_t M(int32_t year, int32_t month) { return MonthIndex(year, month); }

TEST(MonthTallyTest, AMonthCorrectedToZeroNoLongerCountsAndOneBelowZeroDoesNot) {
  MonthTally tally;
  const v1::Entry jan = Contribution("2020-01", 500'000);
  const v1::Entry feb = Contribution("2020-02", 500'000);
  ASSERT_OK(tally.Add(jan));
  ASSERT_OK(tally.Add(feb));
  ASSERT_OK(tally.Add(Contribution("2020-03", 500'000)));
  ASSERT_OK(tally.Add(Correction(-500'000, -40'000), &jan));  // January to zero, but employer
  ASSERT_OK(tally.Add(Correction(0, 0), nullptr));            // corrects nothing here
  ASSERT_OK(tally.Add(Correction(-600'000, 0), &feb));        // February below zero
  EXPECT_EQ(tally.Months().paid, (std::set<int32_t>{M(2020, 1), M(2020, 3)}));
  EXPECT_EQ(tally.month_amounts().at(M(2020, 1)).base_fen, 0);
  EXPECT_EQ(tally.month_amounts().at(M(2020, 1)).employer_fen, 80'000);
  EXPECT_EQ(AmountsSign(tally.month_amounts().at(M(2020, 2))), -1);

  v1::Entry employer_too = Correction(0, 0);
  employer_too.mutable_correction()->set_employer_delta_fen(-80'000);
  ASSERT_OK(tally.Add(employer_too, &jan));
  EXPECT_EQ(AmountsSign(tally.month_amounts().at(M(2020, 1))), 0);
  EXPECT_EQ(tally.Months().paid, (std::set<int32_t>{M(2020, 3)}));
}

TEST(MonthTallyTest, APremiumYearCountsTwelveMonthsUntilCorrectedAway) {
  MonthTally tally;
  const v1::Entry premium = Premium(2019, 100'000);
  ASSERT_OK(tally.Add(premium));
  EXPECT_EQ(tally.Months().paid.size(), 12u);
  EXPECT_EQ(*tally.Months().paid.begin(), M(2019, 1));
  EXPECT_EQ(*tally.Months().paid.rbegin(), M(2019, 12));
  ASSERT_OK(tally.Add(Correction(0, -100'000), &premium));
  EXPECT_TRUE(tally.Months().paid.empty());
  EXPECT_EQ(tally.premiums().at(2019).personal_fen, 0);
}

TEST(MonthTallyTest, TransfersCreditMonthsInAndMoveMonthsOut) {
  MonthTally tally;
  ASSERT_OK(tally.Add(Contribution("2020-01", 500'000)));
  ASSERT_OK(tally.Add(Contribution("2020-02", 500'000)));
  v1::Entry in;
  AddRange(in.mutable_transfer_in()->mutable_figures()->mutable_months_credited(), "2019-11",
           "2019-12");
  ASSERT_OK(tally.Add(in));
  v1::Entry out;
  AddRange(out.mutable_transfer_out()->mutable_figures()->mutable_months_credited(), "2019-12",
           "2020-01");
  AddRange(out.mutable_transfer_out()->mutable_figures()->mutable_months_not_converted(), "2021-05",
           "2021-05");  // never here: not moved out of this scheme
  ASSERT_OK(tally.Add(out));
  const SchemeMonths months = tally.Months();
  EXPECT_EQ(months.Mark(M(2019, 11)), MonthMark::kCredited);
  EXPECT_EQ(months.Mark(M(2019, 12)), MonthMark::kTransferredOut);
  EXPECT_EQ(months.Mark(M(2020, 1)), MonthMark::kTransferredOut);
  EXPECT_EQ(months.Mark(M(2020, 2)), MonthMark::kPaid);
  EXPECT_EQ(months.Mark(M(2021, 5)), MonthMark::kNone);
  EXPECT_EQ(months.Counted(), (std::set<int32_t>{M(2019, 11), M(2020, 2)}));
  EXPECT_EQ(months.MovedOut(), (std::set<int32_t>{M(2019, 12), M(2020, 1)}));
  EXPECT_EQ(months.CountIn(M(2019, 1), M(2019, 12)), 1);
  EXPECT_EQ(months.CountIn(M(2020, 1), M(2020, 12)), 1);
}

TEST(MonthTallyTest, MonthsAndRangesThatDoNotParseAreRefused) {
  MonthTally tally;
  EXPECT_THAT(tally.Add(Contribution("2020-13", 500'000)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  v1::Entry in;
  AddRange(in.mutable_transfer_in()->mutable_figures()->mutable_months_credited(), "2019-11",
           "2019-1");
  EXPECT_THAT(tally.Add(in), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(tally.Months().paid.empty());
}

}  // namespace
}  // namespace pbl::ledger
