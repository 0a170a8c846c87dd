// Calls to other nodes in the transfer protocol (PeerService), behind one interface so that a
// transfer between two schemes of one node takes the same path in-process, and so that test
// binaries can wrap it (NodeSeams::wrap_peer_channel, rpc/seams.h) to put faults in between.
// Implementations are thread-safe.
#ifndef PBL_RPC_PEERS_H_
#define PBL_RPC_PEERS_H_

#include <grpcpp/channel.h>

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"
#include "pbl/v1/node.grpc.pb.h"

namespace pbl::rpc {

// Each call is idempotent by transfer id; UNAVAILABLE and DEADLINE_EXCEEDED mean "retry".
class PeerChannel {
 public:
  virtual ~PeerChannel() = default;
  virtual absl::StatusOr<v1::PrepareResponse> Prepare(const v1::PrepareRequest& request) = 0;
  virtual absl::StatusOr<v1::CommitResponse> Commit(const v1::CommitRequest& request) = 0;
  virtual absl::Status Abort(const v1::AbortRequest& request) = 0;
  virtual absl::StatusOr<v1::ResolveResponse> Resolve(const v1::ResolveRequest& request) = 0;
};

// Over gRPC, with a per-call deadline.
std::unique_ptr<PeerChannel> MakeGrpcPeerChannel(std::shared_ptr<grpc::Channel> channel,
                                                 int64_t call_timeout_ms);

// What the node knows of one peer.
struct Peer {
  std::string id;
  crypto::Ed25519PublicKey public_key{};           // signs its packages and receipts
  std::unique_ptr<crypto::NoteVerifier> verifier;  // its checkpoints
  std::unique_ptr<PeerChannel> channel;
};

// Domain-separated Ed25519 signatures over transfer packages, receipts and voids.
inline constexpr std::string_view kPackageContext = "pbl.v1 transfer package\n";
inline constexpr std::string_view kReceiptContext = "pbl.v1 transfer receipt\n";
inline constexpr std::string_view kVoidContext = "pbl.v1 transfer void\n";
v1::SignedMessage SignMessage(const crypto::SigningKey& key, std::string_view context,
                              std::string body);
// DATA_LOSS ("signature does not verify") unless `message` is signed by `key` in `context`.
absl::Status VerifySignedMessage(const crypto::Ed25519PublicKey& key, std::string_view context,
                                 const v1::SignedMessage& message);

}  // namespace pbl::rpc

#endif  // PBL_RPC_PEERS_H_
