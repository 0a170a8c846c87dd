#include "rpc/peers.h"

#include <chrono>

#include "crypto/base/strings.h"
#include "rpc/grpc_status.h"

namespace pbl::rpc {

namespace {

class GrpcPeerChannel : public PeerChannel {
 public:
  GrpcPeerChannel(std::shared_ptr<grpc::Channel> channel, int64_t call_timeout_ms)
      : stub_(v1::PeerService::NewStub(std::move(channel))), timeout_ms_(call_timeout_ms) {}

  absl::StatusOr<v1::PrepareResponse> Prepare(const v1::PrepareRequest& request) override {
    return Call<v1::PrepareResponse>(&v1::PeerService::Stub::Prepare, request);
  }
  absl::StatusOr<v1::CommitResponse> Commit(const v1::CommitRequest& request) override {
    return Call<v1::CommitResponse>(&v1::PeerService::Stub::Commit, request);
  }
  absl::Status Abort(const v1::AbortRequest& request) override {
    return Call<v1::AbortResponse>(&v1::PeerService::Stub::Abort, request).status();
  }
  absl::StatusOr<v1::ResolveResponse> Resolve(const v1::ResolveRequest& request) override {
    return Call<v1::ResolveResponse>(&v1::PeerService::Stub::Resolve, request);
  }

 private:
  template <typename Response, typename Method, typename Request>
  absl::StatusOr<Response> Call(Method method, const Request& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms_));
    Response response;
    const grpc::Status status = (stub_.get()->*method)(&context, request, &response);
    if (!status.ok()) return FromGrpc(status);
    return response;
  }

  std::unique_ptr<v1::PeerService::Stub> stub_;
  int64_t timeout_ms_;
};

}  // namespace

std::unique_ptr<PeerChannel> MakeGrpcPeerChannel(std::shared_ptr<grpc::Channel> channel,
                                                 int64_t call_timeout_ms) {
  return std::make_unique<GrpcPeerChannel>(std::move(channel), call_timeout_ms);
}

namespace {

std::string SignedBytes(std::string_view context, std::string_view body) {
  return StrCat(context, body);
}

}  // namespace

v1::SignedMessage SignMessage(const crypto::SigningKey& key, std::string_view context,
                              std::string body) {
  const std::string signed_bytes = SignedBytes(context, body);
  const crypto::Ed25519Signature signature = key.Sign(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(signed_bytes.data()), signed_bytes.size()));
  v1::SignedMessage message;
  message.set_body(std::move(body));
  message.set_signature(std::string(signature.begin(), signature.end()));
  return message;
}

absl::Status VerifySignedMessage(const crypto::Ed25519PublicKey& key, std::string_view context,
                                 const v1::SignedMessage& message) {
  const std::string signed_bytes = SignedBytes(context, message.body());
  const bool ok = crypto::VerifyEd25519(
      key,
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(signed_bytes.data()),
                               signed_bytes.size()),
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(message.signature().data()),
                               message.signature().size()));
  if (!ok) {
    return absl::DataLossError(
        StrCat(context.substr(0, context.size() - 1), ": signature does not verify"));
  }
  return absl::OkStatus();
}

}  // namespace pbl::rpc
