// NodeLogSource: the verifier's LogSource (ledger/verifier/log_source.h) over a node's gRPC
// client: the checkpoint, the entry stream and the consistency proofs of the node's LedgerService,
// each read's status the node's own. Thread-safe as the client is; a stream's chunk is valid
// only during the visitor's call.
#ifndef PBL_RPC_VERIFIER_SOURCE_H_
#define PBL_RPC_VERIFIER_SOURCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/verifier/log_source.h"
#include "rpc/client.h"

namespace pbl::rpc {

class NodeLogSource : public verifier::LogSource {
 public:
  // `client` must outlive the source.
  explicit NodeLogSource(NodeClient& client) : client_(client) {}

  absl::StatusOr<std::string> Checkpoint(int64_t tree_size) override;
  absl::Status StreamEntries(int64_t start, const verifier::ChunkVisitor& visit) override;
  absl::StatusOr<std::vector<std::string>> ConsistencyProof(int64_t old_size,
                                                            int64_t new_size) override;

 private:
  NodeClient& client_;
};

}  // namespace pbl::rpc

#endif  // PBL_RPC_VERIFIER_SOURCE_H_
