// C2SP tlog-proof: the portable, offline proof that an entry is in a signed log.
#include "crypto/tlog_proof.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/encoding.h"
#include "tests/testing/status_matchers.h"

namespace pbl::crypto {
namespace {

using ::pbl::testing::StatusIs;
using ::testing::HasSubstr;

class TlogProofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 21; ++i) store_.Append(AsBytes(Entry(i)));
    const Checkpoint cp{"pbl.example/node/310000", store_.size(), store_.Root(), {}};
    const NoteSigner* signers[] = {&signer_};
    checkpoint_ = SignCheckpoint(cp, signers).value();
  }
  static std::string Entry(int i) { return "contribution " + std::to_string(i); }
  TlogProof Make(int64_t index) {
    return TlogProof{std::nullopt, index, ProveInclusion(index, store_.size(), store_).value(),
                     checkpoint_};
  }
  SigningKey key_ = SigningKey::Generate();
  Ed25519NoteSigner signer_ = Ed25519NoteSigner::Create("pbl.example/node/310000", &key_).value();
  Ed25519NoteVerifier verifier_{"pbl.example/node/310000", key_.public_key()};
  MemoryHashStore store_;
  std::string checkpoint_;
};

TEST_F(TlogProofTest, FormatParsesBackAndVerifies) {
  TlogProof proof = Make(13);
  proof.extra = "statement v1";
  const std::string text = proof.Format();
  EXPECT_TRUE(text.starts_with("c2sp.org/tlog-proof@v1\nextra "));
  ASSERT_OK_AND_ASSIGN(TlogProof parsed, ParseTlogProof(text));
  EXPECT_EQ(parsed.index, 13);
  EXPECT_EQ(parsed.extra, proof.extra);
  EXPECT_EQ(parsed.hashes, proof.hashes);
  EXPECT_EQ(parsed.checkpoint, checkpoint_);
  ASSERT_OK_AND_ASSIGN(Checkpoint cp, VerifyTlogProof(parsed, AsBytes(Entry(13)), verifier_));
  EXPECT_EQ(cp.size, 21);
}

TEST_F(TlogProofTest, WrongEntryOrIndexFails) {
  const TlogProof proof = Make(4);
  EXPECT_THAT(VerifyTlogProof(proof, AsBytes(Entry(5)), verifier_),
              StatusIs(absl::StatusCode::kDataLoss));
  TlogProof moved = proof;
  moved.index = 5;
  EXPECT_FALSE(VerifyTlogProof(moved, AsBytes(Entry(4)), verifier_).ok());
}

TEST_F(TlogProofTest, AnyByteChangedFails) {
  const std::string text = Make(9).Format();
  for (size_t i = 0; i < text.size(); ++i) {
    std::string tampered = text;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x04);
    absl::StatusOr<TlogProof> parsed = ParseTlogProof(tampered);
    if (!parsed.ok()) continue;
    EXPECT_FALSE(VerifyTlogProof(*parsed, AsBytes(Entry(9)), verifier_).ok()) << "byte " << i;
  }
}

TEST_F(TlogProofTest, MalformedProofsAreRejected) {
  const std::string good = Make(2).Format();
  EXPECT_THAT(ParseTlogProof("c2sp.org/tlog-proof@v2\n" + good.substr(good.find('\n') + 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("first line")));
  EXPECT_THAT(ParseTlogProof("c2sp.org/tlog-proof@v1\nindex 02\n\n" + checkpoint_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("leading zero")));
  EXPECT_THAT(ParseTlogProof("c2sp.org/tlog-proof@v1\nindex 2\nAAAA\n\n" + checkpoint_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("32 bytes")));
  EXPECT_THAT(ParseTlogProof("c2sp.org/tlog-proof@v1\nindex 2\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("blank line")));
  EXPECT_THAT(ParseTlogProof("c2sp.org/tlog-proof@v1\nindex 2\n\nnot a note\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("checkpoint")));
}

}  // namespace
}  // namespace pbl::crypto
