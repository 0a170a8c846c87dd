// What the verifier reports: an AuditFinding is something wrong in what a node serves (a short
// stable code, the node, the entries involved, a message, and for equivocation the signed notes
// as evidence). Findings are values; a read that fails is an absl::Status instead.
#ifndef PBL_LEDGER_VERIFIER_FINDING_H_
#define PBL_LEDGER_VERIFIER_FINDING_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pbl::verifier {

// An entry a finding points at: the node (its name in the audit), the log index and what the
// entry is ("transfer_in", or "entry" when it does not parse).
struct AuditEntryRef {
  std::string node;
  int64_t index = 0;
  std::string kind;
};

// Something wrong in what a node serves. Codes are stable (scripts match them, `pbl audit
// --help` lists them); every code the verifier reports is in kLogFindingCodes or
// kTransferFindingCodes.
struct AuditFinding {
  std::string code;
  std::string node;
  std::string transfer_id;  // empty for findings about a log as a whole
  std::vector<AuditEntryRef> entries;
  std::string message;
  std::vector<std::string> evidence;  // signed notes, in full (equivocation, rollback)
};

// The findings about one log (log_audit.h).
inline constexpr std::array<std::string_view, 9> kLogFindingCodes = {
    "entry-invalid",       // an entry that is not a valid pbl.v1.Entry
    "stream-invalid",      // chunks out of order, no checkpoint, or entries after it
    "checkpoint-invalid",  // a checkpoint that does not verify with the log's key
    "size-mismatch",       // the checkpoint's size is not the number of entries streamed
    "root-mismatch",       // the entries do not hash to the signed root
    "equivocation",        // two signed checkpoints that cannot both be honest
    "rollback",            // the log is shorter than a checkpoint it signed before
    "map-invalid",         // a v2 checkpoint without one well-formed pbl-map line, or one whose
                           // map is further behind than a node lets it fall
    "map-mismatch",        // a v2 checkpoint's map root is not the map of the leaves below it
};

// The findings about transfers across logs (transfer_audit.h). The last four come from the
// rules' own check of a transfer (ledger::VerifyTransfer).
inline constexpr std::array<std::string_view, 19> kTransferFindingCodes = {
    "missing-transfer-in",
    "missing-transfer-out",
    "missing-transfer-initiated",
    "missing-transfer-requested",
    "duplicate-entry",
    "ended-differently",
    "figures-differ",
    "details-differ",
    "out-of-order",
    "orphan-entry",
    "incomplete-package",
    "package-not-in-source-log",
    "pending-past-deadline",
    "month-counted-twice",
    "rules-refuse",
    "differs-from-plan",
    "months-not-conserved",
    "account-out-differs-from-in",
    "refund-wrong",
};

}  // namespace pbl::verifier

#endif  // PBL_LEDGER_VERIFIER_FINDING_H_
