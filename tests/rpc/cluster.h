// Two real pbld processes on loopback with mutual TLS, for the integration and fault tests: a
// Shanghai node (UEBPI-310000, URRBPI-310000) and an Anhui node (UEBPI-340000, URRBPI-340000),
// certificates made with openssl in the test, clients through the real client library.
#ifndef PBL_TESTS_RPC_CLUSTER_H_
#define PBL_TESTS_RPC_CLUSTER_H_

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/key_file.h"
#include "crypto/note.h"
#include "ledger/domain/person_id.h"
#include "pbl/v1/entry.pb.h"
#include "rpc/client.h"
#include "tests/testing/node_harness.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tls_certs.h"

// The test daemon for nodes with a fault plan (tests/CMakeLists.txt defines it for binaries that
// link pbl_testing); the benchmarks start none and leave it undefined.
#ifndef PBL_PBLD_FAULTY_PATH
#define PBL_PBLD_FAULTY_PATH "pbld_faulty (not built for this binary)"
#endif

namespace pbl::testing {

inline constexpr int kShanghai = 0;

// A loopback port for a test node: below the kernel's ephemeral range (32768 and up), so that no
// outgoing connection takes it between this check and the node's bind, and in a stretch of 20
// ports of its own per test process (by pid), so that tests run in parallel do not pick the same
// one. -1 if none of the stretch can be bound.
inline int TestNodePort() {
  static int next = 0;
  const int base = 20'000 + static_cast<int>(::getpid() % 600) * 20;
  for (int tries = 0; tries < 20; ++tries) {
    const int port = base + next++ % 20;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    const bool free = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
    ::close(fd);
    if (free) return port;
  }
  return -1;
}

inline constexpr int kAnhui = 1;

// Polls `done` every 50 ms until it holds (true) or `timeout_ms` passed (false): for what a
// node's background worker does on its own time.
inline bool WaitFor(const std::function<bool()>& done, int64_t timeout_ms = 10'000) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

struct ClusterOptions {
  // On both nodes (seeds differ per node), which then run as pbld_faulty.
  std::optional<FaultPlanSpec> fault_plan;
  std::string shanghai_tampers;  // tamper_package of the Shanghai node's fault plan
  int transfer_deadline_seconds = 60;
  bool sealed = false;  // both nodes with a master key: logs in format v2
};

class Cluster {
 public:
  Cluster() = default;
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;
  // Stops the nodes and removes the cluster's directory (RocksDB preallocates tens of MB per
  // store), unless the test failed or PBL_KEEP_TEST_DIRS is set.
  ~Cluster() {
    for (auto& p : processes_) p->Kill();
    processes_.clear();
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    const bool failed = test != nullptr
                            ? ::testing::Test::HasFailure()
                            : ::testing::UnitTest::GetInstance()->failed_test_count() > 0;
    if (!dir_.empty() && !failed && std::getenv("PBL_KEEP_TEST_DIRS") == nullptr) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  // True once Start brought both nodes up. Suites that share a cluster assert it in SetUp, so
  // that a cluster that did not start fails every test instead of skipping it.
  bool started() const { return started_; }

  // Makes the PKI, keys and configs under a fresh directory and starts both nodes.
  void Start(const std::string& tag, const ClusterOptions& options = {}) {
    dir_ = FreshTestDir(tag + std::string("_cluster"));
    absl::StatusOr<TestPki> pki = MakeTestPki(dir_ + "/pki", {"shanghai", "anhui"},
                                              {"admin-sh", "admin-ah", "auditor", "stranger"});
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = *pki;
    const char* ids[2] = {"shanghai", "anhui"};
    const std::vector<std::string> schemes[2] = {{"UEBPI-310000", "URRBPI-310000"},
                                                 {"UEBPI-340000", "URRBPI-340000"}};
    for (int i = 0; i < 2; ++i) {
      NodeSpec spec;
      spec.id = ids[i];
      spec.schemes = schemes[i];
      spec.port = TestNodePort();
      spec.worker_port = TestNodePort();
      spec.dir = dir_ + "/" + ids[i];
      spec.origin = TestOrigin(ids[i]);
      crypto::SigningKey key = crypto::SigningKey::Generate();
      spec.signing_key = *crypto::FormatPrivateKey(spec.origin, key);
      keys_.push_back(std::make_unique<crypto::SigningKey>(std::move(key)));
      spec.verifier_key =
          crypto::FormatVerifierKey(spec.origin, crypto::kSignatureTypeEd25519, key.public_key());
      spec.tls = NodeTlsFiles(pki_, ids[i]);
      spec.metrics_port = TestNodePort();
      spec.limits.transfer_deadline_seconds = options.transfer_deadline_seconds;
      spec.sealed = options.sealed;
      specs_.push_back(spec);
    }
    for (int i = 0; i < 2; ++i) {
      AccessLists access{{Identity(i == kShanghai ? "admin-sh" : "admin-ah")},
                         {Identity("auditor")}};
      std::optional<FaultPlanSpec> plan = options.fault_plan;
      if (plan) plan->seed += static_cast<uint64_t>(i) * 7919;
      if (i == kShanghai && !options.shanghai_tampers.empty()) {
        if (!plan) plan = FaultPlanSpec{};
        plan->tamper_package = options.shanghai_tampers;
      }
      access_.push_back(access);
      plans_.push_back(plan);
      absl::StatusOr<std::string> config =
          WriteNodeConfig(specs_[static_cast<size_t>(i)], PeersOf(specs_, ids[i]), access, plan);
      ASSERT_TRUE(config.ok()) << config.status();
      processes_.push_back(std::make_unique<NodeProcess>(specs_[static_cast<size_t>(i)]));
      ASSERT_OK_NODE(StartNode(i));
    }
    started_ = true;
  }

  absl::Status StartNode(int i) {
    return processes_[static_cast<size_t>(i)]->StartCommand(
        NodeCommand(specs_[static_cast<size_t>(i)], PBL_PBLD_PATH, PBL_PBLD_FAULTY_PATH));
  }
  // Stops node `i`, writes its configuration again with its own spec and its peers as `edit`
  // leaves them (the cluster's specs are not changed), and starts it. Reconfigure(i, {}) restores
  // it.
  absl::Status Reconfigure(int i,
                           const std::function<void(NodeSpec*, std::vector<NodeSpec>*)>& edit) {
    const auto n = static_cast<size_t>(i);
    NodeSpec self = specs_[n];
    std::vector<NodeSpec> peers = PeersOf(specs_, specs_[n].id);
    if (edit) edit(&self, &peers);
    processes_[n]->Stop();
    absl::StatusOr<std::string> config = WriteNodeConfig(self, peers, access_[n], plans_[n]);
    if (!config.ok()) return config.status();
    return StartNode(i);
  }

  NodeProcess& process(int i) { return *processes_[static_cast<size_t>(i)]; }
  const NodeSpec& spec(int i) const { return specs_[static_cast<size_t>(i)]; }
  const TestPki& pki() const { return pki_; }
  const std::string& dir() const { return dir_; }
  const crypto::SigningKey& key(int i) const { return *keys_[static_cast<size_t>(i)]; }

  // The [access] entry of certificate `name` of the cluster's PKI (its key pinned).
  AccessEntry Identity(const std::string& name) const {
    absl::StatusOr<std::string> key = CertificateKeyOfFile(pki_.Cert(name));
    EXPECT_TRUE(key.ok()) << key.status();
    return AccessEntry{name, key.value_or("")};
  }

  // A client of node `i` with client certificate `name`, on the main listener; without one
  // (`name` empty), on the workers' listener, where a token is what counts.
  std::unique_ptr<rpc::NodeClient> Client(int i, const std::string& name,
                                          const std::string& token = "",
                                          int64_t timeout_ms = 30'000) const {
    rpc::ClientOptions o;
    const NodeSpec& spec = specs_[static_cast<size_t>(i)];
    o.address = name.empty() ? spec.WorkerAddress() : spec.Address();
    o.ca_file = pki_.ca_cert;
    if (!name.empty()) {
      o.cert_file = pki_.Cert(name);
      o.key_file = pki_.Key(name);
    }
    o.token = token;
    o.timeout_ms = timeout_ms;
    return *rpc::NodeClient::Connect(o);
  }
  std::unique_ptr<rpc::NodeClient> Admin(int i) const {
    return Client(i, i == kShanghai ? "admin-sh" : "admin-ah");
  }

 private:
  static void ASSERT_OK_NODE(const absl::Status& s) { ASSERT_TRUE(s.ok()) << s; }

  bool started_ = false;
  std::string dir_;
  TestPki pki_;
  std::vector<NodeSpec> specs_;
  std::vector<AccessLists> access_;                  // by node
  std::vector<std::optional<FaultPlanSpec>> plans_;  // by node
  std::vector<std::unique_ptr<crypto::SigningKey>> keys_;
  std::vector<std::unique_ptr<NodeProcess>> processes_;
};

// The fixture of the tests that run a cluster. By default a suite's tests share one cluster
// (each test with persons of its own):
//
//   class ImportTest : public ClusterTest<ImportTest> { ... };
//   TEST_F(ImportTest, ...) { cluster_->Admin(kShanghai)->... }
//
// The first test's SetUp starts the cluster, named after the suite, and runs PrepareCluster on
// it once; TearDownTestSuite stops it. Not SetUpTestSuite: a failure there would make gtest skip
// the tests (and ctest count them as passed) instead of failing them; here every test of a suite
// whose cluster did not start or prepare fails. `Suite` (the deriving class) gives each suite
// its own cluster; suites derived from one fixture class start one each, in turn. `Base` is
// ::testing::Test or a ::testing::TestWithParam<T>.
//
// A suite whose tests change the nodes (a fault plan, tampering, nodes they kill) overrides
// SharesCluster() to return false; each test then starts a cluster of its own:
//
//   Cluster& cluster = StartOwnCluster(options);
//   if (HasFatalFailure()) return;
template <typename Suite, typename Base = ::testing::Test>
class ClusterTest : public Base {
 public:
  static void TearDownTestSuite() {
    cluster_.reset();  // removes its directory unless a test failed
    ready_ = false;
  }

 protected:
  void SetUp() override {
    if (!SharesCluster()) return;
    if (cluster_ == nullptr) {
      cluster_ = std::make_unique<Cluster>();
      cluster_->Start(::testing::UnitTest::GetInstance()->current_test_suite()->name(),
                      SharedClusterOptions());
      if (cluster_->started()) {
        PrepareCluster();
        ready_ = !::testing::Test::HasFatalFailure();
      }
    }
    ASSERT_TRUE(ready_) << "the suite's cluster did not start or was not prepared";
  }

  // What the suite's tests share besides the nodes (entries, a transfer), made once on the new
  // cluster; a fatal failure here fails every test of the suite.
  virtual void PrepareCluster() {}

  // False for a suite whose tests each start their own cluster.
  virtual bool SharesCluster() const { return true; }
  // The options of the suite's shared cluster.
  virtual ClusterOptions SharedClusterOptions() const { return {}; }

  // Starts this test's own cluster with `options`, named after the test; it stops (and removes
  // its directory unless the test failed) when the test ends. A failure to start is a fatal
  // failure of the test.
  Cluster& StartOwnCluster(const ClusterOptions& options = {}) {
    own_cluster_ = std::make_unique<Cluster>();
    own_cluster_->Start(::testing::UnitTest::GetInstance()->current_test_info()->name(), options);
    return *own_cluster_;
  }

  static inline std::unique_ptr<Cluster> cluster_;

 private:
  static inline bool ready_ = false;
  std::unique_ptr<Cluster> own_cluster_;
};

// The n-th test person (valid GB 11643 id), born in May `birth_year`, male when `male`. Unique
// for n < 14,000 within one birth year and sex.
inline std::string TestPerson(int n, int birth_year, bool male) {
  char body[48];
  std::snprintf(body, sizeof(body), "340104%04d05%02d%03d", birth_year, 1 + (n / 500) % 28,
                (n % 500) * 2 + (male ? 1 : 0));
  return std::string(body, 17) + ledger::PersonIdCheckCharacter(std::string_view(body, 17));
}

// An enrolment and `months` monthly contributions from `first` (YYYY-MM) at `base_fen`, 8% to
// the account, 16% to the pool.
inline v1::AppendEntriesRequest EmployeeHistory(const std::string& person,
                                                const std::string& scheme, int first_year,
                                                int months, int64_t base_fen, bool male = true) {
  v1::AppendEntriesRequest request;
  v1::Entry* enrol = request.add_entries();
  enrol->set_scheme_id(scheme);
  enrol->set_person_id(person);
  enrol->mutable_enrolment()->set_date(std::to_string(first_year) + "-01-01");
  enrol->mutable_enrolment()->set_hukou_region("340100");
  enrol->mutable_enrolment()->set_retirement_category(male ? v1::RETIREMENT_CATEGORY_MALE
                                                           : v1::RETIREMENT_CATEGORY_FEMALE_STAFF);
  for (int m = 0; m < months; ++m) {
    v1::Entry* e = request.add_entries();
    e->set_scheme_id(scheme);
    e->set_person_id(person);
    char period[16];
    std::snprintf(period, sizeof(period), "%04d-%02d", first_year + m / 12, m % 12 + 1);
    v1::MonthlyContribution* c = e->mutable_monthly_contribution();
    c->set_period(period);
    c->set_base_fen(base_fen);
    c->set_personal_fen(base_fen * 8 / 100);
    c->set_employer_fen(base_fen * 16 / 100);
  }
  return request;
}

// StartTransfer of `person`'s employee pension from Shanghai (UEBPI-310000) to Anhui
// (UEBPI-340000) on `date`; an empty `transfer_id` lets the node make one. With `wait`, the call
// returns when the transfer has ended.
inline v1::StartTransferRequest ShanghaiToAnhui(const std::string& person, const std::string& date,
                                                const std::string& transfer_id = "",
                                                bool wait = true) {
  v1::StartTransferRequest start;
  if (!transfer_id.empty()) start.set_transfer_id(transfer_id);
  start.set_person_id(person);
  start.set_source_node_id("shanghai");
  start.set_source_scheme_id("UEBPI-310000");
  start.set_destination_scheme_id("UEBPI-340000");
  start.set_date(date);
  start.set_wait(wait);
  return start;
}

}  // namespace pbl::testing

#endif  // PBL_TESTS_RPC_CLUSTER_H_
