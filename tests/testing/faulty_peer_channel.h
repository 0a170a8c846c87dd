// A PeerChannel that injects a seeded fault plan in front of another (test binaries only; pbld
// never links it): each call may be delayed, dropped before it is sent (UNAVAILABLE), sent and its
// answer dropped (UNAVAILABLE), or sent twice. The same seed gives the same faults in the same
// order of calls. Thread-safe, as the channel it wraps.
#ifndef PBL_TESTS_TESTING_FAULTY_PEER_CHANNEL_H_
#define PBL_TESTS_TESTING_FAULTY_PEER_CHANNEL_H_

#include <memory>

#include "rpc/peers.h"
#include "tests/testing/fault_plan.h"

namespace pbl::testing {

// Wraps `inner` with `plan`'s channel faults, drawn from plan.seed as given (tamper_package is
// not a channel fault and is ignored here).
std::unique_ptr<rpc::PeerChannel> MakeFaultyPeerChannel(std::unique_ptr<rpc::PeerChannel> inner,
                                                        const FaultPlanSpec& plan);

}  // namespace pbl::testing

#endif  // PBL_TESTS_TESTING_FAULTY_PEER_CHANNEL_H_
