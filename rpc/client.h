// The client library for a node: what `pbl`, the tests and other programs use to call pbld.
// Credentials: mutual TLS with an administrator's or auditor's certificate, or a worker token
// over server-authenticated TLS, or (development only) plaintext on loopback. Every call has a
// deadline and returns the node's status unchanged (UNAVAILABLE when it cannot be reached).
// Thread-safe.
#ifndef PBL_RPC_CLIENT_H_
#define PBL_RPC_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "pbl/v1/node.grpc.pb.h"

namespace pbl::rpc {

struct ClientOptions {
  std::string address;          // host:port
  std::string ca_file;          // PEM CA that signed the node's certificate
  std::string cert_file;        // PEM client certificate (administrators, auditors)
  std::string key_file;         // its key
  std::string token;            // a worker token instead of a certificate
  bool plaintext = false;       // development nodes on loopback only
  std::string dev_identity;     // plaintext stand-in for a certificate's common name
  int64_t timeout_ms = 30'000;  // per call
};

class NodeClient {
 public:
  // INVALID_ARGUMENT for unreadable TLS files or a missing address; does not connect yet.
  static absl::StatusOr<std::unique_ptr<NodeClient>> Connect(const ClientOptions& options);

  absl::StatusOr<v1::AppendEntriesResponse> AppendEntries(const v1::AppendEntriesRequest& r);
  absl::StatusOr<v1::GetEntriesResponse> GetEntries(uint64_t start, uint32_t count);
  absl::StatusOr<std::string> GetCheckpoint(uint64_t tree_size = 0);
  absl::StatusOr<v1::GetInclusionProofResponse> GetInclusionProof(uint64_t index,
                                                                  uint64_t tree_size);
  absl::StatusOr<v1::GetConsistencyProofResponse> GetConsistencyProof(uint64_t old_size,
                                                                      uint64_t new_size);
  // Calls `fn` for each chunk from `start`; the last chunk carries the checkpoint.
  absl::Status StreamEntries(
      uint64_t start, const std::function<absl::Status(const v1::StreamEntriesResponse&)>& fn);

  absl::StatusOr<v1::GetHistoryResponse> GetHistory(const std::string& person_id,
                                                    const std::string& scheme_id = "");
  absl::StatusOr<v1::GetEntitlementResponse> GetEntitlement(const v1::GetEntitlementRequest& r);
  absl::StatusOr<v1::Statement> GetStatement(const std::string& person_id,
                                             const std::string& scheme_id = "");

  absl::StatusOr<v1::TransferStatus> StartTransfer(const v1::StartTransferRequest& r);
  absl::StatusOr<v1::TransferStatus> GetTransfer(const std::string& transfer_id);
  absl::StatusOr<v1::ListTransfersResponse> ListTransfers(const v1::ListTransfersRequest& r);
  absl::StatusOr<v1::TransferStatus> CancelTransfer(const std::string& transfer_id,
                                                    const std::string& reason);

  absl::StatusOr<v1::IssueWorkerTokenResponse> IssueWorkerToken(const std::string& person_id,
                                                                uint32_t ttl_seconds);
  absl::StatusOr<v1::RevokeWorkerTokensResponse> RevokeWorkerTokens(const std::string& person_id,
                                                                    const std::string& reason);

  // SERVING, or the reason it is not (grpc.health.v1).
  absl::Status CheckHealth();

 private:
  explicit NodeClient(const ClientOptions& options, std::shared_ptr<grpc::Channel> channel);
  template <typename Stub, typename Method, typename Request, typename Response>
  absl::StatusOr<Response> Call(Stub* stub, Method method, const Request& request);
  void Prepare(grpc::ClientContext* context) const;

  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::LedgerService::Stub> ledger_;
  std::unique_ptr<v1::PersonService::Stub> person_;
  std::unique_ptr<v1::TransferService::Stub> transfer_;
  std::unique_ptr<v1::TokenService::Stub> token_;
};

}  // namespace pbl::rpc

#endif  // PBL_RPC_CLIENT_H_
