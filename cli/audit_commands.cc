// `pbl audit log` and `pbl audit transfers`: the flags, the progress bar and the reports of the
// verifier (ledger/verifier/), which reads each node's log through rpc::NodeLogSource.
#include <toml++/toml.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/command_registry.h"
#include "cli/connection.h"
#include "cli/exit_codes.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/base/toml_reader.h"
#include "crypto/encoding.h"
#include "crypto/note_verifiers.h"
#include "ledger/domain/calendar.h"
#include "ledger/domain/rules.h"
#include "ledger/verifier/finding.h"
#include "ledger/verifier/log_audit.h"
#include "ledger/verifier/state_dir.h"
#include "ledger/verifier/transfer_audit.h"
#include "ledger/verifier/transfer_logs.h"
#include "rpc/verifier_source.h"

namespace pbl::cli {

namespace {

using nlohmann::json;
using verifier::AuditEntryRef;
using verifier::AuditFinding;
using verifier::AuditStateDir;
using verifier::RememberedLog;
using verifier::TransferLogs;
using verifier::TransferReport;

constexpr std::chrono::milliseconds kProgressRedraw{200};
constexpr int kProgressBarWidth = 24;
constexpr size_t kVkeyFileBytesMax = 4096;
constexpr int kGraceSecondsDefault = 10;

constexpr char kFindingCodesHelp[] =
    "Findings (each with a stable code, the node, the transfer id and the log indices of the\n"
    "entries involved):\n"
    "  log:       entry-invalid, stream-invalid, checkpoint-invalid, size-mismatch,\n"
    "             root-mismatch, equivocation (two signed checkpoints that cannot both be\n"
    "             honest; both notes are printed in full), rollback (the log shrank),\n"
    "             map-invalid, map-mismatch (a v2 checkpoint's person map)\n"
    "  transfers: missing-transfer-in, missing-transfer-out, missing-transfer-initiated,\n"
    "             missing-transfer-requested, duplicate-entry, ended-differently,\n"
    "             figures-differ, details-differ, out-of-order, orphan-entry,\n"
    "             incomplete-package, package-not-in-source-log, pending-past-deadline,\n"
    "             month-counted-twice, rules-refuse, and the rules checks of\n"
    "             ledger::VerifyTransfer: differs-from-plan, months-not-conserved,\n"
    "             account-out-differs-from-in, refund-wrong\n"
    "Exit codes: 0 no finding, 1 findings (or a log that does not verify), 2 bad flags,\n"
    "3 a node unavailable, 4 permission denied (the certificate must be an auditor's or an\n"
    "administrator's), 5 internal error.";

// A one-line progress bar on stderr: entries done of the total, rate and time left, redrawn at
// most every kProgressRedraw.
class ProgressBar {
 public:
  ProgressBar(std::ostream& err, bool enabled, std::string label)
      : err_(err), enabled_(enabled), label_(std::move(label)) {}
  ~ProgressBar() { Finish(); }

  void Update(int64_t done, int64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && done < total && now - last_ < kProgressRedraw) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
    const int filled = total > 0 ? static_cast<int>(done * kProgressBarWidth / total) : 0;
    const int64_t eta_s =
        rate > 0 ? static_cast<int64_t>(static_cast<double>(total - done) / rate) : 0;
    char eta[32];
    std::snprintf(eta, sizeof(eta), "%lld:%02lld", static_cast<long long>(eta_s / 60),
                  static_cast<long long>(eta_s % 60));
    err_ << "\r" << label_ << " [" << std::string(static_cast<size_t>(filled), '#')
         << std::string(static_cast<size_t>(kProgressBarWidth - filled), '.') << "] " << done << "/"
         << total << " entries  " << static_cast<int64_t>(rate) << " entries/s  ETA " << eta << "  "
         << std::flush;
    drawn_ = true;
  }

  void Finish() {
    if (drawn_) err_ << "\n";
    drawn_ = false;
  }

