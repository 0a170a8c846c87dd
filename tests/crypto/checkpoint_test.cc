// C2SP tlog-checkpoint bodies: strict parsing and opening signed checkpoints.
#include "crypto/checkpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/base/strings.h"
#include "crypto/encoding.h"
#include "tests/testing/status_matchers.h"

namespace pbl::crypto {
namespace {

using ::pbl::testing::StatusIs;
using ::testing::HasSubstr;

constexpr std::string_view kRoot = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";

TEST(CheckpointTest, ParsesTheSpecExample) {
  ASSERT_OK_AND_ASSIGN(Checkpoint cp, ParseCheckpoint(StrCat(
                                          "example.com/behind-the-sofa\n20852163\n", kRoot, "\n")));
  EXPECT_EQ(cp.origin, "example.com/behind-the-sofa");
  EXPECT_EQ(cp.size, 20852163);
  EXPECT_EQ(Base64Encode(cp.root), kRoot);
  EXPECT_TRUE(cp.extensions.empty());
}

TEST(CheckpointTest, ExtensionLinesAreKeptVerbatim) {
  const std::string body = StrCat("o\n0\n", kRoot, "\next one\n\xE2\x80\x94 two\n");
  ASSERT_OK_AND_ASSIGN(Checkpoint cp, ParseCheckpoint(body));
  EXPECT_EQ(cp.extensions, (std::vector<std::string>{"ext one", "\xE2\x80\x94 two"}));
  EXPECT_EQ(cp.Body(), body);
}

TEST(CheckpointTest, StrictParsingRejectsEachDeviation) {
  const std::string root(kRoot);
  const struct {
    std::string body;
    std::string why;
  } cases[] = {
      {"o\n10\n" + root, "newline"},
      {"o\n010\n" + root + "\n", "leading zero"},
      {"o\n-1\n" + root + "\n", "decimal digit"},
      {"o\n+1\n" + root + "\n", "decimal digit"},
      {"o\n 1\n" + root + "\n", "decimal digit"},
      {"o\n\n" + root + "\n", "line 2 is empty"},
      {"\n1\n" + root + "\n", "line 1 is empty"},
      {"o\n1\n", "fewer than 3"},
      {"o\n1\nAAAA\n", "32 bytes"},
      {"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", "32 bytes"},  // unused bits set
      {"o\n1\n" + root + "\n\n", "is empty"},
      {"o\n1\n" + root + "\nx\n\ny\n", "is empty"},
      {"o\n99999999999999999999\n" + root + "\n", "2^63"},
      {"o\n4611686018427387905\n" + root + "\n", "2^62"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(ParseCheckpoint(c.body),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.why)))
        << c.body;
  }
}

TEST(CheckpointTest, TooManyExtensionLinesAreRejected) {
  std::string body = StrCat("o\n1\n", kRoot, "\n");
  for (size_t i = 0; i <= kCheckpointExtensionsMax; ++i) body += "x\n";
  EXPECT_THAT(ParseCheckpoint(body), StatusIs(absl::StatusCode::kInvalidArgument));
}

class SignedCheckpointTest : public ::testing::Test {
 protected:
  SigningKey key_ = SigningKey::Generate();
  Ed25519NoteSigner signer_ = Ed25519NoteSigner::Create("pbl.example/node/310000", &key_).value();
  Ed25519NoteVerifier verifier_{"pbl.example/node/310000", key_.public_key()};
  Checkpoint cp_{"pbl.example/node/310000", 42, Sha256("root"), {}};
};

TEST_F(SignedCheckpointTest, SignedCheckpointOpens) {
  const NoteSigner* signers[] = {&signer_};
  ASSERT_OK_AND_ASSIGN(std::string note, SignCheckpoint(cp_, signers));
  ASSERT_OK_AND_ASSIGN(OpenedCheckpoint opened, OpenCheckpoint(note, verifier_));
  EXPECT_EQ(opened.checkpoint, cp_);
}

TEST_F(SignedCheckpointTest, OriginMustBeTheLogKeyName) {
  cp_.origin = "pbl.example/node/340000";
  const NoteSigner* signers[] = {&signer_};
  ASSERT_OK_AND_ASSIGN(std::string note, SignCheckpoint(cp_, signers));
  EXPECT_THAT(OpenCheckpoint(note, verifier_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("origin")));
}

TEST_F(SignedCheckpointTest, WitnessAloneIsNotEnough) {
  SigningKey witness_key = SigningKey::Generate();
  auto witness = Ed25519NoteSigner::Create("witness.example", &witness_key).value();
  Ed25519NoteVerifier witness_verifier("witness.example", witness_key.public_key());
  const NoteSigner* signers[] = {&witness};
  ASSERT_OK_AND_ASSIGN(std::string note, SignCheckpoint(cp_, signers));
  const NoteVerifier* others[] = {&witness_verifier};
  EXPECT_THAT(OpenCheckpoint(note, verifier_, others),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

}  // namespace
}  // namespace pbl::crypto
