// What workers run (issue 6): `pbl history`, `pbl entitlement`, and portable statements,
// `pbl statement export` (from a node) and `pbl statement verify` (offline). The statement file
// format is specs/statement-format.md (cli/statement_file.h); the table and the month chart are
// cli/history_view.h.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/command_registry.h"
#include "cli/connection.h"
#include "cli/exit_codes.h"
#include "cli/history_view.h"
#include "cli/statement_file.h"
#include "crypto/base/private_file.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/encoding.h"
#include "crypto/note.h"
#include "crypto/note_verifiers.h"
#include "ledger/domain/money.h"
#include "ledger/domain/month_ranges.h"

namespace pbl::cli {

namespace {

constexpr size_t kKeyFileBytesMax = 4096;

constexpr std::string_view kConnectionHelp =
    "Connection: --server and --ca, then a worker's --token (or --token-file), or an\n"
    "administrator's or auditor's --cert and --key; or all of it in a --connection file.\n"
    "A worker sees only their own person (exit 4 for anyone else).\n"
    "Exit codes: 0 ok, 2 bad input, 3 node unreachable, 4 permission denied.";

// Reports a failed step on `err` and turns its status into an exit code.
int Fail(std::ostream& err, std::string_view what, const absl::Status& status) {
  err << "pbl: " << what << ": " << ToStd(status.message()) << "\n";
  return ExitCodeFor(status);
}

absl::StatusOr<std::string> ReadFile(const std::string& path, size_t bytes_max) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return absl::NotFoundError(StrCat("cannot read ", path, ": ", ec.message()));
  if (size > bytes_max) {
    return absl::InvalidArgumentError(StrCat(path, " is larger than ", bytes_max, " bytes"));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in) return absl::NotFoundError(StrCat("cannot read ", path));
  return s.str();
}

std::string YesNo(bool b) { return b ? "yes" : "no"; }

// --- history -----------------------------------------------------------------------------------

struct HistoryFlags {
  ConnectionFlags connection;
  std::string person_id;
  std::string scheme_id;
  bool ascii = false;
  bool json = false;
};

int RunHistory(const HistoryFlags& f, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<rpc::NodeClient>> client = Connect(f.connection);
  if (!client.ok()) return Fail(err, "history", client.status());
  absl::StatusOr<v1::GetHistoryResponse> history = (*client)->GetHistory(f.person_id, f.scheme_id);
  if (!history.ok()) return FailCall(err, "history", history.status());
  std::vector<DecodedEntry> entries;
  for (const v1::IndexedEntryBytes& e : history->entries()) {
    absl::StatusOr<DecodedEntry> decoded = DecodeEntry(e.index(), e.entry());
    if (!decoded.ok()) return Fail(err, "history", decoded.status());
    entries.push_back(std::move(*decoded));
  }
  absl::StatusOr<MonthsByScheme> months = CountMonths(entries);
  if (!months.ok()) return Fail(err, "history", months.status());
  if (f.json) {
    const nlohmann::json j = {{"person_id", f.person_id},
                              {"scheme_id", f.scheme_id},
                              {"tree_size", history->tree_size()},
                              {"entries", EntriesJson(entries)},
                              {"months", MonthsJson(*months)}};
    out << j.dump(2) << "\n";
    return kExitOk;
  }
  out << "History of " << f.person_id << (f.scheme_id.empty() ? "" : " in " + f.scheme_id)
      << " (the node's log has " << history->tree_size() << " entries)\n\n";
  PrintHistoryTable(entries, out);
  out << "\n";
  PrintMonthChart(*months, f.ascii, out);
  return kExitOk;
}

void RegisterHistory(CLI::App& app, CommandContext& ctx) {
  HistoryFlags& f = ctx.Keep<HistoryFlags>();
  CLI::App* cmd = app.add_subcommand(
      "history", "Show a person's entries on a node, and a chart of their months per year");
  cmd->footer(StrCat(
      "Prints a table of every entry (index, scheme, kind, period, base, personal part, employer\n"
      "part or premium subsidies, in yuan with 2 decimals), then a chart with one row per year\n"
      "and, per scheme, 12 cells (January to December): paid here (contributions, premium\n"
      "years, MLG payments, after corrections), credited by a transfer in, moved out by a\n"
      "transfer, or none; and the number of months that count in the scheme that year.\n\n",
      kConnectionHelp));
  cmd->add_option("--person-id", f.person_id, "The person's 18-character resident id")->required();
  cmd->add_option("--scheme-id", f.scheme_id, "Only this scheme, e.g. UEBPI-310000");
  cmd->add_flag("--ascii", f.ascii, "Draw the chart with ASCII characters only (# + - .)");
  cmd->add_flag("--json", f.json,
                "Print JSON instead: the entries decoded (fields as in entry.proto, amounts in "
                "fen) and the months per scheme per year");
  AddConnectionOptions(cmd, &f.connection);
  cmd->callback([&] { ctx.command = [&] { return RunHistory(f, ctx.out, ctx.err); }; });
}

// --- entitlement -------------------------------------------------------------------------------

struct EntitlementFlags {
  ConnectionFlags connection;
  std::string person_id;
  std::string scheme_id;
  std::string as_of;
  bool json = false;
};

std::string RuleText(const std::string& rule_id) {
  return rule_id.empty() ? "rule (none)" : "rule " + rule_id;
}

void PrintLine(std::ostream& out, std::string_view label, const std::string& value,
               const std::string& note = "") {
  std::string line = StrCat("  ", label, std::string(26 - std::min<size_t>(label.size(), 25), ' '),
                            std::string(14 - std::min<size_t>(value.size(), 13), ' '), value);
  if (!note.empty()) StrAppend(&line, "  ", note);
  out << line << "\n";
}

void PrintEntitlement(const v1::GetEntitlementResponse& e, std::ostream& out) {
  using ledger::FormatFen;
  out << "Entitlement of " << e.person_id() << " in " << e.scheme_id() << " as of " << e.as_of()
      << " (amounts in yuan)\n";
  PrintLine(out, "months own", std::to_string(e.months_own()));
  for (const v1::TransferredMonthsSummary& t : e.months_transferred_in()) {
    PrintLine(out, "months transferred in", std::to_string(t.months()),
              StrCat("transfer ", t.transfer_id(), " from ", t.source_scheme_id()));
  }
  PrintLine(out, "months transferred out", std::to_string(e.months_transferred_out()));
  PrintLine(out, "months total", std::to_string(e.months_total()), RuleText(e.months_rule_id()));
  const std::string account_rule = RuleText(e.account_rule_id());
  PrintLine(out, "account principal", FormatFen(e.account_principal_fen()), account_rule);
  PrintLine(out, "account interest", FormatFen(e.account_interest_fen()), account_rule);
  PrintLine(out, "account balance", FormatFen(e.account_balance_fen()), account_rule);
  PrintLine(out, "pooled transferred in", FormatFen(e.pooled_transferred_in_fen()));
  PrintLine(out, "refunds", FormatFen(e.refunds_fen()));
  PrintLine(out, "retirement month",
            e.retirement_month().empty() ? "(not enrolled)" : e.retirement_month(),
            RuleText(e.retirement_rule_id()));
  PrintLine(out, "minimum months", std::to_string(e.minimum_months()),
            RuleText(e.minimum_rule_id()));
  PrintLine(out, "minimum met", YesNo(e.minimum_met()), RuleText(e.minimum_rule_id()));
  PrintLine(out, "drawing benefit", YesNo(e.drawing_benefit()));
  PrintLine(out, "pending transfer",
            e.pending_transfer_id().empty() ? "none" : e.pending_transfer_id());
}

int RunEntitlement(const EntitlementFlags& f, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<rpc::NodeClient>> client = Connect(f.connection);
  if (!client.ok()) return Fail(err, "entitlement", client.status());
  v1::GetEntitlementRequest request;
  request.set_person_id(f.person_id);
  request.set_scheme_id(f.scheme_id);
  request.set_as_of(f.as_of);
  absl::StatusOr<v1::GetEntitlementResponse> e = (*client)->GetEntitlement(request);
  if (!e.ok()) return FailCall(err, "entitlement", e.status());
  if (f.json) {
    out << ProtoToJson(*e).dump(2) << "\n";
  } else {
    PrintEntitlement(*e, out);
  }
  return kExitOk;
}

void RegisterEntitlement(CLI::App& app, CommandContext& ctx) {
  EntitlementFlags& f = ctx.Keep<EntitlementFlags>();
  CLI::App* cmd = app.add_subcommand("entitlement",
                                     "Show what a person is entitled to in one scheme on a date");
  cmd->footer(StrCat(
      "The node computes it from the person's entries and the rules (specs/domain.md): months\n"
      "(own, transferred in and out, total), the individual account (principal, interest,\n"
      "balance), pooled money transferred in, refunds, the retirement month and the minimum\n"
      "months; one labelled line each, amounts in yuan, with the id of the rule behind it.\n\n",
      kConnectionHelp));
  cmd->add_option("--person-id", f.person_id, "The person's 18-character resident id")->required();
  cmd->add_option("--scheme-id", f.scheme_id, "The scheme, e.g. UEBPI-310000")->required();
  cmd->add_option("--as-of", f.as_of, "The date, YYYY-MM-DD (default: the node's today)");
  cmd->add_flag("--json", f.json,
                "Print the GetEntitlementResponse as JSON (fields as in node.proto, amounts in "
                "fen)");
  AddConnectionOptions(cmd, &f.connection);
  cmd->callback([&] { ctx.command = [&] { return RunEntitlement(f, ctx.out, ctx.err); }; });
}

// --- statement export --------------------------------------------------------------------------

struct ExportFlags {
  ConnectionFlags connection;
  std::string person_id;
  std::string scheme_id;
  std::string out;
  bool json = false;
};

// The file for the node's statement, checked as far as it can be without the node's key.
absl::StatusOr<std::string> StatementText(const v1::Statement& statement) {
  PBL_ASSIGN_OR_RETURN(std::string text, FormatStatementFile(statement));
  absl::StatusOr<StatementFile> file = ParseStatementFile(text);
  if (!file.ok()) {
    return absl::DataLossError(
        StrCat("the node's statement is malformed: ", ToStd(file.status().message())));
  }
  PBL_ASSIGN_OR_RETURN(const crypto::Checkpoint checkpoint, UnverifiedCheckpoint(*file));
  absl::StatusOr<std::vector<DecodedEntry>> entries = VerifyStatementEntries(*file, checkpoint);
  if (!entries.ok()) {
    return absl::DataLossError(
        StrCat("the node's statement does not check out: ", ToStd(entries.status().message())));
  }
  return text;
}

int RunExport(const ExportFlags& f, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<rpc::NodeClient>> client = Connect(f.connection);
  if (!client.ok()) return Fail(err, "statement export", client.status());
  absl::StatusOr<v1::Statement> s = (*client)->GetStatement(f.person_id, f.scheme_id);
  if (!s.ok()) return FailCall(err, "statement export", s.status());
  if (s->person_id() != f.person_id) {
    return Fail(err, "statement export",
                absl::DataLossError("the node answered for another person"));
  }
  if (s->entries().empty()) {
    return Fail(err, "statement export",
                absl::FailedPreconditionError(
                    StrCat("the node has no entries of ", f.person_id,
                           f.scheme_id.empty() ? "" : " in " + f.scheme_id, ": nothing to prove")));
  }
  absl::StatusOr<std::string> text = StatementText(*s);
  if (!text.ok()) return Fail(err, "statement export", text.status());
  if (absl::Status w = WritePrivateFile(f.out, *text); !w.ok()) {
    return Fail(err, "statement export", w);
  }
  const crypto::Checkpoint cp = *UnverifiedCheckpoint(*ParseStatementFile(*text));
  if (f.json) {
    const nlohmann::json j = {
        {"out", f.out},        {"person_id", s->person_id()}, {"node_id", s->node_id()},
        {"origin", cp.origin}, {"tree_size", cp.size},        {"entries", s->entries_size()}};
    out << j.dump(2) << "\n";
    return kExitOk;
  }
  out << "wrote " << f.out << ": " << s->entries_size() << " entries of " << s->person_id()
      << " from node " << s->node_id() << " (log " << cp.origin << ", size " << cp.size
      << ")\ncheck it offline with: pbl statement verify " << f.out
      << " --vkey <the node's verifier key>\n";
  return kExitOk;
}

void RegisterExport(CLI::App* statement, CommandContext& ctx) {
  ExportFlags& f = ctx.Keep<ExportFlags>();
  CLI::App* cmd = statement->add_subcommand(
      "export", "Write a person's statement from a node as a portable statement file");
  cmd->footer(StrCat(
      "The statement holds the person's entries with their inclusion proofs against the node's\n"
      "signed checkpoint, in the format of specs/statement-format.md, so that anyone can check\n"
      "it offline with `pbl statement verify FILE --vkey <the node's verifier key>`. The proofs\n"
      "are checked before the file is written (exit 1 if the node's answer does not check out);\n"
      "the signature needs the node's key. A person without entries has no statement (exit 2).\n\n",
      kConnectionHelp));
  cmd->add_option("--person-id", f.person_id, "The person's 18-character resident id")->required();
  cmd->add_option("--scheme-id", f.scheme_id, "Only this scheme (default: every scheme)");
  cmd->add_option("--out", f.out, "The statement file to write (replaced if it exists)")
      ->required();
  cmd->add_flag("--json", f.json, "Print what was written as JSON");
  AddConnectionOptions(cmd, &f.connection);
  cmd->callback([&] { ctx.command = [&] { return RunExport(f, ctx.out, ctx.err); }; });
}

// --- statement verify --------------------------------------------------------------------------

struct VerifyFlags {
  std::string file;
  std::vector<std::string> vkeys;
  std::vector<std::string> witnesses;
  bool json = false;
};

// A verifier key given as itself or as a file holding it. A node key must be Ed25519.
absl::StatusOr<std::unique_ptr<crypto::NoteVerifier>> ReadKey(const std::string& key_or_file,
                                                              bool witness) {
  std::string text = key_or_file;
  if (std::filesystem::is_regular_file(key_or_file)) {
    PBL_ASSIGN_OR_RETURN(text, ReadFile(key_or_file, kKeyFileBytesMax));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  }
  PBL_ASSIGN_OR_RETURN(const crypto::VerifierKey key, crypto::ParseVerifierKey(text));
  if (!witness && key.type != crypto::kSignatureTypeEd25519) {
    return absl::InvalidArgumentError(
        "a --vkey must be a node's Ed25519 verifier key (type 0x01); give a cosignature key as "
        "--witness");
  }
  return crypto::MakeNoteVerifier(key);
}

absl::StatusOr<TrustedKeys> ReadKeys(const VerifyFlags& f) {
  TrustedKeys keys;
  for (const std::string& k : f.vkeys) {
    absl::StatusOr<std::unique_ptr<crypto::NoteVerifier>> v = ReadKey(k, false);
    if (!v.ok())
      return absl::Status(v.status().code(), StrCat("--vkey: ", ToStd(v.status().message())));
    keys.nodes.push_back(std::move(*v));
  }
  for (const std::string& k : f.witnesses) {
    absl::StatusOr<std::unique_ptr<crypto::NoteVerifier>> v = ReadKey(k, true);
    if (!v.ok()) {
      return absl::Status(v.status().code(), StrCat("--witness: ", ToStd(v.status().message())));
    }
    keys.witnesses.push_back(std::move(*v));
  }
  return keys;
}

struct Verified {
  VerifiedCheckpoint checkpoint;
  std::vector<DecodedEntry> entries;
  MonthsByScheme months;
};

void PrintVerified(const VerifyFlags& f, const StatementFile& file, const Verified& v,
                   std::ostream& out) {
  const crypto::Checkpoint& cp = v.checkpoint.checkpoint;
  std::string witnesses;
  for (const std::string& w : v.checkpoint.witness_signers) {
    StrAppend(&witnesses, witnesses.empty() ? "" : ", ", w);
  }
  std::string signers;
  for (const std::string& s : v.checkpoint.node_signers) {
    StrAppend(&signers, signers.empty() ? "" : ", ", s);
  }
  out << "statement verified: " << f.file << "\n"
      << "  person      " << file.statement.person_id() << "\n"
      << "  node        " << cp.origin << " (signed by " << signers << ")\n"
      << "  witnesses   " << (witnesses.empty() ? "none" : witnesses) << "\n"
      << "  checkpoint  size " << cp.size << ", root " << crypto::Base64Encode(cp.root) << "\n"
      << "  entries     " << v.entries.size() << " (log indexes " << v.entries.front().index
      << " to " << v.entries.back().index << "), each in the checkpoint's tree\n";
  std::string_view label = "  months      ";
  for (const auto& [scheme, m] : v.months) {
    const std::set<int32_t> counted = m.Counted();
    out << label << scheme << ": " << counted.size() << " months";
    if (!counted.empty()) out << " " << ledger::FormatMonthRanges(counted, ", ");
    if (!m.credited.empty()) {
      out << "; credited by transfers in " << ledger::FormatMonthRanges(m.credited, ", ");
    }
    if (!m.transferred_out.empty()) {
      out << "; moved out " << ledger::FormatMonthRanges(m.transferred_out, ", ");
    }
    out << "\n";
    label = "              ";
  }
}

nlohmann::json VerifiedJson(const VerifyFlags& f, const StatementFile& file, const Verified& v) {
  const crypto::Checkpoint& cp = v.checkpoint.checkpoint;
  return {{"verified", true},
          {"file", f.file},
          {"person_id", file.statement.person_id()},
          {"origin", cp.origin},
          {"node_signers", v.checkpoint.node_signers},
          {"witness_signers", v.checkpoint.witness_signers},
          {"tree_size", cp.size},
          {"root", crypto::Base64Encode(cp.root)},
          {"entries", EntriesJson(v.entries)},
          {"months", MonthsJson(v.months)}};
}

absl::StatusOr<Verified> Verify(const StatementFile& file, const TrustedKeys& keys) {
  Verified v;
  PBL_ASSIGN_OR_RETURN(v.checkpoint, VerifyStatementCheckpoint(file, keys));
  PBL_ASSIGN_OR_RETURN(v.entries, VerifyStatementEntries(file, v.checkpoint.checkpoint));
  PBL_ASSIGN_OR_RETURN(v.months, CountMonths(v.entries));
  return v;
}

int RunVerify(const VerifyFlags& f, std::ostream& out, std::ostream& err) {
  absl::StatusOr<TrustedKeys> keys = ReadKeys(f);
  if (!keys.ok()) return Fail(err, "statement verify", keys.status());
  absl::StatusOr<std::string> text = ReadFile(f.file, kStatementBytesMax);
  if (!text.ok()) return Fail(err, "statement verify", text.status());
  absl::StatusOr<StatementFile> file = ParseStatementFile(*text);
  if (!file.ok()) {
    err << "pbl: statement verify: " << f.file
        << " is not a valid statement file: " << ToStd(file.status().message()) << "\n";
    return kExitBadInput;
  }
  absl::StatusOr<Verified> v = Verify(*file, *keys);
  if (!v.ok()) {
    err << "pbl: statement verify: " << f.file
        << " does NOT verify: " << ToStd(v.status().message()) << "\n";
    return kExitVerificationFailed;
  }
  if (f.json) {
    out << VerifiedJson(f, *file, *v).dump(2) << "\n";
  } else {
    PrintVerified(f, *file, *v, out);
  }
  return kExitOk;
}

void RegisterVerify(CLI::App* statement, CommandContext& ctx) {
  VerifyFlags& f = ctx.Keep<VerifyFlags>();
  CLI::App* cmd = statement->add_subcommand(
      "verify", "Check a portable statement file offline, with the node's verifier key");
  cmd->add_option("file", f.file, "The statement file (specs/statement-format.md)")->required();
  cmd->add_option("--vkey", f.vkeys,
                  "A node's verifier key (name+keyid+base64), or a file holding it; repeat it to "
                  "trust several nodes")
      ->required()
      ->allow_extra_args(false);  // one key per --vkey, so that FILE may come after it
  cmd->add_option("--witness", f.witnesses,
                  "A witness's verifier key (or file) that must have cosigned the checkpoint")
      ->allow_extra_args(false);
  cmd->add_flag("--json", f.json, "Print what was verified as JSON");
  cmd->footer(
      "No server is needed. The checkpoint must be signed by a --vkey key named as its origin\n"
      "(and cosigned by every --witness), and every signature in it must be by a key given;\n"
      "every entry's inclusion proof must lead to the checkpoint's root, and every entry must\n"
      "be a pbl.v1.Entry of the statement's person. Prints the person, the node, the\n"
      "checkpoint, the entries and their months per scheme.\n\n"
      "Exit codes: 0 verified; 1 does NOT verify (the message names the checkpoint, or the line\n"
      "and the entry whose proof or bytes fail); 2 a malformed file (naming the line) or key.");
  cmd->callback([&] { ctx.command = [&] { return RunVerify(f, ctx.out, ctx.err); }; });
}

}  // namespace

void RegisterStatementCommands(CLI::App& app, CommandContext& ctx) {
  RegisterHistory(app, ctx);
  RegisterEntitlement(app, ctx);
  CLI::App* statement = app.add_subcommand(
      "statement", "Portable statements: export one from a node, verify one offline");
  statement->require_subcommand(1);
  RegisterExport(statement, ctx);
  RegisterVerify(statement, ctx);
}

}  // namespace pbl::cli