 private:
  std::ostream& err_;
  bool enabled_;
  std::string label_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_;
};

bool ShowProgress(bool flag) { return flag || ::isatty(STDERR_FILENO) == 1; }

std::string DefaultStateDir() {
  const char* home = std::getenv("HOME");
  return (std::filesystem::path(home != nullptr && *home != '\0' ? home : ".") / ".pbl" / "audit")
      .string();
}

// The key itself, or a file holding it (users copy either around).
absl::StatusOr<std::unique_ptr<crypto::NoteVerifier>> ReadVerifier(const std::string& vkey_or_file,
                                                                   const std::string& base = "") {
  std::string vkey = vkey_or_file;
  std::filesystem::path path(vkey_or_file);
  if (!base.empty() && path.is_relative()) path = std::filesystem::path(base) / path;
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    if (std::filesystem::file_size(path, ec) > kVkeyFileBytesMax) {
      return absl::InvalidArgumentError(StrCat(path.string(), " is too large for a key"));
    }
    std::ifstream in(path);
    std::getline(in, vkey);
    while (!vkey.empty() && (vkey.back() == '\r' || vkey.back() == ' ')) vkey.pop_back();
  }
  return crypto::NewNoteVerifier(vkey);
}

// Seconds, for reports (the verifier counts whole microseconds).
double Seconds(int64_t elapsed_us) { return static_cast<double>(elapsed_us) / 1e6; }

double Rate(int64_t entries, int64_t elapsed_us) {
  return elapsed_us > 0 ? static_cast<double>(entries) / Seconds(elapsed_us) : 0;
}

// --- Reports ----------------------------------------------------------------------------------

json FindingJson(const AuditFinding& f) {
  json entries = json::array();
  for (const AuditEntryRef& e : f.entries) {
    entries.push_back({{"node", e.node}, {"index", e.index}, {"kind", e.kind}});
  }
  json j = {{"code", f.code},     {"node", f.node},       {"transfer_id", f.transfer_id},
            {"entries", entries}, {"message", f.message}, {"evidence", f.evidence}};
  return j;
}

void PrintFinding(const AuditFinding& f, std::ostream& out) {
  out << "FINDING " << f.code << "  node " << f.node;
  if (!f.transfer_id.empty()) out << "  transfer " << f.transfer_id;
  out << "\n  " << f.message << "\n";
  if (!f.entries.empty()) {
    out << "  entries:";
    for (const AuditEntryRef& e : f.entries) {
      out << " " << e.node << "#" << e.index << " (" << e.kind << ")";
    }
    out << "\n";
  }
  const bool two_heads = f.code == "equivocation" || f.code == "rollback";
  if (f.code == "equivocation") {
    out << "  EQUIVOCATION: the node signed both notes below; they cannot both be honest\n";
  }
  for (size_t i = 0; i < f.evidence.size(); ++i) {
    const std::string label = two_heads && f.evidence.size() == 2
                                  ? (i == 0 ? "remembered from the last audit" : "served now")
                                  : "signed note";
    out << "  --- evidence " << i + 1 << ", " << label << " ---\n"
        << f.evidence[i] << (f.evidence[i].ends_with('\n') ? "" : "\n") << "  --- end of evidence "
        << i + 1 << " ---\n";
  }
}

// Prints the findings (as JSON in `json_out` when given) and returns exit code 1.
int ReportFindings(std::string_view what, const std::vector<AuditFinding>& findings,
                   std::ostream& out, std::ostream& err, json* json_out) {
  if (json_out != nullptr) {
    (*json_out)["ok"] = false;
    json& list = (*json_out)["findings"] = json::array();
    for (const AuditFinding& f : findings) list.push_back(FindingJson(f));
    out << json_out->dump(2) << "\n";
  } else {
    for (const AuditFinding& f : findings) PrintFinding(f, out);
  }
  const AuditFinding& first = findings.front();
  err << "pbl: " << what << ": " << (first.code == "equivocation" ? "EQUIVOCATION: " : "")
      << findings.size() << (findings.size() == 1 ? " finding" : " findings") << ", first "
      << first.code << " at " << first.node << ": " << first.message << "\n";
  return kExitVerificationFailed;
}

// --- audit log --------------------------------------------------------------------------------

struct AuditLogFlags {
  ConnectionFlags connection;
  std::string vkey;
  std::string state_dir;
  bool incremental = false;
  bool progress = false;
  bool json = false;
};

