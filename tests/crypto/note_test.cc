// C2SP signed notes: the spec's and Go's published examples, and each verifier rule.
#include "crypto/note.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crypto/base/strings.h"
#include "crypto/key_file.h"
#include "crypto/note_verifiers.h"
#include "tests/testing/status_matchers.h"

namespace pbl::crypto {
namespace {

using ::pbl::testing::StatusIs;
using ::testing::HasSubstr;

// The example of c2sp.org/signed-note.
constexpr std::string_view kSpecVkey =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
constexpr std::string_view kSpecNote =
    "This is an example message.\n\n"
    "\xE2\x80\x94 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
    "\n";

// The examples of golang.org/x/mod/sumdb/note's documentation.
constexpr std::string_view kGoSkey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kGoVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kGoText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kGoSignatureLine =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

TEST(NoteTest, SpecExampleKeyHasKeyId530d903a) {
  ASSERT_OK_AND_ASSIGN(VerifierKey key, ParseVerifierKey(kSpecVkey));
  EXPECT_EQ(key.name, "example.com/foo");
  EXPECT_EQ(key.key_id, 0x530d903au);
  EXPECT_EQ(ComputeKeyId(key.name, kSignatureTypeEd25519, key.public_key), 0x530d903au);
}

TEST(NoteTest, SpecExampleNoteVerifies) {
  ASSERT_OK_AND_ASSIGN(auto verifier, NewNoteVerifier(kSpecVkey));
  const NoteVerifier* known[] = {verifier.get()};
  ASSERT_OK_AND_ASSIGN(OpenedNote opened, OpenNote(kSpecNote, known));
  EXPECT_EQ(opened.text, "This is an example message.\n");
  ASSERT_EQ(opened.verified_by.size(), 1u);
  EXPECT_EQ(opened.verified_by[0]->name(), "example.com/foo");
}

TEST(NoteTest, GoExampleIsReproducedByteForByte) {
  ASSERT_OK_AND_ASSIGN(NamedKey key, ParsePrivateKey(kGoSkey));
  ASSERT_OK_AND_ASSIGN(Ed25519NoteSigner signer, Ed25519NoteSigner::Create(key.name, &key.key));
  EXPECT_EQ(signer.VerifierKey(), kGoVkey);
  const NoteSigner* signers[] = {&signer};
  ASSERT_OK_AND_ASSIGN(std::string note, SignNote(kGoText, signers));
  EXPECT_EQ(note, std::string(kGoText) + "\n" + std::string(kGoSignatureLine));
}

class NoteRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_signer_ = std::make_unique<Ed25519NoteSigner>(
        Ed25519NoteSigner::Create("a.example/log", &a_).value());
    b_signer_ = std::make_unique<Ed25519NoteSigner>(
        Ed25519NoteSigner::Create("b.example/log", &b_).value());
    a_verifier_ = NewNoteVerifier(a_signer_->VerifierKey()).value();
    b_verifier_ = NewNoteVerifier(b_signer_->VerifierKey()).value();
  }
  std::string Sign(std::string_view text, std::vector<const NoteSigner*> signers) {
    return SignNote(text, signers).value();
  }
  SigningKey a_ = SigningKey::Generate();
  SigningKey b_ = SigningKey::Generate();
  std::unique_ptr<Ed25519NoteSigner> a_signer_, b_signer_;
  std::unique_ptr<NoteVerifier> a_verifier_, b_verifier_;
};

TEST_F(NoteRulesTest, UnknownKeysAreIgnored) {
  const std::string note = Sign("hello\n", {b_signer_.get(), a_signer_.get()});
  const NoteVerifier* known[] = {a_verifier_.get()};
  ASSERT_OK_AND_ASSIGN(OpenedNote opened, OpenNote(note, known));
  EXPECT_EQ(opened.verified_by.size(), 1u);
  ASSERT_EQ(opened.unknown.size(), 1u);
  EXPECT_EQ(opened.unknown[0].name, "b.example/log");
}

TEST_F(NoteRulesTest, SameNameOtherKeyIdIsIgnored) {
  // A signature from a different key under the same name is an unknown key, not a failure.
  SigningKey other = SigningKey::Generate();
  auto impostor = Ed25519NoteSigner::Create("a.example/log", &other).value();
  const std::string note = Sign("hello\n", {&impostor, a_signer_.get()});
  const NoteVerifier* known[] = {a_verifier_.get()};
  ASSERT_OK_AND_ASSIGN(OpenedNote opened, OpenNote(note, known));
  EXPECT_EQ(opened.unknown.size(), 1u);
}

TEST_F(NoteRulesTest, KnownKeyThatFailsRejectsTheWholeNote) {
  std::string note = Sign("hello\n", {a_signer_.get(), b_signer_.get()});
  // Re-sign only b's line over different text, so a's signature still verifies.
  const std::string other = Sign("other\n", {b_signer_.get()});
  const std::string b_line = other.substr(other.find("\n\n") + 2);
  note = note.substr(0, note.rfind("\xE2\x80\x94 b.example")) + b_line;
  const NoteVerifier* known[] = {a_verifier_.get(), b_verifier_.get()};
  EXPECT_THAT(OpenNote(note, known),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("b.example/log")));
}

