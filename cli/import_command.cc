// Placeholder until the command group lands.
#include "cli/command_registry.h"

namespace pbl::cli {

void RegisterImportCommands(CLI::App&, CommandContext&) {}

}  // namespace pbl::cli
