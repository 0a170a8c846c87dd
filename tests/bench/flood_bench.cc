// The flood benchmark (issue 15): clients that show no certificate and no token send pbld the
// largest requests it could be sent, for a bounded time on loopback, while a worker with a valid
// token queries their history. Reported: the node's resident memory idle and its peak during the
// flood (VmRSS, VmHWM from /proc), how the flood's calls ended, and the worker's history query
// p50/p99 before and during the flood. Run with scripts/bench-flood.sh.
//
// Three kinds of flooding client, `--flooders` threads of each, each on a connection of its own:
//  - on the main listener without a client certificate: 60 MB AppendEntries (the request of
//    reproduction 6), ended at the TLS handshake;
//  - on the workers' listener: 60 MB AppendEntries, above its message size;
//  - on the workers' listener: requests of exactly its maximum size (16 KiB), which it must read
//    and refuse (no token).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/rpc/cluster.h"
#include "tests/testing/entries.h"
#include "tests/testing/raw_call.h"

namespace pbl::testing {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int seconds = 10;
  int flooders = 8;  // threads per kind
  int big_mb = 60;
};

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
double Mib(int64_t kib) { return static_cast<double>(kib) / 1024.0; }

struct Latency {
  double p50 = 0;
  double p99 = 0;
  size_t count = 0;
  size_t failed = 0;
};

