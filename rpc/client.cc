#include "rpc/client.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "rpc/grpc_status.h"

namespace pbl::rpc {

namespace {

// Chunks of a stream received ahead of the one being processed.
constexpr size_t kStreamChunksAhead = 4;

absl::StatusOr<std::string> ReadPem(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(StrCat("cannot read ", what, " file ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(const ClientOptions& o) {
  if (o.plaintext) return grpc::InsecureChannelCredentials();
  if (o.ca_file.empty()) {
    return absl::InvalidArgumentError("a CA file is needed to check the node's certificate");
  }
  grpc::SslCredentialsOptions ssl;
  PBL_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPem(o.ca_file, "CA"));
  if (!o.cert_file.empty()) {
    PBL_ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPem(o.cert_file, "certificate"));
    PBL_ASSIGN_OR_RETURN(ssl.pem_private_key, ReadPem(o.key_file, "key"));
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

absl::StatusOr<std::unique_ptr<NodeClient>> NodeClient::Connect(const ClientOptions& options) {
  if (options.address.empty()) return absl::InvalidArgumentError("no node address given");
  PBL_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials, Credentials(options));
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);
  args.SetMaxSendMessageSize(256 << 20);
  return std::unique_ptr<NodeClient>(
      new NodeClient(options, grpc::CreateCustomChannel(options.address, credentials, args)));
}

NodeClient::NodeClient(const ClientOptions& options, std::shared_ptr<grpc::Channel> channel)
    : options_(options),
      channel_(std::move(channel)),
      ledger_(v1::LedgerService::NewStub(channel_)),
      person_(v1::PersonService::NewStub(channel_)),
      transfer_(v1::TransferService::NewStub(channel_)),
      token_(v1::TokenService::NewStub(channel_)) {}

void NodeClient::Prepare(grpc::ClientContext* context) const {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(options_.timeout_ms));
  if (!options_.token.empty()) context->AddMetadata("authorization", "Bearer " + options_.token);
  if (options_.plaintext && !options_.dev_identity.empty()) {
    context->AddMetadata("x-pbl-dev-identity", options_.dev_identity);
  }
}

template <typename Stub, typename Method, typename Request, typename Response>
absl::StatusOr<Response> NodeClient::Call(Stub* stub, Method method, const Request& request) {
  grpc::ClientContext context;
  Prepare(&context);
  Response response;
  const grpc::Status status = (stub->*method)(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

#define PBL_CALL(stub, Service, Method, Response, request)                                    \
  Call<v1::Service::Stub, decltype(&v1::Service::Stub::Method), decltype(request), Response>( \
      stub.get(), &v1::Service::Stub::Method, request)

absl::StatusOr<v1::AppendEntriesResponse> NodeClient::AppendEntries(
    const v1::AppendEntriesRequest& r) {
  return PBL_CALL(ledger_, LedgerService, AppendEntries, v1::AppendEntriesResponse, r);
}

absl::StatusOr<v1::GetEntriesResponse> NodeClient::GetEntries(uint64_t start, uint32_t count) {
  v1::GetEntriesRequest r;
  r.set_start(start);
  r.set_count(count);
  return PBL_CALL(ledger_, LedgerService, GetEntries, v1::GetEntriesResponse, r);
}

absl::StatusOr<std::string> NodeClient::GetCheckpoint(uint64_t tree_size) {
  v1::GetCheckpointRequest r;
  r.set_tree_size(tree_size);
  PBL_ASSIGN_OR_RETURN(
      v1::GetCheckpointResponse response,
      (PBL_CALL(ledger_, LedgerService, GetCheckpoint, v1::GetCheckpointResponse, r)));
  return response.checkpoint();
}

absl::StatusOr<v1::GetInclusionProofResponse> NodeClient::GetInclusionProof(uint64_t index,
                                                                            uint64_t tree_size) {
  v1::GetInclusionProofRequest r;
  r.set_index(index);
  r.set_tree_size(tree_size);
  return PBL_CALL(ledger_, LedgerService, GetInclusionProof, v1::GetInclusionProofResponse, r);
}

absl::StatusOr<v1::GetConsistencyProofResponse> NodeClient::GetConsistencyProof(uint64_t old_size,
                                                                                uint64_t new_size) {
  v1::GetConsistencyProofRequest r;
  r.set_old_size(old_size);
  r.set_new_size(new_size);
  return PBL_CALL(ledger_, LedgerService, GetConsistencyProof, v1::GetConsistencyProofResponse, r);
}

absl::Status NodeClient::StreamEntries(
    uint64_t start, const std::function<absl::Status(const v1::StreamEntriesResponse&)>& fn) {
  grpc::ClientContext context;
  Prepare(&context);
  context.set_deadline(std::chrono::system_clock::time_point::max());  // long audits
  v1::StreamEntriesRequest r;
  r.set_start(start);
  std::unique_ptr<grpc::ClientReader<v1::StreamEntriesResponse>> reader =
      ledger_->StreamEntries(&context, r);

  // A reader thread receives and parses the next chunks while `fn` works on this one, so that an
  // audit keeps both cores busy instead of waiting for the network between chunks.
  std::mutex mu;
  std::condition_variable changed;
  std::deque<v1::StreamEntriesResponse> ready;
  bool reading = true;
  bool stopped = false;  // the consumer gave up; the reader drops what it still gets
  std::thread receiver([&] {
    v1::StreamEntriesResponse chunk;
    while (reader->Read(&chunk)) {
      std::unique_lock lock(mu);
      changed.wait(lock, [&] { return stopped || ready.size() < kStreamChunksAhead; });
      if (stopped) continue;
      ready.push_back(std::move(chunk));
      chunk = v1::StreamEntriesResponse();
      changed.notify_all();
    }
    std::lock_guard lock(mu);
    reading = false;
    changed.notify_all();
  });

  absl::Status callback_status;
  for (;;) {
    v1::StreamEntriesResponse chunk;
    {
      std::unique_lock lock(mu);
      changed.wait(lock, [&] { return !ready.empty() || !reading; });
      if (ready.empty()) break;
      chunk = std::move(ready.front());
      ready.pop_front();
      changed.notify_all();
    }
    callback_status = fn(chunk);
    if (!callback_status.ok()) {
      {
        std::lock_guard lock(mu);
        stopped = true;
        changed.notify_all();
      }
      context.TryCancel();
      break;
    }
  }
  receiver.join();
  const grpc::Status status = reader->Finish();
  if (!callback_status.ok()) return callback_status;
  return FromGrpc(status);
}

absl::StatusOr<v1::GetHistoryResponse> NodeClient::GetHistory(const std::string& person_id,
                                                              const std::string& scheme_id) {
  v1::GetHistoryRequest r;
  r.set_person_id(person_id);
  r.set_scheme_id(scheme_id);
  return PBL_CALL(person_, PersonService, GetHistory, v1::GetHistoryResponse, r);
}

absl::StatusOr<v1::GetEntitlementResponse> NodeClient::GetEntitlement(
    const v1::GetEntitlementRequest& r) {
  return PBL_CALL(person_, PersonService, GetEntitlement, v1::GetEntitlementResponse, r);
}

absl::StatusOr<v1::Statement> NodeClient::GetStatement(const std::string& person_id,
                                                       const std::string& scheme_id) {
  v1::GetStatementRequest r;
  r.set_person_id(person_id);
  r.set_scheme_id(scheme_id);
  return PBL_CALL(person_, PersonService, GetStatement, v1::Statement, r);
}

absl::StatusOr<v1::TransferStatus> NodeClient::StartTransfer(const v1::StartTransferRequest& r) {
  return PBL_CALL(transfer_, TransferService, StartTransfer, v1::TransferStatus, r);
}

absl::StatusOr<v1::TransferStatus> NodeClient::GetTransfer(const std::string& transfer_id) {
  v1::GetTransferRequest r;
  r.set_transfer_id(transfer_id);
  return PBL_CALL(transfer_, TransferService, GetTransfer, v1::TransferStatus, r);
}

absl::StatusOr<v1::ListTransfersResponse> NodeClient::ListTransfers(
    const v1::ListTransfersRequest& r) {
  return PBL_CALL(transfer_, TransferService, ListTransfers, v1::ListTransfersResponse, r);
}

absl::StatusOr<v1::TransferStatus> NodeClient::CancelTransfer(const std::string& transfer_id,
                                                              const std::string& reason) {
  v1::CancelTransferRequest r;
  r.set_transfer_id(transfer_id);
  r.set_reason(reason);
  return PBL_CALL(transfer_, TransferService, CancelTransfer, v1::TransferStatus, r);
}

absl::StatusOr<v1::IssueWorkerTokenResponse> NodeClient::IssueWorkerToken(
    const std::string& person_id, uint32_t ttl_seconds) {
  v1::IssueWorkerTokenRequest r;
  r.set_person_id(person_id);
  r.set_ttl_seconds(ttl_seconds);
  return PBL_CALL(token_, TokenService, IssueWorkerToken, v1::IssueWorkerTokenResponse, r);
}

absl::StatusOr<v1::RevokeWorkerTokensResponse> NodeClient::RevokeWorkerTokens(
    const std::string& person_id, const std::string& reason) {
  v1::RevokeWorkerTokensRequest r;
  r.set_person_id(person_id);
  r.set_reason(reason);
  return PBL_CALL(token_, TokenService, RevokeWorkerTokens, v1::RevokeWorkerTokensResponse, r);
}

#undef PBL_CALL

absl::Status NodeClient::CheckHealth() {
  grpc::ClientContext context;
  Prepare(&context);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status =
      grpc::health::v1::Health::NewStub(channel_)->Check(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return absl::UnavailableError("the node is not serving");
  }
  return absl::OkStatus();
}

}  // namespace pbl::rpc
