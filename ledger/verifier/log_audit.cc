#include "ledger/verifier/log_audit.h"

#include <algorithm>
#include <chrono>
#include <deque>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/encoding.h"
#include "ledger/domain/entry_validation.h"
#include "ledger/log/map_folder.h"
#include "ledger/log/sealed.h"
#include "pbl/v2/log.pb.h"

namespace pbl::verifier {

namespace {

using crypto::Hash;

std::string HashHex(const Hash& h) { return crypto::HexEncode(h); }

AuditFinding LogFinding(std::string code, const std::string& node, std::string message,
                        std::optional<int64_t> index = std::nullopt,
                        std::vector<std::string> evidence = {}) {
  AuditFinding f;
  f.code = std::move(code);
  f.node = node;
  if (index) f.entries.push_back({node, *index, "entry"});
  f.message = std::move(message);
  f.evidence = std::move(evidence);
  return f;
}

}  // namespace

std::optional<AuditFinding> CheckEntry(const std::string& node, int64_t index,
                                       std::string_view bytes) {
  absl::StatusOr<ledger::EntryKeyFields> valid = ledger::ValidateEntry(bytes);
  if (valid.ok()) return std::nullopt;
  return LogFinding(
      "entry-invalid", node,
      StrCat("entry ", index, " is not a valid pbl.v1.Entry: ", ToStd(valid.status().message())),
      index);
}

std::optional<AuditFinding> CheckLeaf(const std::string& node, int64_t index,
                                      std::string_view bytes) {
  absl::StatusOr<ledger::Leaf> leaf = ledger::ParseLeaf(bytes);
  if (!leaf.ok()) {
    return LogFinding(
        "entry-invalid", node,
        StrCat("entry ", index, " is not a v2 leaf: ", ToStd(leaf.status().message())), index);
  }
  if (index == 0) {
    v2::PublicEntry parameters;
    if (leaf->kind != ledger::LeafKind::kPublic ||
        !parameters.ParseFromArray(leaf->body.data(), static_cast<int>(leaf->body.size())) ||
        !parameters.has_log_parameters() || parameters.log_parameters().format() != "pbl.v2" ||
        parameters.log_parameters().vrf_public_key().size() != crypto::kVrfPublicKeyBytes) {
      return LogFinding("entry-invalid", node,
                        "entry 0 of a v2 log is not its parameters (format pbl.v2 and a 32-byte "
                        "VRF key)",
                        index);
    }
    return std::nullopt;
  }
  if (leaf->kind != ledger::LeafKind::kPerson) {
    return LogFinding("entry-invalid", node,
                      StrCat("entry ", index, " is a kind of v2 leaf a log holds only at entry 0"),
                      index);
  }
  return std::nullopt;
}

namespace {

// Checks the note a stream ended with against the tree rebuilt from the stream.
std::optional<AuditFinding> CheckStreamCheckpoint(const crypto::NoteVerifier& log,
                                                  const AuditTree& tree, const std::string& node,
                                                  LogScan* scan) {
  absl::StatusOr<crypto::OpenedCheckpoint> opened = crypto::OpenCheckpoint(scan->note, log);
  if (!opened.ok()) {
    return LogFinding("checkpoint-invalid", node,
                      StrCat("the checkpoint the stream ended with does not verify with the key ",
                             log.name(), ": ", ToStd(opened.status().message())),
                      std::nullopt, {scan->note});
  }
  scan->checkpoint = opened->checkpoint;
  const int64_t size = scan->checkpoint.size;
  if (size != tree.size()) {
    return LogFinding(
        "size-mismatch", node,
        StrCat("the stream held ", tree.size(), " entries but its checkpoint covers ", size),
        tree.size() > 0 ? std::optional<int64_t>(tree.size() - 1) : std::nullopt, {scan->note});
  }
  if (scan->checkpoint.root != tree.Root()) {
    const std::string read =
        scan->first_index == 0
            ? StrCat("the ", size, " entries")
            : StrCat("entries ", scan->first_index, " to ", size - 1,
                     ", after the remembered tree of size ", scan->first_index, ",");
    return LogFinding("root-mismatch", node,
                      StrCat(read, " hash to root ", HashHex(tree.Root()), " but the node signed ",
                             HashHex(scan->checkpoint.root), " for size ", size),
                      size - 1, {scan->note});
  }
  return std::nullopt;
}

// Folds a v2 log's leaves, from entry 0, into their keys' chains, keeping each key's value from
// before each of the last kMapBehindMax leaves, so that at the end the map of any size the
// checkpoint may carry can be built: the map of every key as of the map size.
class MapAudit {
 public:
  void Add(int64_t index, std::string_view bytes, const Hash& leaf_hash) {
    absl::StatusOr<ledger::Leaf> leaf = ledger::ParseLeaf(bytes);  // checked by CheckLeaf
    if (!leaf.ok() || leaf->kind == ledger::LeafKind::kPublic) return;
    undo_.push_back({index, leaf->person_key, folder_.Add(index, *leaf, leaf_hash)});
    if (undo_.size() > static_cast<size_t>(ledger::kMapBehindMax)) undo_.pop_front();
  }

