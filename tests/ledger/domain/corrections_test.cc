// The check a correction gets at append (ledger/domain/corrections.h), with amounts worked by hand.
#include "ledger/domain/corrections.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace pbl::ledger {
namespace {

using ::pbl::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kPerson[] = "11010519491231002X";
constexpr char kScheme[] = "UEBPI-110000";

HistoryEntry At(uint64_t index, v1::Entry e) {
  e.set_person_id(kPerson);
  e.set_scheme_id(kScheme);
  return HistoryEntry{index, std::move(e), 0};
}

v1::Entry Contribution(int64_t base, int64_t personal, int64_t employer) {
  v1::Entry e;
  v1::MonthlyContribution* c = e.mutable_monthly_contribution();
  c->set_period("2020-01");
  c->set_base_fen(base);
  c->set_personal_fen(personal);
  c->set_employer_fen(employer);
  return e;
}

v1::Entry Premium(int64_t personal, int64_t collective, int64_t government) {
  v1::Entry e;
  v1::AnnualPremium* p = e.mutable_annual_premium();
  p->set_year(2020);
  p->set_personal_fen(personal);
  p->set_collective_subsidy_fen(collective);
  p->set_government_subsidy_fen(government);
  return e;
}

// A correction of `index` with the deltas in the order of the target's amounts.
v1::Entry Fix(uint64_t index, int64_t base, int64_t personal, int64_t employer) {
  v1::Entry e;
  e.set_person_id(kPerson);
  e.set_scheme_id(kScheme);
  v1::Correction* c = e.mutable_correction();
  c->set_corrects_index(index);
  c->set_reason("test");
  c->set_base_delta_fen(base);
  c->set_personal_delta_fen(personal);
  c->set_employer_delta_fen(employer);
  return e;
}

class CorrectionsTest : public ::testing::Test {
 protected:
  // 10: enrolment; 11: a month of base 500,000 (40,000 personal, 80,000 employer); 12: a premium
  // of 20,000 personal, 5,000 collective, 30,000 government; 13: a correction of 11 taking
  // 10,000 off the base and 800 off the personal part.
  History history_ = {
      At(10,
         [] {
           v1::Entry e;
           e.mutable_enrolment()->set_date("2020-01-01");
           return e;
         }()),
      At(11, Contribution(500'000, 40'000, 80'000)),
      At(12, Premium(20'000, 5'000, 30'000)),
      At(13, Fix(11, -10'000, -800, 0)),
  };
};

TEST_F(CorrectionsTest, AContributionMayBeCorrectedDownToExactlyZero) {
  // After 13 the month stands at 490,000 / 39,200 / 80,000.
  EXPECT_OK(CheckCorrection(history_, Fix(11, -490'000, -39'200, -80'000)));
  EXPECT_OK(CheckCorrection(history_, Fix(11, 1'000, 80, 160)));
}

TEST_F(CorrectionsTest, NoAmountMayGoBelowZeroCountingEveryEarlierCorrection) {
  EXPECT_THAT(CheckCorrection(history_, Fix(11, -490'001, 0, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base_fen would be below 0")));
  // 40,000 - 800 = 39,200 left: 39,201 more is one fen too many.
  EXPECT_THAT(
      CheckCorrection(history_, Fix(11, 0, -39'201, 0)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("personal_fen would be below 0")));
  EXPECT_THAT(
      CheckCorrection(history_, Fix(11, 0, 0, -80'001)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("employer_fen would be below 0")));
}

TEST_F(CorrectionsTest, APremiumIsCorrectedInItsOwnAmountsOnly) {
  v1::Entry fix = Fix(12, 0, -20'000, 0);
  fix.mutable_correction()->set_collective_subsidy_delta_fen(-5'000);
  fix.mutable_correction()->set_government_subsidy_delta_fen(-30'000);
  EXPECT_OK(CheckCorrection(history_, fix));
  fix.mutable_correction()->set_government_subsidy_delta_fen(-30'001);
  EXPECT_THAT(CheckCorrection(history_, fix),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("government_subsidy_fen would be below 0")));
  EXPECT_THAT(CheckCorrection(history_, Fix(12, -1, 0, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("correction.base_delta_fen: must be 0")));
  v1::Entry subsidy_on_month = Fix(11, 0, 0, 0);
  subsidy_on_month.mutable_correction()->set_collective_subsidy_delta_fen(1);
  EXPECT_THAT(CheckCorrection(history_, subsidy_on_month),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("correction.collective_subsidy_delta_fen: must be 0")));
}

TEST_F(CorrectionsTest, TheTargetMustBeAnEarlierContributionOrPremiumOfThisPersonAndScheme) {
  EXPECT_THAT(CheckCorrection(history_, Fix(999'999'999, 0, -1, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("correction.corrects_index: 999999999 is not an entry")));
  EXPECT_THAT(CheckCorrection(history_, Fix(10, 0, -1, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a monthly contribution or annual premium")));
  EXPECT_THAT(CheckCorrection(history_, Fix(13, 0, -1, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a monthly contribution or annual premium")));
  v1::Entry other_scheme = Fix(11, 0, -1, 0);
  other_scheme.set_scheme_id("UEBPI-310000");
  EXPECT_THAT(CheckCorrection(history_, other_scheme),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not an entry")));
  v1::Entry other_person = Fix(11, 0, -1, 0);
  other_person.set_person_id("110105194912310037");
  EXPECT_THAT(CheckCorrection(history_, other_person),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not an entry")));
}

TEST_F(CorrectionsTest, AmountsMayNotRiseAboveWhatAnEntryCouldHold) {
  EXPECT_THAT(CheckCorrection(history_, Fix(11, 10'000'000'000, 0, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("would be above")));
}

}  // namespace
}  // namespace pbl::ledger
