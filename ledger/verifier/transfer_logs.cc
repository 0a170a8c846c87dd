#include "ledger/verifier/transfer_logs.h"

#include "crypto/base/check.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"

namespace pbl::verifier {

namespace {

// Where a trail keeps a transfer entry of this kind; nullptr for other entries.
std::vector<TransferSighting>* TrailListFor(const v1::Entry& e, TransferTrail* trail) {
  switch (e.body_case()) {
    case v1::Entry::kTransferRequested:
      return &trail->requested;
    case v1::Entry::kTransferInitiated:
      return &trail->initiated;
    case v1::Entry::kTransferIn:
      return &trail->in;
    case v1::Entry::kTransferOut:
      return &trail->out;
    case v1::Entry::kTransferVoided:
      return &trail->voided;
    default:
      return nullptr;
  }
}

// The transfer id of a transfer entry; nullptr for other entries.
const std::string* TransferIdOf(const v1::Entry& e) {
  switch (e.body_case()) {
    case v1::Entry::kTransferRequested:
      return &e.transfer_requested().transfer_id();
    case v1::Entry::kTransferInitiated:
      return &e.transfer_initiated().transfer_id();
    case v1::Entry::kTransferIn:
      return &e.transfer_in().transfer_id();
    case v1::Entry::kTransferOut:
      return &e.transfer_out().transfer_id();
    case v1::Entry::kTransferVoided:
      return &e.transfer_voided().transfer_id();
    default:
      return nullptr;
  }
}

}  // namespace

size_t TransferLogs::AddNode(std::string name) {
  logs_.push_back(std::make_unique<Log>());
  logs_.back()->name = std::move(name);
  return logs_.size() - 1;
}

std::optional<size_t> TransferLogs::Find(std::string_view name) const {
  for (size_t i = 0; i < logs_.size(); ++i) {
    if (logs_[i]->name == name) return i;
  }
  return std::nullopt;
}

EntryVisitor TransferLogs::Recorder(size_t n) {
  return [this, n](int64_t index, std::string_view bytes) -> std::optional<AuditFinding> {
    Log& log = *logs_[n];
    if (std::optional<AuditFinding> bad = CheckEntry(log.name, index, bytes)) return bad;
    ledger::HistoryEntry h;
    h.index = static_cast<uint64_t>(index);
    h.entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
    if (const std::string* id = TransferIdOf(h.entry)) {
      TrailListFor(h.entry, &trails_[*id])->push_back({n, index, h.entry});
    }
    log.persons[h.entry.person_id()].push_back(std::move(h));
    return std::nullopt;
  };
}

// --- Reading the logs -------------------------------------------------------------------------

namespace {

// Scans node `n` into `logs` (the first pass when `first`); a failed read is the status, a log
// that does not verify is added to `findings`.
absl::Status ScanNode(TransferNode& node, size_t n, bool first, const ProgressFactory& progress,
                      TransferLogs* logs, std::vector<AuditFinding>* findings) {
  TransferLogs::Log& log = logs->log(n);
  ScanOptions options;
  options.node = node.name;
  options.visit = logs->Recorder(n);
  if (first && node.remembered != nullptr) options.watch_size = node.remembered->checkpoint.size;
  if (first) {
    // Made before the first read and dropped on return, so a progress bar ends with the pass.
    if (progress) options.progress = progress(n);
    PBL_ASSIGN_OR_RETURN(const std::string head, node.source->Checkpoint(0));
    options.total_hint = CheckpointSizeHint(head);
  }
  PBL_ASSIGN_OR_RETURN(LogScan scan, ScanLog(*node.source, *node.verifier, &log.tree, options));
  node.entries += scan.entries;
  node.elapsed_us += scan.elapsed_us;
  if (scan.finding) {
    findings->push_back(*std::move(scan.finding));
    return absl::OkStatus();
  }
  if (first && node.remembered != nullptr) {
    PBL_ASSIGN_OR_RETURN(
        std::optional<AuditFinding> finding,
        CheckRemembered(*node.source, *node.verifier, node.name, *node.remembered, scan));
    if (finding) findings->push_back(*std::move(finding));
  }
  if (first) log.first_pass_size = log.tree.size();
  log.note = scan.note;
  log.checkpoint = scan.checkpoint;
  return absl::OkStatus();
}

}  // namespace

TransferLogsRead ReadTransferLogs(std::span<TransferNode> nodes, const ProgressFactory& progress,
                                  TransferLogs* logs) {
  PBL_CHECK(logs->size() == 0, "ReadTransferLogs fills empty TransferLogs");
  for (const TransferNode& node : nodes) logs->AddNode(node.name);
  TransferLogsRead read;
  // A first pass over every log, then a second from where each ended: an entry that another log
  // must answer (a transfer_out needs its transfer_in) is judged only if read in the first pass,
  // so every log was read after it was written.
  for (const bool first : {true, false}) {
    for (size_t i = 0; i < nodes.size() && read.findings.empty(); ++i) {
      read.status = ScanNode(nodes[i], i, first, progress, logs, &read.findings);
      if (!read.status.ok()) {
        read.failed_node = i;
        return read;
      }
    }
  }
  return read;
}

}  // namespace pbl::verifier
