#include "ledger/domain/person_id.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/entries.h"
#include "tests/testing/status_matchers.h"

namespace pbl::ledger {
namespace {

using ::pbl::testing::StatusIs;
using ::testing::HasSubstr;

TEST(PersonIdTest, PublishedExampleWithCheckCharacterXIsValid) {
  // The example of GB 11643-1999: Beijing Chaoyang, born 1949-12-31, check character X.
  EXPECT_OK(ValidatePersonId("11010519491231002X"));
  EXPECT_EQ(PersonIdCheckCharacter("11010519491231002"), 'X');
}

TEST(PersonIdTest, LeapDayIsARealDate) { EXPECT_OK(ValidatePersonId("310104200002290014")); }

TEST(PersonIdTest, EachKindOfMistakeIsNamed) {
  const struct {
    const char* id;
    const char* why;
  } cases[] = {
      {"11010519491231002", "18 characters"},
      {"11010519491231002XX", "18 characters"},
      {"1101051949123100AX", "17 digits"},
      {"11010519491231002Y", "digit or X"},
      {"11010519491231002x", "digit or X"},
      {"110105194912310021", "check character is 1 but the first 17 digits give X"},
      {"990105194912310029", "province"},
      {"110105199902300020", "birth date 19990230"},
      {"110105190002290020", "birth date 19000229"},  // 1900 was not a leap year
      {"110105189912310020", "birth date"},
      {"110105194913310020", "birth date"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(ValidatePersonId(c.id),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.why)))
        << c.id;
  }
}

TEST(PersonIdTest, EverySingleDigitChangeIsCaught) {
  // MOD 11-2 catches every single substitution, so no typo in one digit passes.
  const std::string id = "11010519491231002X";
  for (size_t i = 0; i < 17; ++i) {
    for (char d = '0'; d <= '9'; ++d) {
      if (d == id[i]) continue;
      std::string typo = id;
      typo[i] = d;
      EXPECT_FALSE(ValidatePersonId(typo).ok()) << typo;
    }
  }
}

TEST(PersonIdTest, GeneratedTestPeopleAreValid) {
  for (int64_t n : {0, 1, 999, 1000, 123456, 13'439'999}) {
    EXPECT_OK(ValidatePersonId(::pbl::testing::PersonId(n))) << n;
  }
}

}  // namespace
}  // namespace pbl::ledger
