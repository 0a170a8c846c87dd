// The auditor behind `pbl audit` (ARCHITECTURE.md section 6). It rebuilds a node's Merkle tree
// from the entries the node streams and checks it against the checkpoint the node signs; it
// remembers the last checkpoint it verified of each log and proves the next one consistent with
// it (a node that signs two different trees is caught with both signed notes as evidence); and
// it cross-checks the transfers recorded in several nodes' logs.
//
// Reads go through rpc::NodeClient; nothing here prints. A problem in what a node serves is an
// AuditFinding (a short stable code, the entries involved, a message); a failed call is the
// returned status. Not thread-safe.
#ifndef PBL_CLI_AUDITOR_H_
#define PBL_CLI_AUDITOR_H_

#include <array>
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

#include "absl/status/statusor.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "ledger/domain/calendar.h"
#include "ledger/domain/entitlement.h"
#include "ledger/domain/rules.h"
#include "pbl/v1/entry.pb.h"
#include "rpc/client.h"

namespace pbl::cli {

// An entry a finding points at: the node (its name in the audit), the log index and what the
// entry is ("transfer_in", or "entry" when it does not parse).
struct AuditEntryRef {
  std::string node;
  int64_t index = 0;
  std::string kind;
};

// Something wrong in what a node serves. Codes are stable (scripts match them); the list is in
// `pbl audit --help`.
struct AuditFinding {
  std::string code;
  std::string node;
  std::string transfer_id;  // empty for findings about a log as a whole
  std::vector<AuditEntryRef> entries;
  std::string message;
  std::vector<std::string> evidence;  // signed notes, in full (equivocation)
};

// The tree an audit rebuilds, one leaf hash at a time. It keeps the frontier (the roots of the
// complete subtrees) and the last complete subtree of every level, which is what the auditor
// remembers to resume from; with `keep_hashes` it also keeps every stored hash (64 bytes an
// entry), so that the root of any prefix can be computed. Copyable.
class AuditTree {
 public:
  explicit AuditTree(bool keep_hashes = false) : keep_hashes_(keep_hashes) {}
  // The tree of `size` leaves whose frontier is `subtrees` (largest first, as Frontier()
  // returns). INVALID_ARGUMENT when their number is not one per set bit of `size`.
  static absl::StatusOr<AuditTree> Resume(int64_t size, std::span<const crypto::Hash> subtrees);

  void Append(const crypto::Hash& leaf_hash);
  int64_t size() const { return frontier_.size(); }
  crypto::Hash Root() const { return frontier_.Root(); }
  // The roots of the complete subtrees, largest first: one per set bit of size().
  std::vector<crypto::Hash> Frontier() const;
  // The root of the first `size` leaves. Any size with keep_hashes, else only size().
  absl::StatusOr<crypto::Hash> PrefixRoot(int64_t size) const;

 private:
  bool keep_hashes_;
  crypto::MerkleFrontier frontier_;
  std::array<crypto::Hash, crypto::kTreeLevelsMax> last_at_level_{};
  std::vector<crypto::Hash> stored_;  // every stored hash with keep_hashes_; else scratch
};

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

// Progress of a scan: entries read so far, and the log's size as far as known.
using AuditProgress = std::function<void(int64_t done, int64_t total)>;
// Sees each entry (after its hash is in the tree); a finding stops the scan.
using EntryVisitor =
    std::function<std::optional<AuditFinding>(int64_t index, std::string_view bytes)>;

// A finding unless `bytes` is a valid pbl.v1.Entry (ledger::ValidateEntry).
std::optional<AuditFinding> CheckEntry(const std::string& node, int64_t index,
                                       std::string_view bytes);

struct ScanOptions {
  std::string node;         // the node's name in findings
  int64_t total_hint = 0;   // the log's size as last seen, for progress
  int64_t watch_size = -1;  // record the tree's root when it has this many leaves
  AuditProgress progress;   // may be empty
  EntryVisitor visit;       // empty: CheckEntry
};

struct LogScan {
  std::string note;  // the signed checkpoint the stream ended with
  crypto::Checkpoint checkpoint;
  int64_t first_index = 0;  // where the scan started
  int64_t entries = 0;      // entries read
  double seconds = 0;
  std::optional<crypto::Hash> root_at_watch;
  std::optional<AuditFinding> finding;  // the first problem; the scan stopped there
};

// Streams the entries of `client`'s log from tree->size() on into `tree`, checks each one and
// that the stream ends with a checkpoint signed by `log` whose size and root are the tree's.
// Failed calls are the status (the node's own code); what does not verify is scan.finding.
absl::StatusOr<LogScan> ScanLog(rpc::NodeClient& client, const crypto::NoteVerifier& log,
                                AuditTree* tree, const ScanOptions& options);

// Checks a verified scan against the checkpoint remembered from the last audit of the same log:
// the log must not have shrunk, the node's checkpoint for the remembered size must be the
// remembered one, the scanned prefix of that size (when the scan covered it) must have its root,
// and the node's consistency proof between the two sizes must verify. An "equivocation" or
// "rollback" finding carries both signed notes as evidence. Failed calls are the status.
absl::StatusOr<std::optional<AuditFinding>> CheckRemembered(rpc::NodeClient& client,
                                                            const crypto::NoteVerifier& log,
                                                            const std::string& node,
                                                            const RememberedLog& remembered,
                                                            const LogScan& scan);

// --- Transfers -----------------------------------------------------------------------------

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

// The cross-ledger checks of every transfer in `logs` (codes in `pbl audit transfers --help`).
TransferReport CheckTransfers(const TransferLogs& logs, const TransferAuditOptions& options);

}  // namespace pbl::cli

#endif  // PBL_CLI_AUDITOR_H_
