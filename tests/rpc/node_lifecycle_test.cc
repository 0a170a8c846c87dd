// A node's life: clean shutdown on SIGTERM while appends are in flight, the metrics endpoint,
// and transfers that resume after a restart.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "ledger/log/ledger.h"
#include "ledger/log/storage.h"
#include "rpc/peers.h"
#include "rpc/transfer_store.h"
#include "rpc/transfers.h"
#include "tests/rpc/cluster.h"
#include "tests/testing/status_matchers.h"

namespace pbl::testing {
namespace {

using ::testing::HasSubstr;

// Each test stops, kills or restarts nodes: a cluster of its own.
class NodeLifecycleTest : public ClusterTest<NodeLifecycleTest> {
 protected:
  bool SharesCluster() const override { return false; }
};

// Fail-stop against a real pbld (pbld_faulty with storage_faults): once an fsync of the log
// fails, the node takes no more appends (both listeners NOT_SERVING, a metric, a log line) but
// still answers reads; after a restart it serves again, and the batch whose fsync failed, sent
// again with its id, is answered from the log and appended once.
TEST_F(NodeLifecycleTest, AFailedFsyncStopsAppendsUntilARestartAndAResentBatchIsAppendedOnce) {
  ClusterOptions options;
  options.fault_plan = FaultPlanSpec{};
  options.fault_plan->seed = 1;
  options.fault_plan->storage_faults = true;
  Cluster& cluster = StartOwnCluster(options);
  if (HasFatalFailure()) return;
  auto admin = cluster.Admin(kShanghai);
  const std::string person = TestPerson(41, 1985, true);
  v1::AppendEntriesRequest first = EmployeeHistory(person, "UEBPI-310000", 2019, 12, 500'000);
  first.set_batch_id("fail-stop/1");
  ASSERT_OK(admin->AppendEntries(first).status());

  {  // the trigger: the log's next fsync fails
    std::ofstream trigger(cluster.spec(kShanghai).DataDir() + "/log.fail-next-sync");
  }
  v1::AppendEntriesRequest second = EmployeeHistory(person, "UEBPI-310000", 2020, 12, 520'000);
  second.mutable_entries()->erase(second.mutable_entries()->begin());  // no second enrolment
  second.set_batch_id("fail-stop/2");
  EXPECT_THAT(admin->AppendEntries(second),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("same batch id")));
  v1::AppendEntriesRequest third = second;
  third.set_batch_id("fail-stop/3");
  EXPECT_THAT(admin->AppendEntries(third), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(admin->CheckHealth(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(cluster.Client(kShanghai, "")->CheckHealth(),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(HttpGet(cluster.spec(kShanghai).metrics_port, "/metrics"),
              HasSubstr("pbl_log_appends_stopped 1"));
  EXPECT_THAT(cluster.process(kShanghai).LogTail(200), HasSubstr("event=log_appends_stopped"));
  EXPECT_OK(admin->GetHistory(person).status());  // reads go on

  ASSERT_OK(cluster.process(kShanghai).Restart());
  auto again = cluster.Admin(kShanghai);
  EXPECT_OK(again->CheckHealth());
  EXPECT_THAT(HttpGet(cluster.spec(kShanghai).metrics_port, "/metrics"),
              HasSubstr("pbl_log_appends_stopped 0"));
  // The failed fsync's write reached the disk when the node stopped: it is in the log.
  ASSERT_OK_AND_ASSIGN(const v1::AppendEntriesResponse resent, again->AppendEntries(second));
  EXPECT_TRUE(resent.replayed());
  ASSERT_OK_AND_ASSIGN(const v1::AppendEntriesResponse resent_twice, again->AppendEntries(second));
  EXPECT_TRUE(resent_twice.replayed());
  EXPECT_EQ(resent_twice.first_index(), resent.first_index());
  ASSERT_OK_AND_ASSIGN(const v1::GetHistoryResponse history, again->GetHistory(person));
  EXPECT_EQ(history.entries_size(), 1 + 12 + 12) << "every row once";
}

TEST_F(NodeLifecycleTest, SigtermLetsInFlightAppendsFinishAndLeavesAVerifiableLog) {
  Cluster& cluster = StartOwnCluster();
  if (HasFatalFailure()) return;
  struct Acknowledged {
    uint64_t first_index;
    std::string person;
  };
  std::mutex mu;
  std::vector<Acknowledged> acknowledged;
  std::atomic<bool> stop{false};
  std::atomic<int> failed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      auto admin = cluster.Admin(kShanghai);
      for (int n = 0; !stop; ++n) {
        const std::string person = TestPerson(w * 1000 + n % 1000, 1980 + w, true);
        absl::StatusOr<v1::AppendEntriesResponse> r =
            admin->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2015, 99, 500'000));
        if (!r.ok()) {
          ++failed;  // refused or cut off by the shutdown: never acknowledged
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        acknowledged.push_back({r->first_index(), person});
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const ProcessExit exit = cluster.process(kShanghai).Stop();
  stop = true;
  for (std::thread& t : writers) t.join();
  EXPECT_TRUE(exit.Clean()) << exit.ToString();
  EXPECT_THAT(cluster.process(kShanghai).LogTail(5), HasSubstr("event=stopped"));
  ASSERT_GT(acknowledged.size(), 0u);
  // Every acknowledged batch is in the log, whole; the log verifies.
  {
    ASSERT_OK_AND_ASSIGN(auto storage,
                         ledger::OpenRocksStorage(cluster.spec(kShanghai).DataDir() + "/log"));
    ASSERT_OK_AND_ASSIGN(
        auto log,
        ledger::Ledger::Open(std::move(storage),
                             ledger::LedgerOptions{.origin = cluster.spec(kShanghai).origin,
                                                   .key = &cluster.key(kShanghai),
                                                   .on_group = nullptr,
                                                   .on_stop = nullptr}));
    EXPECT_OK(log->Verify());
    for (const Acknowledged& a : acknowledged) {
      ASSERT_OK_AND_ASSIGN(const std::vector<std::string> batch,
                           log->GetEntries(static_cast<int64_t>(a.first_index), 100));
      ASSERT_EQ(batch.size(), 100u);
      for (const std::string& bytes : batch) {
        v1::Entry entry;
        ASSERT_TRUE(entry.ParseFromString(bytes));
        EXPECT_EQ(entry.person_id(), a.person);
      }
    }
  }
  ASSERT_OK(cluster.StartNode(kShanghai));
  EXPECT_OK(cluster.Admin(kShanghai)->CheckHealth());
}

TEST_F(NodeLifecycleTest, MetricsEndpointServesPrometheusText) {
  Cluster& cluster = StartOwnCluster();
  if (HasFatalFailure()) return;
  const std::string person = TestPerson(1, 1990, true);
  ASSERT_OK(cluster.Admin(kShanghai)
                ->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2018, 24, 600'000))
                .status());
  const v1::StartTransferRequest start = ShanghaiToAnhui(person, "2023-01-10");
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus status,
                       cluster.Admin(kAnhui)->StartTransfer(start));
  ASSERT_EQ(status.state(), v1::TRANSFER_STATE_COMPLETED);
  const std::string text = HttpGet(cluster.spec(kShanghai).metrics_port, "/metrics");
  EXPECT_THAT(text, HasSubstr("200 OK"));
  EXPECT_THAT(text, HasSubstr("pbl_append_entries_total 25"));
  EXPECT_THAT(text, HasSubstr("pbl_ledger_group_entries_count"));
  EXPECT_THAT(text, HasSubstr("pbl_append_seconds_bucket"));
  EXPECT_THAT(text, HasSubstr("pbl_transfers{state=\"TRANSFER_STATE_COMPLETED\"} 1"));
  EXPECT_THAT(text, HasSubstr("pbl_requests_total{code=\"0\",method=\"AppendEntries\"} 1"));
  // Structured logs never print a person id in full.
  const std::string log = cluster.process(kShanghai).LogTail(200);
  EXPECT_THAT(log, HasSubstr("event=transfer_initiated"));
  EXPECT_THAT(log, ::testing::Not(HasSubstr(person)));
}

TEST_F(NodeLifecycleTest, ATransferWhoseSourceIsDownResumesWhenItReturns) {
  Cluster& cluster = StartOwnCluster();
  if (HasFatalFailure()) return;
  const std::string person = TestPerson(2, 1990, true);
  ASSERT_OK(cluster.Admin(kShanghai)
                ->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2018, 12, 600'000))
                .status());
  cluster.process(kShanghai).Kill();
  const v1::StartTransferRequest start =
      ShanghaiToAnhui(person, "2023-01-10", "t-resume", /*wait=*/false);
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus requested,
                       cluster.Admin(kAnhui)->StartTransfer(start));
  EXPECT_EQ(requested.state(), v1::TRANSFER_STATE_REQUESTED);
  // Anhui restarts too: its record of the request survives, and its worker finishes the job.
  cluster.process(kAnhui).Kill();
  ASSERT_OK(cluster.StartNode(kAnhui));
  ASSERT_OK(cluster.StartNode(kShanghai));
  absl::StatusOr<v1::TransferStatus> status;
  for (int i = 0; i < 200; ++i) {
    status = cluster.Admin(kAnhui)->GetTransfer("t-resume");
    if (status.ok() && status->state() == v1::TRANSFER_STATE_COMPLETED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_OK(status.status());
  EXPECT_EQ(status->state(), v1::TRANSFER_STATE_COMPLETED);
  EXPECT_EQ(status->figures().pooled_fen(), 12 * 600'000 * 12 / 100);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// The source keeps no copy of the package it sent: a repeated Prepare remakes it from its log.
// It must be the very package the destination credited, byte for byte, also after a restart.
TEST_F(NodeLifecycleTest, ARepeatedPrepareGetsTheSamePackageTheDestinationCredited) {
  Cluster& cluster = StartOwnCluster();
  if (HasFatalFailure()) return;
  const std::string person = TestPerson(3, 1988, true);
  ASSERT_OK(cluster.Admin(kShanghai)
                ->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2015, 36, 500'000))
                .status());
  const v1::StartTransferRequest start = ShanghaiToAnhui(person, "2023-01-10", "t-package");
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus done, cluster.Admin(kAnhui)->StartTransfer(start));
  ASSERT_EQ(done.state(), v1::TRANSFER_STATE_COMPLETED) << done.reason();
  // Entries appended after the initiation are not in the package.
  ASSERT_OK(cluster.Admin(kShanghai)
                ->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2023, 2, 500'000))
                .status());
  // Ask Shanghai as Anhui does: with Anhui's node certificate.
  const TlsFiles anhui_tls = NodeTlsFiles(cluster.pki(), "anhui");
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = Slurp(anhui_tls.client_ca);
  ssl.pem_cert_chain = Slurp(anhui_tls.cert);
  ssl.pem_private_key = Slurp(anhui_tls.key);
  const auto prepare = [&]() -> absl::StatusOr<v1::PrepareResponse> {
    std::unique_ptr<rpc::PeerChannel> peer = rpc::MakeGrpcPeerChannel(
        grpc::CreateChannel(cluster.spec(kShanghai).Address(), grpc::SslCredentials(ssl)), 30'000);
    return peer->Prepare(rpc::PrepareFor(done));
  };
  ASSERT_OK_AND_ASSIGN(const v1::PrepareResponse first, prepare());
  cluster.process(kShanghai).Kill();
  ASSERT_OK(cluster.StartNode(kShanghai));
  ASSERT_OK_AND_ASSIGN(const v1::PrepareResponse again, prepare());
  cluster.process(kAnhui).Kill();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<rpc::TransferStore> store,
                       rpc::TransferStore::Open(cluster.spec(kAnhui).DataDir() + "/log"));
  ASSERT_OK_AND_ASSIGN(const v1::SignedMessage credited,
                       store->Package("t-package", v1::TRANSFER_ROLE_DESTINATION));
  EXPECT_FALSE(credited.body().empty());
  EXPECT_EQ(first.package().SerializeAsString(), credited.SerializeAsString());
  EXPECT_EQ(again.package().SerializeAsString(), credited.SerializeAsString());
  // The destination's record itself is small: the package is not rewritten with each step.
  ASSERT_OK_AND_ASSIGN(std::optional<v1::TransferRecord> record,
                       store->Get("t-package", v1::TRANSFER_ROLE_DESTINATION));
  ASSERT_TRUE(record.has_value());
  EXPECT_LT(record->ByteSizeLong(), credited.ByteSizeLong());
  EXPECT_EQ(record->status().state(), v1::TRANSFER_STATE_COMPLETED);
}

}  // namespace
}  // namespace pbl::testing