TEST_F(NoteRulesTest, NoKnownSignatureIsUnauthenticated) {
  const std::string note = Sign("hello\n", {b_signer_.get()});
  const NoteVerifier* known[] = {a_verifier_.get()};
  EXPECT_THAT(OpenNote(note, known), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(NoteRulesTest, SixteenSignaturesAreAccepted) {
  std::vector<SigningKey> keys;
  for (int i = 0; i < 15; ++i) keys.push_back(SigningKey::Generate());
  std::vector<Ed25519NoteSigner> signers;
  for (int i = 0; i < 15; ++i) {
    // StrCat, not "w" + std::to_string(i): GCC 12's -Wrestrict misfires on the latter at -O2.
    signers.push_back(Ed25519NoteSigner::Create(StrCat("w", i), &keys[i]).value());
  }
  std::vector<const NoteSigner*> all = {a_signer_.get()};
  for (const auto& s : signers) all.push_back(&s);
  const std::string note = Sign("witnessed\n", all);
  const NoteVerifier* known[] = {a_verifier_.get()};
  ASSERT_OK_AND_ASSIGN(OpenedNote opened, OpenNote(note, known));
  EXPECT_EQ(opened.unknown.size(), 15u);
}

TEST_F(NoteRulesTest, MoreThanTheSignatureLimitIsRejected) {
  std::string note = Sign("hello\n", {a_signer_.get()});
  const std::string line = note.substr(note.find("\n\n") + 2);
  for (size_t i = 0; i < kNoteSignaturesMax; ++i) note += line;
  const NoteVerifier* known[] = {a_verifier_.get()};
  EXPECT_THAT(OpenNote(note, known),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("more than")));
}

TEST_F(NoteRulesTest, TextEndsAtTheLastBlankLine) {
  const std::string note = Sign("para one\n\npara two\n", {a_signer_.get()});
  const NoteVerifier* known[] = {a_verifier_.get()};
  ASSERT_OK_AND_ASSIGN(OpenedNote opened, OpenNote(note, known));
  EXPECT_EQ(opened.text, "para one\n\npara two\n");
}

TEST_F(NoteRulesTest, ControlCharactersAndBadUtf8AreRejected) {
  EXPECT_THAT(SignNote("tab\there\n", {}), StatusIs(absl::StatusCode::kInvalidArgument));
  const NoteSigner* signers[] = {a_signer_.get()};
  EXPECT_THAT(SignNote("tab\there\n", signers), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SignNote("cr\r\n", signers), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SignNote("bad \xff utf8\n", signers), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SignNote("overlong \xC0\xAF\n", signers),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SignNote("no newline", signers), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_OK(SignNote("\xE4\xB8\x8A\xE6\xB5\xB7 Shanghai\n", signers).status());
  std::string note = Sign("hello\n", {a_signer_.get()});
  note = StrCat(note.substr(0, 2), "\x01", note.substr(2));  // not insert: see above
  const NoteVerifier* known[] = {a_verifier_.get()};
  EXPECT_THAT(OpenNote(note, known),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("control character")));
}

TEST_F(NoteRulesTest, MalformedSignatureLinesAreRejected) {
  const NoteVerifier* known[] = {a_verifier_.get()};
  for (const char* bad : {
           "hello\n\n-- a.example/log AAAAAAA=\n",           // not an em dash
           "hello\n\n\xE2\x80\x94 a.example/log\n",          // no signature
           "hello\n\n\xE2\x80\x94 a.example/log AAAA\n",     // too short (3 bytes)
           "hello\n\n\xE2\x80\x94 a.example/log AAAAAAA\n",  // not padded base64
           "hello\n\n\xE2\x80\x94 a.example/log AAAAAAA=",   // no final newline
           "hello\n\xE2\x80\x94 a.example/log AAAAAAA=\n",   // no blank line
           "hello\n\n",                                      // no signature lines
       }) {
    EXPECT_THAT(OpenNote(bad, known), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(KeyNameTest, SpacesPlusAndEmptyAreRejected) {
  EXPECT_OK(ValidateKeyName("pbl.example/node/310000"));
  for (const char* bad : {"", "a b", "a+b", "a\tb",
                          "a\xC2\xA0"
                          "b",
                          "a\xE3\x80\x80"
                          "b",
                          "a\xE2\x80\x83"
                          "b"}) {
    EXPECT_THAT(ValidateKeyName(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  const SigningKey key = SigningKey::Generate();
  EXPECT_THAT(Ed25519NoteSigner::Create("has space", &key),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(VerifierKeyTest, MalformedKeysAreRejected) {
  // Go's own bad-key cases: a wrong-length key and an unknown algorithm (with adjusted IDs).
  EXPECT_THAT(ParseVerifierKey(
                  "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      ParseVerifierKey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("type")));
  EXPECT_THAT(
      ParseVerifierKey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key ID")));
  EXPECT_THAT(ParseVerifierKey("PeterNeumann+c74f20a3"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseVerifierKey("PeterNeumann+c74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_OK(ParseVerifierKey(kGoVkey).status());
}

TEST_F(NoteRulesTest, AddedSignaturesKeepTheOriginalOnes) {
  const std::string note = Sign("hello\n", {a_signer_.get()});
  const NoteSigner* more[] = {b_signer_.get()};
  ASSERT_OK_AND_ASSIGN(std::string both, AddNoteSignatures(note, more));
  EXPECT_TRUE(both.starts_with(note));
  const NoteVerifier* known[] = {a_verifier_.get(), b_verifier_.get()};
  ASSERT_OK_AND_ASSIGN(OpenedNote opened, OpenNote(both, known));
  EXPECT_EQ(opened.verified_by.size(), 2u);
}

}  // namespace
}  // namespace pbl::crypto
