// crypto/certificate_key.h against key ids that openssl's command line computed from the same
// certificates (tests/vectors/certificate_key/key-ids.txt).
#include "crypto/certificate_key.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "tests/testing/status_matchers.h"

namespace pbl::crypto {
namespace {

using ::pbl::testing::StatusIs;

const std::filesystem::path kDir = std::filesystem::path(PBL_VECTORS_DIR) / "certificate_key";

std::string Read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// file name -> key id, as openssl computed them.
std::map<std::string, std::string> Expected() {
  std::map<std::string, std::string> out;
  std::istringstream lines(Read(kDir / "key-ids.txt"));
  std::string file;
  std::string id;
  while (lines >> file >> id) out[file] = id;
  return out;
}

TEST(CertificateKeyIdTest, AgreesWithOpensslOnEveryVector) {
  const std::map<std::string, std::string> expected = Expected();
  ASSERT_EQ(expected.size(), 4u) << "the vectors are required: " << kDir;
  for (const auto& [file, id] : expected) {
    ASSERT_OK_AND_ASSIGN(const std::string got, CertificateKeyId(Read(kDir / file)));
    EXPECT_EQ(got, id) << file;
    EXPECT_TRUE(IsCertificateKeyId(got)) << got;
  }
}

TEST(CertificateKeyIdTest, TheKeyNotTheNamesIsTheIdentity) {
  // Same key renewed under another serial: same id. Same common name, another key: another id.
  ASSERT_OK_AND_ASSIGN(const std::string first, CertificateKeyId(Read(kDir / "admin-sh.crt")));
  ASSERT_OK_AND_ASSIGN(const std::string renewed,
                       CertificateKeyId(Read(kDir / "admin-sh-renewed.crt")));
  ASSERT_OK_AND_ASSIGN(const std::string other,
                       CertificateKeyId(Read(kDir / "admin-sh-other-key.crt")));
  EXPECT_EQ(first, renewed);
  EXPECT_NE(first, other);
}

TEST(CertificateKeyIdTest, RefusesWhatIsNotACertificate) {
  EXPECT_THAT(CertificateKeyId(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CertificateKeyId("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string cert = Read(kDir / "admin-sh.crt");
  const std::string half = cert.substr(0, cert.size() / 2) + "\n-----END CERTIFICATE-----\n";
  EXPECT_THAT(CertificateKeyId(half), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CertificateKeyId(std::string(65 << 10, 'A')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(IsCertificateKeyIdTest, OnlyThePrefixAnd64LowercaseHexDigits) {
  const std::string digits(64, 'a');
  EXPECT_TRUE(IsCertificateKeyId("sha256:" + digits));
  EXPECT_FALSE(IsCertificateKeyId("sha256:" + digits.substr(1)));
  EXPECT_FALSE(IsCertificateKeyId("sha256:" + digits + "a"));
  EXPECT_FALSE(IsCertificateKeyId("sha256:" + std::string(64, 'A')));
  EXPECT_FALSE(IsCertificateKeyId("sha256:" + std::string(63, 'a') + "g"));
  EXPECT_FALSE(IsCertificateKeyId("SHA256:" + digits));
  EXPECT_FALSE(IsCertificateKeyId(digits));
}

}  // namespace
}  // namespace pbl::crypto
