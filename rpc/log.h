// The node's structured log (spdlog, one line per event, key=value fields). Person ids are never
// printed in full: ledger::MaskPersonId (ledger/domain/person_id.h) keeps the region and the
// last two characters.
#ifndef PBL_RPC_LOG_H_
#define PBL_RPC_LOG_H_

#include <string>
#include <string_view>

namespace pbl::rpc {

// Sets up the process-wide logger: to stderr, with the node id in every line.
void InitLogging(std::string_view node_id);

// One event: `LogInfo("append", "entries=12 first_index=40")`. Control characters in `fields`
// (a reason a peer sent may hold any) are written as \xNN, so that one event is one line and no
// caller's text can forge another.
void LogInfo(std::string_view event, std::string_view fields);
void LogWarning(std::string_view event, std::string_view fields);

}  // namespace pbl::rpc

#endif  // PBL_RPC_LOG_H_
