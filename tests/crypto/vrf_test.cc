// ECVRF-RISTRETTO255-SHA512 (crypto/vrf.h) against the test vector of c2sp.org/vrf-r255, and
// every way a proof can fail: another input, another key, each byte changed, s not reduced.
#include "crypto/vrf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "crypto/encoding.h"
#include "tests/testing/status_matchers.h"

namespace pbl::crypto {
namespace {

using ::pbl::testing::StatusIs;

std::vector<uint8_t> Hex(std::string_view hex) {
  const std::string bytes = HexDecode(hex).value();
  return {bytes.begin(), bytes.end()};
}

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// c2sp.org/vrf-r255, "Test vector".
TEST(VrfTest, TheC2spTestVector) {
  ASSERT_OK_AND_ASSIGN(const VrfSecretKey key,
                       VrfSecretKey::FromScalar(Hex(
                           "3431c2b03533e280b23232e280b34e2c3132c2b03238e280b23131e280b34500")));
  EXPECT_EQ(HexEncode(key.public_key()),
            "54136cd90d99fbd1d4e855d9556efea87ba0337f2a6ce22028d0f5726fcb854e");
  const auto alpha = Hex("633273702e6f72672f7672662d72323535");
  const VrfProof pi = key.Prove(alpha);
  EXPECT_EQ(HexEncode(pi),
            "0a97d961262fb549b4175c5117860f42ae44a123f93c476c439eddd1c0cff9265c805525233e2284dbed45"
            "e593b8eea31d5ca9734d72bcbba9738d5237f955f3b2422351149d1312503b6441a47c940c");
  const std::string beta =
      "dd653f0879b48c3ef69e13551239bec4cbcc1c18fe8894de2e9e1c790e18273603bf1c6c25d7a797aeff3c43fd"
      "32b974d3fcbd4bcce916007097922a3ea3a794";
  ASSERT_OK_AND_ASSIGN(const VrfOutput verified, VrfVerify(key.public_key(), alpha, pi));
  EXPECT_EQ(HexEncode(verified), beta);
  ASSERT_OK_AND_ASSIGN(const VrfOutput hashed, VrfProofToHash(pi));
  EXPECT_EQ(HexEncode(hashed), beta);
}

TEST(VrfTest, AProofVerifiesOnlyForItsKeyAndInput) {
  const VrfSecretKey key = VrfSecretKey::Generate();
  const VrfSecretKey other = VrfSecretKey::Generate();
  const std::string alpha = "pbl.v2 person key\nUEBPI-310000";
  const VrfProof pi = key.Prove(Bytes(alpha));
  EXPECT_EQ(pi, key.Prove(Bytes(alpha))) << "deterministic";
  ASSERT_OK_AND_ASSIGN(const VrfOutput beta, VrfVerify(key.public_key(), Bytes(alpha), pi));
  EXPECT_NE(beta,
            VrfVerify(key.public_key(), Bytes(alpha + "x"), key.Prove(Bytes(alpha + "x"))).value());
  EXPECT_THAT(VrfVerify(key.public_key(), Bytes(alpha + "x"), pi),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(VrfVerify(other.public_key(), Bytes(alpha), pi),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // One key, one output per input: another key's output differs.
  EXPECT_NE(VrfVerify(other.public_key(), Bytes(alpha), other.Prove(Bytes(alpha))).value(), beta);
}

TEST(VrfTest, EveryChangedByteOfAProofIsRefused) {
  const VrfSecretKey key = VrfSecretKey::Generate();
  const std::string alpha = "340104198409010032";
  const VrfProof pi = key.Prove(Bytes(alpha));
  for (size_t i = 0; i < pi.size(); ++i) {
    for (const uint8_t flip : {uint8_t{0x01}, uint8_t{0x80}}) {
      VrfProof bad = pi;
      bad[i] ^= flip;
      const absl::StatusOr<VrfOutput> out = VrfVerify(key.public_key(), Bytes(alpha), bad);
      EXPECT_FALSE(out.ok()) << "byte " << i << " ^ " << int{flip};
      EXPECT_TRUE(absl::IsUnauthenticated(out.status()) || absl::IsInvalidArgument(out.status()))
          << out.status();
    }
  }
}

TEST(VrfTest, KeysAndProofsThatDoNotDecodeAreRefused) {
  const VrfSecretKey key = VrfSecretKey::Generate();
  const std::string alpha = "a";
  VrfProof pi = key.Prove(Bytes(alpha));
  // s + order: the same residue, not canonical.
  VrfProof wide = pi;
  const auto order = Hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  unsigned carry = 0;
  for (size_t i = 0; i < 32; ++i) {
    const unsigned sum = wide[48 + i] + order[i] + carry;
    wide[48 + i] = static_cast<uint8_t>(sum);
    carry = sum >> 8;
  }
  if (carry == 0) {
    EXPECT_THAT(VrfVerify(key.public_key(), Bytes(alpha), wide),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  VrfPublicKey identity{};
  EXPECT_THAT(VrfVerify(identity, Bytes(alpha), pi), StatusIs(absl::StatusCode::kInvalidArgument));
  VrfProof no_gamma = pi;
  no_gamma.fill(0xFF);
  EXPECT_THAT(VrfProofToHash(no_gamma), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VrfSecretKey::FromScalar(std::vector<uint8_t>(32, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VrfSecretKey::FromScalar(order), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VrfSecretKey::FromScalar(std::vector<uint8_t>(31, 1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(VrfTest, AKeyFromWideBytesIsTheirReductionModuloTheOrder) {
  // 64 bytes whose value is the order plus 5: the key of scalar 5.
  std::vector<uint8_t> wide =
      Hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  wide[0] = static_cast<uint8_t>(wide[0] + 5);
  wide.resize(64, 0);
  std::vector<uint8_t> five(32, 0);
  five[0] = 5;
  ASSERT_OK_AND_ASSIGN(const VrfSecretKey from_wide, VrfSecretKey::FromWideBytes(wide));
  ASSERT_OK_AND_ASSIGN(const VrfSecretKey from_scalar, VrfSecretKey::FromScalar(five));
  EXPECT_EQ(from_wide.public_key(), from_scalar.public_key());
  EXPECT_THAT(VrfSecretKey::FromWideBytes(std::vector<uint8_t>(64, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VrfSecretKey::FromWideBytes(std::vector<uint8_t>(32, 1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace pbl::crypto
