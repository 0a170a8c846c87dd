// The NodeSeams (rpc/seams.h) of a fault plan, for the test daemon pbld_faulty and tests: every
// peer channel wrapped with the plan's faults, and with tamper_package a dishonest source. Test
// binaries only; pbld never links it.
#ifndef PBL_TESTS_TESTING_FAULT_SEAMS_H_
#define PBL_TESTS_TESTING_FAULT_SEAMS_H_

#include <functional>
#include <string_view>

#include "pbl/v1/node.pb.h"
#include "rpc/seams.h"
#include "tests/testing/fault_plan.h"

namespace pbl::testing {

// wrap_peer_channel: the plan's channel faults, seeded with plan.seed ^ hash(peer id) (one stream
// per peer, still replayable). send_package, when plan.tamper_package is set: UNAVAILABLE for
// "withhold" (the package never leaves), else TamperPackage. wrap_storage, when
// plan.storage_faults is set: the log's next fsync fails once <log dir>.fail-next-sync exists.
rpc::NodeSeams FaultSeams(const FaultPlanSpec& plan);

// The package a dishonest source sends: "signature" signs it and breaks the signature, "proof"
// changes a byte of the first entry's first inclusion proof hash, "drop-entry" leaves out the
// middle entry and signs what is left; each only where the package has what it breaks (a proof,
// two entries). Any other `how` signs the package as it is.
v1::SignedMessage TamperPackage(
    std::string_view how, v1::TransferPackage package,
    const std::function<v1::SignedMessage(const v1::TransferPackage&)>& sign);

}  // namespace pbl::testing

#endif  // PBL_TESTS_TESTING_FAULT_SEAMS_H_
