#include "tests/testing/fault_plan.h"

#include <toml++/toml.h>

#include "crypto/base/status_macros.h"
#include "crypto/base/toml_reader.h"

namespace pbl::testing {

namespace {

absl::Status OptionalInt32(const TableReader& table, std::string_view key, int32_t max,
                           int32_t* out) {
  if (!table.Has(key)) return absl::OkStatus();
  PBL_ASSIGN_OR_RETURN(*out, table.Int32(key, 0, max));
  return absl::OkStatus();
}

absl::StatusOr<FaultPlanSpec> ReadPlan(const toml::table& document, std::string_view file) {
  const TableReader top(file, &document, 1, "");
  PBL_RETURN_IF_ERROR(
      top.CheckKeys({"fault_seed", "drop_request_percent", "drop_response_percent",
                     "duplicate_percent", "delay_ms_max", "tamper_package", "storage_faults"}));
  FaultPlanSpec plan;
  PBL_ASSIGN_OR_RETURN(const int64_t seed,
                       top.Int("fault_seed", 0, std::numeric_limits<int64_t>::max()));
  plan.seed = static_cast<uint64_t>(seed);
  PBL_RETURN_IF_ERROR(
      OptionalInt32(top, "drop_request_percent", kFaultPercentMax, &plan.drop_request_percent));
  PBL_RETURN_IF_ERROR(
      OptionalInt32(top, "drop_response_percent", kFaultPercentMax, &plan.drop_response_percent));
  PBL_RETURN_IF_ERROR(
      OptionalInt32(top, "duplicate_percent", kFaultPercentMax, &plan.duplicate_percent));
  PBL_RETURN_IF_ERROR(OptionalInt32(top, "delay_ms_max", kFaultDelayMsMax, &plan.delay_ms_max));
  if (top.Has("tamper_package")) {
    PBL_ASSIGN_OR_RETURN(plan.tamper_package, top.String("tamper_package", 16));
    if (!IsTamperKind(plan.tamper_package)) {
      return top.Error("tamper_package",
                       "must be \"signature\", \"proof\", \"drop-entry\" or \"withhold\"");
    }
  }
  if (top.Has("storage_faults")) {
    PBL_ASSIGN_OR_RETURN(plan.storage_faults, top.Bool("storage_faults"));
  }
  return plan;
}

}  // namespace

absl::StatusOr<FaultPlanSpec> ParseFaultPlan(std::string_view text, std::string_view file_name) {
  PBL_ASSIGN_OR_RETURN(const toml::table document, ParseToml(text, file_name));
  return ReadPlan(document, file_name);
}

absl::StatusOr<FaultPlanSpec> LoadFaultPlan(const std::string& path) {
  PBL_ASSIGN_OR_RETURN(const toml::table document, ParseTomlFile(path));
  return ReadPlan(document, path);
}

}  // namespace pbl::testing
