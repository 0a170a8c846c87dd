// HMAC-SHA-256 against RFC 4231 and HKDF-SHA-256 against RFC 5869 (crypto/hmac.h).
#include "crypto/hmac.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "crypto/encoding.h"

namespace pbl::crypto {
namespace {

std::vector<uint8_t> Hex(std::string_view hex) {
  const std::string bytes = HexDecode(hex).value();
  return {bytes.begin(), bytes.end()};
}

TEST(HmacTest, Rfc4231) {
  // Test case 2: a key shorter than the block.
  const std::string jefe = "Jefe";
  EXPECT_EQ(HexEncode(HmacSha256({reinterpret_cast<const uint8_t*>(jefe.data()), jefe.size()},
                                 "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block is hashed first.
  EXPECT_EQ(HexEncode(HmacSha256(std::vector<uint8_t>(131, 0xaa),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HkdfTest, Rfc5869) {
  // Test case 1.
  EXPECT_EQ(HexEncode(HkdfSha256(std::vector<uint8_t>(22, 0x0b), Hex("000102030405060708090a0b0c"),
                                 HexDecode("f0f1f2f3f4f5f6f7f8f9").value(), 42)),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  // Test case 3: no salt, no info.
  EXPECT_EQ(HexEncode(HkdfSha256(std::vector<uint8_t>(22, 0x0b), {}, "", 42)),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfTest, InfoSeparatesKeys) {
  const std::vector<uint8_t> master(32, 0x42);
  EXPECT_NE(HkdfSha256(master, {}, "pbl.v2 index key", 32),
            HkdfSha256(master, {}, "pbl.v2 vrf key", 32));
  EXPECT_EQ(HkdfSha256(master, {}, "pbl.v2 index key", 32),
            HkdfSha256(master, {}, "pbl.v2 index key", 32));
}

}  // namespace
}  // namespace pbl::crypto
