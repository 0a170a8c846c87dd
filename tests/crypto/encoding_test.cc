#include "crypto/encoding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace pbl::crypto {
namespace {

using ::pbl::testing::StatusIs;

TEST(HexTest, RoundTripsAndRejectsBadDigits) {
  EXPECT_EQ(HexEncode(AsBytes(std::string("\x00\xff\x10", 3))), "00ff10");
  EXPECT_EQ(HexDecode("00FF10").value(), std::string("\x00\xff\x10", 3));
  EXPECT_THAT(HexDecode("abc"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HexDecode("zz"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Base64Test, RoundTripsRfc4648Examples) {
  EXPECT_EQ(Base64Encode(std::string_view("")), "");
  EXPECT_EQ(Base64Encode(std::string_view("f")), "Zg==");
  EXPECT_EQ(Base64Encode(std::string_view("foobar")), "Zm9vYmFy");
  EXPECT_EQ(Base64Decode("Zm9vYg==").value(), "foob");
  EXPECT_EQ(Base64Decode("").value(), "");
}

TEST(Base64Test, RejectsNonCanonicalInput) {
  EXPECT_THAT(Base64Decode("Zg"), StatusIs(absl::StatusCode::kInvalidArgument));      // no padding
  EXPECT_THAT(Base64Decode("Zh=="), StatusIs(absl::StatusCode::kInvalidArgument));    // unused bits
  EXPECT_THAT(Base64Decode("Zm9v\n"), StatusIs(absl::StatusCode::kInvalidArgument));  // whitespace
  EXPECT_THAT(Base64Decode("Zm9v YmFy"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64Decode("Zm9_"), StatusIs(absl::StatusCode::kInvalidArgument));  // URL alphabet
  EXPECT_THAT(Base64Decode("Zg==Zg=="), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseDecimalTest, AcceptsOnlyPlainDecimals) {
  EXPECT_EQ(ParseDecimal("0").value(), 0);
  EXPECT_EQ(ParseDecimal("9223372036854775807").value(), INT64_MAX);
  for (const char* bad : {"", "01", "-1", "+1", "1 ", " 1", "1e3", "9223372036854775808", "0x10"}) {
    EXPECT_THAT(ParseDecimal(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

}  // namespace
}  // namespace pbl::crypto