  // Checks the map line of the verified checkpoint the scan ended with; sets scan->map.
  std::optional<AuditFinding> Check(const std::string& node, LogScan* scan) {
    const crypto::Checkpoint& cp = scan->checkpoint;
    absl::StatusOr<ledger::MapHead> head = ledger::ParseMapLine(cp.extensions, cp.size);
    if (!head.ok()) {
      return LogFinding("map-invalid", node,
                        StrCat("the checkpoint of size ", cp.size,
                               " of this v2 log: ", ToStd(head.status().message())),
                        std::nullopt, {scan->note});
    }
    if (head->size < cp.size - ledger::kMapBehindMax) {
      return LogFinding("map-invalid", node,
                        StrCat("the checkpoint of size ", cp.size, " carries the map of size ",
                               head->size, ", more than ", ledger::kMapBehindMax,
                               " leaves behind, which a node does not let happen"),
                        std::nullopt, {scan->note});
    }
    // Back to the map size: undo the leaves at or past it, newest first.
    while (!undo_.empty() && undo_.back().index >= head->size) {
      folder_.Set(undo_.back().key, undo_.back().before);
      undo_.pop_back();
    }
    const Hash root = folder_.Flush();
    if (root != head->root) {
      return LogFinding(
          "map-mismatch", node,
          StrCat("the checkpoint of size ", cp.size, " carries map root ", HashHex(head->root),
                 " for map size ", head->size, ", but the chains of the leaves below it give ",
                 HashHex(root), ": the node's person map leaves out, adds or changes a leaf"),
          std::nullopt, {scan->note});
    }
    scan->map = *head;
    scan->map_keys = folder_.map().size();
    return std::nullopt;
  }

