// crypto/base/strings.h: Utf8Prefix, which every text cut to a byte limit goes through.
#include "crypto/base/strings.h"

#include <gtest/gtest.h>

#include <string>

namespace pbl {
namespace {

TEST(Utf8PrefixTest, CutsOnlyBetweenCharacters) {
  const std::string text = "ab中文€x";  // 1 1 3 3 3 1 bytes
  EXPECT_EQ(Utf8Prefix(text, 100), text);
  EXPECT_EQ(Utf8Prefix(text, text.size()), text);
  EXPECT_EQ(Utf8Prefix(text, 2), "ab");
  EXPECT_EQ(Utf8Prefix(text, 3), "ab");  // inside 中
  EXPECT_EQ(Utf8Prefix(text, 4), "ab");
  EXPECT_EQ(Utf8Prefix(text, 5), "ab中");
  EXPECT_EQ(Utf8Prefix(text, 10), "ab中文");  // inside €
  EXPECT_EQ(Utf8Prefix(text, 0), "");
  EXPECT_EQ(Utf8Prefix("😀", 3), "");  // a 4-byte character cut anywhere goes whole
}

TEST(Utf8PrefixTest, EveryCutOfMixedTextIsAPrefixEndingOnACharacterBoundary) {
  const std::string text = "工资 wage 最低生活保障 😀 z";
  for (size_t max = 0; max <= text.size(); ++max) {
    const std::string_view cut = Utf8Prefix(text, max);
    ASSERT_LE(cut.size(), max);
    ASSERT_EQ(text.compare(0, cut.size(), cut), 0);
    if (cut.size() < text.size()) {
      // The next byte starts a character, and the cut kept as much as fit.
      ASSERT_NE(static_cast<unsigned char>(text[cut.size()]) & 0xC0, 0x80) << max;
      size_t next = cut.size() + 1;
      while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
      ASSERT_GT(next, max) << max;
    }
  }
}

}  // namespace
}  // namespace pbl
