#include "cli/connection.h"

#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/exit_codes.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/base/toml_reader.h"

namespace pbl::cli {

namespace {

std::string Resolve(const std::filesystem::path& base, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (base / path).string();
}

absl::Status ReadConnectionFile(const std::string& file, ConnectionFlags* f) {
  PBL_ASSIGN_OR_RETURN(const toml::table table, ParseTomlFile(file));
  const toml::table* c = table["connection"].as_table();
  if (c == nullptr) return absl::InvalidArgumentError(StrCat(file, ": no [connection] table"));
  const std::filesystem::path base = std::filesystem::path(file).parent_path();
  for (const auto& [key, value] : *c) {
    const std::string k(key.str());
    const std::optional<std::string> text = value.value<std::string>();
    if (!text)
      return absl::InvalidArgumentError(StrCat(file, ": connection.", k, " must be a string"));
    // Flags given on the command line win over the file.
    if (k == "server") {
      if (f->server.empty()) f->server = *text;
    } else if (k == "ca") {
      if (f->ca.empty()) f->ca = Resolve(base, *text);
    } else if (k == "cert") {
      if (f->cert.empty()) f->cert = Resolve(base, *text);
    } else if (k == "key") {
      if (f->key.empty()) f->key = Resolve(base, *text);
    } else if (k == "token_file") {
      if (f->token_file.empty()) f->token_file = Resolve(base, *text);
    } else {
      return absl::InvalidArgumentError(StrCat(file, ": unknown key connection.", k));
    }
  }
  return absl::OkStatus();
}

}  // namespace

void AddConnectionOptions(CLI::App* cmd, ConnectionFlags* f) {
  cmd->add_option("--connection", f->connection_file,
                  "TOML file with a [connection] table: server, ca, cert, key, token_file");
  cmd->add_option("--server", f->server, "The node's address, host:port");
  cmd->add_option("--ca", f->ca, "PEM CA certificate that signed the node's certificate");
  cmd->add_option("--cert", f->cert, "PEM client certificate (administrators, auditors)");
  cmd->add_option("--key", f->key, "PEM key of --cert");
  cmd->add_option("--token", f->token, "A worker token (instead of a certificate)");
  cmd->add_option("--token-file", f->token_file, "A file holding a worker token");
  cmd->add_option("--timeout", f->timeout_s, "Seconds to wait for each call (default 60)");
}

absl::StatusOr<std::unique_ptr<rpc::NodeClient>> Connect(const ConnectionFlags& flags) {
  ConnectionFlags f = flags;
  if (!f.connection_file.empty()) PBL_RETURN_IF_ERROR(ReadConnectionFile(f.connection_file, &f));
  if (f.server.empty()) return absl::InvalidArgumentError("no --server (or connection file) given");
  if (f.ca.empty())
    return absl::InvalidArgumentError("no --ca given to check the node's certificate");
  if (f.cert.empty() != f.key.empty()) {
    return absl::InvalidArgumentError("--cert and --key go together");
  }
  rpc::ClientOptions o;
  o.address = f.server;
  o.ca_file = f.ca;
  o.cert_file = f.cert;
  o.key_file = f.key;
  o.token = f.token;
  if (o.token.empty() && !f.token_file.empty()) {
    std::ifstream in(f.token_file);
    if (!in) return absl::InvalidArgumentError(StrCat("cannot read token file ", f.token_file));
    std::getline(in, o.token);
  }
  o.timeout_ms = int64_t{f.timeout_s} * 1000;
  return rpc::NodeClient::Connect(o);
}

int FailCall(std::ostream& err, std::string_view what, const absl::Status& status) {
  err << "pbl: " << what << ": " << status.message() << "\n";
  if (absl::IsUnauthenticated(status)) return kExitPermissionDenied;
  return ExitCodeFor(status);
}

}  // namespace pbl::cli
