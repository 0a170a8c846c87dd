#include "ledger/domain/money.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "tests/testing/status_matchers.h"

namespace pbl::ledger {
namespace {

using ::pbl::testing::StatusIs;
using ::testing::HasSubstr;

TEST(MoneyTest, YuanParseExactlyToFen) {
  EXPECT_EQ(ParseYuan("0").value(), 0);
  EXPECT_EQ(ParseYuan("6000").value(), 600000);
  EXPECT_EQ(ParseYuan("6000.5").value(), 600050);
  EXPECT_EQ(ParseYuan("6000.05").value(), 600005);
  EXPECT_EQ(ParseYuan("0.01").value(), 1);
  EXPECT_EQ(ParseYuan("-480.10").value(), -48010);
  // 0.1 + 0.2 style trouble cannot happen: 0.29 is 29 fen, not 28.999...
  EXPECT_EQ(ParseYuan("0.29").value(), 29);
  EXPECT_EQ(ParseYuan("92233720368547758.07").value(), std::numeric_limits<int64_t>::max());
}

TEST(MoneyTest, MalformedAmountsAreRefusedWithTheReason) {
  const struct {
    const char* text;
    const char* why;
  } cases[] = {
      {"", "no yuan digits"},
      {".5", "no yuan digits"},
      {"-", "no yuan digits"},
      {"01.00", "leading zero"},
      {"1.", "decimals"},
      {"1.234", "decimals"},
      {"1,000", "character"},
      {"1e3", "character"},
      {" 1", "character"},
      {"1.0x", "character"},
      {"+1", "character"},
      {"-0.00", "negative zero"},
      {"92233720368547758.08", "too large"},
      {"100000000000000000000", "too large"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(ParseYuan(c.text), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.why)))
        << c.text;
  }
}

TEST(MoneyTest, FormatRoundTrips) {
  for (int64_t fen : {int64_t{0}, int64_t{1}, int64_t{10}, int64_t{600005}, int64_t{-48010},
                      std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(ParseYuan(FormatFen(fen)).value(), fen) << FormatFen(fen);
  }
  EXPECT_EQ(FormatFen(-5), "-0.05");
  EXPECT_EQ(FormatFen(std::numeric_limits<int64_t>::min()), "-92233720368547758.08");
}

TEST(MoneyTest, RoundingIsHalfAwayFromZero) {
  EXPECT_EQ(DivideRoundHalfUp(5, 10), 1);
  EXPECT_EQ(DivideRoundHalfUp(4, 10), 0);
  EXPECT_EQ(DivideRoundHalfUp(-5, 10), -1);
  EXPECT_EQ(DivideRoundHalfUp(-4, 10), 0);
  EXPECT_EQ(DivideRoundHalfUp(15, 10), 2);
  EXPECT_EQ(DivideRoundHalfUp(14, 10), 1);
  // 8% of a 6,000.00-yuan base is 480.00 yuan: 600000 * 800 basis points / 10000.
  EXPECT_EQ(DivideRoundHalfUp(600000 * 800, 10000), 48000);
  // 12% pooled transfer of 7,310.57 yuan: 877.2684 -> 877.27.
  EXPECT_EQ(DivideRoundHalfUp(731057 * 1200, 10000), 87727);
  EXPECT_EQ(DivideRoundHalfUp(std::numeric_limits<int64_t>::max(), 2),
            std::numeric_limits<int64_t>::max() / 2 + 1);
}

}  // namespace
}  // namespace pbl::ledger