void PrintLogSummary(const AuditLogFlags& f, const verifier::LogAudit& r,
                     const std::optional<RememberedLog>& remembered, const std::string& path,
                     std::ostream& out) {
  const verifier::LogScan& s = r.scan;
  const double rate = Rate(s.entries, s.elapsed_us);
  if (f.json) {
    json j = {{"ok", true},
              {"origin", s.checkpoint.origin},
              {"size", s.checkpoint.size},
              {"root_hex", crypto::HexEncode(s.checkpoint.root)},
              {"verified_from", s.first_index},
              {"entries_checked", s.entries},
              {"seconds", Seconds(s.elapsed_us)},
              {"entries_per_second", static_cast<int64_t>(rate)},
              {"format", s.format},
              {"previous_size", nullptr},
              {"state_file", path},
              {"findings", json::array()}};
    if (remembered) j["previous_size"] = remembered->checkpoint.size;
    if (s.map) {
      j["map"] = {{"size", s.map->size},
                  {"root_hex", crypto::HexEncode(s.map->root)},
                  {"keys", s.map_keys}};
    }
    out << j.dump(2) << "\n";
    return;
  }
  char timing[96];
  std::snprintf(timing, sizeof(timing), "in %.2f s (%lld entries/s)", Seconds(s.elapsed_us),
                static_cast<long long>(rate));
  out << "log verified: " << s.checkpoint.origin << "\n"
      << "  size      " << s.checkpoint.size << "\n"
      << "  root      " << crypto::HexEncode(s.checkpoint.root) << "\n"
      << "  entries   " << s.entries << " checked from index " << s.first_index << " " << timing
      << "\n";
  if (s.format == 2) {
    out << "  format    v2: sealed leaves, checked without reading any person's data\n";
    if (s.map) {
      out << "  map       size " << s.map->size << ", " << s.map_keys
          << " person keys: the root the checkpoint carries is the map of the leaves' chains\n";
    } else {
      out << "  map       not checked: an incremental audit does not hold the chains before index "
          << s.first_index << " (run without --incremental)\n";
    }
  } else if (s.format == 1) {
    out << "  format    v1: every entry read in the clear\n";
  }
  if (remembered) {
    out << "  previous  size " << remembered->checkpoint.size
        << ": consistent (same signed checkpoint for that size, consistency proof verified)\n";
  } else {
    out << "  previous  none: first audit of this log\n";
  }
  out << "  remembered in " << path << "\n";
}

int RunAuditLog(const AuditLogFlags& f, std::ostream& out, std::ostream& err) {
  constexpr std::string_view kWhat = "audit log";
  absl::StatusOr<std::unique_ptr<crypto::NoteVerifier>> verifier = ReadVerifier(f.vkey);
  if (!verifier.ok()) return FailCall(err, "audit log: --vkey", verifier.status());
  const std::string& origin = (*verifier)->name();
  absl::StatusOr<std::unique_ptr<rpc::NodeClient>> client = Connect(f.connection);
  if (!client.ok()) return FailCall(err, kWhat, client.status());
  const AuditStateDir state(f.state_dir.empty() ? DefaultStateDir() : f.state_dir);
  absl::StatusOr<std::optional<RememberedLog>> remembered = state.Load(**verifier);
  if (!remembered.ok()) return FailCall(err, kWhat, remembered.status());
  rpc::NodeLogSource source(**client);
  verifier::LogAuditOptions options;
  options.incremental = f.incremental;
  ProgressBar bar(err, ShowProgress(f.progress), origin);
  options.progress = [&bar](int64_t done, int64_t total) { bar.Update(done, total); };
  absl::StatusOr<verifier::LogAudit> audit =
      verifier::AuditLog(source, **verifier, *remembered, options);
  bar.Finish();
  if (!audit.ok()) return FailCall(err, kWhat, audit.status());
  const verifier::LogAudit& r = *audit;
  json report = {{"origin", origin}};
  if (!r.findings.empty()) {
    return ReportFindings(kWhat, r.findings, out, err, f.json ? &report : nullptr);
  }
  if (absl::Status saved = state.Save(r.scan.note, r.scan.checkpoint, r.tree); !saved.ok()) {
    err << "pbl: audit log: the log verified, but its checkpoint cannot be remembered in "
        << state.dir() << ": " << saved.message() << "\n";
    return kExitBadInput;
  }
  PrintLogSummary(f, r, *remembered, state.CheckpointPath(origin), out);
  return kExitOk;
}

// --- audit transfers --------------------------------------------------------------------------

