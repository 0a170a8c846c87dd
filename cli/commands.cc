#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include "cli/command_registry.h"
#include "cli/exit_codes.h"

namespace pbl::cli {

int RunPbl(int argc, char** argv, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "pbl: the Portable Benefit Ledger command line, for workers (history, entitlement,\n"
      "statements), administrators (import, enroll, transfers, tokens), auditors (audit) and\n"
      "anyone (plan, offline verification). Keys, checkpoints and proofs follow the C2SP\n"
      "signed-note, tlog-checkpoint and tlog-proof formats.\n"
      "Connection: --server, --ca, --cert/--key or --token, or a --connection TOML file\n"
      "(see `pbl history --help`).\n"
      "Exit codes: 0 ok, 1 verification found a problem, 2 usage or bad input,\n"
      "3 server unavailable, 4 permission denied, 5 internal error.",
      "pbl"};
  app.require_subcommand(1);
  CommandContext ctx(out, err);
  RegisterCryptoCommands(app, ctx);
  RegisterNodeCommands(app, ctx);
  RegisterImportCommands(app, ctx);
  RegisterStatementCommands(app, ctx);
  RegisterAuditCommands(app, ctx);
  RegisterPlanCommands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    app.exit(e, out, err);
    return kExitBadInput;
  }
  return ctx.command ? ctx.command() : kExitBadInput;
}

}  // namespace pbl::cli
