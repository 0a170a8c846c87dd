#include "ledger/domain/retirement.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace pbl::ledger {
namespace {

using ::pbl::testing::StatusIs;

struct Case {
  Date birth;
  v1::RetirementCategory category;
  const char* retire;  // YYYY-MM
  int age_months;
  int minimum_months;
  const char* rule;
};

// The published end points of the 2024 decision (DOMAIN.md 1e), and its boundaries: the first
// delayed birth month and the last month before it, and the birth month where the delay stops.
TEST(RetirementTest, StatutoryAgesFollowTheScheduleOfThe2024Decision) {
  constexpr auto kMale = v1::RETIREMENT_CATEGORY_MALE;
  constexpr auto kStaff = v1::RETIREMENT_CATEGORY_FEMALE_STAFF;
  constexpr auto kWorker = v1::RETIREMENT_CATEGORY_FEMALE_WORKER;
  const Case cases[] = {
      {{1964, 12, 31}, kMale, "2024-12", 720, 180, "retirement-age-1978"},
      {{1965, 1, 1}, kMale, "2025-02", 721, 180, "retirement-age-2025"},
      {{1965, 4, 30}, kMale, "2025-05", 721, 180, "retirement-age-2025"},
      {{1965, 5, 1}, kMale, "2025-07", 722, 180, "retirement-age-2025"},
      {{1966, 3, 10}, kMale, "2026-07", 724, 180, "retirement-age-2025"},
      {{1970, 5, 10}, kMale, "2031-10", 737, 192, "retirement-age-2025"},
      {{1976, 8, 10}, kMale, "2039-07", 755, 240, "retirement-age-2025"},
      {{1976, 9, 10}, kMale, "2039-09", 756, 240, "retirement-age-2025"},
      {{1990, 1, 10}, kMale, "2053-01", 756, 240, "retirement-age-2025"},
      {{1969, 12, 1}, kStaff, "2024-12", 660, 180, "retirement-age-1978"},
      {{1981, 9, 1}, kStaff, "2039-09", 696, 240, "retirement-age-2025"},
      {{1974, 12, 1}, kWorker, "2024-12", 600, 180, "retirement-age-1978"},
      {{1975, 1, 1}, kWorker, "2025-02", 601, 180, "retirement-age-2025"},
      {{1975, 3, 1}, kWorker, "2025-05", 602, 180, "retirement-age-2025"},
      {{1984, 11, 1}, kWorker, "2039-11", 660, 240, "retirement-age-2025"},
      {{1980, 1, 1}, kWorker, "2032-08", 631, 198, "retirement-age-2025"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(FormatDate(c.birth));
    ASSERT_OK_AND_ASSIGN(const Retirement r,
                         ComputeRetirement(DefaultRules(), c.birth, c.category));
    EXPECT_EQ(FormatMonth(r.month), c.retire);
    EXPECT_EQ(r.age_months, c.age_months);
    EXPECT_EQ(r.minimum_months, c.minimum_months);
    EXPECT_EQ(r.rule_id, c.rule);
  }
}

TEST(RetirementTest, UnspecifiedCategoryIsRefused) {
  EXPECT_THAT(
      ComputeRetirement(DefaultRules(), Date{1970, 1, 1}, v1::RETIREMENT_CATEGORY_UNSPECIFIED),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace pbl::ledger
