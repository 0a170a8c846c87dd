// XChaCha20-Poly1305 (crypto/aead.h) against draft-irtf-cfrg-xchacha-03's AEAD test vector
// (A.3.1), and every way opening can fail: another key, other associated data, any byte changed,
// too short.
#include "crypto/aead.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
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

SecretKey Key(uint8_t fill) {
  std::vector<uint8_t> bytes(kSecretKeyBytes, fill);
  return SecretKey::FromBytes(bytes).value();
}

TEST(AeadTest, TheDraftsTestVector) {
  ASSERT_OK_AND_ASSIGN(const SecretKey key,
                       SecretKey::FromBytes(Hex(
                           "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")));
  AeadNonce nonce;
  const std::vector<uint8_t> iv = Hex("404142434445464748494a4b4c4d4e4f5051525354555657");
  std::copy(iv.begin(), iv.end(), nonce.begin());
  const std::string ad = HexDecode("50515253c0c1c2c3c4c5c6c7").value();
  const std::string plaintext =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
      "future, sunscreen would be it.";
  const std::string sealed = AeadSealWithNonce(key, nonce, plaintext, ad);
  EXPECT_EQ(HexEncode({reinterpret_cast<const uint8_t*>(sealed.data()), sealed.size()}),
            "404142434445464748494a4b4c4d4e4f5051525354555657"
            "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a8"
            "2f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369"
            "488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e"
            "c0875924c1c7987947deafd8780acf49");
  ASSERT_OK_AND_ASSIGN(const std::string opened, AeadOpen(key, sealed, ad));
  EXPECT_EQ(opened, plaintext);
}

TEST(AeadTest, SealOpensWithItsKeyAndAssociatedDataOnly) {
  const SecretKey key = SecretKey::Generate();
  const std::string sealed = AeadSeal(key, "340104198409010032 wage 812300", "row 7");
  EXPECT_EQ(sealed.size(), 30 + kAeadOverheadBytes);
  EXPECT_EQ(sealed.find("340104"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(const std::string opened, AeadOpen(key, sealed, "row 7"));
  EXPECT_EQ(opened, "340104198409010032 wage 812300");
  EXPECT_THAT(AeadOpen(key, sealed, "row 8"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(AeadOpen(Key(7), sealed, "row 7"), StatusIs(absl::StatusCode::kDataLoss));
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string changed = sealed;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    EXPECT_THAT(AeadOpen(key, changed, "row 7"), StatusIs(absl::StatusCode::kDataLoss)) << i;
  }
  for (size_t n = 0; n < sealed.size(); ++n) {
    EXPECT_THAT(AeadOpen(key, sealed.substr(0, n), "row 7"), StatusIs(absl::StatusCode::kDataLoss))
        << n;
  }
}

TEST(AeadTest, EmptyPlaintextAndFreshNonces) {
  const SecretKey key = Key(1);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string sealed = AeadSeal(key, "", "");
    ASSERT_OK_AND_ASSIGN(const std::string opened, AeadOpen(key, sealed, ""));
    EXPECT_EQ(opened, "");
    seen.insert(sealed);
  }
  EXPECT_EQ(seen.size(), 100u);  // a random nonce each time, so never the same bytes
}

TEST(AeadTest, SecretKeys) {
  EXPECT_THAT(SecretKey::FromBytes(std::vector<uint8_t>(31, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const SecretKey a = SecretKey::Generate();
  const SecretKey b = SecretKey::Generate();
  EXPECT_FALSE(std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin()));
  SecretKey moved = Key(9);
  SecretKey to = std::move(moved);
  EXPECT_EQ(to.bytes()[0], 9);
  EXPECT_EQ(moved.bytes()[0], 0);  // NOLINT(bugprone-use-after-move): wiped on move
}

}  // namespace
}  // namespace pbl::crypto
