// gMock matchers for absl::Status and absl::StatusOr, written once for every test binary
// (Debian 12's abseil ships none).
//
//   EXPECT_THAT(status, StatusIs(absl::StatusCode::kDataLoss));
//   EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("index")));
//   EXPECT_THAT(status_or, IsOkAndHolds(Eq(42)));
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

MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

inline ::testing::AssertionResult IsOkStatus(const absl::Status& status) {
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "status is " << status;
}
template <typename T>
::testing::AssertionResult IsOkStatus(const absl::StatusOr<T>& status_or) {
  return IsOkStatus(status_or.status());
}

}  // namespace pbl::testing

#define PBL_TESTING_CONCAT_INNER_(a, b) a##b
#define PBL_TESTING_CONCAT_(a, b) PBL_TESTING_CONCAT_INNER_(a, b)

// Streamable, and `expr` is evaluated once: EXPECT_OK(status) << "context";
#define ASSERT_OK(expr) ASSERT_TRUE(::pbl::testing::IsOkStatus(expr))
#define EXPECT_OK(expr) EXPECT_TRUE(::pbl::testing::IsOkStatus(expr))

#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(PBL_TESTING_CONCAT_(pbl_test_statusor_, __LINE__), lhs, rexpr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                               \
  ASSERT_TRUE(statusor.ok()) << statusor.status();       \
  lhs = std::move(statusor).value()

#endif  // PBL_TESTS_TESTING_STATUS_MATCHERS_H_
