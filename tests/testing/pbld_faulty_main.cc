// pbld_faulty: the test daemon, pbld with faults. `pbld_faulty --fault-plan FILE --config FILE
// [pbld's other options]` reads the fault plan (tests/testing/fault_plan.h) and runs PbldMain
// with its NodeSeams (tests/testing/fault_seams.h). Built with the tests only; the harness starts
// it instead of pbld when a test asks for a fault plan. Exit codes as pbld's; 2 also for a
// missing or bad fault plan.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "rpc/node.h"
#include "tests/testing/fault_plan.h"
#include "tests/testing/fault_seams.h"

int main(int argc, char** argv) {
  std::string plan_path;
  std::vector<char*> pbld_args;  // argv without --fault-plan FILE, for PbldMain
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--fault-plan") == 0 && i + 1 < argc) {
      plan_path = argv[++i];
      continue;
    }
    pbld_args.push_back(argv[i]);
  }
  if (plan_path.empty()) {
    std::cerr << "pbld_faulty: --fault-plan FILE is required (without faults, run pbld)\n";
    return 2;
  }
  const absl::StatusOr<pbl::testing::FaultPlanSpec> plan = pbl::testing::LoadFaultPlan(plan_path);
  if (!plan.ok()) {
    std::cerr << "pbld_faulty: " << plan.status().message() << "\n";
    return 2;
  }
  pbld_args.push_back(nullptr);
  return pbl::rpc::PbldMain(static_cast<int>(pbld_args.size()) - 1, pbld_args.data(),
                            pbl::testing::FaultSeams(*plan));
}
