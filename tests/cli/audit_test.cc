// `pbl audit log` and `pbl audit transfers`, run as an auditor runs them: the real binary against
// two real pbld nodes (tests/rpc/cluster.h) with the auditor's certificate.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "pbl/v1/node.grpc.pb.h"
#include "tests/rpc/cluster.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace pbl::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Runs `pbl` with `args` and the credentials of certificate `cert` (empty: none) of `cluster`.
RunResult Pbl(const Cluster& cluster, std::vector<std::string> args,
              const std::string& cert = "auditor") {
  args.insert(args.begin(), PBL_BINARY);
  args.push_back("--ca");
  args.push_back(cluster.pki().ca_cert);
  if (!cert.empty()) {
    args.insert(args.end(), {"--cert", cluster.pki().Cert(cert), "--key", cluster.pki().Key(cert)});
  }
  return RunProgram(args);
}

// The remembered checkpoint files of a state directory.
std::vector<std::filesystem::path> CheckpointFiles(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::exists(dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".checkpoint") files.push_back(entry.path());
  }
  return files;
}

void AppendHistory(const Cluster& cluster, int node, int n, int months) {
  const std::string scheme = node == kShanghai ? "UEBPI-310000" : "UEBPI-340000";
  ASSERT_OK(
      cluster.Admin(node)
          ->AppendEntries(EmployeeHistory(TestPerson(n, 1980, true), scheme, 2015, months, 500'000))
          .status());
}

class AuditLogTest : public ClusterTest<AuditLogTest> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ClusterTest::SetUp());
    dir_ = FreshTestDir("audit");
    state_ = (dir_ / "state").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  RunResult AuditLog(std::vector<std::string> extra = {}, const std::string& cert = "auditor") {
    std::vector<std::string> args = {"audit",       "log",
                                     "--server",    cluster_->spec(kShanghai).Address(),
                                     "--vkey",      cluster_->spec(kShanghai).verifier_key,
                                     "--state-dir", state_};
    args.insert(args.end(), extra.begin(), extra.end());
    return Pbl(*cluster_, args, cert);
  }
  static int64_t Size() {
    const std::string note = *cluster_->Admin(kShanghai)->GetCheckpoint();
    return crypto::ParseCheckpoint(crypto::ParseNote(note)->text)->size;
  }

  std::filesystem::path dir_;
  std::string state_;
};

