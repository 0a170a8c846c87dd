// A fault plan for the test daemon pbld_faulty (tests/testing/pbld_faulty_main.cc): seeded faults
// on the node's outgoing peer calls and, optionally, a dishonest source. The harness writes it
// as a small TOML file (FormatFaultPlan, header-only, so that node_harness.h needs no project
// library); pbld_faulty reads it (LoadFaultPlan, fault_plan.cc) and turns it into NodeSeams
// (fault_seams.h). Production configuration has no such table (specs/node-config.md).
//
// The file:
//   fault_seed = 42               # required, 0 .. 2^63-1
//   drop_request_percent = 10     # 0 .. 100: the call never reaches the peer
//   drop_response_percent = 10    # 0 .. 100: the peer acts, the answer is lost
//   duplicate_percent = 5         # 0 .. 100: the call is sent twice
//   delay_ms_max = 50             # 0 .. 10000: each call first waits 0..delay_ms_max ms
//   tamper_package = "proof"      # "signature", "proof", "drop-entry" or "withhold" (the
//                                 # package is never sent); absent: honest
//   storage_faults = true         # the log's storage fails its next fsync once the file
//                                 # <data_dir>/log.fail-next-sync appears (and removes it)
#ifndef PBL_TESTS_TESTING_FAULT_PLAN_H_
#define PBL_TESTS_TESTING_FAULT_PLAN_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace pbl::testing {

inline constexpr int32_t kFaultPercentMax = 100;
inline constexpr int32_t kFaultDelayMsMax = 10'000;
// With storage_faults: the file <log dir> + this, once it exists, fails the log's next fsync.
inline constexpr std::string_view kFailNextSyncSuffix = ".fail-next-sync";

struct FaultPlanSpec {
  uint64_t seed = 0;  // TOML integers are signed: at most INT64_MAX
  int32_t drop_request_percent = 0;
  int32_t drop_response_percent = 0;
  int32_t duplicate_percent = 0;
  int32_t delay_ms_max = 0;
  std::string tamper_package;   // "signature", "proof", "drop-entry", "withhold"; empty: honest
  bool storage_faults = false;  // the fail-next-sync file (kFailNextSyncSuffix) is watched
};

// True for the ways a dishonest source tampers with its packages (and for "": honest).
inline bool IsTamperKind(std::string_view how) {
  return how.empty() || how == "signature" || how == "proof" || how == "drop-entry" ||
         how == "withhold";
}

// The plan as its TOML file. INVALID_ARGUMENT if the seed exceeds INT64_MAX or tamper_package is
// not a known kind (the daemon would refuse the file).
inline absl::StatusOr<std::string> FormatFaultPlan(const FaultPlanSpec& plan) {
  if (plan.seed > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::InvalidArgumentError("fault plan seed exceeds the TOML integer range");
  }
  if (!IsTamperKind(plan.tamper_package)) {
    return absl::InvalidArgumentError("unknown tamper_package '" + plan.tamper_package + "'");
  }
  std::string out = "# fault plan for pbld_faulty written by tests/testing\n";
  out += "fault_seed = " + std::to_string(plan.seed) + "\n";
  out += "drop_request_percent = " + std::to_string(plan.drop_request_percent) + "\n";
  out += "drop_response_percent = " + std::to_string(plan.drop_response_percent) + "\n";
  out += "duplicate_percent = " + std::to_string(plan.duplicate_percent) + "\n";
  out += "delay_ms_max = " + std::to_string(plan.delay_ms_max) + "\n";
  if (!plan.tamper_package.empty()) out += "tamper_package = \"" + plan.tamper_package + "\"\n";
  if (plan.storage_faults) out += "storage_faults = true\n";
  return out;
}

// Reads a plan file (fault_plan.cc, linked into pbld_faulty and its tests). INVALID_ARGUMENT
// "FILE:LINE: message" naming the key for syntax errors, unknown keys, a missing fault_seed and
// values out of range; as ParseTomlFile if the file cannot be read.
absl::StatusOr<FaultPlanSpec> ParseFaultPlan(std::string_view text, std::string_view file_name);
absl::StatusOr<FaultPlanSpec> LoadFaultPlan(const std::string& path);

}  // namespace pbl::testing

#endif  // PBL_TESTS_TESTING_FAULT_PLAN_H_
