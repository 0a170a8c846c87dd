#include "cli/exit_codes.h"

namespace pbl::cli {

ExitCode ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnauthenticated:
      return kExitVerificationFailed;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:  // e.g. the node shut down during the call
      return kExitUnavailable;
    case absl::StatusCode::kPermissionDenied:
      return kExitPermissionDenied;
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
      return kExitInternal;
    default:
      return kExitBadInput;
  }
}

}  // namespace pbl::cli
