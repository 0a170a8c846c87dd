#include "rpc/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <mutex>

#include "crypto/base/strings.h"

namespace pbl::rpc {

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<prometheus::Exposer> exposer;
  prometheus::Family<prometheus::Counter>& appends =
      prometheus::BuildCounter()
          .Name("pbl_append_entries_total")
          .Help("Entries appended through AppendEntries")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& append_seconds =
      prometheus::BuildHistogram()
          .Name("pbl_append_seconds")
          .Help("AppendEntries latency, until durable")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& group_entries =
      prometheus::BuildHistogram()
          .Name("pbl_ledger_group_entries")
          .Help("Entries per durable ledger group (one synced write, one signature)")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& group_appends =
      prometheus::BuildHistogram()
          .Name("pbl_ledger_group_appends")
          .Help("Appends (batches) grouped into one durable ledger write")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& transfers = prometheus::BuildGauge()
                                                         .Name("pbl_transfers")
                                                         .Help("Transfers by role-free state")
                                                         .Register(*registry);
  prometheus::Family<prometheus::Counter>& requests = prometheus::BuildCounter()
                                                          .Name("pbl_requests_total")
                                                          .Help("gRPC requests by method and code")
                                                          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& unreadable_family =
      prometheus::BuildGauge()
          .Name("pbl_transfer_records_unreadable")
          .Help("Stored transfer records that do not parse (quarantined at start)")
          .Register(*registry);
  prometheus::Gauge& unreadable = unreadable_family.Add({});
  prometheus::Gauge& log_stopped =
      prometheus::BuildGauge()
          .Name("pbl_log_appends_stopped")
          .Help("1 once a failed write or fsync of the log stopped appends until a restart")
          .Register(*registry)
          .Add({});
  prometheus::Counter& appended = appends.Add({});
  prometheus::Histogram& latency =
      append_seconds.Add({}, prometheus::Histogram::BucketBoundaries{
                                 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5});
  prometheus::Histogram& group_size = group_entries.Add(
      {}, prometheus::Histogram::BucketBoundaries{1, 2, 5, 10, 100, 1000, 10000, 100000});
  prometheus::Histogram& group_requests =
      group_appends.Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128});
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {
  for (int s = v1::TransferState_MIN; s <= v1::TransferState_MAX; ++s) {
    if (s == v1::TRANSFER_STATE_UNSPECIFIED) continue;
    impl_->transfers.Add({{"state", v1::TransferState_Name(static_cast<v1::TransferState>(s))}});
  }
}

Metrics::~Metrics() = default;

absl::Status Metrics::Serve(const std::string& listen) {
  try {
    impl_->exposer = std::make_unique<prometheus::Exposer>(listen);
  } catch (const std::exception& e) {
    return absl::UnavailableError(StrCat("metrics: cannot listen on ", listen, ": ", e.what()));
  }
  impl_->exposer->RegisterCollectable(impl_->registry);
  return absl::OkStatus();
}

std::string Metrics::Text() const {
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

void Metrics::Append(int64_t entries, double seconds) {
  impl_->appended.Increment(static_cast<double>(entries));
  impl_->latency.Observe(seconds);
}

void Metrics::Group(size_t appends, int64_t entries) {
  impl_->group_size.Observe(static_cast<double>(entries));
  impl_->group_requests.Observe(static_cast<double>(appends));
}

void Metrics::TransferState(v1::TransferState from, v1::TransferState to) {
  if (from != v1::TRANSFER_STATE_UNSPECIFIED) {
    impl_->transfers.Add({{"state", v1::TransferState_Name(from)}}).Decrement();
  }
  impl_->transfers.Add({{"state", v1::TransferState_Name(to)}}).Increment();
}

void Metrics::LogStopped() { impl_->log_stopped.Set(1); }

void Metrics::UnreadableTransferRecords(int64_t count) {
  impl_->unreadable.Set(static_cast<double>(count));
}

void Metrics::Request(std::string_view method, int code) {
  impl_->requests.Add({{"method", std::string(method)}, {"code", std::to_string(code)}})
      .Increment();
}

}  // namespace pbl::rpc
