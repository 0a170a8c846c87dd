// The node's structured log (spdlog, one line per event, key=value fields). Person ids are never
// printed in full: ledger::MaskPersonId (ledger/domain/person_id.h) keeps the region and the
// last two characters.
#ifndef PBL_RPC_LOG_H_
#define PBL_RPC_LOG_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace pbl::rpc {

// Sets up the process-wide logger: to stderr, with the node id in every line.
void InitLogging(std::string_view node_id);

// One event: `LogInfo("append", "entries=12 first_index=40")`. Control characters in `fields`
// (a reason a peer sent may hold any) are written as \xNN, so that one event is one line and no
// caller's text can forge another.
void LogInfo(std::string_view event, std::string_view fields);
void LogWarning(std::string_view event, std::string_view fields);

// `reason_code=<CODE>` for a refusal whose text may hold a person's facts (a retirement month,
// months counted, figures): the text goes to the transfer's record, which an administrator reads
// (`pbl transfer status`), never to the log, where a line with the transfer id can be joined to
// the line with the person's masked id.
std::string ReasonCodeField(const absl::Status& refusal);

}  // namespace pbl::rpc

#endif  // PBL_RPC_LOG_H_
