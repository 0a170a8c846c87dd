// Integration tests: two real pbld processes on loopback with mutual TLS, driven through the
// real client library (rpc/client.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "crypto/note_verifiers.h"
#include "ledger/domain/transfer_plan.h"
#include "rpc/proofs.h"
#include "tests/rpc/cluster.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace pbl::testing {
namespace {

using ::testing::HasSubstr;

class NodeTest : public ClusterTest<NodeTest> {
 protected:
  static std::unique_ptr<crypto::NoteVerifier> Verifier(int node) {
    return crypto::MakeNoteVerifier(*crypto::ParseVerifierKey(cluster_->spec(node).verifier_key));
  }
};

TEST_F(NodeTest, BothNodesServeHealth) {
  EXPECT_OK(cluster_->Admin(kShanghai)->CheckHealth());
  EXPECT_OK(cluster_->Client(kAnhui, "")->CheckHealth());
}

// The data directory holds every person's record: the node makes it its own alone (0700),
// whatever mode it had, so that no other local user lists or reads its files.
TEST_F(NodeTest, TheDataDirectoryIsTheNodesAlone) {
  for (const int node : {kShanghai, kAnhui}) {
    struct stat st {};
    ASSERT_EQ(::stat(cluster_->spec(node).DataDir().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u) << cluster_->spec(node).id;
  }
}

TEST_F(NodeTest, AppendedEntriesAreReadBackAndProvedAgainstTheSignedCheckpoint) {
  auto admin = cluster_->Admin(kShanghai);
  const std::string person = TestPerson(1, 1985, true);
  ASSERT_OK_AND_ASSIGN(
      const v1::AppendEntriesResponse appended,
      admin->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2020, 24, 600'000)));
  EXPECT_EQ(appended.count(), 25u);
  const auto verifier = Verifier(kShanghai);
  ASSERT_OK_AND_ASSIGN(const crypto::Checkpoint checkpoint,
                       rpc::OpenCheckpointAs(appended.checkpoint(), *verifier, "checkpoint"));
  ASSERT_OK_AND_ASSIGN(const v1::GetEntriesResponse read,
                       admin->GetEntries(appended.first_index(), 25));
  ASSERT_EQ(read.entries_size(), 25);
  for (int i = 0; i < 25; ++i) {
    const uint64_t index = appended.first_index() + static_cast<uint64_t>(i);
    ASSERT_OK_AND_ASSIGN(const v1::GetInclusionProofResponse proof,
                         admin->GetInclusionProof(index, static_cast<uint64_t>(checkpoint.size)));
    v1::ProvenEntry proven;
    proven.set_index(index);
    proven.set_entry(read.entries(i));
    *proven.mutable_inclusion_proof() = proof.hashes();
    EXPECT_OK(rpc::VerifyProvenEntry(proven, checkpoint));
    proven.mutable_entry()->back() ^= 1;
    EXPECT_THAT(rpc::VerifyProvenEntry(proven, checkpoint), StatusIs(absl::StatusCode::kDataLoss));
  }
  // A later checkpoint is consistent with this one.
  ASSERT_OK(admin
                ->AppendEntries(
                    EmployeeHistory(TestPerson(2, 1990, false), "UEBPI-310000", 2021, 1, 500'000))
                .status());
  ASSERT_OK_AND_ASSIGN(const std::string latest_note, admin->GetCheckpoint());
  ASSERT_OK_AND_ASSIGN(const crypto::Checkpoint latest,
                       rpc::OpenCheckpointAs(latest_note, *verifier, "latest"));
  ASSERT_OK_AND_ASSIGN(const v1::GetConsistencyProofResponse consistency,
                       admin->GetConsistencyProof(static_cast<uint64_t>(checkpoint.size),
                                                  static_cast<uint64_t>(latest.size)));
  std::vector<crypto::Hash> hashes;
  for (const std::string& h : consistency.hashes()) {
    crypto::Hash hash;
    std::copy(h.begin(), h.end(), hash.begin());
    hashes.push_back(hash);
  }
  EXPECT_OK(crypto::VerifyConsistency(checkpoint.size, latest.size, checkpoint.root, latest.root,
                                      hashes));
}

TEST_F(NodeTest, BadAppendsAreRefusedWholeNamingTheEntry) {
  auto admin = cluster_->Admin(kShanghai);
  ASSERT_OK_AND_ASSIGN(const std::string before, admin->GetCheckpoint());
  v1::AppendEntriesRequest request =
      EmployeeHistory(TestPerson(3, 1980, true), "UEBPI-310000", 2020, 3, 400'000);
  request.mutable_entries(2)->set_scheme_id("UEBPI-340000");
  EXPECT_THAT(admin->AppendEntries(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("entries[2]"), HasSubstr("not hosted"))));
  request = EmployeeHistory(TestPerson(3, 1980, true), "UEBPI-310000", 2020, 3, 400'000);
  request.mutable_entries(3)->mutable_monthly_contribution()->set_period("2020-13");
  EXPECT_THAT(admin->AppendEntries(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("period")));
  request = EmployeeHistory(TestPerson(3, 1980, true), "UEBPI-310000", 2020, 1, 400'000);
  request.mutable_entries(1)->mutable_transfer_voided()->set_transfer_id("x");
  EXPECT_THAT(admin->AppendEntries(request),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("transfer entries")));
  EXPECT_THAT(admin->AppendEntries(v1::AppendEntriesRequest()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(const std::string after, admin->GetCheckpoint());
  EXPECT_EQ(before, after);  // nothing appended
}

TEST_F(NodeTest, EachRoleIsDeniedWhatItMustNotDo) {
  const v1::AppendEntriesRequest request =
      EmployeeHistory(TestPerson(4, 1980, true), "UEBPI-310000", 2020, 1, 400'000);
  // An auditor reads but does not append or start transfers.
  auto auditor = cluster_->Client(kShanghai, "auditor");
  EXPECT_THAT(auditor->AppendEntries(request), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_OK(auditor->GetCheckpoint().status());
  v1::StartTransferRequest start;
  start.set_person_id(TestPerson(4, 1980, true));
  start.set_source_node_id("anhui");
  start.set_source_scheme_id("UEBPI-340000");
  start.set_destination_scheme_id("UEBPI-310000");
  EXPECT_THAT(auditor->StartTransfer(start), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(auditor->IssueWorkerToken(TestPerson(4, 1980, true), 60),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // Another node's administrator is not in this node's access list.
  EXPECT_THAT(cluster_->Client(kShanghai, "admin-ah")->AppendEntries(request),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("access list")));
  // A certificate of the CA that is in no list.
  EXPECT_THAT(cluster_->Client(kShanghai, "stranger")->GetEntries(0, 1),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // No certificate and no token.
  EXPECT_THAT(cluster_->Client(kShanghai, "")->GetEntries(0, 1),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // A peer node may not act as an administrator.
  EXPECT_THAT(cluster_->Client(kShanghai, "anhui")->AppendEntries(request),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(cluster_->Client(kShanghai, "anhui")->StartTransfer(start),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // An administrator may not call the peer protocol (tested through a worker token below).
}

TEST_F(NodeTest, ACertificateFromAnotherCaIsRefusedAtTheHandshake) {
  ASSERT_OK_AND_ASSIGN(const TestPki rogue, MakeRogueClient(cluster_->dir() + "/pki", "mallory"));
  rpc::ClientOptions o;
  o.address = cluster_->spec(kShanghai).Address();
  o.ca_file = cluster_->pki().ca_cert;
  o.cert_file = rogue.Cert("mallory");
  o.key_file = rogue.Key("mallory");
  o.timeout_ms = 5'000;
  ASSERT_OK_AND_ASSIGN(auto client, rpc::NodeClient::Connect(o));
  EXPECT_THAT(client->GetEntries(0, 1), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(NodeTest, AWorkerReadsOnlyTheirOwnHistoryWithAValidToken) {
  auto admin = cluster_->Admin(kShanghai);
  const std::string me = TestPerson(5, 1988, false);
  const std::string other = TestPerson(6, 1979, true);
  ASSERT_OK(
      admin->AppendEntries(EmployeeHistory(me, "UEBPI-310000", 2019, 12, 700'000, false)).status());
  ASSERT_OK(
      admin->AppendEntries(EmployeeHistory(other, "UEBPI-310000", 2019, 6, 500'000)).status());
  ASSERT_OK_AND_ASSIGN(const v1::IssueWorkerTokenResponse token, admin->IssueWorkerToken(me, 600));
  auto worker = cluster_->Client(kShanghai, "", token.token());
  ASSERT_OK_AND_ASSIGN(const v1::GetHistoryResponse mine, worker->GetHistory(me));
  EXPECT_EQ(mine.entries_size(), 13);
  v1::GetEntitlementRequest entitlement;
  entitlement.set_person_id(me);
  entitlement.set_scheme_id("UEBPI-310000");
  entitlement.set_as_of("2020-06-30");
  ASSERT_OK_AND_ASSIGN(const v1::GetEntitlementResponse e, worker->GetEntitlement(entitlement));
  EXPECT_EQ(e.months_total(), 12);
  ASSERT_OK_AND_ASSIGN(const v1::Statement statement, worker->GetStatement(me));
  EXPECT_EQ(statement.entries_size(), 13);
  EXPECT_THAT(worker->GetHistory(other), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(worker->GetStatement(other), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(worker->AppendEntries(EmployeeHistory(me, "UEBPI-310000", 2030, 1, 1)),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(worker->GetEntries(0, 1), StatusIs(absl::StatusCode::kPermissionDenied));
  // Forged: one character of the signature changed.
  std::string forged = token.token();
  forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_THAT(cluster_->Client(kShanghai, "", forged)->GetHistory(me),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // A token of the other node is worthless here.
  ASSERT_OK_AND_ASSIGN(const v1::IssueWorkerTokenResponse foreign,
                       cluster_->Admin(kAnhui)->IssueWorkerToken(me, 600));
  EXPECT_THAT(cluster_->Client(kShanghai, "", foreign.token())->GetHistory(me),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // Expired.
  ASSERT_OK_AND_ASSIGN(const v1::IssueWorkerTokenResponse brief, admin->IssueWorkerToken(me, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_THAT(cluster_->Client(kShanghai, "", brief.token())->GetHistory(me),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));
}

TEST_F(NodeTest, ACrossNodeTransferCreditsOnceAndEmptiesTheSource) {
  const std::string person = TestPerson(7, 1990, true);
  ASSERT_OK(cluster_->Admin(kShanghai)
                ->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2018, 60, 600'000))
                .status());
  const v1::StartTransferRequest start = ShanghaiToAnhui(person, "2023-03-15", "t-cross-1");
  auto anhui = cluster_->Admin(kAnhui);
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus status, anhui->StartTransfer(start));
  ASSERT_EQ(status.state(), v1::TRANSFER_STATE_COMPLETED) << status.reason();
  // The worked example of tests/ledger/transfer_rules_test.cc: 60 months, pooled 12% of the
  // bases, the account compounded 2018-2022.
  EXPECT_EQ(status.figures().pooled_fen(), 4'320'000);
  EXPECT_EQ(status.figures().individual_account_fen(), 3'399'551);
  v1::GetEntitlementRequest request;
  request.set_person_id(person);
  request.set_scheme_id("UEBPI-340000");
  request.set_as_of("2023-03-15");
  ASSERT_OK_AND_ASSIGN(const v1::GetEntitlementResponse there, anhui->GetEntitlement(request));
  EXPECT_EQ(there.months_total(), 60);
  EXPECT_EQ(there.account_balance_fen(), 3'399'551);
  EXPECT_EQ(there.pooled_transferred_in_fen(), 4'320'000);
  request.set_scheme_id("UEBPI-310000");
  ASSERT_OK_AND_ASSIGN(const v1::GetEntitlementResponse here,
                       cluster_->Admin(kShanghai)->GetEntitlement(request));
  EXPECT_EQ(here.months_total(), 0);
  EXPECT_EQ(here.account_balance_fen(), 0);
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus at_source,
                       cluster_->Admin(kShanghai)->GetTransfer("t-cross-1"));
  EXPECT_EQ(at_source.state(), v1::TRANSFER_STATE_COMPLETED);
  EXPECT_EQ(at_source.role(), v1::TRANSFER_ROLE_SOURCE);
  // Nothing credited or completed can be cancelled, on either side.
  EXPECT_THAT(anhui->CancelTransfer("t-cross-1", "too late"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already credited")));
  EXPECT_THAT(cluster_->Admin(kShanghai)->CancelTransfer("t-cross-1", "too late"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("completed")));
  EXPECT_THAT(cluster_->Client(kAnhui, "auditor")->CancelTransfer("t-cross-1", "not mine"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // Starting it again changes nothing: idempotent by transfer id.
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus again, anhui->StartTransfer(start));
  EXPECT_EQ(again.state(), v1::TRANSFER_STATE_COMPLETED);
  request.set_scheme_id("UEBPI-340000");
  ASSERT_OK_AND_ASSIGN(const v1::GetEntitlementResponse twice, anhui->GetEntitlement(request));
  EXPECT_EQ(twice.months_total(), 60);
  EXPECT_EQ(twice.account_balance_fen(), 3'399'551);
}

TEST_F(NodeTest, ABridgingTransferBetweenTwoSchemesOfOneNode) {
  // A man born 1962 reaches 60 in 2022; 200 employee months, then resident premiums.
  const std::string person = TestPerson(8, 1962, true);
  auto admin = cluster_->Admin(kShanghai);
  ASSERT_OK(
      admin->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2000, 200, 300'000)).status());
  v1::AppendEntriesRequest premiums;
  for (int year = 2018; year <= 2020; ++year) {
    v1::Entry* e = premiums.add_entries();
    e->set_scheme_id("URRBPI-310000");
    e->set_person_id(person);
    e->mutable_annual_premium()->set_year(year);
    e->mutable_annual_premium()->set_personal_fen(100'000);
    e->mutable_annual_premium()->set_collective_subsidy_fen(20'000);
    e->mutable_annual_premium()->set_government_subsidy_fen(30'000);
  }
  ASSERT_OK(admin->AppendEntries(premiums).status());
  v1::StartTransferRequest start;
  start.set_person_id(person);
  start.set_source_node_id("shanghai");
  start.set_source_scheme_id("URRBPI-310000");
  start.set_destination_scheme_id("UEBPI-310000");
  start.set_date("2024-06-01");
  start.set_wait(true);
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus status, admin->StartTransfer(start));
  ASSERT_EQ(status.state(), v1::TRANSFER_STATE_COMPLETED) << status.reason();
  // 200 employee months (2000-01..2016-08) do not overlap the resident years 2018-2020: nothing
  // is refunded, the 36 resident months are not converted, the whole account (3 x 150,000)
  // moves.
  EXPECT_EQ(status.figures().individual_account_fen(), 450'000);
  EXPECT_EQ(status.figures().refund_fen(), 0);
  ASSERT_EQ(status.figures().months_not_converted_size(), 1);
  EXPECT_EQ(status.figures().months_not_converted(0).first(), "2018-01");
  EXPECT_EQ(status.figures().months_not_converted(0).last(), "2020-12");
  EXPECT_EQ(status.figures().months_rule_id(), "renshebufa-2014-17");
}

TEST_F(NodeTest, ATransferTheRulesRefuseIsVoidedOnBothSides) {
  // A 35-year-old cannot bridge: not at retirement age.
  const std::string person = TestPerson(9, 1990, true);
  auto admin = cluster_->Admin(kShanghai);
  ASSERT_OK(
      admin->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2015, 24, 300'000)).status());
  v1::StartTransferRequest start;
  start.set_person_id(person);
  start.set_source_node_id("shanghai");
  start.set_source_scheme_id("UEBPI-310000");
  start.set_destination_scheme_id("URRBPI-310000");
  start.set_date("2025-01-10");
  start.set_wait(true);
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus status, admin->StartTransfer(start));
  EXPECT_EQ(status.state(), v1::TRANSFER_STATE_VOIDED);
  EXPECT_THAT(status.reason(), HasSubstr("retirement age"));
  v1::GetEntitlementRequest request;
  request.set_person_id(person);
  request.set_scheme_id("UEBPI-310000");
  request.set_as_of("2025-01-10");
  ASSERT_OK_AND_ASSIGN(const v1::GetEntitlementResponse source, admin->GetEntitlement(request));
  EXPECT_EQ(source.months_total(), 24);
  EXPECT_TRUE(source.pending_transfer_id().empty());
  // The reason names the person's retirement month: it is in the record the administrator
  // reads, never in the node's log, where the transfer id joins it to the person's masked id.
  EXPECT_THAT(status.reason(), HasSubstr("reaches it in"));
  const std::string log = cluster_->process(kShanghai).LogTail(400);
  EXPECT_THAT(log, HasSubstr("event=transfer_refused transfer=" + status.terms().transfer_id() +
                             " reason_code=FAILED_PRECONDITION"));
  EXPECT_THAT(log, HasSubstr("role=destination cause="));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("reaches it in")));
}

// Clients outside PBL: Python grpcio (Debian's python3-grpcio) checks health, lists the services
// through server reflection (as grpcurl does) and reads a checkpoint.
TEST_F(NodeTest, APythonGrpcioClientTalksToTheNode) {
  const RunResult run =
      RunProgram({"/usr/bin/python3", PBL_SOURCE_DIR "/tests/rpc/grpcio_client.py",
                  cluster_->spec(kShanghai).Address(), cluster_->pki().ca_cert,
                  cluster_->pki().Cert("auditor"), cluster_->pki().Key("auditor")});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("reflection: lists the five pbl.v1 services"));
}

TEST_F(NodeTest, StartRequestsAreValidatedAtTheEdge) {
  auto anhui = cluster_->Admin(kAnhui);
  v1::StartTransferRequest start;
  start.set_person_id("123");
  start.set_source_node_id("shanghai");
  start.set_source_scheme_id("UEBPI-310000");
  start.set_destination_scheme_id("UEBPI-340000");
  EXPECT_THAT(anhui->StartTransfer(start),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("person_id")));
  start.set_person_id(TestPerson(10, 1980, true));
  start.set_destination_scheme_id("UEBPI-310000");
  EXPECT_THAT(anhui->StartTransfer(start),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("destination_scheme_id")));
  start.set_destination_scheme_id("UEBPI-340000");
  start.set_source_node_id("beijing");
  EXPECT_THAT(anhui->StartTransfer(start),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("source_node_id")));
}

// A dishonest source (pbld_faulty with tamper_package in its fault plan): the destination must
// refuse the package, void the transfer on both sides and credit nothing.
struct Tampering {
  const char* how;
  const char* reason;
};

class TamperedPackageTest
    : public ClusterTest<TamperedPackageTest, ::testing::TestWithParam<Tampering>> {
 protected:
  bool SharesCluster() const override { return false; }
};

TEST_P(TamperedPackageTest, IsRefusedRecordedAndNeverCredited) {
  ClusterOptions options;
  options.shanghai_tampers = GetParam().how;
  Cluster& cluster = StartOwnCluster(options);
  if (HasFatalFailure()) return;
  const std::string person = TestPerson(11, 1990, true);
  ASSERT_OK(cluster.Admin(kShanghai)
                ->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2018, 36, 600'000))
                .status());
  const v1::StartTransferRequest start = ShanghaiToAnhui(person, "2023-03-15", "t-tampered");
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus status,
                       cluster.Admin(kAnhui)->StartTransfer(start));
  EXPECT_EQ(status.state(), v1::TRANSFER_STATE_VOIDED);
  EXPECT_THAT(status.reason(), HasSubstr(GetParam().reason));
  v1::GetEntitlementRequest request;
  request.set_person_id(person);
  request.set_scheme_id("UEBPI-340000");
  request.set_as_of("2023-03-15");
  ASSERT_OK_AND_ASSIGN(const v1::GetEntitlementResponse there,
                       cluster.Admin(kAnhui)->GetEntitlement(request));
  EXPECT_EQ(there.months_total(), 0);
  EXPECT_EQ(there.account_balance_fen(), 0);
  EXPECT_TRUE(there.pending_transfer_id().empty());
  // The source was told and released the account.
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus at_source,
                       cluster.Admin(kShanghai)->GetTransfer("t-tampered"));
  EXPECT_EQ(at_source.state(), v1::TRANSFER_STATE_VOIDED);
  request.set_scheme_id("UEBPI-310000");
  ASSERT_OK_AND_ASSIGN(const v1::GetEntitlementResponse here,
                       cluster.Admin(kShanghai)->GetEntitlement(request));
  EXPECT_EQ(here.months_total(), 36);
  EXPECT_TRUE(here.pending_transfer_id().empty());
  // The refusal is in the destination's log: its history shows the request and the void.
  ASSERT_OK_AND_ASSIGN(const v1::GetHistoryResponse history,
                       cluster.Admin(kAnhui)->GetHistory(person, "UEBPI-340000"));
  ASSERT_EQ(history.entries_size(), 2);
  v1::Entry voided;
  ASSERT_TRUE(voided.ParseFromString(history.entries(1).entry()));
  EXPECT_TRUE(voided.has_transfer_voided());
}

// A source whose package never leaves (pbld_faulty, tamper_package "withhold": it records the
// initiation, then fails to make the package). Its administrator may cancel the transfer, and so
// may the destination's; either way both sides end voided and the account is released.
class WithheldPackageTest : public ClusterTest<WithheldPackageTest> {
 protected:
  bool SharesCluster() const override { return false; }
};

TEST_F(WithheldPackageTest, EitherAdministratorCancelsATransferWhosePackageNeverLeft) {
  ClusterOptions options;
  options.shanghai_tampers = "withhold";
  Cluster& cluster = StartOwnCluster(options);
  if (HasFatalFailure()) return;
  const auto pending = [&](const std::string& person) -> std::string {
    v1::GetEntitlementRequest r;
    r.set_person_id(person);
    r.set_scheme_id("UEBPI-310000");
    absl::StatusOr<v1::GetEntitlementResponse> e = cluster.Admin(kShanghai)->GetEntitlement(r);
    return e.ok() ? e->pending_transfer_id() : "error: " + e.status().ToString();
  };
  const auto state = [&](int node, const std::string& id) {
    absl::StatusOr<v1::TransferStatus> s = cluster.Admin(node)->GetTransfer(id);
    return s.ok() ? s->state() : v1::TRANSFER_STATE_UNSPECIFIED;
  };
  const auto start = [&](int n, const std::string& id) {
    const std::string person = TestPerson(n, 1988, true);
    EXPECT_OK(cluster.Admin(kShanghai)
                  ->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2019, 24, 500'000))
                  .status());
    v1::StartTransferRequest request = ShanghaiToAnhui(person, "2023-03-15", id);
    request.set_wait(false);
    EXPECT_OK(cluster.Admin(kAnhui)->StartTransfer(request).status());
    EXPECT_TRUE(WaitFor([&] { return pending(person) == id; })) << pending(person);
    return person;
  };

  // The source's administrator: the package never left, so the source may void it.
  const std::string first = start(31, "t-withheld-1");
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus initiated,
                       cluster.Admin(kShanghai)->GetTransfer("t-withheld-1"));
  EXPECT_EQ(initiated.state(), v1::TRANSFER_STATE_INITIATED);
  EXPECT_FALSE(initiated.package_sent());
  absl::StatusOr<v1::TransferStatus> cancelled;
  ASSERT_TRUE(WaitFor([&] {  // UNAVAILABLE while the failed step is being recovered
    cancelled = cluster.Admin(kShanghai)->CancelTransfer("t-withheld-1", "the worker asked");
    return !absl::IsUnavailable(cancelled.status());
  }));
  ASSERT_OK(cancelled.status());
  EXPECT_EQ(cancelled->state(), v1::TRANSFER_STATE_VOIDED);
  EXPECT_THAT(cancelled->reason(), HasSubstr("cancelled by the source's administrator"));
  EXPECT_EQ(pending(first), "");
  EXPECT_TRUE(WaitFor([&] { return state(kAnhui, "t-withheld-1") == v1::TRANSFER_STATE_VOIDED; }));
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus told,
                       cluster.Admin(kAnhui)->GetTransfer("t-withheld-1"));
  EXPECT_THAT(told.reason(), HasSubstr("the source refused"));

  // The destination's administrator: voided there, and the source released on its signed void.
  const std::string second = start(32, "t-withheld-2");
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus at_anhui,
                       cluster.Admin(kAnhui)->CancelTransfer("t-withheld-2", "wrong scheme"));
  EXPECT_EQ(at_anhui.state(), v1::TRANSFER_STATE_VOIDED);
  EXPECT_TRUE(WaitFor([&] { return pending(second).empty(); })) << pending(second);
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus released,
                       cluster.Admin(kShanghai)->GetTransfer("t-withheld-2"));
  EXPECT_EQ(released.state(), v1::TRANSFER_STATE_VOIDED);
  EXPECT_THAT(released.reason(), HasSubstr("cancelled by the destination's administrator: "
                                           "wrong scheme"));
  // Cancelling again answers the same record.
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus again,
                       cluster.Admin(kAnhui)->CancelTransfer("t-withheld-2", "again"));
  EXPECT_EQ(again.state(), v1::TRANSFER_STATE_VOIDED);
  EXPECT_THAT(cluster.Admin(kAnhui)->CancelTransfer("t-no-such-transfer", "x"),
              StatusIs(absl::StatusCode::kNotFound));
}

INSTANTIATE_TEST_SUITE_P(Kinds, TamperedPackageTest,
                         ::testing::Values(Tampering{"signature", "signature does not verify"},
                                           Tampering{"proof", "inclusion proof"},
                                           Tampering{"drop-entry", "figures differ"}),
                         [](const ::testing::TestParamInfo<Tampering>& param) {
                           std::string name = param.param.how;
                           std::erase(name, '-');
                           return name;
                         });

}  // namespace
}  // namespace pbl::testing
