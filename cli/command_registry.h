// How `pbl`'s command groups plug into one CLI11 application: each group's Register function
// adds its subcommands, keeps its flags alive in the context, and sets `command` to what runs
// once parsing succeeds. Not thread-safe (one parse per process).
#ifndef PBL_CLI_COMMAND_REGISTRY_H_
#define PBL_CLI_COMMAND_REGISTRY_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <ostream>
#include <vector>

namespace pbl::cli {

class CommandContext {
 public:
  CommandContext(std::ostream& out_stream, std::ostream& err_stream)
      : out(out_stream), err(err_stream) {}

  std::ostream& out;
  std::ostream& err;
  std::function<int()> command;  // set by the parsed subcommand's callback

  // A value that lives as long as the context (flags that CLI11 writes into).
  template <typename T>
  T& Keep() {
    auto owned = std::make_shared<T>();
    T& ref = *owned;
    kept_.push_back(std::move(owned));
    return ref;
  }

 private:
  std::vector<std::shared_ptr<void>> kept_;
};

// Keys, checkpoints and proofs (crypto_commands.cc).
void RegisterCryptoCommands(CLI::App& app, CommandContext& ctx);
// transfer, token (node_commands.cc).
void RegisterNodeCommands(CLI::App& app, CommandContext& ctx);
// import, enroll (import_command.cc).
void RegisterImportCommands(CLI::App& app, CommandContext& ctx);
// history, entitlement, statement export|verify (statement_commands.cc).
void RegisterStatementCommands(CLI::App& app, CommandContext& ctx);
// audit log|transfers (audit_commands.cc).
void RegisterAuditCommands(CLI::App& app, CommandContext& ctx);
// plan (plan_command.cc).
void RegisterPlanCommands(CLI::App& app, CommandContext& ctx);

}  // namespace pbl::cli

#endif  // PBL_CLI_COMMAND_REGISTRY_H_
