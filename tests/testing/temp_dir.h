// A fresh directory for the running test, so tests that touch files never share or inherit one.
#ifndef PBL_TESTS_TESTING_TEMP_DIR_H_
#define PBL_TESTS_TESTING_TEMP_DIR_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>

namespace pbl::testing {

// Creates an empty directory under the test temp dir named for `tag`, this process and the
// running test (whatever was there before is removed) and returns its path. The test removes it.
inline std::filesystem::path FreshTestDir(std::string_view tag) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = "pbl_" + std::string(tag) + "_" + std::to_string(::getpid());
  if (info != nullptr) name += std::string("_") + info->test_suite_name() + "_" + info->name();
  std::replace(name.begin(), name.end(), '/', '_');  // parameterized tests have '/' in names
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace pbl::testing

#endif  // PBL_TESTS_TESTING_TEMP_DIR_H_