struct AuditTransfersFlags {
  ConnectionFlags credentials;  // shared by every node; the server comes from the node list
  std::vector<std::string> nodes;
  std::vector<std::string> vkeys;
  std::string nodes_file;
  std::string state_dir;
  std::string rules_dir;
  std::string as_of;
  int grace_seconds = kGraceSecondsDefault;
  bool progress = false;
  bool json = false;
};

struct NodeTarget {
  std::string name;
  std::string server;
  std::string vkey;
  std::string vkey_base;  // folder that a relative vkey file is relative to
};

absl::Status SplitNamed(const std::string& flag, const std::string& text, std::string* name,
                        std::string* value) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    return absl::InvalidArgumentError(StrCat(flag, " \"", text, "\" is not NAME=VALUE"));
  }
  *name = text.substr(0, eq);
  *value = text.substr(eq + 1);
  return absl::OkStatus();
}

absl::Status ReadNodesFile(const std::string& file, std::vector<NodeTarget>* targets) {
  PBL_ASSIGN_OR_RETURN(const toml::table table, ParseTomlFile(file));
  const toml::array* nodes = table["node"].as_array();
  if (nodes == nullptr) return absl::InvalidArgumentError(StrCat(file, ": no [[node]] tables"));
  const std::string base = std::filesystem::path(file).parent_path().string();
  for (size_t i = 0; i < nodes->size(); ++i) {
    const toml::table* node = (*nodes)[i].as_table();
    if (node == nullptr) return absl::InvalidArgumentError(StrCat(file, ": node[", i, "]"));
    NodeTarget t;
    t.name = (*node)["name"].value_or(std::string());
    t.server = (*node)["server"].value_or(std::string());
    t.vkey = (*node)["vkey"].value_or(std::string());
    if (t.vkey.empty()) {
      t.vkey = (*node)["vkey_file"].value_or(std::string());
      t.vkey_base = base;
    }
    if (t.name.empty() || t.server.empty() || t.vkey.empty()) {
      return absl::InvalidArgumentError(
          StrCat(file, ": node[", i, "] needs name, server and vkey (or vkey_file)"));
    }
    targets->push_back(std::move(t));
  }
  return absl::OkStatus();
}

// The nodes to audit, from --nodes and the --node/--vkey pairs.
absl::StatusOr<std::vector<NodeTarget>> NodeTargets(const AuditTransfersFlags& f) {
  std::vector<NodeTarget> targets;
  if (!f.nodes_file.empty()) PBL_RETURN_IF_ERROR(ReadNodesFile(f.nodes_file, &targets));
  for (const std::string& text : f.nodes) {
    NodeTarget t;
    PBL_RETURN_IF_ERROR(SplitNamed("--node", text, &t.name, &t.server));
    for (const std::string& key : f.vkeys) {
      std::string name, vkey;
      PBL_RETURN_IF_ERROR(SplitNamed("--vkey", key, &name, &vkey));
      if (name == t.name) t.vkey = vkey;
    }
    if (t.vkey.empty()) {
      return absl::InvalidArgumentError(StrCat("no --vkey ", t.name, "=... for --node ", text));
    }
    targets.push_back(std::move(t));
  }
  for (const std::string& key : f.vkeys) {
    std::string name, vkey;
    PBL_RETURN_IF_ERROR(SplitNamed("--vkey", key, &name, &vkey));
    if (std::none_of(f.nodes.begin(), f.nodes.end(),
                     [&](const std::string& node) { return node.starts_with(name + "="); })) {
      return absl::InvalidArgumentError(StrCat("--vkey ", name, "=... names no --node"));
    }
  }
  if (targets.empty()) {
    return absl::InvalidArgumentError("no nodes: give --node and --vkey, or --nodes");
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (targets[i].name == targets[j].name) {
        return absl::InvalidArgumentError(StrCat("node ", targets[i].name, " is given twice"));
      }
    }
  }
  return targets;
}

struct AuditedNode {
  NodeTarget target;
  std::unique_ptr<rpc::NodeClient> client;
  std::unique_ptr<rpc::NodeLogSource> source;  // reads through client
  std::unique_ptr<crypto::NoteVerifier> verifier;
  std::optional<RememberedLog> remembered;
};

