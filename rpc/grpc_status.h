// absl::Status <-> grpc::Status: the one place in the node where statuses cross that boundary.
// The codes have the same numbers and meanings; messages pass unchanged.
#ifndef PBL_RPC_GRPC_STATUS_H_
#define PBL_RPC_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace pbl::rpc {

grpc::Status ToGrpc(const absl::Status& status);
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace pbl::rpc

#endif  // PBL_RPC_GRPC_STATUS_H_