TEST_F(AuditLogTest, PassesAndRemembersTheVerifiedCheckpoint) {
  AppendHistory(*cluster_, kShanghai, 1, 30);
  const RunResult r = AuditLog();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("log verified: " + cluster_->spec(kShanghai).origin));
  EXPECT_THAT(r.out, HasSubstr("size      " + std::to_string(Size())));
  EXPECT_THAT(r.out, HasSubstr("entries/s"));
  EXPECT_THAT(r.out, HasSubstr("first audit"));
  const std::vector<std::filesystem::path> files = CheckpointFiles(state_);
  ASSERT_EQ(files.size(), 1u);
  // The remembered file is the node's signed note: `pbl checkpoint verify` reads it.
  const RunResult verify = RunProgram({PBL_BINARY, "checkpoint", "verify", "--vkey",
                                       cluster_->spec(kShanghai).verifier_key, files[0].string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
}

TEST_F(AuditLogTest, AfterMoreAppendsPassesAgainAndProvesConsistency) {
  AppendHistory(*cluster_, kShanghai, 2, 12);
  ASSERT_EQ(AuditLog().exit_code, 0);
  const int64_t first = Size();
  AppendHistory(*cluster_, kShanghai, 3, 24);
  const RunResult again = AuditLog({"--json"});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  const nlohmann::json j = nlohmann::json::parse(again.out);
  EXPECT_EQ(j["previous_size"].get<int64_t>(), first);
  EXPECT_EQ(j["size"].get<int64_t>(), Size());
  EXPECT_EQ(j["verified_from"].get<int64_t>(), 0);
  EXPECT_EQ(j["entries_checked"].get<int64_t>(), Size());
  EXPECT_EQ(j["root_hex"].get<std::string>().size(), 64u);
}

TEST_F(AuditLogTest, IncrementalChecksOnlyTheNewEntriesAndStillProvesConsistency) {
  AppendHistory(*cluster_, kShanghai, 4, 6);
  ASSERT_EQ(AuditLog().exit_code, 0);
  const int64_t first = Size();
  AppendHistory(*cluster_, kShanghai, 5, 9);
  const RunResult r = AuditLog({"--incremental"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(std::to_string(Size() - first) + " checked from index " +
                               std::to_string(first)));
  EXPECT_THAT(r.out, HasSubstr("previous  size " + std::to_string(first) + ": consistent"));
}

TEST_F(AuditLogTest, ProgressBarIsDrawnOnRequest) {
  const RunResult r = AuditLog({"--progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("entries/s  ETA"));
  EXPECT_THAT(AuditLog().err, Not(HasSubstr("ETA")));  // not a terminal
}

TEST_F(AuditLogTest, AnotherKeyOfTheSameNameFailsWithExitCode1) {
  const crypto::SigningKey other = crypto::SigningKey::Generate();
  const std::string vkey = crypto::FormatVerifierKey(
      cluster_->spec(kShanghai).origin, crypto::kSignatureTypeEd25519, other.public_key());
  const RunResult r =
      Pbl(*cluster_, {"audit", "log", "--server", cluster_->spec(kShanghai).Address(), "--vkey",
                      vkey, "--state-dir", state_});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("checkpoint-invalid"));
  EXPECT_TRUE(CheckpointFiles(state_).empty());  // nothing unverified is remembered
}

TEST_F(AuditLogTest, TwoSignedCheckpointsForOneSizeAreReportedAsEquivocation) {
  AppendHistory(*cluster_, kShanghai, 6, 3);
  ASSERT_EQ(AuditLog().exit_code, 0);
  const std::vector<std::filesystem::path> files = CheckpointFiles(state_);
  ASSERT_EQ(files.size(), 1u);
  const std::string real = ReadWholeFile(files[0].string());
  const crypto::Checkpoint signed_cp = *crypto::ParseCheckpoint(crypto::ParseNote(real)->text);
  // The node's own key signs another tree of the same size: what an equivocating node shows one
  // auditor while it shows the others the real one.
  crypto::Checkpoint forged = signed_cp;
  forged.root = crypto::LeafHash(crypto::AsBytes("another history"));
  ASSERT_OK_AND_ASSIGN(const crypto::Ed25519NoteSigner signer,
                       crypto::Ed25519NoteSigner::Create(forged.origin, &cluster_->key(kShanghai)));
  const crypto::NoteSigner* signers[] = {&signer};
  ASSERT_OK_AND_ASSIGN(const std::string forged_note, crypto::SignCheckpoint(forged, signers));
  std::ofstream(files[0], std::ios::trunc) << forged_note;

  const RunResult r = AuditLog();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("equivocation"));
  EXPECT_THAT(r.err, HasSubstr("EQUIVOCATION"));
  EXPECT_THAT(r.out, HasSubstr(forged_note));
  EXPECT_THAT(r.out, HasSubstr(real));
  // The evidence is kept: the next audit reports it again.
  EXPECT_EQ(ReadWholeFile(files[0].string()), forged_note);
  EXPECT_EQ(AuditLog().exit_code, 1);
}

TEST_F(AuditLogTest, UnreachableNodeExitsWith3) {
  const RunResult r =
      Pbl(*cluster_,
          {"audit", "log", "--server", "127.0.0.1:" + std::to_string(FreeLoopbackPort()), "--vkey",
           cluster_->spec(kShanghai).verifier_key, "--state-dir", state_, "--timeout", "5"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
}

TEST_F(AuditLogTest, AWorkerTokenOrACertificateWithoutTheAuditorRoleExitsWith4) {
  ASSERT_OK_AND_ASSIGN(
      const v1::IssueWorkerTokenResponse token,
      cluster_->Admin(kShanghai)->IssueWorkerToken(TestPerson(1, 1980, true), 600));
  // A worker reaches the node only on the workers' listener, and may not audit there either.
  const RunResult worker =
      Pbl(*cluster_,
          {"audit", "log", "--server", cluster_->spec(kShanghai).WorkerAddress(), "--vkey",
           cluster_->spec(kShanghai).verifier_key, "--state-dir", state_, "--token", token.token()},
          "");
  EXPECT_EQ(worker.exit_code, 4) << worker.out << worker.err;
  const RunResult stranger = AuditLog({}, "stranger");
  EXPECT_EQ(stranger.exit_code, 4) << stranger.out << stranger.err;
}

// --- audit transfers ------------------------------------------------------------------------

const char* SchemeOf(int node) { return node == kShanghai ? "UEBPI-310000" : "UEBPI-340000"; }
const char* NodeId(int node) { return node == kShanghai ? "shanghai" : "anhui"; }

v1::StartTransferRequest CrossNode(const std::string& id, const std::string& person, int source) {
  v1::StartTransferRequest start;
  start.set_transfer_id(id);
  start.set_person_id(person);
  start.set_source_node_id(NodeId(source));
  start.set_source_scheme_id(SchemeOf(source));
  start.set_destination_scheme_id(SchemeOf(1 - source));
  start.set_date("2024-06-15");
  start.set_wait(true);
  return start;
}

std::vector<std::string> TransfersArgs(const Cluster& cluster, const std::string& state,
                                       std::vector<int> nodes) {
  std::vector<std::string> args = {"audit", "transfers", "--state-dir", state, "--json"};
  for (const int n : nodes) {
    args.push_back("--node");
    args.push_back(std::string(NodeId(n)) + "=" + cluster.spec(n).Address());
    args.push_back("--vkey");
    args.push_back(std::string(NodeId(n)) + "=" + cluster.spec(n).verifier_key);
  }
  return args;
}

// Each test with a cluster of its own: one runs a fault plan.
class AuditTransfersTest : public ClusterTest<AuditTransfersTest> {
 protected:
  bool SharesCluster() const override { return false; }
};

TEST_F(AuditTransfersTest, HonestNodesPassWithEveryTransferAccountedFor) {
  Cluster& cluster = StartOwnCluster();
  if (HasFatalFailure()) return;
  const std::string a = TestPerson(20, 1985, true);
  const std::string b = TestPerson(21, 1987, false);
  ASSERT_OK(cluster.Admin(kShanghai)
                ->AppendEntries(EmployeeHistory(a, "UEBPI-310000", 2018, 60, 600'000))
                .status());
  ASSERT_OK(cluster.Admin(kAnhui)
                ->AppendEntries(EmployeeHistory(b, "UEBPI-340000", 2019, 36, 400'000, false))
                .status());
  ASSERT_OK_AND_ASSIGN(v1::TransferStatus done,
                       cluster.Admin(kAnhui)->StartTransfer(CrossNode("t-sh-ah", a, kShanghai)));
  ASSERT_EQ(done.state(), v1::TRANSFER_STATE_COMPLETED) << done.reason();
  ASSERT_OK_AND_ASSIGN(done,
                       cluster.Admin(kShanghai)->StartTransfer(CrossNode("t-ah-sh", b, kAnhui)));
  ASSERT_EQ(done.state(), v1::TRANSFER_STATE_COMPLETED) << done.reason();
  // Within one node: bridging resident months into the employee scheme at 62 (as node_test).
  const std::string c = TestPerson(22, 1962, true);
  ASSERT_OK(cluster.Admin(kShanghai)
                ->AppendEntries(EmployeeHistory(c, "UEBPI-310000", 2000, 200, 300'000))
                .status());
  v1::AppendEntriesRequest premiums;
  for (int year = 2018; year <= 2020; ++year) {
    v1::Entry* e = premiums.add_entries();
    e->set_scheme_id("URRBPI-310000");
    e->set_person_id(c);
    e->mutable_annual_premium()->set_year(year);
    e->mutable_annual_premium()->set_personal_fen(100'000);
  }
  ASSERT_OK(cluster.Admin(kShanghai)->AppendEntries(premiums).status());
  v1::StartTransferRequest bridging;
  bridging.set_transfer_id("t-bridging");
  bridging.set_person_id(c);
  bridging.set_source_node_id("shanghai");
  bridging.set_source_scheme_id("URRBPI-310000");
  bridging.set_destination_scheme_id("UEBPI-310000");
  bridging.set_date("2024-06-01");
  bridging.set_wait(true);
  ASSERT_OK_AND_ASSIGN(done, cluster.Admin(kShanghai)->StartTransfer(bridging));
  ASSERT_EQ(done.state(), v1::TRANSFER_STATE_COMPLETED) << done.reason();
  // One the rules refuse (not at retirement age to bridge): voided.
  v1::StartTransferRequest refused = bridging;
  refused.set_transfer_id("t-refused");
  refused.set_source_scheme_id("UEBPI-310000");
  refused.set_destination_scheme_id("URRBPI-310000");
  AppendHistory(cluster, kShanghai, 23, 12);
  refused.set_person_id(TestPerson(23, 1980, true));
  ASSERT_OK_AND_ASSIGN(done, cluster.Admin(kShanghai)->StartTransfer(refused));
  ASSERT_EQ(done.state(), v1::TRANSFER_STATE_VOIDED);

  const std::filesystem::path dir = FreshTestDir("audit");
  const RunResult r =
      Pbl(cluster, TransfersArgs(cluster, (dir / "state").string(), {kShanghai, kAnhui}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["ok"].get<bool>());
  EXPECT_EQ(j["transfers"]["checked"].get<int>(), 4);
  EXPECT_EQ(j["transfers"]["completed"].get<int>(), 3);
  EXPECT_EQ(j["transfers"]["voided"].get<int>(), 1);
  EXPECT_EQ(j["transfers"]["in_progress"].get<int>(), 0);
  EXPECT_EQ(j["transfers"]["skipped"].get<int>(), 0);
  EXPECT_TRUE(j["findings"].empty()) << j["findings"].dump(2);
  ASSERT_EQ(j["nodes"].size(), 2u);
  EXPECT_EQ(j["nodes"][0]["origin"].get<std::string>(), cluster.spec(kShanghai).origin);
  EXPECT_EQ(CheckpointFiles(dir / "state").size(), 2u);
  // The text report says the same.
  std::vector<std::string> args =
      TransfersArgs(cluster, (dir / "state").string(), {kShanghai, kAnhui});
  args.erase(std::find(args.begin(), args.end(), "--json"));
  const RunResult text = Pbl(cluster, args);
  EXPECT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_THAT(text.out, HasSubstr("transfers checked: 4 (completed 3, voided 1"));
  EXPECT_THAT(text.out, HasSubstr("no findings"));
  std::filesystem::remove_all(dir);
}

// The source initiated, then the destination went away for good before crediting: the source's
// account stays pending past the deadline. Every answer from a peer is dropped, so the destination
// can never credit before it is killed: the scenario does not depend on timing.
TEST_F(AuditTransfersTest, ATransferPendingPastItsDeadlineIsAFinding) {
  ClusterOptions options;
  options.fault_plan = FaultPlanSpec{1, 0, 100, 0, 0, ""};
  options.transfer_deadline_seconds = 4;
  Cluster& cluster = StartOwnCluster(options);
  if (HasFatalFailure()) return;
  const std::string person = TestPerson(30, 1985, true);
  ASSERT_OK(cluster.Admin(kShanghai)
                ->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2018, 24, 600'000))
                .status());
  v1::StartTransferRequest start = CrossNode("t-stuck", person, kShanghai);
  start.set_wait(false);
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus requested,
                       cluster.Admin(kAnhui)->StartTransfer(start));
  absl::StatusOr<v1::TransferStatus> at_source;
  for (int i = 0; i < 100; ++i) {
    at_source = cluster.Admin(kShanghai)->GetTransfer("t-stuck");
    if (at_source.ok() && at_source->state() == v1::TRANSFER_STATE_INITIATED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_OK(at_source.status());
  ASSERT_EQ(at_source->state(), v1::TRANSFER_STATE_INITIATED);
  cluster.process(kAnhui).Kill();
  const auto deadline = std::chrono::system_clock::time_point(
      std::chrono::milliseconds(requested.terms().deadline_unix_ms()));
  std::this_thread::sleep_until(deadline + std::chrono::milliseconds(500));

  const std::filesystem::path dir = FreshTestDir("audit");
  std::vector<std::string> args = TransfersArgs(cluster, (dir / "state").string(), {kShanghai});
  args.insert(args.end(), {"--grace-seconds", "0"});
  const RunResult r = Pbl(cluster, args);
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("t-stuck"));
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["transfers"]["skipped"].get<int>(), 1);  // anhui was not audited
  ASSERT_EQ(j["findings"].size(), 1u) << j["findings"].dump(2);
  const nlohmann::json& f = j["findings"][0];
  EXPECT_EQ(f["code"].get<std::string>(), "pending-past-deadline");
  EXPECT_EQ(f["transfer_id"].get<std::string>(), "t-stuck");
  EXPECT_EQ(f["node"].get<std::string>(), "shanghai");
  ASSERT_EQ(f["entries"].size(), 1u);
  EXPECT_EQ(f["entries"][0]["kind"].get<std::string>(), "transfer_initiated");
  ASSERT_OK_AND_ASSIGN(const v1::GetHistoryResponse history,
                       cluster.Admin(kShanghai)->GetHistory(person, "UEBPI-310000"));
  EXPECT_EQ(f["entries"][0]["index"].get<uint64_t>(),
            history.entries(history.entries_size() - 1).index());

  // With the destination down, auditing both nodes cannot be done: exit 3.
  const RunResult down =
      Pbl(cluster, TransfersArgs(cluster, (dir / "state2").string(), {kShanghai, kAnhui}));
  EXPECT_EQ(down.exit_code, 3) << down.out << down.err;
  EXPECT_THAT(down.err, HasSubstr("anhui"));
  std::filesystem::remove_all(dir);
}

// --- Logs no honest node serves -------------------------------------------------------------

// A node that serves a log the test made, with a checkpoint signed by the real node's key over
// the same entries or others: what a dishonest or broken node could serve. StreamEntries,
// GetCheckpoint and GetConsistencyProof (for the signed tree), over TLS with the real node's
// server certificate.
class FakeLedger final : public v1::LedgerService::Service {
 public:
  FakeLedger(std::vector<std::string> entries, crypto::MemoryHashStore signed_tree,
             std::string note)
      : entries_(std::move(entries)),
        signed_tree_(std::move(signed_tree)),
        note_(std::move(note)) {}

  grpc::Status GetCheckpoint(grpc::ServerContext*, const v1::GetCheckpointRequest* request,
                             v1::GetCheckpointResponse* response) override {
    if (request->tree_size() != 0 && request->tree_size() != entries_.size()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no checkpoint at that size");
    }
    response->set_checkpoint(note_);
    return grpc::Status::OK;
  }

  grpc::Status GetConsistencyProof(grpc::ServerContext*,
                                   const v1::GetConsistencyProofRequest* request,
                                   v1::GetConsistencyProofResponse* response) override {
    absl::StatusOr<crypto::Proof> proof =
        crypto::ProveConsistency(static_cast<int64_t>(request->old_size()),
                                 static_cast<int64_t>(request->new_size()), signed_tree_);
    if (!proof.ok()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "sizes");
    for (const crypto::Hash& h : *proof) response->add_hashes(std::string(h.begin(), h.end()));
    return grpc::Status::OK;
  }

  grpc::Status StreamEntries(grpc::ServerContext*, const v1::StreamEntriesRequest* request,
                             grpc::ServerWriter<v1::StreamEntriesResponse>* writer) override {
    size_t next = request->start();
    if (next > entries_.size()) return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "start");
    do {
      v1::StreamEntriesResponse chunk;
      chunk.set_first_index(next);
      for (size_t i = 0; i < 7 && next < entries_.size(); ++i) chunk.add_entries(entries_[next++]);
      if (next == entries_.size()) chunk.set_checkpoint(note_);
      if (!writer->Write(chunk)) break;
    } while (next < entries_.size());
    return grpc::Status::OK;
  }

 private:
  std::vector<std::string> entries_;
  crypto::MemoryHashStore signed_tree_;
  std::string note_;
};

class FakeNode {
 public:
  // Serves `entries` as node `node` of `cluster`, with a checkpoint the node's key signs over
  // `signed_entries` (empty: over `entries`).
  FakeNode(const Cluster& cluster, int node, std::vector<std::string> entries,
           const std::vector<std::string>& signed_entries = {}) {
    crypto::MemoryHashStore tree;
    for (const std::string& e : signed_entries.empty() ? entries : signed_entries) {
      tree.Append(crypto::AsBytes(e));
    }
    const std::string origin = cluster.spec(node).origin;
    const crypto::Ed25519NoteSigner signer =
        *crypto::Ed25519NoteSigner::Create(origin, &cluster.key(node));
    const crypto::NoteSigner* signers[] = {&signer};
    std::string note = *crypto::SignCheckpoint({origin, tree.size(), tree.Root(), {}}, signers);
    service_ = std::make_unique<FakeLedger>(std::move(entries), std::move(tree), std::move(note));
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_root_certs = ReadWholeFile(cluster.pki().ca_cert);
    ssl.pem_key_cert_pairs.push_back({ReadWholeFile(cluster.pki().Key(cluster.spec(node).id)),
                                      ReadWholeFile(cluster.pki().Cert(cluster.spec(node).id))});
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(ssl), &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
  }
  ~FakeNode() { server_->Shutdown(); }

  std::string Address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::unique_ptr<FakeLedger> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Every entry of node `node`'s log, as stored.
std::vector<std::string> EntriesOf(const Cluster& cluster, int node) {
  std::vector<std::string> entries;
  for (;;) {
    absl::StatusOr<v1::GetEntriesResponse> read =
        cluster.Admin(node)->GetEntries(entries.size(), 1000);
    if (!read.ok() || read->entries().empty()) return entries;
    for (const std::string& e : read->entries()) entries.push_back(e);
  }
}

// The index of the entry of `kind` (an Entry body case) for transfer `id`; -1 if none.
int64_t FindTransferEntry(const std::vector<std::string>& entries, v1::Entry::BodyCase kind) {
  for (size_t i = 0; i < entries.size(); ++i) {
    v1::Entry e;
    if (e.ParseFromString(entries[i]) && e.body_case() == kind) return static_cast<int64_t>(i);
  }
  return -1;
}

TEST_F(AuditLogTest, AnEntryThatIsNotTheSignedOneIsARootMismatchNamingItsIndex) {
  AppendHistory(*cluster_, kShanghai, 7, 5);
  const std::vector<std::string> signed_entries = EntriesOf(*cluster_, kShanghai);
  ASSERT_GT(signed_entries.size(), 4u);
  std::vector<std::string> served = signed_entries;
  v1::Entry changed;
  ASSERT_TRUE(changed.ParseFromString(served[3]));
  changed.set_node_time_unix_ms(changed.node_time_unix_ms() + 1);
  served[3] = changed.SerializeAsString();
  const FakeNode fake(*cluster_, kShanghai, served, signed_entries);
  const RunResult r =
      Pbl(*cluster_, {"audit", "log", "--server", fake.Address(), "--vkey",
                      cluster_->spec(kShanghai).verifier_key, "--state-dir", state_, "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["findings"].size(), 1u);
  EXPECT_EQ(j["findings"][0]["code"].get<std::string>(), "root-mismatch");
  EXPECT_EQ(j["findings"][0]["entries"][0]["index"].get<int>(), 3);
  EXPECT_THAT(r.err, HasSubstr("entry 3 is not the one the node signed"));
}

TEST_F(AuditLogTest, ALogShorterThanTheRememberedCheckpointIsARollback) {
  AppendHistory(*cluster_, kShanghai, 8, 4);
  ASSERT_EQ(AuditLog().exit_code, 0);
  const std::string remembered = ReadWholeFile(CheckpointFiles(state_).at(0).string());
  std::vector<std::string> entries = EntriesOf(*cluster_, kShanghai);
  entries.resize(entries.size() - 2);
  const FakeNode fake(*cluster_, kShanghai, entries);
  const RunResult r =
      Pbl(*cluster_, {"audit", "log", "--server", fake.Address(), "--vkey",
                      cluster_->spec(kShanghai).verifier_key, "--state-dir", state_});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("FINDING rollback"));
  EXPECT_THAT(r.out, HasSubstr(remembered));
}

// The node signs a log whose remembered prefix was changed: in full mode the prefix's root
// differs, in --incremental mode the consistency proof fails; both are equivocation.
TEST_F(AuditLogTest, AForkedLogIsAnEquivocationInFullAndIncrementalMode) {
  AppendHistory(*cluster_, kShanghai, 9, 4);
  for (const bool incremental : {false, true}) {
    SCOPED_TRACE(incremental ? "incremental" : "full");
    std::filesystem::remove_all(state_);
    ASSERT_EQ(AuditLog().exit_code, 0);
    const std::string remembered = ReadWholeFile(CheckpointFiles(state_).at(0).string());
    AppendHistory(*cluster_, kShanghai, incremental ? 11 : 10, 3);
    std::vector<std::string> forked = EntriesOf(*cluster_, kShanghai);
    v1::Entry changed;
    ASSERT_TRUE(changed.ParseFromString(forked[1]));
    changed.set_node_time_unix_ms(changed.node_time_unix_ms() + 1);
    forked[1] = changed.SerializeAsString();
    const FakeNode fake(*cluster_, kShanghai, forked);
    std::vector<std::string> args = {"audit",       "log",
                                     "--server",    fake.Address(),
                                     "--vkey",      cluster_->spec(kShanghai).verifier_key,
                                     "--state-dir", state_};
    if (incremental) args.push_back("--incremental");
    const RunResult r = Pbl(*cluster_, args);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("FINDING equivocation"));
    EXPECT_THAT(r.out, HasSubstr(remembered));
  }
}

TEST_F(AuditLogTest, AnEntryThatIsNotAPblEntryIsNamedByItsIndex) {
  // Entries of its own, so that the test does not depend on the others run before it.
  ASSERT_OK(cluster_->Admin(kShanghai)
                ->AppendEntries(
                    EmployeeHistory(TestPerson(77, 1981, true), "UEBPI-310000", 2020, 4, 500'000))
                .status());
  std::vector<std::string> entries = EntriesOf(*cluster_, kShanghai);
  ASSERT_GT(entries.size(), 2u);
  entries[2] = "not a protobuf entry";
  const FakeNode fake(*cluster_, kShanghai, entries);
  const RunResult r =
      Pbl(*cluster_, {"audit", "log", "--server", fake.Address(), "--vkey",
                      cluster_->spec(kShanghai).verifier_key, "--state-dir", state_, "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["findings"].size(), 1u);
  EXPECT_EQ(j["findings"][0]["code"].get<std::string>(), "entry-invalid");
  EXPECT_EQ(j["findings"][0]["entries"][0]["index"].get<int>(), 2);
  EXPECT_THAT(r.err, HasSubstr("entry 2 is not a valid pbl.v1.Entry"));
}

// One completed transfer Shanghai -> Anhui; each case serves one node's log changed (and
// re-signed with that node's key) and names the finding it must produce.
struct Forgery {
  const char* name;
  int node;  // whose log is changed
  const char* code;
};

class AuditForgedTransferTest
    : public ClusterTest<AuditForgedTransferTest, ::testing::TestWithParam<Forgery>> {
 protected:
  void PrepareCluster() override {
    const std::string person = TestPerson(40, 1985, true);
    ASSERT_OK(cluster_->Admin(kShanghai)
                  ->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2018, 60, 600'000))
                  .status());
    ASSERT_OK_AND_ASSIGN(
        const v1::TransferStatus done,
        cluster_->Admin(kAnhui)->StartTransfer(CrossNode("t-forged", person, kShanghai)));
    ASSERT_EQ(done.state(), v1::TRANSFER_STATE_COMPLETED) << done.reason();
  }

  // Node `node`'s entries with the forgery `name` applied.
  static std::vector<std::string> Forge(const std::string& name, int node) {
    std::vector<std::string> entries = EntriesOf(*cluster_, node);
    if (name == "out-voided") {
      // The source released the account although the destination credited it.
      const int64_t out = FindTransferEntry(entries, v1::Entry::kTransferOut);
      v1::Entry e;
      e.ParseFromString(entries[static_cast<size_t>(out)]);
      const std::string id = e.transfer_out().transfer_id();
      e.mutable_transfer_voided()->set_transfer_id(id);
      e.mutable_transfer_voided()->set_reason("forged");
      entries[static_cast<size_t>(out)] = e.SerializeAsString();
      return entries;
    }
    const int64_t at = FindTransferEntry(entries, v1::Entry::kTransferIn);
    if (name == "no-transfer-in") {
      entries.erase(entries.begin() + at);
      return entries;
    }
    v1::Entry e;
    e.ParseFromString(entries[static_cast<size_t>(at)]);
    v1::TransferIn* in = e.mutable_transfer_in();
    if (name == "account-differs") {
      in->mutable_figures()->set_individual_account_fen(in->figures().individual_account_fen() + 1);
    } else if (name == "entry-dropped") {
      in->set_source_entry_count(in->source_entry_count() - 1);
    } else if (name == "other-root") {
      std::string root = in->source_root_hash();
      root[0] = static_cast<char>(root[0] ^ 1);
      in->set_source_root_hash(root);
    }
    entries[static_cast<size_t>(at)] = e.SerializeAsString();
    return entries;
  }
};

TEST_P(AuditForgedTransferTest, IsReportedWithTheTransferAndExitCode1) {
  const Forgery& forgery = GetParam();
  const FakeNode fake(*cluster_, forgery.node, Forge(forgery.name, forgery.node));
  const std::filesystem::path dir = FreshTestDir("audit");
  std::vector<std::string> args = {"audit", "transfers", "--state-dir", (dir / "state").string(),
                                   "--json"};
  for (const int n : {kShanghai, kAnhui}) {
    const std::string address = n == forgery.node ? fake.Address() : cluster_->spec(n).Address();
    args.insert(args.end(), {"--node", std::string(NodeId(n)) + "=" + address, "--vkey",
                             std::string(NodeId(n)) + "=" + cluster_->spec(n).verifier_key});
  }
  const RunResult r = Pbl(*cluster_, args);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  std::vector<std::string> codes;
  for (const nlohmann::json& f : j["findings"]) {
    codes.push_back(f["code"].get<std::string>());
    EXPECT_EQ(f["transfer_id"].get<std::string>(), "t-forged") << f.dump();
    EXPECT_FALSE(f["entries"].empty()) << f.dump();
  }
  EXPECT_THAT(codes, ::testing::Contains(forgery.code)) << j["findings"].dump(2);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(AuditForgeries, AuditForgedTransferTest,
                         ::testing::Values(Forgery{"no-transfer-in", kAnhui, "missing-transfer-in"},
                                           Forgery{"account-differs", kAnhui, "figures-differ"},
                                           Forgery{"entry-dropped", kAnhui, "incomplete-package"},
                                           Forgery{"other-root", kAnhui,
                                                   "package-not-in-source-log"},
                                           Forgery{"out-voided", kShanghai, "month-counted-twice"}),
                         [](const ::testing::TestParamInfo<Forgery>& param) {
                           std::string name = param.param.name;
                           std::erase(name, '-');
                           return name;
                         });

TEST(AuditTransfersFlagsTest, ANodeWithoutItsKeyIsAUsageError) {
  const RunResult r = RunProgram(
      {PBL_BINARY, "audit", "transfers", "--node", "shanghai=127.0.0.1:1", "--ca", "/nonexistent"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no --vkey shanghai"));
}

}  // namespace
}  // namespace pbl::testing