 private:
  struct Undo {
    int64_t index;
    ledger::PersonKey key;
    std::optional<crypto::MapValue> before;
  };
  ledger::MapFolder folder_;
  std::deque<Undo> undo_;
};

// The hashes of a proof from the wire; nullopt when one is not a SHA-256 hash.
std::optional<std::vector<Hash>> ProofHashes(const std::vector<std::string>& hashes) {
  std::vector<Hash> proof;
  for (const std::string& bytes : hashes) {
    if (bytes.size() != crypto::kHashBytes) return std::nullopt;
    proof.emplace_back();
    std::copy(bytes.begin(), bytes.end(), proof.back().begin());
  }
  return proof;
}

// After a root mismatch: the first index whose entry is not the one the node signed. It reads
// the first checkpoint.size entries again, keeping every hash (64 bytes an entry), and bisects
// with the node's consistency proofs: the prefix of m entries is proved consistent with the
// signed tree exactly when those m entries are the signed ones (O(log n) calls). nullopt when
// the node does not answer, or serves other entries this time.
std::optional<int64_t> LocateMismatch(LogSource& source, const crypto::Checkpoint& cp) {
  const int64_t n = cp.size;
  AuditTree tree(true);
  const absl::Status streamed =
      source.StreamEntries(0, [&](const EntryChunk& chunk) -> absl::Status {
        if (chunk.first_index != static_cast<uint64_t>(tree.size())) {
          return absl::DataLossError("the stream skipped entries");
        }
        for (const std::string_view bytes : chunk.entries) {
          if (tree.size() == n) return absl::CancelledError("read enough");
          tree.Append(crypto::LeafHash(crypto::AsBytes(bytes)));
        }
        return absl::OkStatus();
      });
  if (tree.size() != n || tree.Root() == cp.root ||
      (!streamed.ok() && !absl::IsCancelled(streamed))) {
    return std::nullopt;
  }
  int64_t consistent_below = 1;  // prefixes shorter than this are the signed ones
  int64_t inconsistent_at = n;   // the prefix of this size is not
  while (consistent_below < inconsistent_at) {
    const int64_t m = consistent_below + (inconsistent_at - consistent_below) / 2;
    absl::StatusOr<std::vector<std::string>> proof = source.ConsistencyProof(m, n);
    absl::StatusOr<Hash> prefix = tree.PrefixRoot(m);
    if (!proof.ok() || !prefix.ok()) return std::nullopt;
    const std::optional<std::vector<Hash>> hashes = ProofHashes(*proof);
    if (!hashes) return std::nullopt;
    if (crypto::VerifyConsistency(m, n, *prefix, cp.root, *hashes).ok()) {
      consistent_below = m + 1;
    } else {
      inconsistent_at = m;
    }
  }
  return inconsistent_at - 1;
}

// Names the entry behind a root-mismatch finding when the node's proofs allow it.
void NameMismatch(LogSource& source, LogScan* scan) {
  AuditFinding& f = *scan->finding;
  if (const std::optional<int64_t> bad = LocateMismatch(source, scan->checkpoint)) {
    f.entries = {{f.node, *bad, "entry"}};
    StrAppend(&f.message, ": entry ", *bad,
              " is not the one the node signed (the entries before it are; found by bisecting "
              "with the node's consistency proofs)");
  } else {
    StrAppend(&f.message, ": an entry at or after index ", scan->first_index,
              " is not the one the node signed");
  }
}

}  // namespace

absl::StatusOr<LogScan> ScanLog(LogSource& source, const crypto::NoteVerifier& log, AuditTree* tree,
                                const ScanOptions& options) {
  LogScan scan;
  scan.first_index = tree->size();
  const auto started = std::chrono::steady_clock::now();
  int64_t next = tree->size();
  bool ended = false;
  if (options.watch_size == next) scan.root_at_watch = tree->Root();
  const auto stop = [&](AuditFinding f) {
    scan.finding = std::move(f);
    return absl::AbortedError("the audit found a problem");
  };
  // The log's format, from the first entry streamed: a v2 leaf starts with its version byte
  // 0x02, which no pbl.v1.Entry does (its first byte is a field's tag), and every later entry
  // must be of the same format.
  std::optional<bool> v2;
  MapAudit map;
  const bool check_map = scan.first_index == 0;
  absl::Status status = source.StreamEntries(next, [&](const EntryChunk& chunk) -> absl::Status {
    if (ended) {
      return stop(LogFinding("stream-invalid", options.node,
                             "the stream went on after the message carrying the checkpoint"));
    }
    if (chunk.first_index != static_cast<uint64_t>(next)) {
      return stop(LogFinding(
          "stream-invalid", options.node,
          StrCat("a chunk starts at index ", chunk.first_index, " where index ", next, " was due"),
          next));
    }
    for (const std::string_view bytes : chunk.entries) {
      if (!v2) v2 = !bytes.empty() && static_cast<uint8_t>(bytes[0]) == ledger::kLeafVersion;
      std::optional<AuditFinding> bad = options.visit ? options.visit(next, bytes)
                                        : *v2         ? CheckLeaf(options.node, next, bytes)
                                                      : CheckEntry(options.node, next, bytes);
      if (bad) return stop(*std::move(bad));
      const Hash leaf_hash = crypto::LeafHash(crypto::AsBytes(bytes));
      tree->Append(leaf_hash);
      if (*v2 && check_map) map.Add(next, bytes, leaf_hash);
      ++next;
      if (next == options.watch_size) scan.root_at_watch = tree->Root();
    }
    if (!chunk.checkpoint.empty()) {
      ended = true;
      scan.note = std::string(chunk.checkpoint);
    }
    if (options.progress) {
      options.progress(next - scan.first_index,
                       std::max(options.total_hint, next) - scan.first_index);
    }
    return absl::OkStatus();
  });
  scan.entries = next - scan.first_index;
  if (v2) scan.format = *v2 ? 2 : 1;
  scan.elapsed_us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
  if (scan.finding) return scan;
  PBL_RETURN_IF_ERROR(status);
  if (!ended) {
    scan.finding = LogFinding("stream-invalid", options.node,
                              StrCat("the stream ended at index ", next, " without a checkpoint"));
    return scan;
  }
  scan.finding = CheckStreamCheckpoint(log, *tree, options.node, &scan);
  if (scan.finding && scan.finding->code == "root-mismatch") NameMismatch(source, &scan);
  if (!scan.finding && v2 && *v2 && check_map) scan.finding = map.Check(options.node, &scan);
  return scan;
}

// --- Remembered checkpoints -------------------------------------------------------------------

namespace {

AuditFinding Equivocation(const std::string& node, std::string message, std::string remembered,
                          std::string presented) {
  return LogFinding("equivocation", node, std::move(message), std::nullopt,
                    {std::move(remembered), std::move(presented)});
}

// The node's own checkpoint for the remembered size must be the remembered one. nullopt when it
// is, or when the node keeps none for that size.
absl::StatusOr<std::optional<AuditFinding>> CheckSameSize(LogSource& source,
                                                          const crypto::NoteVerifier& log,
                                                          const std::string& node,
                                                          const RememberedLog& remembered) {
  const int64_t size = remembered.checkpoint.size;
  if (size == 0) return std::nullopt;  // tree_size 0 asks for the latest
  absl::StatusOr<std::string> note = source.Checkpoint(size);
  if (absl::IsNotFound(note.status())) return std::nullopt;
  PBL_RETURN_IF_ERROR(note.status());
  absl::StatusOr<crypto::OpenedCheckpoint> opened = crypto::OpenCheckpoint(*note, log);
  if (!opened.ok()) {
    return LogFinding("checkpoint-invalid", node,
                      StrCat("the node's checkpoint for size ", size,
                             " does not verify: ", ToStd(opened.status().message())),
                      std::nullopt, {*note});
  }
  if (opened->checkpoint == remembered.checkpoint) return std::nullopt;
  return Equivocation(
      node,
      StrCat("the node signed two different checkpoints for size ", size, ": root ",
             HashHex(remembered.checkpoint.root), " (remembered in ", remembered.path,
             ") and root ", HashHex(opened->checkpoint.root), " (served now)"),
      remembered.note, *note);
}

// The node's consistency proof from the remembered checkpoint to the scanned one.
absl::StatusOr<std::optional<AuditFinding>> CheckConsistency(LogSource& source,
                                                             const std::string& node,
                                                             const RememberedLog& remembered,
                                                             const LogScan& scan) {
  const int64_t old_size = remembered.checkpoint.size;
  const int64_t new_size = scan.checkpoint.size;
  if (old_size == 0) return std::nullopt;  // the empty tree is a prefix of every tree
  std::vector<Hash> proof;
  if (old_size < new_size) {
    PBL_ASSIGN_OR_RETURN(const std::vector<std::string> served,
                         source.ConsistencyProof(old_size, new_size));
    std::optional<std::vector<Hash>> hashes = ProofHashes(served);
    if (!hashes) {
      return Equivocation(node,
                          StrCat("the node's consistency proof from size ", old_size, " to ",
                                 new_size, " holds a hash that is not 32 bytes"),
                          remembered.note, scan.note);
    }
    proof = *std::move(hashes);
  }
  const absl::Status proved = crypto::VerifyConsistency(
      old_size, new_size, remembered.checkpoint.root, scan.checkpoint.root, proof);
  if (proved.ok()) return std::nullopt;
  return Equivocation(node,
                      StrCat("the checkpoint the node signs now (size ", new_size,
                             ") is not consistent with the one it signed for size ", old_size, ": ",
                             ToStd(proved.message())),
                      remembered.note, scan.note);
}

}  // namespace

absl::StatusOr<std::optional<AuditFinding>> CheckRemembered(LogSource& source,
                                                            const crypto::NoteVerifier& log,
                                                            const std::string& node,
                                                            const RememberedLog& remembered,
                                                            const LogScan& scan) {
  const int64_t old_size = remembered.checkpoint.size;
  if (scan.checkpoint.size < old_size) {
    return LogFinding("rollback", node,
                      StrCat("the node's log has ", scan.checkpoint.size,
                             " entries but it signed a checkpoint of size ", old_size,
                             " before (remembered in ", remembered.path, ")"),
                      std::nullopt, {remembered.note, scan.note});
  }
  PBL_ASSIGN_OR_RETURN(std::optional<AuditFinding> finding,
                       CheckSameSize(source, log, node, remembered));
  if (finding) return finding;
  if (scan.root_at_watch && *scan.root_at_watch != remembered.checkpoint.root) {
    return Equivocation(
        node,
        StrCat("the node signed root ", HashHex(remembered.checkpoint.root), " for size ", old_size,
               " (remembered in ", remembered.path, "), but the first ", old_size,
               " entries of the log it signs now at size ", scan.checkpoint.size, " hash to ",
               HashHex(*scan.root_at_watch)),
        remembered.note, scan.note);
  }
  return CheckConsistency(source, node, remembered, scan);
}

// --- The whole audit of one log ---------------------------------------------------------------

int64_t CheckpointSizeHint(const std::string& note) {
  absl::StatusOr<crypto::Note> parsed = crypto::ParseNote(note);
  if (!parsed.ok()) return 0;
  absl::StatusOr<crypto::Checkpoint> cp = crypto::ParseCheckpoint(parsed->text);
  return cp.ok() ? cp->size : 0;
}

namespace {

// What is wrong with a scanned log, the remembered checkpoint included. Failed reads are the
// status.
absl::StatusOr<std::vector<AuditFinding>> LogFindings(
    LogSource& source, const crypto::NoteVerifier& log,
    const std::optional<RememberedLog>& remembered, const LogScan& scan) {
  std::vector<AuditFinding> findings;
  // A tree that does not match its signed root is still checked against the remembered
  // checkpoint: a forked log (the remembered prefix changed) is an equivocation, and in
  // incremental mode it shows first as a root mismatch. Entries that are not the signed ones
  // say nothing of the remembered prefix, so then only the signed notes and proofs count.
  if (remembered && (!scan.finding || scan.finding->code == "root-mismatch")) {
    LogScan signed_scan = scan;
    if (signed_scan.finding) signed_scan.root_at_watch.reset();
    PBL_ASSIGN_OR_RETURN(std::optional<AuditFinding> finding,
                         CheckRemembered(source, log, log.name(), *remembered, signed_scan));
    if (finding) findings.push_back(*std::move(finding));
  }
  if (scan.finding) findings.push_back(*scan.finding);
  return findings;
}

}  // namespace

absl::StatusOr<LogAudit> AuditLog(LogSource& source, const crypto::NoteVerifier& log,
                                  const std::optional<RememberedLog>& remembered,
                                  const LogAuditOptions& options) {
  PBL_ASSIGN_OR_RETURN(const std::string head, source.Checkpoint(0));
  const int64_t hint = CheckpointSizeHint(head);
  LogAudit audit;
  if (options.incremental && remembered && remembered->tree &&
      hint >= remembered->checkpoint.size) {
    audit.tree = *remembered->tree;  // resume where the last audit ended
  }
  ScanOptions scan_options;
  scan_options.node = log.name();
  scan_options.total_hint = hint;
  scan_options.watch_size = remembered ? remembered->checkpoint.size : -1;
  scan_options.progress = options.progress;
  PBL_ASSIGN_OR_RETURN(audit.scan, ScanLog(source, log, &audit.tree, scan_options));
  PBL_ASSIGN_OR_RETURN(audit.findings, LogFindings(source, log, remembered, audit.scan));
  return audit;
}

}  // namespace pbl::verifier
