#include "rpc/peers.h"

#include <chrono>
#include <thread>

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

class FaultyPeerChannel : public PeerChannel {
 public:
  FaultyPeerChannel(std::unique_ptr<PeerChannel> inner, const FaultPlanConfig& plan)
      : inner_(std::move(inner)), plan_(plan), rng_(plan.seed) {}

  absl::StatusOr<v1::PrepareResponse> Prepare(const v1::PrepareRequest& request) override {
    return Faulty<v1::PrepareResponse>([&] { return inner_->Prepare(request); });
  }
  absl::StatusOr<v1::CommitResponse> Commit(const v1::CommitRequest& request) override {
    return Faulty<v1::CommitResponse>([&] { return inner_->Commit(request); });
  }
  absl::Status Abort(const v1::AbortRequest& request) override {
    return Faulty<v1::AbortResponse>([&]() -> absl::StatusOr<v1::AbortResponse> {
             absl::Status s = inner_->Abort(request);
             if (!s.ok()) return s;
             return v1::AbortResponse();
           })
        .status();
  }
  absl::StatusOr<v1::ResolveResponse> Resolve(const v1::ResolveRequest& request) override {
    return Faulty<v1::ResolveResponse>([&] { return inner_->Resolve(request); });
  }

 private:
  struct Draw {
    int64_t delay_ms = 0;
    bool drop_request = false;
    bool drop_response = false;
    bool duplicate = false;
  };

  Draw Next() {
    std::lock_guard<std::mutex> lock(mu_);
    std::uniform_int_distribution<int> percent(0, 99);
    Draw d;
    if (plan_.delay_ms_max > 0) {
      d.delay_ms = std::uniform_int_distribution<int64_t>(0, plan_.delay_ms_max)(rng_);
    }
    d.drop_request = percent(rng_) < plan_.drop_request_percent;
    d.drop_response = percent(rng_) < plan_.drop_response_percent;
    d.duplicate = percent(rng_) < plan_.duplicate_percent;
    return d;
  }

  template <typename Response, typename Fn>
  absl::StatusOr<Response> Faulty(Fn call) {
    const Draw d = Next();
    if (d.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(d.delay_ms));
    if (d.drop_request) return absl::UnavailableError("fault plan: request dropped");
    absl::StatusOr<Response> response = call();
    if (d.duplicate) response = call();
    if (d.drop_response) return absl::UnavailableError("fault plan: response dropped");
    return response;
  }

  std::unique_ptr<PeerChannel> inner_;
  FaultPlanConfig plan_;
  std::mutex mu_;
  std::mt19937_64 rng_;  // guarded by mu_
};

}  // namespace

std::unique_ptr<PeerChannel> MakeGrpcPeerChannel(std::shared_ptr<grpc::Channel> channel,
                                                 int64_t call_timeout_ms) {
  return std::make_unique<GrpcPeerChannel>(std::move(channel), call_timeout_ms);
}

std::unique_ptr<PeerChannel> MakeFaultyPeerChannel(std::unique_ptr<PeerChannel> inner,
                                                   const FaultPlanConfig& plan) {
  return std::make_unique<FaultyPeerChannel>(std::move(inner), plan);
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
