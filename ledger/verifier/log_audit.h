// The audit of one log (ARCHITECTURE.md section 6): rebuild the Merkle tree from the entries a
// node streams (v1 entries, or v2's sealed leaves, which hold no personal data) and check it
// against the checkpoint the node signs; prove the log consistent
// with the checkpoint remembered from the last audit (a node that signs two different trees is
// caught with both signed notes as evidence). Reads through a LogSource; prints nothing.
//
// A problem in what a node serves is an AuditFinding (codes in kLogFindingCodes); a read that
// fails is the returned status. Not thread-safe.
#ifndef PBL_LEDGER_VERIFIER_LOG_AUDIT_H_
#define PBL_LEDGER_VERIFIER_LOG_AUDIT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "ledger/log/sealed.h"
#include "ledger/verifier/audit_tree.h"
#include "ledger/verifier/finding.h"
#include "ledger/verifier/log_source.h"
#include "ledger/verifier/state_dir.h"

namespace pbl::verifier {

// Progress of a scan: entries read so far, and the log's size as far as known.
using AuditProgress = std::function<void(int64_t done, int64_t total)>;
// Sees each entry (after its hash is in the tree); a finding stops the scan.
using EntryVisitor =
    std::function<std::optional<AuditFinding>(int64_t index, std::string_view bytes)>;

// A finding unless `bytes` is a valid pbl.v1.Entry (ledger::ValidateEntry).
std::optional<AuditFinding> CheckEntry(const std::string& node, int64_t index,
                                       std::string_view bytes);

// A finding unless `bytes` is the v2 leaf entry `index` of a v2 log must be: entry 0 the log's
// parameters, every other a person leaf (specs/log-format-v2.md). It reads no person's data:
// a v2 log holds none.
std::optional<AuditFinding> CheckLeaf(const std::string& node, int64_t index,
                                      std::string_view bytes);

struct ScanOptions {
  std::string node;         // the node's name in findings
  int64_t total_hint = 0;   // the log's size as last seen, for progress
  int64_t watch_size = -1;  // record the tree's root when it has this many leaves
  AuditProgress progress;   // may be empty
  EntryVisitor visit;       // empty: CheckEntry, or CheckLeaf for a v2 log
};

struct LogScan {
  std::string note;  // the signed checkpoint the stream ended with
  crypto::Checkpoint checkpoint;
  int64_t first_index = 0;  // where the scan started
  int64_t entries = 0;      // entries read
  int64_t elapsed_us = 0;   // spent reading, in microseconds
  int format = 0;           // of the entries read: 1 or 2; 0 if none was read
  std::optional<crypto::Hash> root_at_watch;
  // v2, a scan from entry 0 with no finding: the checkpoint's map, recomputed from the leaves
  // and equal to the one it carries, and the keys in it. (An incremental scan does not hold the
  // chains of the leaves before it, so it does not check the map.)
  std::optional<ledger::MapHead> map;
  size_t map_keys = 0;
  std::optional<AuditFinding> finding;  // the first problem; the scan stopped there
};

// Streams the entries of `source`'s log from tree->size() on into `tree`, checks each one and
// that the stream ends with a checkpoint signed by `log` whose size and root are the tree's; for
// a v2 log read from entry 0, also that the checkpoint's pbl-map line has the root of the map of
// the leaves below its map size (specs/log-format-v2.md, section 8), built from the leaves alone.
// Failed reads are the status (the node's own code); what does not verify is scan.finding.
absl::StatusOr<LogScan> ScanLog(LogSource& source, const crypto::NoteVerifier& log, AuditTree* tree,
                                const ScanOptions& options);

// Checks a verified scan against the checkpoint remembered from the last audit of the same log:
// the log must not have shrunk, the node's checkpoint for the remembered size must be the
// remembered one, the scanned prefix of that size (when the scan covered it) must have its root,
// and the node's consistency proof between the two sizes must verify. An "equivocation" or
// "rollback" finding carries both signed notes as evidence. Failed reads are the status.
absl::StatusOr<std::optional<AuditFinding>> CheckRemembered(LogSource& source,
                                                            const crypto::NoteVerifier& log,
                                                            const std::string& node,
                                                            const RememberedLog& remembered,
                                                            const LogScan& scan);

// --- The whole audit of one log (`pbl audit log`) ---------------------------------------------

struct LogAuditOptions {
  // Check only the entries after the remembered checkpoint: the tree resumes from the
  // remembered frontier (when it is on file and the log has not shrunk). Consistency with the
  // remembered checkpoint is proved either way.
  bool incremental = false;
  AuditProgress progress;  // may be empty
};

struct LogAudit {
  LogScan scan;
  AuditTree tree;  // the tree rebuilt; with no finding, the tree of scan.checkpoint
  // The remembered checkpoint's finding first (a fork shows as equivocation), then the scan's.
  std::vector<AuditFinding> findings;
};

// Audits the log `source` serves, signed by `log` (findings name the node by log.name()),
// against `remembered` (the last audit's checkpoint, if any). Failed reads are the status.
absl::StatusOr<LogAudit> AuditLog(LogSource& source, const crypto::NoteVerifier& log,
                                  const std::optional<RememberedLog>& remembered,
                                  const LogAuditOptions& options);

// The size of the checkpoint `note` (not verified), or 0 when it does not parse: a hint for
// progress, never trusted.
int64_t CheckpointSizeHint(const std::string& note);

}  // namespace pbl::verifier

#endif  // PBL_LEDGER_VERIFIER_LOG_AUDIT_H_
