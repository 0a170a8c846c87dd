// The logs of the nodes a transfer audit reads, kept as the cross-ledger checks need them
// (transfer_audit.h), and how they are read: each log is verified as by AuditLog, in a first
// pass over every log and then a catch-up pass, so that an entry another log must answer is
// judged only when that log was read after it was written. Not thread-safe.
#ifndef PBL_LEDGER_VERIFIER_TRANSFER_LOGS_H_
#define PBL_LEDGER_VERIFIER_TRANSFER_LOGS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "crypto/checkpoint.h"
#include "crypto/note.h"
#include "ledger/domain/entitlement.h"
#include "ledger/verifier/audit_tree.h"
#include "ledger/verifier/finding.h"
#include "ledger/verifier/log_audit.h"
#include "ledger/verifier/log_source.h"
#include "ledger/verifier/state_dir.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::verifier {

// A transfer entry as found in a log.
struct TransferSighting {
  size_t node = 0;  // TransferLogs::logs() index
  int64_t index = 0;
  v1::Entry entry;
};

// Every entry of one transfer id, by kind, in the order read.
struct TransferTrail {
  std::vector<TransferSighting> requested, initiated, in, out, voided;
};

// The logs of the audited nodes as the transfer checks need them: each log's tree (every hash
// kept, for the roots of the prefixes transfer_in entries name), every entry by person, and the
// transfer entries by transfer id. About entry size + 300 bytes of memory an entry.
class TransferLogs {
 public:
  struct Log {
    std::string name;  // the node id transfer entries use
    AuditTree tree{true};
    // The log's size when its first pass ended: an entry past it was read after the other logs'
    // first passes, so a missing counterpart there is not yet a finding.
    int64_t first_pass_size = 0;
    std::string note;  // the latest verified checkpoint
    crypto::Checkpoint checkpoint;
    std::unordered_map<std::string, ledger::History> persons;  // log order; log field 0
  };

  // Adds a node; returns its number.
  size_t AddNode(std::string name);
  // Records node `n`'s entries, which must come in log order; a finding for an invalid entry.
  EntryVisitor Recorder(size_t n);
  Log& log(size_t n) { return *logs_[n]; }
  const Log& log(size_t n) const { return *logs_[n]; }
  size_t size() const { return logs_.size(); }
  std::optional<size_t> Find(std::string_view name) const;
  const std::map<std::string, TransferTrail>& trails() const { return trails_; }

 private:
  std::vector<std::unique_ptr<Log>> logs_;
  std::map<std::string, TransferTrail> trails_;
};

// A node whose log a transfer audit reads.
struct TransferNode {
  std::string name;  // the node id transfer entries use; findings name the node by it
  LogSource* source = nullptr;
  const crypto::NoteVerifier* verifier = nullptr;
  const RememberedLog* remembered = nullptr;  // the last audit's checkpoint, or null
  int64_t entries = 0;                        // read over both passes
  int64_t elapsed_us = 0;                     // spent reading, in microseconds
};

// The progress callback of node `node`'s first pass, made as that pass starts and dropped when
// it ends. May return an empty callback.
using ProgressFactory = std::function<AuditProgress(size_t node)>;

struct TransferLogsRead {
  absl::Status status;  // a failed read at node failed_node; reading stopped there
  size_t failed_node = 0;
  // A log that does not verify (or contradicts its remembered checkpoint); reading stopped at
  // the first such log.
  std::vector<AuditFinding> findings;
};

// Reads the log of every node of `nodes` into `logs` (empty before: node i becomes log i), a
// first pass over every log and then a catch-up pass from where each ended; the first pass also
// checks each log against its remembered checkpoint. `progress` may be empty.
TransferLogsRead ReadTransferLogs(std::span<TransferNode> nodes, const ProgressFactory& progress,
                                  TransferLogs* logs);

}  // namespace pbl::verifier

#endif  // PBL_LEDGER_VERIFIER_TRANSFER_LOGS_H_
