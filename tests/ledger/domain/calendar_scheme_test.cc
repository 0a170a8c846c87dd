#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ledger/domain/calendar.h"
#include "ledger/domain/person_id.h"
#include "ledger/domain/scheme.h"
#include "tests/testing/entries.h"
#include "tests/testing/status_matchers.h"

namespace pbl::ledger {
namespace {

using ::pbl::testing::StatusIs;
using ::testing::HasSubstr;

TEST(CalendarTest, MonthsRoundTripAndCountAsIntegers) {
  ASSERT_OK_AND_ASSIGN(const int32_t m, ParseMonth("1998-01"));
  EXPECT_EQ(m, 1998 * 12);
  EXPECT_EQ(FormatMonth(m), "1998-01");
  EXPECT_EQ(FormatMonth(m - 1), "1997-12");
  EXPECT_EQ(YearOfMonth(m + 11), 1998);
  EXPECT_EQ(MonthOfYear(m + 11), 12);
  ASSERT_OK_AND_ASSIGN(const int32_t later, ParseMonth("2022-12"));
  EXPECT_EQ(later - m + 1, 300);  // 25 years of months
}

TEST(CalendarTest, MalformedMonthsAreRefusedNamingTheField) {
  for (const char* bad : {"", "1998-1", "1998-13", "1998-00", "98-01", "1998/01", "1899-12",
                          "2200-01", "1998-01-01", "１９９８-01"}) {
    EXPECT_THAT(ParseMonth(bad, "period"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("period")))
        << bad;
  }
}

TEST(CalendarTest, DatesMustBeReal) {
  EXPECT_OK(ParseDate("2024-02-29").status());
  EXPECT_OK(ParseDate("2000-02-29").status());
  for (const char* bad : {"2023-02-29", "1900-02-29", "2024-04-31", "2024-00-10", "2024-1-10",
                          "2024-01-32", "20240110"}) {
    EXPECT_THAT(ParseDate(bad, "enrolment.date"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("enrolment.date")))
        << bad;
  }
}

TEST(CalendarTest, AgeCountsTheBirthdayItself) {
  const Date birth{1970, 5, 20};
  EXPECT_EQ(AgeInYears(birth, Date{2020, 5, 19}), 49);
  EXPECT_EQ(AgeInYears(birth, Date{2020, 5, 20}), 50);
  EXPECT_EQ(AgeInYears(birth, Date{2020, 12, 1}), 50);
}

TEST(CalendarTest, UnixMillisecondsToCivilDate) {
  EXPECT_EQ(DateFromUnixMs(0), (Date{1970, 1, 1}));
  EXPECT_EQ(DateFromUnixMs(951'782'400'000), (Date{2000, 2, 29}));
  EXPECT_EQ(DateFromUnixMs(1'735'689'599'999), (Date{2024, 12, 31}));
  EXPECT_EQ(DateFromUnixMs(-1), (Date{1969, 12, 31}));
}

TEST(SchemeIdTest, ParsesKindAndRegion) {
  ASSERT_OK_AND_ASSIGN(const SchemeId s, ParseSchemeId("URRBPI-340100"));
  EXPECT_EQ(s.kind, SchemeKind::kUrrbpi);
  EXPECT_EQ(s.region, 340100);
  EXPECT_EQ(s.Province(), 34);
  EXPECT_EQ(s.ToString(), "URRBPI-340100");
  EXPECT_TRUE(TakesAnnualPremiums(s.kind));
  EXPECT_TRUE(TakesMonthlyContributions(SchemeKind::kHpf));
}

TEST(SchemeIdTest, RefusesUnknownKindsAndRegions) {
  for (const char* bad : {"", "UEBPI", "UEBPI-", "UEBPI-31000", "UEBPI-3100000", "uebpi-310000",
                          "PENSION-310000", "UEBPI-990000", "UEBPI_310000", "UEBPI-31000a"}) {
    EXPECT_THAT(ParseSchemeId(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("scheme_id")))
        << bad;
  }
}

// The fuzzers found these overflowing int32 while the region was read (UBSan: signed integer
// overflow); tests/fuzz/regressions/*/scheme-id-region-overflow.
TEST(SchemeIdTest, RefusesLongRegionsWithoutOverflow) {
  for (const char* bad : {"UEBPI-31000031000031000031", "UEBPI-999999999999", "MLG-zzzzzzzzzzzz"}) {
    EXPECT_THAT(ParseSchemeId(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("scheme_id")))
        << bad;
  }
  EXPECT_THAT(ParseRegion("3100003100003100", "hukou_region"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hukou_region")));
}

TEST(PersonIdTest, BirthDateAndSexComeFromTheNumber) {
  // 17th digit odd: male.
  const std::string id = pbl::testing::PersonId(1);
  ASSERT_OK(ValidatePersonId(id));
  EXPECT_EQ(PersonBirthDate("11010519491231002X"), (Date{1949, 12, 31}));
  EXPECT_FALSE(PersonIsMale("11010519491231002X"));
  EXPECT_TRUE(PersonIsMale("110105194912310011"));
}

}  // namespace
}  // namespace pbl::ledger
