// Every `pbl` subcommand. RunPbl parses the command line and runs one command, writing results
// to `out` and errors to `err`; it returns the process exit code (cli/exit_codes.h). Not
// thread-safe (CLI11 parsers hold state); one call per process is the intended use.
#ifndef PBL_CLI_COMMANDS_H_
#define PBL_CLI_COMMANDS_H_

#include <ostream>

namespace pbl::cli {

int RunPbl(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace pbl::cli

#endif  // PBL_CLI_COMMANDS_H_
