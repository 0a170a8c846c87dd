// WritePrivateFile and MakePrivateDirectory (crypto/base/private_file.h): mode 0600 and 0700
// whatever the umask or the mode before, nothing left behind, the target unchanged on failure.
#include "crypto/base/private_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace pbl {
namespace {

using ::pbl::testing::StatusIs;
using ::testing::HasSubstr;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

std::string Contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t Files(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(PrivateFileTest, IsTheOwnersAloneWhateverTheUmaskAndReplacesAtomically) {
  const std::string dir = testing::FreshTestDir("private_file");
  const std::string path = dir + "/token";
  const mode_t before = ::umask(0);
  ASSERT_OK(WritePrivateFile(path, "first\n"));
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(Contents(path), "first\n");
  // Replacing a file that others could read leaves a file only the owner can.
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_OK(WritePrivateFile(path, std::string(100'000, 'x')));
  ::umask(before);
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(Contents(path).size(), 100'000u);
  EXPECT_EQ(Files(dir), 1u) << "no temporary file stays behind";
}

TEST(PrivateFileTest, AFailedWriteNamesThePathAndLeavesNothing) {
  const std::string dir = testing::FreshTestDir("private_file_fail");
  EXPECT_THAT(WritePrivateFile(dir + "/missing/statement.pbl", "x"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("missing/statement.pbl")));
  EXPECT_EQ(Files(dir), 0u);
}

TEST(PrivateFileTest, APrivateDirectoryIsMadeOrNarrowedTo0700) {
  const std::string dir = testing::FreshTestDir("private_dir");
  ASSERT_OK(MakePrivateDirectory(dir + "/a/data"));
  EXPECT_EQ(ModeOf(dir + "/a/data"), 0700u);
  ASSERT_EQ(::chmod((dir + "/a/data").c_str(), 0755), 0);
  ASSERT_OK(MakePrivateDirectory(dir + "/a/data"));
  EXPECT_EQ(ModeOf(dir + "/a/data"), 0700u);
  ASSERT_OK(WritePrivateFile(dir + "/f", "x"));
  EXPECT_THAT(MakePrivateDirectory(dir + "/f/sub"), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace pbl
