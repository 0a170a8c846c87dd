#include "ledger/log_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pbl::ledger {
namespace {

TEST(LogFormatTest, IndexKeysSortNumerically) {
  EXPECT_LT(EntryKey(255), EntryKey(256));
  EXPECT_LT(EntryKey(0), EntryKey(INT64_MAX));
  EXPECT_EQ(DecodeIndexKey(kEntryPrefix, EntryKey(123456789)), 123456789);
  EXPECT_EQ(DecodeIndexKey(kHashPrefix, EntryKey(1)), std::nullopt);
  EXPECT_EQ(DecodeIndexKey(kEntryPrefix, "e123"), std::nullopt);
}

TEST(LogFormatTest, PersonKeysRoundTripAndGroupBySchemeThenIndex) {
  const std::string person = "310104196001010007";
  const std::string key = PersonKey(person, "UEBPI-310000", 42);
  const std::optional<PersonKeyParts> parts = ParsePersonKey(key);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->person_id, person);
  EXPECT_EQ(parts->scheme_id, "UEBPI-310000");
  EXPECT_EQ(parts->index, 42);
  EXPECT_TRUE(key.starts_with(PersonPrefix(person, "UEBPI-310000")));
  EXPECT_TRUE(key.starts_with(PersonPrefix(person, "")));
  EXPECT_FALSE(
      PersonKey(person, "UEBPI-3100001", 1).starts_with(PersonPrefix(person, "UEBPI-310000")));
  EXPECT_LT(PersonKey(person, "HPF-310000", 900), PersonKey(person, "UEBPI-310000", 1));
  EXPECT_EQ(ParsePersonKey(key.substr(0, key.size() - 1)), std::nullopt);
}

}  // namespace
}  // namespace pbl::ledger