absl::StatusOr<std::vector<AuditedNode>> ConnectNodes(const AuditTransfersFlags& f,
                                                      const AuditStateDir& state) {
  PBL_ASSIGN_OR_RETURN(std::vector<NodeTarget> targets, NodeTargets(f));
  std::vector<AuditedNode> nodes;
  for (NodeTarget& t : targets) {
    AuditedNode node;
    absl::StatusOr<std::unique_ptr<crypto::NoteVerifier>> verifier =
        ReadVerifier(t.vkey, t.vkey_base);
    if (!verifier.ok()) {
      return absl::InvalidArgumentError(
          StrCat("the key of node ", t.name, ": ", ToStd(verifier.status().message())));
    }
    node.verifier = *std::move(verifier);
    ConnectionFlags connection = f.credentials;
    connection.server = t.server;
    PBL_ASSIGN_OR_RETURN(node.client, Connect(connection));
    node.source = std::make_unique<rpc::NodeLogSource>(*node.client);
    PBL_ASSIGN_OR_RETURN(node.remembered, state.Load(*node.verifier));
    node.target = std::move(t);
    nodes.push_back(std::move(node));
  }
  return nodes;
}

void PrintTransfersReport(const std::vector<verifier::TransferNode>& nodes,
                          const TransferLogs& logs, const TransferReport& report, bool as_json,
                          std::ostream& out) {
  json j_nodes = json::array();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const TransferLogs::Log& log = logs.log(i);
    j_nodes.push_back({{"name", log.name},
                       {"origin", log.checkpoint.origin},
                       {"size", log.checkpoint.size},
                       {"root_hex", crypto::HexEncode(log.checkpoint.root)},
                       {"entries_per_second",
                        static_cast<int64_t>(Rate(nodes[i].entries, nodes[i].elapsed_us))}});
  }
  json findings = json::array();
  for (const AuditFinding& f : report.findings) findings.push_back(FindingJson(f));
  if (as_json) {
    json j = {{"ok", report.findings.empty()},
              {"nodes", j_nodes},
              {"transfers",
               {{"checked", report.transfers},
                {"completed", report.completed},
                {"voided", report.voided},
                {"in_progress", report.in_progress},
                {"skipped", report.skipped}}},
              {"findings", findings}};
    out << j.dump(2) << "\n";
    return;
  }
  out << "logs verified\n";
  for (const json& n : j_nodes) {
    out << "  " << n["name"].get<std::string>() << "  " << n["origin"].get<std::string>()
        << "  size " << n["size"].get<int64_t>() << "  root " << n["root_hex"].get<std::string>()
        << "  (" << n["entries_per_second"].get<int64_t>() << " entries/s)\n";
  }
  out << "transfers checked: " << report.transfers << " (completed " << report.completed
      << ", voided " << report.voided << ", in progress " << report.in_progress
      << ", skipped (a node not audited) " << report.skipped << ")\n";
  for (const AuditFinding& f : report.findings) PrintFinding(f, out);
  out << (report.findings.empty() ? std::string("no findings")
                                  : StrCat(report.findings.size(), " findings"))
      << "\n";
}

absl::StatusOr<verifier::TransferAuditOptions> TransferOptions(const AuditTransfersFlags& f,
                                                               ledger::RuleSet* loaded) {
  verifier::TransferAuditOptions o;
  o.rules = &ledger::DefaultRules();
  if (!f.rules_dir.empty()) {
    PBL_ASSIGN_OR_RETURN(*loaded, ledger::LoadRulesDirectory(f.rules_dir));
    o.rules = loaded;
  }
  if (f.grace_seconds < 0) return absl::InvalidArgumentError("--grace-seconds is negative");
  o.grace_ms = int64_t{f.grace_seconds} * 1000;
  o.now_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  o.as_of = ledger::DateFromUnixMs(o.now_unix_ms);
  if (!f.as_of.empty()) {
    PBL_ASSIGN_OR_RETURN(o.as_of, ledger::ParseDate(f.as_of, "--as-of"));
  }
  return o;
}

