// One node (the daemon pbld): its log, rules, transfer state, peers and gRPC server, put
// together from a NodeConfig. Create opens everything and recovers interrupted transfers;
// Start serves; Shutdown stops accepting calls, lets in-flight calls finish (appends complete or
// fail cleanly), stops the transfer worker and closes the stores. Thread-safe.
//
// `seams` (rpc/seams.h) are how a test binary injects faults, as leveldb's Env: the node keeps
// them for its lifetime, wraps each peer channel with seams.wrap_peer_channel and lets its
// transfers send packages through seams.send_package, when set. pbld passes none.
#ifndef PBL_RPC_NODE_H_
#define PBL_RPC_NODE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "rpc/config.h"
#include "rpc/seams.h"

namespace pbl::rpc {

class Node {
 public:
  static absl::StatusOr<std::unique_ptr<Node>> Create(NodeConfig config, NodeSeams seams = {});
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Starts the gRPC servers (the main listener, and the workers' if configured), the metrics
  // endpoint if configured, and the transfer worker.
  absl::Status Start();
  // The address the main listener listens on, with the real port when the config asked for 0.
  std::string listen_address() const;
  // The workers' listener's address likewise; "" without [node] worker_listen.
  std::string worker_address() const;
  // Blocks until Shutdown is called from another thread.
  void Wait();
  void Shutdown();

 private:
  struct State;
  explicit Node(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// The daemon's main: `pbld --config FILE`, its node made with `seams`. Returns the process exit
// code.
int PbldMain(int argc, char** argv, NodeSeams seams = {});

}  // namespace pbl::rpc

#endif  // PBL_RPC_NODE_H_
