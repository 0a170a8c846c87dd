#include "rpc/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "crypto/base/strings.h"

namespace pbl::rpc {

void InitLogging(std::string_view node_id) {
  auto logger = spdlog::stderr_logger_mt("pbld");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l node=" + std::string(node_id) + " %v",
                      spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
}

namespace {

// `fields` with every control character (and DEL) as \xNN.
std::string OneLine(std::string_view fields) {
  std::string out;
  out.reserve(fields.size());
  for (const char c : fields) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) {
      out.push_back(c);
      continue;
    }
    AppendHexEscape(&out, u);
  }
  return out;
}

}  // namespace

void LogInfo(std::string_view event, std::string_view fields) {
  spdlog::info("event={} {}", event, OneLine(fields));
}

void LogWarning(std::string_view event, std::string_view fields) {
  spdlog::warn("event={} {}", event, OneLine(fields));
}

std::string ReasonCodeField(const absl::Status& refusal) {
  return StrCat("reason_code=", absl::StatusCodeToString(refusal.code()),
                " (the reason is in the transfer's record)");
}

}  // namespace pbl::rpc