int RunAuditTransfers(const AuditTransfersFlags& f, std::ostream& out, std::ostream& err) {
  constexpr std::string_view kWhat = "audit transfers";
  ledger::RuleSet loaded_rules;
  absl::StatusOr<verifier::TransferAuditOptions> options = TransferOptions(f, &loaded_rules);
  if (!options.ok()) return FailCall(err, kWhat, options.status());
  const AuditStateDir state(f.state_dir.empty() ? DefaultStateDir() : f.state_dir);
  absl::StatusOr<std::vector<AuditedNode>> nodes = ConnectNodes(f, state);
  if (!nodes.ok()) return FailCall(err, kWhat, nodes.status());
  std::vector<verifier::TransferNode> read_nodes;
  for (const AuditedNode& node : *nodes) {
    read_nodes.push_back({node.target.name, node.source.get(), node.verifier.get(),
                          node.remembered ? &*node.remembered : nullptr});
  }
  const bool progress = ShowProgress(f.progress);
  // Each node's first pass draws its own bar, finished when the pass ends.
  const auto progress_bar = [&](size_t n) -> verifier::AuditProgress {
    auto bar = std::make_shared<ProgressBar>(err, progress, read_nodes[n].name);
    return [bar](int64_t done, int64_t total) { bar->Update(done, total); };
  };
  TransferLogs logs;
  const verifier::TransferLogsRead read =
      verifier::ReadTransferLogs(read_nodes, progress_bar, &logs);
  if (!read.status.ok()) {
    return FailCall(err, StrCat(kWhat, ": ", read_nodes[read.failed_node].name), read.status);
  }
  json report_json;
  if (!read.findings.empty()) {
    return ReportFindings(kWhat, read.findings, out, err, f.json ? &report_json : nullptr);
  }
  for (size_t i = 0; i < nodes->size(); ++i) {
    const TransferLogs::Log& log = logs.log(i);
    if (absl::Status saved = state.Save(log.note, log.checkpoint, log.tree); !saved.ok()) {
      err << "pbl: audit transfers: cannot remember the checkpoint of " << log.name << " in "
          << state.dir() << ": " << saved.message() << "\n";
    }
  }
  const TransferReport report = verifier::CheckTransfers(logs, *options);
  PrintTransfersReport(read_nodes, logs, report, f.json, out);
  if (report.findings.empty()) return kExitOk;
  const AuditFinding& first = report.findings.front();
  err << "pbl: audit transfers: " << report.findings.size() << " findings, first " << first.code
      << " (transfer " << first.transfer_id << ", node " << first.node << ")\n";
  return kExitVerificationFailed;
}

// --- Registration -----------------------------------------------------------------------------

void AddCredentialOptions(CLI::App* cmd, ConnectionFlags* f) {
  cmd->add_option("--connection", f->connection_file,
                  "TOML file with a [connection] table: ca, cert, key, token_file (its server is "
                  "ignored: each node has its own)");
  cmd->add_option("--ca", f->ca, "PEM CA certificate that signed the nodes' certificates");
  cmd->add_option("--cert", f->cert, "PEM client certificate (an auditor's)");
  cmd->add_option("--key", f->key, "PEM key of --cert");
  cmd->add_option("--token", f->token, "A token instead of a certificate (refused: exit 4)");
  cmd->add_option("--token-file", f->token_file, "A file holding a token");
  cmd->add_option("--timeout", f->timeout_s, "Seconds to wait for each call but the stream");
}

void RegisterAuditLog(CLI::App* audit, CommandContext& ctx) {
  AuditLogFlags& f = ctx.Keep<AuditLogFlags>();
  CLI::App* cmd = audit->add_subcommand(
      "log", "Verify a node's log against its signed checkpoint and the last one remembered");
  cmd->footer(StrCat(
      "Reads every entry (StreamEntries), checks that each is a valid pbl.v1.Entry, rebuilds\n"
      "the Merkle tree and requires its root to be the root of the checkpoint the node signs\n"
      "(--vkey) for that size. The verified checkpoint is remembered in --state-dir; the next\n"
      "audit requires the node's checkpoint for the remembered size to be that one and a\n"
      "consistency proof from it to verify, else it reports EQUIVOCATION with both signed\n"
      "notes in full. A v2 log (sealed leaves) is checked from its leaves alone: every\n"
      "person key's chain is folded and the map the checkpoint carries (its pbl-map line)\n"
      "must be the map of those chains at its map size (MAP-MISMATCH otherwise), which needs\n"
      "the whole log, so --incremental does not check it. Prints origin, size, root and\n"
      "entries/s; a progress bar on a terminal.\n"
      "Example:\n"
      "  pbl audit log --server 127.0.0.1:7443 --ca ca.crt --cert auditor.crt \\\n"
      "      --key auditor.key --vkey shanghai.vkey\n\n",
      kFindingCodesHelp));
  cmd->add_option("--vkey", f.vkey, "The node's verifier key, or a file holding it")->required();
  cmd->add_option("--state-dir", f.state_dir,
                  "Where the last verified checkpoint of each log is remembered, one file per "
                  "origin (default ~/.pbl/audit)");
  cmd->add_flag("--incremental", f.incremental,
                "Check only the entries after the remembered checkpoint (the tree resumes from "
                "the remembered frontier; consistency is still proved). Default: the whole log");
  cmd->add_flag("--progress", f.progress,
                "Draw the progress bar on stderr even when it is not a terminal");
  cmd->add_flag("--json", f.json, "Print the report as JSON");
  AddConnectionOptions(cmd, &f.connection);
  std::ostream& out = ctx.out;
  std::ostream& err = ctx.err;
  std::function<int()>& command = ctx.command;
  cmd->callback([&] { command = [&] { return RunAuditLog(f, out, err); }; });
}

