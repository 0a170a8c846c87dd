// C2SP tlog-cosignature/v1: nodes witnessing each other's checkpoints.
#include "crypto/cosignature.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "crypto/note_verifiers.h"
#include "tests/testing/status_matchers.h"

namespace pbl::crypto {
namespace {

using ::pbl::testing::StatusIs;

constexpr uint64_t kTime = 1679315147;

TEST(CosignatureTest, SignedMessageFollowsTheSpec) {
  EXPECT_EQ(CosignedMessage("example.com/behind-the-sofa\n20852163\nroot\n", kTime),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nroot\n");
}

class CosignatureFixture : public ::testing::Test {
 protected:
  SigningKey log_key_ = SigningKey::Generate();
  SigningKey witness_key_ = SigningKey::Generate();
  Ed25519NoteSigner log_ = Ed25519NoteSigner::Create("pbl.example/node/310000", &log_key_).value();
  CosignatureSigner witness_ =
      CosignatureSigner::Create("pbl.example/node/340000", &witness_key_, [] {
        return kTime;
      }).value();
  Ed25519NoteVerifier log_verifier_{"pbl.example/node/310000", log_key_.public_key()};
  Checkpoint cp_{"pbl.example/node/310000", 7, Sha256("r"), {}};
};

TEST_F(CosignatureFixture, SignatureIsTimestampThenEd25519) {
  ASSERT_OK_AND_ASSIGN(std::string sig, witness_.Sign(cp_.Body()));
  ASSERT_EQ(sig.size(), kCosignatureBytes);
  uint64_t t = 0;
  for (int i = 0; i < 8; ++i) t = (t << 8) | static_cast<uint8_t>(sig[static_cast<size_t>(i)]);
  EXPECT_EQ(t, kTime);
  EXPECT_TRUE(VerifyEd25519(witness_key_.public_key(), AsBytes(CosignedMessage(cp_.Body(), kTime)),
                            AsBytes(sig.substr(8))));
}

TEST_F(CosignatureFixture, CosignedCheckpointOpensWithBothKeys) {
  const NoteSigner* signers[] = {&log_, &witness_};
  ASSERT_OK_AND_ASSIGN(std::string note, SignCheckpoint(cp_, signers));
  ASSERT_OK_AND_ASSIGN(VerifierKey wkey, ParseVerifierKey(witness_.VerifierKey()));
  EXPECT_EQ(wkey.type, kSignatureTypeCosignatureV1);
  const std::unique_ptr<NoteVerifier> witness_verifier = MakeNoteVerifier(wkey);
  const NoteVerifier* others[] = {witness_verifier.get()};
  ASSERT_OK_AND_ASSIGN(OpenedCheckpoint opened, OpenCheckpoint(note, log_verifier_, others));
  EXPECT_EQ(opened.note.verified_by.size(), 2u);
  auto* cv = dynamic_cast<const CosignatureVerifier*>(witness_verifier.get());
  ASSERT_NE(cv, nullptr);
  ASSERT_OK_AND_ASSIGN(Note parsed, ParseNote(note));
  EXPECT_EQ(cv->VerifiedTimestamp(parsed.text, parsed.signatures[1].signature), kTime);
}

TEST_F(CosignatureFixture, ChangedTimestampFails) {
  ASSERT_OK_AND_ASSIGN(std::string sig, witness_.Sign(cp_.Body()));
  sig[7] = static_cast<char>(sig[7] ^ 1);
  CosignatureVerifier verifier("pbl.example/node/340000", witness_key_.public_key());
  EXPECT_FALSE(verifier.Verify(cp_.Body(), sig));
}

TEST_F(CosignatureFixture, KeyIdDiffersFromEd25519KeyIdForTheSameKey) {
  // The type byte separates the two uses of one key, as the spec intends.
  EXPECT_NE(ComputeKeyId("n", kSignatureTypeEd25519, witness_key_.public_key()),
            ComputeKeyId("n", kSignatureTypeCosignatureV1, witness_key_.public_key()));
}

TEST_F(CosignatureFixture, TimestampAbove2To63IsRefused) {
  auto bad =
      CosignatureSigner::Create("w", &witness_key_, [] { return uint64_t{1} << 63; }).value();
  EXPECT_THAT(bad.Sign("x\n"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace pbl::crypto
