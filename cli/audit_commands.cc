// Placeholder until the command group lands.
#include "cli/command_registry.h"

namespace pbl::cli {

void RegisterAuditCommands(CLI::App&, CommandContext&) {}

}  // namespace pbl::cli
