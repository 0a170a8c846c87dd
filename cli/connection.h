// How `pbl` reaches a node: flags (--server, --ca, --cert, --key, --token, --token-file) or a
// connection file (--connection FILE, TOML: a [connection] table with the same keys, paths
// relative to the file), flags winning. And the exit code of a failed call. Not thread-safe.
#ifndef PBL_CLI_CONNECTION_H_
#define PBL_CLI_CONNECTION_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "rpc/client.h"

namespace pbl::cli {

struct ConnectionFlags {
  std::string connection_file;
  std::string server;
  std::string ca;
  std::string cert;
  std::string key;
  std::string token;
  std::string token_file;
  int timeout_s = 60;
};

// Adds the connection options to `cmd`.
void AddConnectionOptions(CLI::App* cmd, ConnectionFlags* flags);

// A client for the node the flags name. INVALID_ARGUMENT naming what is missing or unreadable.
absl::StatusOr<std::unique_ptr<rpc::NodeClient>> Connect(const ConnectionFlags& flags);

// Prints "pbl: <what>: <message>" and returns the exit code: a refused token counts as
// permission denied (4), an unreachable node as unavailable (3).
int FailCall(std::ostream& err, std::string_view what, const absl::Status& status);

}  // namespace pbl::cli

#endif  // PBL_CLI_CONNECTION_H_
