#include "rpc/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace pbl::rpc {

void InitLogging(std::string_view node_id) {
  auto logger = spdlog::stderr_logger_mt("pbld");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l node=" + std::string(node_id) + " %v",
                      spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
}

void LogInfo(std::string_view event, std::string_view fields) {
  spdlog::info("event={} {}", event, fields);
}

void LogWarning(std::string_view event, std::string_view fields) {
  spdlog::warn("event={} {}", event, fields);
}

}  // namespace pbl::rpc