// GetHistory of `person` as that worker, until `stop` (or `max` queries).
Latency QueryHistory(const Cluster& cluster, const std::string& person, const std::string& token,
                     const std::atomic<bool>& stop, size_t max) {
  auto worker = cluster.Client(kShanghai, "", token, 10'000);
  worker->GetCheckpoint().IgnoreError();  // connect outside the measurement
  std::vector<double> ms;
  Latency out;
  while (!stop && ms.size() < max) {
    const auto start = Clock::now();
    const absl::StatusOr<v1::GetHistoryResponse> h = worker->GetHistory(person, "UEBPI-310000");
    ms.push_back(Ms(Clock::now() - start));
    if (!h.ok()) ++out.failed;
  }
  std::sort(ms.begin(), ms.end());
  out.count = ms.size();
  if (!ms.empty()) {
    out.p50 = ms[ms.size() / 2];
    out.p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  }
  return out;
}

// How the flood's calls ended, by kind and status code.
class Outcomes {
 public:
  void Add(const std::string& kind, grpc::StatusCode code) {
    std::lock_guard lock(mu_);
    ++counts_[kind + " " + std::to_string(static_cast<int>(code))];
  }
  void Print() const {
    std::lock_guard lock(mu_);
    for (const auto& [key, n] : counts_) std::printf("  %s: %lld calls\n", key.c_str(), n);
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, long long> counts_;
};

int Run(const Options& o) {
  Cluster cluster;
  cluster.Start("flood_bench");
  if (!cluster.started()) return 1;
  const std::string person = PersonId(1);
  auto admin = cluster.Admin(kShanghai);
  for (int m = 0; m < 120; m += 60) {
    std::vector<std::string> batch;
    for (int i = 0; i < 60; ++i) batch.push_back(ContributionEntry(1, m + i));
    v1::AppendEntriesRequest request;
    for (const std::string& e : batch) request.add_entries()->ParseFromString(e);
    if (!admin->AppendEntries(request).ok()) return 1;
  }
  const absl::StatusOr<v1::IssueWorkerTokenResponse> token = admin->IssueWorkerToken(person, 3600);
  if (!token.ok()) return 1;

  const pid_t pid = cluster.process(kShanghai).pid();
  std::atomic<bool> stop{false};
  const Latency before = QueryHistory(cluster, person, token->token(), stop, 2'000);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const int64_t idle_kib = ProcessMemoryKib(pid, "VmRSS");
  const int64_t peak_before_kib = ProcessMemoryKib(pid, "VmHWM");
  std::printf("flood_bench: %d s, %d flooders of each kind, %d MB requests\n", o.seconds,
              o.flooders, o.big_mb);
  std::printf("idle: VmRSS %.1f MiB (peak so far %.1f MiB)\n", Mib(idle_kib), Mib(peak_before_kib));

  const std::string big = EmptyEntriesRequest(static_cast<size_t>(o.big_mb) << 20);
  const std::string max_size = EmptyEntriesRequest(16 << 10);  // the workers' limit, exactly
  const std::string method = "/pbl.v1.LedgerService/AppendEntries";
  grpc::SslCredentialsOptions ssl;
  {
    std::ifstream in(cluster.pki().ca_cert);
    ssl.pem_root_certs.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  struct Kind {
    std::string name;
    std::string address;
    const std::string* request;
  };
  const std::vector<Kind> kinds = {
      {"main listener, no certificate, 60 MB", cluster.spec(kShanghai).Address(), &big},
      {"workers' listener, 60 MB", cluster.spec(kShanghai).WorkerAddress(), &big},
      {"workers' listener, 16 KiB", cluster.spec(kShanghai).WorkerAddress(), &max_size},
  };
  Outcomes outcomes;
  std::atomic<int64_t> peak_kib{peak_before_kib};
  std::vector<std::thread> threads;
  for (const Kind& kind : kinds) {
    for (int t = 0; t < o.flooders; ++t) {
      threads.emplace_back([&, kind] {
        grpc::ChannelArguments args;
        args.SetInt("pbl.flooder", t);  // a connection of its own
        auto channel = grpc::CreateCustomChannel(kind.address, grpc::SslCredentials(ssl), args);
        while (!stop) {
          outcomes.Add(
              kind.name,
              RawUnaryCall(channel, method, *kind.request, std::chrono::seconds(10)).error_code());
        }
      });
    }
  }
  std::thread sampler([&] {
    while (!stop) {
      peak_kib = std::max<int64_t>(peak_kib, ProcessMemoryKib(pid, "VmHWM"));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  Latency during;
  std::thread querier(
      [&] { during = QueryHistory(cluster, person, token->token(), stop, 1 << 30); });
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
  stop = true;
  querier.join();
  for (std::thread& t : threads) t.join();
  sampler.join();
  const int64_t after_kib = ProcessMemoryKib(pid, "VmRSS");
  const int64_t peak = std::max<int64_t>(peak_kib, ProcessMemoryKib(pid, "VmHWM"));

  std::printf("flood calls (kind, gRPC status code):\n");
  outcomes.Print();
  std::printf("peak during the flood: VmHWM %.1f MiB = idle + %.1f MiB (goal: under 256 MB)\n",
              Mib(peak), Mib(peak - idle_kib));
  std::printf("after the flood: VmRSS %.1f MiB\n", Mib(after_kib));
  std::printf("worker history (120 entries), before: %zu queries, p50 %.2f ms, p99 %.2f ms\n",
              before.count, before.p50, before.p99);
  std::printf(
      "worker history during the flood: %zu queries (%zu failed), p50 %.2f ms, p99 %.2f ms\n",
      during.count, during.failed, during.p50, during.p99);
  const bool alive = cluster.Admin(kShanghai)->CheckHealth().ok();
  std::printf("node healthy after the flood: %s\n", alive ? "yes" : "NO");
  return alive ? 0 : 1;
}

}  // namespace
}  // namespace pbl::testing

int main(int argc, char** argv) {
  pbl::testing::Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--seconds") {
      o.seconds = value;
    } else if (flag == "--flooders") {
      o.flooders = value;
    } else if (flag == "--big-mb") {
      o.big_mb = value;
    } else {
      std::fprintf(stderr, "usage: flood_bench [--seconds 10] [--flooders 8] [--big-mb 60]\n");
      return 2;
    }
  }
  return pbl::testing::Run(o);
}
