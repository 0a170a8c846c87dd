// Private key files: mode 0600, refused when others can read them, never overwritten.
#include "crypto/key_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "crypto/note.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace pbl::crypto {
namespace {

using ::pbl::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::pbl::testing::FreshTestDir("key_file");
    path_ = (dir_ / "node.key").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(KeyFileTest, WrittenKeyHasMode0600AndReadsBack) {
  const SigningKey key = SigningKey::Generate();
  ASSERT_OK(WriteKeyFile(path_, "pbl.example/node/310000", key));
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_OK_AND_ASSIGN(NamedKey read, ReadKeyFile(path_));
  EXPECT_EQ(read.name, "pbl.example/node/310000");
  EXPECT_EQ(read.key.public_key(), key.public_key());
}

TEST_F(KeyFileTest, ExistingFileIsNeverOverwritten) {
  ASSERT_OK(WriteKeyFile(path_, "a", SigningKey::Generate()));
  EXPECT_THAT(WriteKeyFile(path_, "a", SigningKey::Generate()),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(KeyFileTest, KeyReadableByOthersIsRefused) {
  ASSERT_OK(WriteKeyFile(path_, "a", SigningKey::Generate()));
  for (mode_t mode : {0644, 0640, 0604, 0660}) {
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
    EXPECT_THAT(ReadKeyFile(path_),
                StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("group or others")))
        << std::oct << mode;
  }
  ASSERT_EQ(::chmod(path_.c_str(), 0400), 0);
  EXPECT_OK(ReadKeyFile(path_).status());
}

TEST_F(KeyFileTest, AnotherSecretFileIsReadOnlyWhenOnlyItsOwnerMayReadIt) {
  const std::string pem =
      "-----BEGIN PRIVATE KEY-----\nnot checked here\n-----END PRIVATE KEY-----\n";
  {
    std::ofstream out(path_);
    out << pem;
  }
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  EXPECT_THAT(ReadSecretFile(path_, "TLS key"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("TLS key " + path_), HasSubstr("has mode 0644"))));
  ASSERT_EQ(::chmod(path_.c_str(), 0600), 0);
  ASSERT_OK_AND_ASSIGN(const std::string read, ReadSecretFile(path_, "TLS key"));
  EXPECT_EQ(read, pem);
  EXPECT_THAT(ReadSecretFile(path_, "TLS key", 10),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("too large")));
  EXPECT_THAT(ReadSecretFile(dir_.string(), "TLS key"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a regular file")));
  EXPECT_THAT(ReadSecretFile((dir_ / "absent").string(), "TLS key"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(KeyFileTest, MissingAndMalformedFilesAreReported) {
  EXPECT_THAT(ReadKeyFile((dir_ / "absent.key").string()), StatusIs(absl::StatusCode::kNotFound));
  {
    std::ofstream out(path_);
    out << "PRIVATE+KEY+a+00000000+AAAA\n";
  }
  ASSERT_EQ(::chmod(path_.c_str(), 0600), 0);
  EXPECT_THAT(ReadKeyFile(path_), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path_)));
}

TEST_F(KeyFileTest, MasterKeyFileRoundTripsAndIsTheOwnersAlone) {
  const SecretKey key = SecretKey::Generate();
  ASSERT_OK(WriteMasterKeyFile(path_, key));
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_OK_AND_ASSIGN(const SecretKey read, ReadMasterKeyFile(path_));
  EXPECT_TRUE(std::equal(read.bytes().begin(), read.bytes().end(), key.bytes().begin()));
  EXPECT_THAT(WriteMasterKeyFile(path_, SecretKey::Generate()),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_EQ(::chmod(path_.c_str(), 0640), 0);
  EXPECT_THAT(ReadMasterKeyFile(path_), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(KeyFileTest, MalformedMasterKeyFilesAreRefused) {
  for (const std::string& text :
       {std::string("PBL+MASTER+KEY+") + std::string(43, 'A') + "=\n",  // 32 bytes: good
        std::string("PBL+MASTER+KEY+") + std::string(40, 'A') + "\n",
        std::string("PBL+MASTER+KEY+") + std::string(44, 'A') + std::string(4, 'A') + "\n",
        std::string("PRIVATE+KEY+") + std::string(43, 'A') + "=\n", std::string("")}) {
    std::filesystem::remove(path_);
    {
      std::ofstream out(path_);
      out << text;
    }
    ASSERT_EQ(::chmod(path_.c_str(), 0600), 0);
    if (text.starts_with("PBL+MASTER+KEY+") && text.size() == 15 + 44 + 1) {
      EXPECT_OK(ReadMasterKeyFile(path_).status()) << text;
    } else {
      EXPECT_THAT(ReadMasterKeyFile(path_), StatusIs(absl::StatusCode::kInvalidArgument)) << text;
    }
  }
}

TEST(PrivateKeyTest, GoKeyStringRoundTrips) {
  constexpr std::string_view kGoSkey =
      "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
  ASSERT_OK_AND_ASSIGN(NamedKey key, ParsePrivateKey(kGoSkey));
  EXPECT_EQ(FormatVerifierKey(key.name, kSignatureTypeEd25519, key.key.public_key()),
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  ASSERT_OK_AND_ASSIGN(std::string formatted, FormatPrivateKey(key.name, key.key));
  EXPECT_EQ(formatted, kGoSkey);
}

TEST(PrivateKeyTest, WrongKeyIdIsRejected) {
  EXPECT_THAT(ParsePrivateKey(
                  "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key ID")));
  EXPECT_THAT(ParsePrivateKey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace pbl::crypto
