// gMock matchers for absl::Status and absl::StatusOr, written once for every test binary
// (Debian 12's abseil ships none).
//
//   EXPECT_THAT(status, StatusIs(absl::StatusCode::kDataLoss));
//   EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("index")));
//   ASSERT_OK(status); ASSERT_OK_AND_ASSIGN(auto value, status_or);
#ifndef PBL_TESTS_TESTING_STATUS_MATCHERS_H_
#define PBL_TESTS_TESTING_STATUS_MATCHERS_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace pbl::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = ::pbl::testing::GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + absl::StatusCodeToString(code) + " and a matching message") {
  const absl::Status& status = ::pbl::testing::GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

}  // namespace pbl::testing

#define PBL_TESTING_CONCAT_INNER_(a, b) a##b
#define PBL_TESTING_CONCAT_(a, b) PBL_TESTING_CONCAT_INNER_(a, b)

#define ASSERT_OK(expr)                                                      \
  do {                                                                       \
    const ::absl::Status pbl_test_status_ = ::pbl::testing::GetStatus(expr); \
    ASSERT_TRUE(pbl_test_status_.ok()) << pbl_test_status_;                  \
  } while (false)
#define EXPECT_OK(expr)                                                      \
  do {                                                                       \
    const ::absl::Status pbl_test_status_ = ::pbl::testing::GetStatus(expr); \
    EXPECT_TRUE(pbl_test_status_.ok()) << pbl_test_status_;                  \
  } while (false)

#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(PBL_TESTING_CONCAT_(pbl_test_statusor_, __LINE__), lhs, rexpr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                               \
  ASSERT_TRUE(statusor.ok()) << statusor.status();       \
  lhs = std::move(statusor).value()

#endif  // PBL_TESTS_TESTING_STATUS_MATCHERS_H_
