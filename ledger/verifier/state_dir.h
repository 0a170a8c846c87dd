// The auditor's memory between audits: per log, the last checkpoint it verified and the frontier
// of the tree at that size, so that the next audit proves the log consistent with it (and, with
// --incremental, resumes the tree there). Not thread-safe: one audit at a time per folder.
#ifndef PBL_LEDGER_VERIFIER_STATE_DIR_H_
#define PBL_LEDGER_VERIFIER_STATE_DIR_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/checkpoint.h"
#include "crypto/note.h"
#include "ledger/verifier/audit_tree.h"

namespace pbl::verifier {

// What the auditor remembers of one log: the last checkpoint it verified, verbatim, and the
// frontier of the tree at that size when it is on file and matches the checkpoint's root.
struct RememberedLog {
  std::string path;  // the checkpoint file
  std::string note;
  crypto::Checkpoint checkpoint;
  std::optional<AuditTree> tree;  // resumed at checkpoint.size
};

// The state directory: per log origin, `<origin>.checkpoint` (the signed note as the node served
// it, so `pbl checkpoint verify` reads it) and `<origin>.frontier` (the tree's frontier), the
// origin spelled with every byte outside [A-Za-z0-9.-] as _XX. Files are replaced atomically
// (temporary file, fsync, rename), frontier first, so a crash leaves a checkpoint whose
// frontier matches or is ignored.
class AuditStateDir {
 public:
  explicit AuditStateDir(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }
  std::string CheckpointPath(std::string_view origin) const;
  // The remembered checkpoint of the log `log` verifies, or nullopt when there is none.
  // DATA_LOSS naming the file when it does not verify with `log`.
  absl::StatusOr<std::optional<RememberedLog>> Load(const crypto::NoteVerifier& log) const;
  // Remembers `note` (verified, of `checkpoint`) and the frontier of `tree`, which must be the
  // tree of checkpoint.size leaves.
  absl::Status Save(std::string_view note, const crypto::Checkpoint& checkpoint,
                    const AuditTree& tree) const;

 private:
  std::string dir_;
};

}  // namespace pbl::verifier

#endif  // PBL_LEDGER_VERIFIER_STATE_DIR_H_
