// Files that hold personal data or secrets (statements, worker tokens, exports, audit state),
// written so that no one else can read them at any moment and no reader sees half a file: a
// temporary file beside the target made by mkstemp (O_EXCL, mode 0600 from the start, whatever
// the umask), written, fsynced, renamed over the target, and the folder fsynced.
#ifndef PBL_CRYPTO_BASE_PRIVATE_FILE_H_
#define PBL_CRYPTO_BASE_PRIVATE_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace pbl {

// Replaces (or creates) `path` with `data`, mode 0600. UNAVAILABLE naming the path and the
// system's reason when any step fails; the temporary file is then removed and `path` is as it
// was.
absl::Status WritePrivateFile(const std::string& path, std::string_view data);

// fsync of the folder `dir`, so that a rename or a new file in it is durable.
absl::Status SyncDirectory(const std::string& dir);

// Makes `dir` (and its parents) if missing and sets its mode to 0700: the owner's alone.
absl::Status MakePrivateDirectory(const std::string& dir);

}  // namespace pbl

#endif  // PBL_CRYPTO_BASE_PRIVATE_FILE_H_
