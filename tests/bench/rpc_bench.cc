// The node's benchmarks (issue 5), a plain program run by scripts/bench-rpc.sh:
//  1. appends in batches of 1,000 through the in-process ledger, then over gRPC into a real pbld
//     (mutual TLS, loopback), both from the same number of client threads: the rates and their
//     ratio, measured in one run;
//  2. complete cross-node transfers of persons with 120-month histories, per second;
//  3. a worker's history query (GetHistory with a worker token) on a node holding the appended
//     entries (1,000,000 by default): p50 and p99 latency.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "crypto/key_file.h"
#include "ledger/log/ledger.h"
#include "tests/rpc/cluster.h"
#include "tests/testing/entries.h"

namespace pbl::testing {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int64_t entries = 1'000'000;
  int threads = 4;
  int transfers = 600;
  int transfer_threads = 16;
  int queries = 2'000;
};

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

constexpr int64_t kBatch = 1'000;
constexpr int64_t kMonthsPerPerson = 100;

// Batch b: 1,000 contributions, 10 persons x 100 months, serialized.
std::vector<std::string> Batch(int64_t b) {
  std::vector<std::string> out;
  out.reserve(kBatch);
  for (int64_t i = 0; i < kBatch; ++i) {
    const int64_t n = b * kBatch + i;
    out.push_back(ContributionEntry(n / kMonthsPerPerson, n % kMonthsPerPerson));
  }
  return out;
}

template <typename Fn>
double Parallel(int threads, int64_t batches, Fn append) {
  std::atomic<int64_t> next{0};
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int64_t b = next++; b < batches; b = next++) append(b);
    });
  }
  for (std::thread& w : workers) w.join();
  return Seconds(start);
}

double InProcessRate(const Options& o, const std::string& dir) {
  crypto::SigningKey key = crypto::SigningKey::Generate();
  auto storage = ledger::OpenRocksStorage(dir + "/inprocess");
  auto log = ledger::Ledger::Open(
      std::move(*storage),
      ledger::LedgerOptions{
          .origin = "bench/inprocess", .key = &key, .on_group = nullptr, .on_stop = nullptr});
  if (!log.ok()) std::abort();
  const int64_t batches = o.entries / kBatch;
  const double s = Parallel(o.threads, batches, [&](int64_t b) {
    if (!(*log)->Append(Batch(b)).ok()) std::abort();
  });
  return static_cast<double>(batches * kBatch) / s;
}

double GrpcRate(const Options& o, Cluster& cluster) {
  const int64_t batches = o.entries / kBatch;
  std::vector<std::unique_ptr<rpc::NodeClient>> clients;
  for (int t = 0; t < o.threads; ++t) clients.push_back(cluster.Admin(kShanghai));
  std::atomic<int> slot{0};
  thread_local int my_slot = -1;
  const double s = Parallel(o.threads, batches, [&](int64_t b) {
    if (my_slot < 0) my_slot = slot++;
    v1::AppendEntriesRequest request;
    for (const std::string& bytes : Batch(b)) {
      v1::Entry* e = request.add_entries();
      e->ParseFromString(bytes);
      e->clear_node_time_unix_ms();  // the node sets it
    }
    absl::StatusOr<v1::AppendEntriesResponse> r =
        clients[static_cast<size_t>(my_slot)]->AppendEntries(request);
    if (!r.ok()) {
      std::fprintf(stderr, "append failed: %s\n", std::string(r.status().message()).c_str());
      std::abort();
    }
  });
  return static_cast<double>(batches * kBatch) / s;
}

