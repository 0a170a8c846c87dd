#include "tests/testing/faulty_peer_channel.h"

#include <chrono>
#include <mutex>
#include <random>
#include <thread>

namespace pbl::testing {

namespace {

class FaultyPeerChannel : public rpc::PeerChannel {
 public:
  FaultyPeerChannel(std::unique_ptr<rpc::PeerChannel> inner, const FaultPlanSpec& plan)
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

  std::unique_ptr<rpc::PeerChannel> inner_;
  FaultPlanSpec plan_;
  std::mutex mu_;
  std::mt19937_64 rng_;  // guarded by mu_
};

}  // namespace

std::unique_ptr<rpc::PeerChannel> MakeFaultyPeerChannel(std::unique_ptr<rpc::PeerChannel> inner,
                                                        const FaultPlanSpec& plan) {
  return std::make_unique<FaultyPeerChannel>(std::move(inner), plan);
}

}  // namespace pbl::testing
