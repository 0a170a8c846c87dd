// Small helpers for absl::Status plumbing, shared by every layer.
//
// Debian 12's abseil ships no RETURN_IF_ERROR / ASSIGN_OR_RETURN, so the project defines its
// own once, here, at the bottom of the dependency graph. Header-only; no state.
#ifndef PBL_CRYPTO_BASE_STATUS_MACROS_H_
#define PBL_CRYPTO_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PBL_STATUS_CONCAT_INNER_(a, b) a##b
#define PBL_STATUS_CONCAT_(a, b) PBL_STATUS_CONCAT_INNER_(a, b)

// Returns from the current function when `expr` (an absl::Status) is not OK.
#define PBL_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::absl::Status pbl_status_ = (expr);       \
    if (!pbl_status_.ok()) return pbl_status_; \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status, else moves the value
// into `lhs`, which may be a declaration (`auto x`) or an existing variable.
#define PBL_ASSIGN_OR_RETURN(lhs, rexpr) \
  PBL_ASSIGN_OR_RETURN_IMPL_(PBL_STATUS_CONCAT_(pbl_statusor_, __LINE__), lhs, rexpr)

#define PBL_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr)   \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // PBL_CRYPTO_BASE_STATUS_MACROS_H_
