// `pbl transfer start|status|list|cancel` and `pbl token issue|revoke`: administrators' commands
// that call a node.

#include <nlohmann/json.hpp>

#include "cli/command_registry.h"
#include "cli/connection.h"
#include "cli/exit_codes.h"
#include "cli/figures_view.h"
#include "crypto/base/private_file.h"
#include "crypto/base/strings.h"
#include "ledger/domain/rules.h"
#include "rpc/worker_token.h"

namespace pbl::cli {

namespace {

// One transfer as `transfer start`, `status` and `cancel` print it.
int PrintTransfer(const v1::TransferStatus& status, bool json, std::ostream& out) {
  if (json) {
    out << TransferStatusJson(status).dump(2) << "\n";
  } else {
    PrintTransferStatus(status, ledger::DefaultRules(), out);
  }
  return kExitOk;
}

struct TransferStartFlags {
  ConnectionFlags connection;
  std::string transfer_id;
  std::string person_id;
  std::string from_node;
  std::string from_scheme;
  std::string to_scheme;
  std::string date;
  bool approved = false;
  bool no_wait = false;
  bool json = false;
};

int RunTransferStart(const TransferStartFlags& f, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<rpc::NodeClient>> client = Connect(f.connection);
  if (!client.ok()) return FailCall(err, "connect", client.status());
  v1::StartTransferRequest request;
  request.set_transfer_id(f.transfer_id);
  request.set_person_id(f.person_id);
  request.set_source_node_id(f.from_node);
  request.set_source_scheme_id(f.from_scheme);
  request.set_destination_scheme_id(f.to_scheme);
  request.set_date(f.date);
  request.set_officially_approved(f.approved);
  request.set_wait(!f.no_wait);
  absl::StatusOr<v1::TransferStatus> status = (*client)->StartTransfer(request);
  if (!status.ok()) return FailCall(err, "transfer start", status.status());
  return PrintTransfer(*status, f.json, out);
}

struct TransferStatusFlags {
  ConnectionFlags connection;
  std::string transfer_id;
  bool json = false;
};

int RunTransferStatus(const TransferStatusFlags& f, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<rpc::NodeClient>> client = Connect(f.connection);
  if (!client.ok()) return FailCall(err, "connect", client.status());
  absl::StatusOr<v1::TransferStatus> status = (*client)->GetTransfer(f.transfer_id);
  if (!status.ok()) return FailCall(err, "transfer status", status.status());
  return PrintTransfer(*status, f.json, out);
}

struct TransferCancelFlags {
  ConnectionFlags connection;
  std::string transfer_id;
  std::string reason;
  bool json = false;
};

int RunTransferCancel(const TransferCancelFlags& f, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<rpc::NodeClient>> client = Connect(f.connection);
  if (!client.ok()) return FailCall(err, "connect", client.status());
  absl::StatusOr<v1::TransferStatus> status = (*client)->CancelTransfer(f.transfer_id, f.reason);
  if (!status.ok()) return FailCall(err, "transfer cancel", status.status());
  return PrintTransfer(*status, f.json, out);
}

struct TransferListFlags {
  ConnectionFlags connection;
  std::string state;
  uint32_t limit = 1000;
  std::string after;
  bool json = false;
};

int RunTransferList(const TransferListFlags& f, std::ostream& out, std::ostream& err) {
  v1::ListTransfersRequest request;
  if (!f.state.empty()) {
    v1::TransferState state;
    std::string name = "TRANSFER_STATE_" + f.state;
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!v1::TransferState_Parse(name, &state) || state == v1::TRANSFER_STATE_UNSPECIFIED) {
      err << "pbl: --state must be requested, initiated, credited, completed or voided\n";
      return kExitBadInput;
    }
    request.set_state(state);
  }
  request.set_limit(f.limit);
  request.set_after_transfer_id(f.after);
  absl::StatusOr<std::unique_ptr<rpc::NodeClient>> client = Connect(f.connection);
  if (!client.ok()) return FailCall(err, "connect", client.status());
  absl::StatusOr<v1::ListTransfersResponse> list = (*client)->ListTransfers(request);
  if (!list.ok()) return FailCall(err, "transfer list", list.status());
  for (const std::string& name : list->unreadable_records()) {
    err << "pbl: warning: transfer record " << name
        << " cannot be read; the node has quarantined it (see its log)\n";
  }
  if (f.json) {
    nlohmann::json all = nlohmann::json::array();
    for (const v1::TransferStatus& s : list->transfers()) all.push_back(TransferStatusJson(s));
    out << all.dump(2) << "\n";
    return kExitOk;
  }
  for (const v1::TransferStatus& s : list->transfers()) {
    out << s.terms().transfer_id() << "  "
        << v1::TransferState_Name(s.state()).substr(sizeof("TRANSFER_STATE_") - 1) << "  "
        << (s.role() == v1::TRANSFER_ROLE_SOURCE ? "source     " : "destination") << "  "
        << s.terms().source_node_id() << "/" << s.terms().source_scheme_id() << " -> "
        << s.terms().destination_node_id() << "/" << s.terms().destination_scheme_id() << "\n";
  }
  out << list->transfers_size() << " transfers\n";
  return kExitOk;
}

struct TokenFlags {
  ConnectionFlags connection;
  std::string person_id;
  uint32_t ttl_s = 86'400;
  std::string out_file;
  bool json = false;
};

int RunTokenIssue(const TokenFlags& f, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<rpc::NodeClient>> client = Connect(f.connection);
  if (!client.ok()) return FailCall(err, "connect", client.status());
  absl::StatusOr<v1::IssueWorkerTokenResponse> token =
      (*client)->IssueWorkerToken(f.person_id, f.ttl_s);
  if (!token.ok()) return FailCall(err, "token issue", token.status());
  if (!f.out_file.empty()) {
    // A bearer token is a secret: the file is the worker's alone from its first byte.
    if (const absl::Status w = WritePrivateFile(f.out_file, StrCat(token->token(), "\n"));
        !w.ok()) {
      err << "pbl: " << w.message() << "\n";
      return kExitBadInput;
    }
  }
  if (f.json) {
    out << nlohmann::json{{"token", token->token()}, {"expires_unix_ms", token->expires_unix_ms()}}
               .dump(2)
        << "\n";
  } else if (f.out_file.empty()) {
    out << token->token() << "\n";
  } else {
    out << "token for " << f.person_id << " written to " << f.out_file << " (mode 0600)\n";
  }
  return kExitOk;
}

struct RevokeFlags {
  ConnectionFlags connection;
  std::string person_id;
  std::string reason;
};

int RunTokenRevoke(const RevokeFlags& f, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<rpc::NodeClient>> client = Connect(f.connection);
  if (!client.ok()) return FailCall(err, "connect", client.status());
  absl::StatusOr<v1::RevokeWorkerTokensResponse> revoked =
      (*client)->RevokeWorkerTokens(f.person_id, f.reason);
  if (!revoked.ok()) return FailCall(err, "token revoke", revoked.status());
  out << "every token of " << f.person_id << " issued before "
      << rpc::FormatRfc3339(revoked->revoked_before_unix_ms()) << " is void\n";
  return kExitOk;
}

void RegisterTransfer(CLI::App& app, CommandContext& ctx) {
  CLI::App* transfer = app.add_subcommand(
      "transfer", "Move a person's record between schemes or nodes (administrators)");
  transfer->require_subcommand(1);
  auto& start = ctx.Keep<TransferStartFlags>();
  CLI::App* s = transfer->add_subcommand(
      "start",
      "Start a transfer at the destination node (the one --server names): it asks the source\n"
      "node, checks the signed package, recomputes the figures with its rules and credits them.\n"
      "Waits until the transfer completes or is voided, and prints what moved with each rule.");
  AddConnectionOptions(s, &start.connection);
  s->add_option("--person-id", start.person_id, "18-character resident identity number")
      ->required();
  s->add_option("--from-node", start.from_node,
                "The source node's id (this node's id for a "
                "transfer between two of its schemes)")
      ->required();
  s->add_option("--from-scheme", start.from_scheme, "Source scheme, e.g. UEBPI-310000")->required();
  s->add_option("--to-scheme", start.to_scheme, "Destination scheme, hosted by this node")
      ->required();
  s->add_option("--date", start.date, "Date the rules apply at, YYYY-MM-DD (default today)");
  s->add_option("--transfer-id", start.transfer_id,
                "Your own id for the transfer (retrying with it is safe); default: the node's");
  s->add_flag("--approved", start.approved,
              "Officially approved (Guobanfa [2009] No. 66 art. 5(3)): no temporary account");
  s->add_flag("--no-wait", start.no_wait, "Return once the transfer is requested");
  s->add_flag("--json", start.json, "Print JSON");
  s->callback([&] { ctx.command = [&] { return RunTransferStart(start, ctx.out, ctx.err); }; });

  auto& status = ctx.Keep<TransferStatusFlags>();
  CLI::App* st = transfer->add_subcommand("status", "Show one transfer as this node records it");
  AddConnectionOptions(st, &status.connection);
  st->add_option("transfer_id", status.transfer_id, "The transfer's id")->required();
  st->add_flag("--json", status.json, "Print JSON");
  st->callback([&] { ctx.command = [&] { return RunTransferStatus(status, ctx.out, ctx.err); }; });

  auto& cancel = ctx.Keep<TransferCancelFlags>();
  CLI::App* c = transfer->add_subcommand(
      "cancel",
      "Cancel a transfer before it moves anything. At the destination: one not yet credited;\n"
      "it is voided and the source is told (with a void the destination signs), so that the\n"
      "source releases the account. At the source: only one whose package never left (see\n"
      "`transfer status`); once it has, only the destination can end it.");
  AddConnectionOptions(c, &cancel.connection);
  c->add_option("transfer_id", cancel.transfer_id, "The transfer's id")->required();
  c->add_option("--reason", cancel.reason, "Why, recorded in the log (at most 512 bytes)")
      ->required();
  c->add_flag("--json", cancel.json, "Print JSON");
  c->callback([&] { ctx.command = [&] { return RunTransferCancel(cancel, ctx.out, ctx.err); }; });

  auto& list = ctx.Keep<TransferListFlags>();
  CLI::App* l = transfer->add_subcommand("list", "List this node's transfers, in id order");
  AddConnectionOptions(l, &list.connection);
  l->add_option("--state", list.state,
                "Only this state: requested, initiated, credited, completed, voided");
  l->add_option("--limit", list.limit, "At most this many (default 1000, at most 10000)");
  l->add_option("--after", list.after, "Start after this transfer id (paging)");
  l->add_flag("--json", list.json, "Print JSON");
  l->callback([&] { ctx.command = [&] { return RunTransferList(list, ctx.out, ctx.err); }; });
}

void RegisterToken(CLI::App& app, CommandContext& ctx) {
  CLI::App* token = app.add_subcommand("token", "Worker tokens (administrators)");
  token->require_subcommand(1);
  auto& issue = ctx.Keep<TokenFlags>();
  CLI::App* i = token->add_subcommand(
      "issue",
      "Issue a read-only token with which one worker reads their own records (history,\n"
      "entitlement, statement) from this node; PASETO v4.public signed by the node.");
  AddConnectionOptions(i, &issue.connection);
  i->add_option("--person-id", issue.person_id, "Whose records the token opens")->required();
  i->add_option("--ttl", issue.ttl_s, "Lifetime in seconds (default 86400)");
  i->add_option("--out", issue.out_file, "Write the token to this file (mode 0600)");
  i->add_flag("--json", issue.json, "Print JSON");
  i->callback([&] { ctx.command = [&] { return RunTokenIssue(issue, ctx.out, ctx.err); }; });

  auto& revoke = ctx.Keep<RevokeFlags>();
  CLI::App* r = token->add_subcommand(
      "revoke",
      "Void every token of one person issued until now (a lost or stolen token); tokens issued\n"
      "afterwards work. The node records it and checks it on every call.");
  AddConnectionOptions(r, &revoke.connection);
  r->add_option("--person-id", revoke.person_id, "Whose tokens to void")->required();
  r->add_option("--reason", revoke.reason, "Why, for the node's log (at most 512 bytes)");
  r->callback([&] { ctx.command = [&] { return RunTokenRevoke(revoke, ctx.out, ctx.err); }; });
}

}  // namespace

void RegisterNodeCommands(CLI::App& app, CommandContext& ctx) {
  RegisterTransfer(app, ctx);
  RegisterToken(app, ctx);
}

}  // namespace pbl::cli
