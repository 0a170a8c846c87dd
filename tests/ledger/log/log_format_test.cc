#include "ledger/log/log_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "tests/testing/status_matchers.h"

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
  const std::string key = PersonIndexKey(person, "UEBPI-310000", 42);
  const std::optional<PersonKeyParts> parts = ParsePersonKey(key);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->person_id, person);
  EXPECT_EQ(parts->scheme_id, "UEBPI-310000");
  EXPECT_EQ(parts->index, 42);
  EXPECT_TRUE(key.starts_with(PersonPrefix(person, "UEBPI-310000")));
  EXPECT_TRUE(key.starts_with(PersonPrefix(person, "")));
  EXPECT_FALSE(
      PersonIndexKey(person, "UEBPI-3100001", 1).starts_with(PersonPrefix(person, "UEBPI-310000")));
  EXPECT_LT(PersonIndexKey(person, "HPF-310000", 900), PersonIndexKey(person, "UEBPI-310000", 1));
  EXPECT_EQ(ParsePersonKey(key.substr(0, key.size() - 1)), std::nullopt);
}

// The entry bundle encoding of C2SP tlog-tiles: each entry as a big-endian uint16 length and its
// bytes, back to back.
TEST(LogFormatTest, EntryBundlesAreLengthPrefixedEntriesBackToBack) {
  std::string bundle;
  AppendToBundle(&bundle, "a");
  AppendToBundle(&bundle, std::string(300, 'x'));
  AppendToBundle(&bundle, std::string(65535, 'y'));
  EXPECT_EQ(bundle.substr(0, 5), std::string("\x00\x01"
                                             "a"
                                             "\x01\x2c",
                                             5));
  EXPECT_EQ(bundle.substr(305, 2), "\xff\xff");
  ASSERT_OK_AND_ASSIGN(std::vector<std::string_view> entries, SplitBundle(bundle));
  EXPECT_THAT(entries, ::testing::ElementsAre("a", std::string(300, 'x'), std::string(65535, 'y')));
  EXPECT_EQ(BundleStart(0), 0);
  EXPECT_EQ(BundleStart(15), 0);
  EXPECT_EQ(BundleStart(16), 16);
  EXPECT_EQ(BundleStart(123), 112);
}

TEST(LogFormatTest, MalformedEntryBundlesAreDataLossSayingWhy) {
  const auto why = [](std::string_view bundle) {
    return std::string(SplitBundle(bundle).status().message());
  };
  EXPECT_EQ(why(""), "the bundle is empty");
  EXPECT_EQ(why(std::string("\x00", 1)), "the bundle ends inside a length");
  EXPECT_EQ(why(std::string("\x00\x00", 2)), "entry 0 is empty");
  EXPECT_EQ(why(std::string("\x00\x01"
                            "a"
                            "\x00\x05"
                            "abc",
                            8)),
            "entry 1 runs past the bundle's end");
  std::string seventeen;
  for (int i = 0; i < 17; ++i) AppendToBundle(&seventeen, "e");
  EXPECT_EQ(why(seventeen), "the bundle holds more than 16 entries");
  EXPECT_EQ(SplitBundle(seventeen).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(SplitBundle(seventeen.substr(3)).value().size(), 16u);
}

}  // namespace
}  // namespace pbl::ledger
