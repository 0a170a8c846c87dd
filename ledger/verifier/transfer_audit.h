// The cross-ledger checks of transfers (ARCHITECTURE.md section 6): every transfer's entries in
// the logs of the audited nodes, read into TransferLogs, must tell one consistent story: each
// side's entries present, once, in protocol order, agreeing on the parties, terms and figures;
// the package credited held every entry of the person up to the initiation, against a prefix of
// the source's log; what was credited is what the rules give; no month of a person is counted
// twice; nothing is pending past its deadline. Pure: no reads, no clock (`now` is an option).
#ifndef PBL_LEDGER_VERIFIER_TRANSFER_AUDIT_H_
#define PBL_LEDGER_VERIFIER_TRANSFER_AUDIT_H_

#include <cstdint>
#include <vector>

#include "ledger/domain/calendar.h"
#include "ledger/domain/rules.h"
#include "ledger/verifier/finding.h"
#include "ledger/verifier/transfer_logs.h"

namespace pbl::verifier {

struct TransferAuditOptions {
  const ledger::RuleSet* rules = nullptr;
  int64_t now_unix_ms = 0;  // when the audit started: deadlines are judged against it
  int64_t grace_ms = 0;     // how long past its deadline a transfer may still be ending
  ledger::Date as_of;       // the date entitlements are computed at (month-counted-twice)
};

struct TransferReport {
  int transfers = 0;    // distinct transfer ids seen
  int completed = 0;    // transfer_in at the destination and transfer_out at the source
  int voided = 0;       // ended without moving anything
  int in_progress = 0;  // not ended, deadline not yet passed (or passed: then a finding)
  int skipped = 0;      // one side is on a node that was not audited
  std::vector<AuditFinding> findings;
};

// The cross-ledger checks of every transfer in `logs` (codes in kTransferFindingCodes).
TransferReport CheckTransfers(const TransferLogs& logs, const TransferAuditOptions& options);

}  // namespace pbl::verifier

#endif  // PBL_LEDGER_VERIFIER_TRANSFER_AUDIT_H_
