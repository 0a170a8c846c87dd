// Log format v2's leaves, openings and node secrets (ledger/log/sealed.h, node_secrets.h): each
// kind of leaf parses and every malformed one is refused; an opening checks only against its
// own commitment; person keys are one per (person, scheme) and verifiable by whoever knows the
// person; data keys and content rows open only under their own key, person, index and K. The
// known answers were computed with Python's hashlib and hmac from the spec's definitions.
#include "ledger/log/sealed.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/encoding.h"
#include "ledger/log/node_secrets.h"
#include "tests/testing/status_matchers.h"

namespace pbl::ledger {
namespace {

using ::pbl::testing::IsOkAndHolds;
using ::pbl::testing::StatusIs;
using ::testing::HasSubstr;

crypto::Hash Filled(uint8_t b) {
  crypto::Hash h;
  h.fill(b);
  return h;
}

crypto::SecretKey Master() {
  std::vector<uint8_t> bytes;
  for (int i = 1; i <= 32; ++i) bytes.push_back(static_cast<uint8_t>(i));
  return crypto::SecretKey::FromBytes(bytes).value();
}

TEST(SealedTest, EachKindOfLeafParses) {
  const std::string person = PersonLeaf(Filled(1), Filled(2));
  ASSERT_EQ(person.size(), kPersonLeafBytes);
  EXPECT_EQ(person.substr(0, 2), std::string("\x02\x01", 2));
  ASSERT_OK_AND_ASSIGN(const Leaf p, ParseLeaf(person));
  EXPECT_EQ(p.kind, LeafKind::kPerson);
  EXPECT_EQ(p.person_key, Filled(1));
  EXPECT_EQ(p.commitment, Filled(2));

  const std::string public_leaf = PublicLeaf("params");  // a Leaf views the bytes it parsed
  ASSERT_OK_AND_ASSIGN(const Leaf pub, ParseLeaf(public_leaf));
  EXPECT_EQ(pub.kind, LeafKind::kPublic);
  EXPECT_EQ(pub.body, "params");

  const std::string erasure = ErasureLeaf(Filled(3), "order");
  ASSERT_OK_AND_ASSIGN(const Leaf e, ParseLeaf(erasure));
  EXPECT_EQ(e.kind, LeafKind::kErasure);
  EXPECT_EQ(e.person_key, Filled(3));
  EXPECT_EQ(e.body, "order");
}

TEST(SealedTest, MalformedLeavesAreRefused) {
  const std::string person = PersonLeaf(Filled(1), Filled(2));
  const std::vector<std::string> bad = {
      "",
      std::string("\x02", 1),
      std::string("\x01\x01", 2) + person.substr(2),  // v1's version
      std::string("\x02\x04", 2) + person.substr(2),  // no kind 4
      person.substr(0, kPersonLeafBytes - 1),
      person + "x",
      std::string("\x02\x03", 2) + std::string(31, 'k'),  // erasure without all of K
      std::string("\x02\x02", 2) + std::string(kLeafBytesMax - 1, 'p'),
  };
  for (const std::string& leaf : bad) {
    EXPECT_THAT(ParseLeaf(leaf), StatusIs(absl::StatusCode::kInvalidArgument)) << leaf.size();
  }
  EXPECT_OK(ParseLeaf(std::string("\x02\x02", 2) + std::string(kLeafBytesMax - 2, 'p')).status());
}

TEST(SealedTest, CommitmentIsTheSpecsHash) {
  CommitmentNonce nonce;
  nonce.fill(7);
  EXPECT_EQ(crypto::HexEncode(Commitment(nonce, "content")),
            "1c655c5b005fb95b6963e8972f9c62265a9fcb967345640acadf5b37b19e841a");
}

TEST(SealedTest, AnOpeningChecksOnlyAgainstItsOwnCommitment) {
  const std::string opening = MakeOpening("entry bytes");
  ASSERT_OK_AND_ASSIGN(const Opening parsed, ParseOpening(opening));
  EXPECT_EQ(parsed.content, "entry bytes");
  const std::string leaf_bytes = PersonLeaf(Filled(1), Commitment(parsed.nonce, parsed.content));
  ASSERT_OK_AND_ASSIGN(const Leaf leaf, ParseLeaf(leaf_bytes));
  EXPECT_OK(CheckOpening(leaf, opening));
  // Every changed byte of the opening (nonce or content), a shorter one, another content.
  for (size_t i = 0; i < opening.size(); ++i) {
    std::string changed = opening;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    EXPECT_THAT(CheckOpening(leaf, changed), StatusIs(absl::StatusCode::kInvalidArgument)) << i;
  }
  EXPECT_THAT(CheckOpening(leaf, opening.substr(0, opening.size() - 1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckOpening(leaf, opening.substr(0, 31)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nonce")));
  // Two openings of one content have different nonces, so different commitments.
  EXPECT_NE(MakeOpening("entry bytes").substr(0, 32), opening.substr(0, 32));
  const std::string public_leaf = PublicLeaf("x");
  ASSERT_OK_AND_ASSIGN(const Leaf pub, ParseLeaf(public_leaf));
  EXPECT_THAT(CheckOpening(pub, opening), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(NodeSecretsTest, ThePersonHandleIsTheSpecsHmac) {
  const NodeSecrets secrets(Master());
  EXPECT_EQ(crypto::HexEncode(secrets.HandleOf("340104198409010032")),
            "ce384c4806b0980216355e50a582c5fe1573229761933293633f7ddf48afe9ff");
  EXPECT_NE(secrets.HandleOf("340104198409010032"), secrets.HandleOf("340104198409010033"));
  EXPECT_NE(NodeSecrets(crypto::SecretKey::Generate()).HandleOf("340104198409010032"),
            secrets.HandleOf("340104198409010032"));
}

TEST(NodeSecretsTest, OnePersonKeyPerPersonAndSchemeThatItsHolderVerifies) {
  const NodeSecrets secrets(Master());
  const ProvenPersonKey a = secrets.ProvePersonKey("310000-urban-pension", "340104198409010032");
  EXPECT_EQ(secrets.ProvePersonKey("310000-urban-pension", "340104198409010032").key, a.key);
  EXPECT_NE(secrets.ProvePersonKey("340000-rural-pension", "340104198409010032").key, a.key);
  EXPECT_NE(secrets.ProvePersonKey("310000-urban-pension", "340104198409010033").key, a.key);
  EXPECT_THAT(VerifyPersonKey(secrets.vrf_public_key(), "310000-urban-pension",
                              "340104198409010032", a.proof),
              IsOkAndHolds(a.key));
  EXPECT_THAT(VerifyPersonKey(secrets.vrf_public_key(), "310000-urban-pension",
                              "340104198409010033", a.proof),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // The scheme and person are separated: ("a", "b\0c") is not ("a\0b", "c").
  EXPECT_NE(PersonKeyInput("a", "bc"), PersonKeyInput("ab", "c"));
  // The same master key gives the same VRF key, so a restarted node keeps its person keys.
  EXPECT_EQ(NodeSecrets(Master()).vrf_public_key(), secrets.vrf_public_key());
}

TEST(NodeSecretsTest, DataKeysAndContentOpenOnlyWhereTheyWereSealed) {
  const NodeSecrets secrets(Master());
  const PersonHandle p = secrets.HandleOf("340104198409010032");
  const crypto::SecretKey data_key = crypto::SecretKey::Generate();
  const std::string wrapped = secrets.WrapDataKey(data_key, p);
  ASSERT_OK_AND_ASSIGN(const crypto::SecretKey unwrapped, secrets.UnwrapDataKey(wrapped, p));
  EXPECT_TRUE(
      std::equal(unwrapped.bytes().begin(), unwrapped.bytes().end(), data_key.bytes().begin()));
  EXPECT_THAT(secrets.UnwrapDataKey(wrapped, secrets.HandleOf("340104198409010033")),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(NodeSecrets(crypto::SecretKey::Generate()).UnwrapDataKey(wrapped, p),
              StatusIs(absl::StatusCode::kDataLoss));

  const std::string row = SealContent(data_key, Filled(1), "opening 340104198409010032");
  EXPECT_EQ(row.find("340104"), std::string::npos);
  EXPECT_THAT(OpenContent(data_key, Filled(1), row),
              IsOkAndHolds(std::string("opening 340104198409010032")));
  EXPECT_THAT(OpenContent(data_key, Filled(2), row), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(OpenContent(crypto::SecretKey::Generate(), Filled(1), row),
              StatusIs(absl::StatusCode::kDataLoss));

  const ProvenPersonKey k = secrets.ProvePersonKey("UEBPI-310000", "340104198409010032");
  const std::string key_row = SealPersonKey(data_key, p, "UEBPI-310000", k);
  ASSERT_OK_AND_ASSIGN(const ProvenPersonKey opened,
                       OpenPersonKey(data_key, p, "UEBPI-310000", key_row));
  EXPECT_EQ(opened.key, k.key);
  EXPECT_EQ(opened.proof, k.proof);
  EXPECT_THAT(OpenPersonKey(data_key, p, "UEBPI-340000", key_row),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(
      OpenPersonKey(data_key, secrets.HandleOf("340104198409010033"), "UEBPI-310000", key_row),
      StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace pbl::ledger
