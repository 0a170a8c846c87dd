// The gRPC services of node.proto. Each method is thin: identify the caller and check the role,
// validate the request (INVALID_ARGUMENT naming the field), call the library, convert the
// status. Thread-safe.
#ifndef PBL_RPC_SERVICES_H_
#define PBL_RPC_SERVICES_H_

#include "pbl/v1/node.grpc.pb.h"
#include "rpc/auth.h"
#include "rpc/transfers.h"
#include "rpc/worker_token.h"

namespace pbl::rpc {

// What the services share; owned by the node.
struct ServiceContext {
  NodeContext node;
  const Authorizer* authorizer = nullptr;
  TransferManager* transfers = nullptr;
  const WorkerTokens* tokens = nullptr;
  TokenRevocations* revocations = nullptr;
  Listener listener = Listener::kMain;  // which of the node's listeners these services serve
};

class LedgerServiceImpl final : public v1::LedgerService::Service {
 public:
  explicit LedgerServiceImpl(ServiceContext* c) : c_(c) {}
  grpc::Status AppendEntries(grpc::ServerContext* context, const v1::AppendEntriesRequest* request,
                             v1::AppendEntriesResponse* response) override;
  grpc::Status GetEntries(grpc::ServerContext* context, const v1::GetEntriesRequest* request,
                          v1::GetEntriesResponse* response) override;
  grpc::Status GetCheckpoint(grpc::ServerContext* context, const v1::GetCheckpointRequest* request,
                             v1::GetCheckpointResponse* response) override;
  grpc::Status GetInclusionProof(grpc::ServerContext* context,
                                 const v1::GetInclusionProofRequest* request,
                                 v1::GetInclusionProofResponse* response) override;
  grpc::Status GetConsistencyProof(grpc::ServerContext* context,
                                   const v1::GetConsistencyProofRequest* request,
                                   v1::GetConsistencyProofResponse* response) override;
  grpc::Status StreamEntries(grpc::ServerContext* context, const v1::StreamEntriesRequest* request,
                             grpc::ServerWriter<v1::StreamEntriesResponse>* writer) override;

 private:
  ServiceContext* c_;
};

class PersonServiceImpl final : public v1::PersonService::Service {
 public:
  explicit PersonServiceImpl(ServiceContext* c) : c_(c) {}
  grpc::Status GetHistory(grpc::ServerContext* context, const v1::GetHistoryRequest* request,
                          v1::GetHistoryResponse* response) override;
  grpc::Status GetEntitlement(grpc::ServerContext* context,
                              const v1::GetEntitlementRequest* request,
                              v1::GetEntitlementResponse* response) override;
  grpc::Status GetStatement(grpc::ServerContext* context, const v1::GetStatementRequest* request,
                            v1::Statement* response) override;

 private:
  ServiceContext* c_;
};

class TransferServiceImpl final : public v1::TransferService::Service {
 public:
  explicit TransferServiceImpl(ServiceContext* c) : c_(c) {}
  grpc::Status StartTransfer(grpc::ServerContext* context, const v1::StartTransferRequest* request,
                             v1::TransferStatus* response) override;
  grpc::Status GetTransfer(grpc::ServerContext* context, const v1::GetTransferRequest* request,
                           v1::TransferStatus* response) override;
  grpc::Status ListTransfers(grpc::ServerContext* context, const v1::ListTransfersRequest* request,
                             v1::ListTransfersResponse* response) override;
  grpc::Status CancelTransfer(grpc::ServerContext* context,
                              const v1::CancelTransferRequest* request,
                              v1::TransferStatus* response) override;

 private:
  ServiceContext* c_;
};

class PeerServiceImpl final : public v1::PeerService::Service {
 public:
  explicit PeerServiceImpl(ServiceContext* c) : c_(c) {}
  grpc::Status Prepare(grpc::ServerContext* context, const v1::PrepareRequest* request,
                       v1::PrepareResponse* response) override;
  grpc::Status Commit(grpc::ServerContext* context, const v1::CommitRequest* request,
                      v1::CommitResponse* response) override;
  grpc::Status Abort(grpc::ServerContext* context, const v1::AbortRequest* request,
                     v1::AbortResponse* response) override;
  grpc::Status Resolve(grpc::ServerContext* context, const v1::ResolveRequest* request,
                       v1::ResolveResponse* response) override;

 private:
  ServiceContext* c_;
};

class TokenServiceImpl final : public v1::TokenService::Service {
 public:
  explicit TokenServiceImpl(ServiceContext* c) : c_(c) {}
  grpc::Status IssueWorkerToken(grpc::ServerContext* context,
                                const v1::IssueWorkerTokenRequest* request,
                                v1::IssueWorkerTokenResponse* response) override;
  grpc::Status RevokeWorkerTokens(grpc::ServerContext* context,
                                  const v1::RevokeWorkerTokensRequest* request,
                                  v1::RevokeWorkerTokensResponse* response) override;

 private:
  ServiceContext* c_;
};

}  // namespace pbl::rpc

#endif  // PBL_RPC_SERVICES_H_