double TransferRate(const Options& o, Cluster& cluster) {
  // Persons with 120 monthly contributions at Shanghai, moved to Anhui.
  for (int p = 0; p < o.transfers; p += 8) {
    v1::AppendEntriesRequest batch;
    for (int q = p; q < std::min(p + 8, o.transfers); ++q) {
      v1::AppendEntriesRequest one = EmployeeHistory(TestPerson(q, 1985 + q / 14'000, true),
                                                     "UEBPI-310000", 2012, 120, 500'000 + q);
      for (v1::Entry& e : *one.mutable_entries()) *batch.add_entries() = std::move(e);
    }
    if (!cluster.Admin(kShanghai)->AppendEntries(batch).ok()) std::abort();
  }
  std::atomic<int> next{0};
  std::atomic<int> completed{0};
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < o.transfer_threads; ++t) {
    workers.emplace_back([&] {
      auto anhui = cluster.Admin(kAnhui);
      for (int q = next++; q < o.transfers; q = next++) {
        v1::StartTransferRequest start_request;
        start_request.set_person_id(TestPerson(q, 1985 + q / 14'000, true));
        start_request.set_source_node_id("shanghai");
        start_request.set_source_scheme_id("UEBPI-310000");
        start_request.set_destination_scheme_id("UEBPI-340000");
        start_request.set_date("2024-06-15");
        start_request.set_wait(true);
        absl::StatusOr<v1::TransferStatus> s = anhui->StartTransfer(start_request);
        if (s.ok() && s->state() == v1::TRANSFER_STATE_COMPLETED) ++completed;
      }
    });
  }
  for (std::thread& w : workers) w.join();
  const double s = Seconds(start);
  if (completed != o.transfers) {
    std::fprintf(stderr, "only %d of %d transfers completed\n", completed.load(), o.transfers);
  }
  return completed / s;
}

void HistoryLatency(const Options& o, Cluster& cluster, double* p50_ms, double* p99_ms) {
  const int64_t persons = o.entries / kMonthsPerPerson;
  std::vector<double> ms;
  auto admin = cluster.Admin(kShanghai);
  for (int q = 0; q < o.queries; ++q) {
    const std::string person = PersonId((q * 7919) % persons);
    auto token = admin->IssueWorkerToken(person, 600);
    if (!token.ok()) std::abort();
    auto worker = cluster.Client(kShanghai, "", token->token());
    worker->GetCheckpoint().IgnoreError();  // connect outside the measurement
    const auto start = Clock::now();
    absl::StatusOr<v1::GetHistoryResponse> h = worker->GetHistory(person, "UEBPI-310000");
    ms.push_back(Seconds(start) * 1000);
    if (!h.ok() || h->entries_size() != kMonthsPerPerson) {
      std::fprintf(stderr, "history of %s: %d entries\n", person.c_str(),
                   h.ok() ? h->entries_size() : -1);
      std::abort();
    }
  }
  std::sort(ms.begin(), ms.end());
  *p50_ms = ms[ms.size() / 2];
  *p99_ms = ms[ms.size() * 99 / 100];
}

int Run(const Options& o) {
  const std::string dir = FreshTestDir("rpc_bench");
  std::printf(
      "rpc_bench: %lld entries in batches of %lld from %d threads; %d transfers from %d "
      "threads; %d history queries\n",
      static_cast<long long>(o.entries), static_cast<long long>(kBatch), o.threads, o.transfers,
      o.transfer_threads, o.queries);
  const double in_process = InProcessRate(o, dir);
  std::printf("in-process ledger appends: %.0f entries/s\n", in_process);
  Cluster cluster;
  cluster.Start("rpc_bench_cluster");
  const double grpc = GrpcRate(o, cluster);
  std::printf("gRPC appends (mutual TLS, loopback): %.0f entries/s = %.2f of in-process\n", grpc,
              grpc / in_process);
  double p50 = 0;
  double p99 = 0;
  HistoryLatency(o, cluster, &p50, &p99);
  std::printf(
      "worker history query (100 entries) on a node of %lld entries: p50 %.2f ms, p99 "
      "%.2f ms\n",
      static_cast<long long>(o.entries), p50, p99);
  const double transfers = TransferRate(o, cluster);
  std::printf("cross-node transfers (120-month histories): %.0f completed/s\n", transfers);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  std::filesystem::remove_all(cluster.dir(), ignored);
  return 0;
}

}  // namespace
}  // namespace pbl::testing

int main(int argc, char** argv) {
  pbl::testing::Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const long long value = std::atoll(argv[i + 1]);
    if (flag == "--entries")
      o.entries = value;
    else if (flag == "--threads")
      o.threads = static_cast<int>(value);
    else if (flag == "--transfers")
      o.transfers = static_cast<int>(value);
    else if (flag == "--transfer-threads")
      o.transfer_threads = static_cast<int>(value);
    else if (flag == "--queries")
      o.queries = static_cast<int>(value);
    else {
      std::fprintf(stderr,
                   "usage: rpc_bench [--entries N] [--threads N] [--transfers N] "
                   "[--transfer-threads N] [--queries N]\n");
      return 2;
    }
  }
  return pbl::testing::Run(o);
}