void RegisterAuditTransfers(CLI::App* audit, CommandContext& ctx) {
  AuditTransfersFlags& f = ctx.Keep<AuditTransfersFlags>();
  CLI::App* cmd = audit->add_subcommand(
      "transfers", "Cross-check every transfer between the given nodes from their logs");
  cmd->footer(StrCat(
      "Each log is verified as by `audit log` (a first pass over every log, then a catch-up\n"
      "pass, so that an entry another log must answer is judged only once that log was read\n"
      "after it). Then: every transfer_out has exactly one transfer_in with the same figures\n"
      "and vice versa; the package held every entry of the person in the source scheme up to\n"
      "transfer_initiated, against a prefix of the source's log (its size and root as\n"
      "transfer_in records them); what was credited is what the rules give; no month is\n"
      "counted twice for a person in one scheme kind; nothing is pending past its deadline.\n"
      "A transfer with a node not audited is counted as skipped (its pending side is still\n"
      "checked). Node names are the node ids transfer entries use. Nodes are given as\n"
      "  --node shanghai=127.0.0.1:7443 --vkey shanghai=KEY_OR_FILE   (repeat per node)\n"
      "or --nodes FILE, a TOML file of [[node]] tables:\n"
      "  [[node]]\n"
      "  name = \"shanghai\"\n"
      "  server = \"127.0.0.1:7443\"\n"
      "  vkey_file = \"shanghai.vkey\"   # or vkey = \"pbl.example/node/310000+...\"\n"
      "The credentials (--ca, --cert, --key or --connection) are shared by every node.\n\n",
      kFindingCodesHelp));
  cmd->add_option("--node", f.nodes, "NAME=HOST:PORT of a node to audit (repeat)");
  cmd->add_option("--vkey", f.vkeys, "NAME=VKEY: the node's verifier key or a file holding it");
  cmd->add_option("--nodes", f.nodes_file, "TOML file listing the nodes ([[node]] tables)");
  cmd->add_option("--state-dir", f.state_dir,
                  "Remembered checkpoints, as for `audit log` (default ~/.pbl/audit)");
  cmd->add_option("--grace-seconds", f.grace_seconds,
                  "How long past its deadline a transfer may still be ending before it is "
                  "reported pending (default 10)");
  cmd->add_option("--as-of", f.as_of,
                  "YYYY-MM-DD at which months are counted (default: today, UTC)");
  cmd->add_option("--rules-dir", f.rules_dir, "Rules files (default: the rules built in)");
  cmd->add_flag("--progress", f.progress,
                "Draw progress bars on stderr even when it is not a terminal");
  cmd->add_flag("--json", f.json, "Print the report as JSON");
  AddCredentialOptions(cmd, &f.credentials);
  std::ostream& out = ctx.out;
  std::ostream& err = ctx.err;
  std::function<int()>& command = ctx.command;
  cmd->callback([&] { command = [&] { return RunAuditTransfers(f, out, err); }; });
}

}  // namespace

void RegisterAuditCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* audit = app.add_subcommand(
      "audit",
      "Auditors: verify a node's log and its signed checkpoints (log), and the transfers\n"
      "between nodes (transfers). Needs an auditor's (or administrator's) certificate.");
  audit->require_subcommand(1);
  audit->footer(kFindingCodesHelp);
  RegisterAuditLog(audit, ctx);
  RegisterAuditTransfers(audit, ctx);
}

}  // namespace pbl::cli
