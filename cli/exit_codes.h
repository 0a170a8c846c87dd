// The exit codes of `pbl`, and the one place where an absl::Status becomes one.
//
//   0 ok
//   1 verification found a problem (a signature, hash or proof that does not match)
//   2 usage or bad input (a malformed file, a missing argument, a key file others can read)
//   3 server unavailable
//   4 permission denied
//   5 internal error (a bug: please report it)
#ifndef PBL_CLI_EXIT_CODES_H_
#define PBL_CLI_EXIT_CODES_H_

#include "absl/status/status.h"

namespace pbl::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitVerificationFailed = 1,
  kExitBadInput = 2,
  kExitUnavailable = 3,
  kExitPermissionDenied = 4,
  kExitInternal = 5,
};

ExitCode ExitCodeFor(const absl::Status& status);

}  // namespace pbl::cli

#endif  // PBL_CLI_EXIT_CODES_H_
