#include "crypto/ed25519.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/encoding.h"
#include "tests/testing/status_matchers.h"

namespace pbl::crypto {
namespace {

using ::pbl::testing::StatusIs;

TEST(Ed25519Test, Rfc8032TestVector1) {
  // RFC 8032 section 7.1, TEST 1 (empty message).
  const std::string seed =
      HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").value();
  ASSERT_OK_AND_ASSIGN(SigningKey key, SigningKey::FromSeed(AsBytes(seed)));
  EXPECT_EQ(HexEncode(key.public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const Ed25519Signature sig = key.Sign({});
  EXPECT_EQ(HexEncode(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(VerifyEd25519(key.public_key(), {}, sig));
}

TEST(Ed25519Test, TamperedMessageOrSignatureFails) {
  const SigningKey key = SigningKey::Generate();
  const std::string message = "pension record";
  Ed25519Signature sig = key.Sign(AsBytes(message));
  EXPECT_TRUE(VerifyEd25519(key.public_key(), AsBytes(message), sig));
  EXPECT_FALSE(VerifyEd25519(key.public_key(), AsBytes(std::string("pension recorD")), sig));
  sig[10] ^= 1;
  EXPECT_FALSE(VerifyEd25519(key.public_key(), AsBytes(message), sig));
  EXPECT_FALSE(VerifyEd25519(key.public_key(), AsBytes(message), std::span(sig).first(63)));
}

TEST(Ed25519Test, SeedMustBe32Bytes) {
  EXPECT_THAT(SigningKey::FromSeed(AsBytes(std::string(31, 'x'))),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Ed25519Test, MovedFromKeyIsWiped) {
  SigningKey a = SigningKey::Generate();
  const std::vector<uint8_t> seed(a.seed().begin(), a.seed().end());
  SigningKey b = std::move(a);
  EXPECT_EQ(std::vector<uint8_t>(b.seed().begin(), b.seed().end()), seed);
  // The moved-from object must not keep a copy of the secret.
  EXPECT_EQ(
      std::vector<uint8_t>(a.seed().begin(), a.seed().end()),  // NOLINT(bugprone-use-after-move)
      std::vector<uint8_t>(kEd25519SeedBytes, 0));
}

}  // namespace
}  // namespace pbl::crypto
