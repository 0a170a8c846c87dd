// The hostile-peer suite (issue 15): what a dishonest peer or administrator sent that once stopped
// a node, locked an account or broke a person's record, each against two real pbld processes.
// A test client holds the Anhui node's own certificate and calls Shanghai's PeerService as Anhui
// would, with messages Anhui's pbld never sends.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "rpc/peers.h"
#include "rpc/transfer_store.h"
#include "tests/rpc/cluster.h"
#include "tests/testing/status_matchers.h"

namespace pbl::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class HostilePeerTest : public ClusterTest<HostilePeerTest> {
 protected:
  // PeerService of node `target`, called with the certificate and key of `name` (a node's).
  static std::unique_ptr<rpc::PeerChannel> PeerAs(int target, const std::string& name) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadAll(cluster_->pki().ca_cert);
    ssl.pem_cert_chain = ReadAll(cluster_->pki().Cert(name));
    ssl.pem_private_key = ReadAll(cluster_->pki().Key(name));
    return rpc::MakeGrpcPeerChannel(
        grpc::CreateChannel(cluster_->spec(target).Address(), grpc::SslCredentials(ssl)), 10'000);
  }

  static absl::StatusOr<v1::TransferStatus> FindTransfer(int node, const std::string& id) {
    absl::StatusOr<v1::ListTransfersResponse> list =
        cluster_->Admin(node)->ListTransfers(v1::ListTransfersRequest());
    if (!list.ok()) return list.status();
    for (const v1::TransferStatus& s : list->transfers()) {
      if (s.terms().transfer_id() == id) return s;
    }
    return absl::NotFoundError(id);
  }

  // A person with 36 months in Shanghai's employee pension.
  static std::string ShanghaiWorker(int n) {
    const std::string person = TestPerson(n, 1982, true);
    EXPECT_OK(cluster_->Admin(kShanghai)
                  ->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2019, 36, 600'000))
                  .status());
    return person;
  }
};

// Reproduction 1: an Abort whose reason the source cut by bytes inside a character, so that the
// stored record no longer parsed, the transfer list failed and pbld refused to start.
TEST_F(HostilePeerTest, AnAbortWithALongChineseReasonLeavesEveryRecordReadableAndTheNodeRestarts) {
  std::string reason;
  for (int i = 0; i < 200; ++i) reason += "中";  // 600 bytes, 3 a character
  v1::AbortRequest abort;
  abort.set_transfer_id("t-hostile-utf8");
  abort.set_reason(reason);
  ASSERT_OK(PeerAs(kShanghai, "anhui")->Abort(abort));

  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus voided, FindTransfer(kShanghai, "t-hostile-utf8"));
  const std::string prefix = "the destination voided it: ";
  EXPECT_THAT(voided.reason(), StartsWith(prefix + "中中"));
  EXPECT_LE(voided.reason().size(), 500u);
  EXPECT_EQ((voided.reason().size() - prefix.size()) % 3, 0u) << "cut inside a character";

  // Invalid UTF-8 never reaches the handler: the request does not parse at the door.
  v1::AbortRequest broken;
  broken.set_transfer_id("t-hostile-bad-utf8");
  broken.set_reason("\xe4\xb8");  // the first two bytes of 中
  EXPECT_FALSE(PeerAs(kShanghai, "anhui")->Abort(broken).ok());
  EXPECT_THAT(FindTransfer(kShanghai, "t-hostile-bad-utf8"), StatusIs(absl::StatusCode::kNotFound));

  ASSERT_OK(cluster_->process(kShanghai).Restart());
  ASSERT_OK_AND_ASSIGN(const v1::ListTransfersResponse list,
                       cluster_->Admin(kShanghai)->ListTransfers(v1::ListTransfersRequest()));
  EXPECT_THAT(list.unreadable_records(), ::testing::Not(::testing::Contains(HasSubstr("utf8"))));
  EXPECT_OK(FindTransfer(kShanghai, "t-hostile-utf8").status());
}

// A stored record that cannot be read (whatever wrote it) is quarantined: the node starts, says so
// in its log, its metrics and the transfer list, acts on nothing in it, and transfers go on.
TEST_F(HostilePeerTest, AnUnreadableTransferRecordIsQuarantinedAndTransfersGoOn) {
  cluster_->process(kShanghai).Stop();
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<rpc::TransferStore> store,
                         rpc::TransferStore::Open(cluster_->spec(kShanghai).DataDir() + "/log"));
    std::unique_ptr<ledger::StorageBatch> batch = store->storage()->NewBatch();
    batch->Put(std::string("Tt-garbled\0", 11) + "2", "\xff\xff\xff not a record");
    ASSERT_OK(store->storage()->Commit(*batch));
  }
  ASSERT_OK(cluster_->StartNode(kShanghai));

  auto admin = cluster_->Admin(kShanghai);
  ASSERT_OK_AND_ASSIGN(const v1::ListTransfersResponse list,
                       admin->ListTransfers(v1::ListTransfersRequest()));
  EXPECT_THAT(list.unreadable_records(), ::testing::Contains("t-garbled/2"));
  EXPECT_THAT(admin->GetTransfer("t-garbled"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(HttpGet(cluster_->spec(kShanghai).metrics_port, "/metrics"),
              HasSubstr("pbl_transfer_records_unreadable 1"));
  EXPECT_THAT(cluster_->process(kShanghai).LogTail(200),
              AllOf(HasSubstr("event=transfer_record_unreadable"), HasSubstr("t-garbled/2")));

  const std::string person = ShanghaiWorker(7101);
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus moved,
                       cluster_->Admin(kAnhui)->StartTransfer(
                           ShanghaiToAnhui(person, "2023-03-15", "t-after-garbled")));
  EXPECT_EQ(moved.state(), v1::TRANSFER_STATE_COMPLETED) << moved.reason();
}

// Reproduction 2: a Prepare with a deadline in the year 9999 held the person's account pending
// for good. The source's own bound refuses it before anything is recorded.
TEST_F(HostilePeerTest, APrepareWithADeadlineBeyondTheSourcesPolicyLocksNothing) {
  const std::string person = ShanghaiWorker(7102);
  v1::PrepareRequest prepare;
  v1::TransferTerms* t = prepare.mutable_terms();
  t->set_transfer_id("t-hostile-9999");
  t->set_person_id(person);
  t->set_source_node_id("shanghai");
  t->set_source_scheme_id("UEBPI-310000");
  t->set_destination_node_id("anhui");
  t->set_destination_scheme_id("UEBPI-340000");
  t->set_date("2023-03-15");
  t->set_deadline_unix_ms(253'402'300'799'000);  // 9999-12-31T23:59:59Z
  EXPECT_THAT(
      PeerAs(kShanghai, "anhui")->Prepare(prepare),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("prepare_deadline_max_seconds")));
  EXPECT_THAT(FindTransfer(kShanghai, "t-hostile-9999"), StatusIs(absl::StatusCode::kNotFound));

  // Nothing is pending: the person's real transfer goes through.
  ASSERT_OK_AND_ASSIGN(
      const v1::TransferStatus moved,
      cluster_->Admin(kAnhui)->StartTransfer(ShanghaiToAnhui(person, "2023-03-15", "t-real")));
  EXPECT_EQ(moved.state(), v1::TRANSFER_STATE_COMPLETED) << moved.reason();
}

v1::AppendEntriesRequest Correction(const std::string& person, uint64_t corrects_index,
                                    int64_t personal_delta_fen) {
  v1::AppendEntriesRequest request;
  v1::Entry* e = request.add_entries();
  e->set_scheme_id("UEBPI-310000");
  e->set_person_id(person);
  v1::Correction* c = e->mutable_correction();
  c->set_corrects_index(corrects_index);
  c->set_reason("wrong amount reported by the employer");
  c->set_personal_delta_fen(personal_delta_fen);
  return request;
}

// Reproduction 4: a correction of index 999,999,999 was accepted, and from then on the person's
// entitlement failed. Corrections are checked against the person's history at append.
TEST_F(HostilePeerTest, ACorrectionMustNameTheSamePersonsContributionAndKeepItsAmountsAtLeastZero) {
  auto admin = cluster_->Admin(kShanghai);
  const std::string person = TestPerson(7103, 1982, true);
  ASSERT_OK_AND_ASSIGN(
      const v1::AppendEntriesResponse appended,
      admin->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2019, 3, 600'000)));
  const uint64_t enrolment = appended.first_index();
  const uint64_t month = appended.first_index() + 1;  // personal part 48,000 fen
  const std::string other = ShanghaiWorker(7104);
  ASSERT_OK_AND_ASSIGN(const v1::GetHistoryResponse others, admin->GetHistory(other));
  ASSERT_OK_AND_ASSIGN(const std::string before, admin->GetCheckpoint());

  const auto refused = [&](const v1::AppendEntriesRequest& r, const std::string& why) {
    EXPECT_THAT(admin->AppendEntries(r), StatusIs(absl::StatusCode::kInvalidArgument,
                                                  AllOf(HasSubstr("entries["), HasSubstr(why))))
        << why;
  };
  refused(Correction(person, 999'999'999, -100), "is not an entry of this person");
  refused(Correction(person, others.entries(1).index(), -100), "is not an entry of this person");
  refused(Correction(person, enrolment, -100), "not a monthly contribution or annual premium");
  refused(Correction(person, month, -48'001), "personal_fen would be below 0");
  // Two corrections in one batch, each fine alone, that together take the amount below zero.
  v1::AppendEntriesRequest both = Correction(person, month, -30'000);
  *both.add_entries() = Correction(person, month, -30'000).entries(0);
  refused(both, "entries[1]");
  ASSERT_OK_AND_ASSIGN(const std::string after_refusals, admin->GetCheckpoint());
  EXPECT_EQ(before, after_refusals);  // nothing appended

  // A good correction, then one that the first leaves no room for.
  ASSERT_OK(admin->AppendEntries(Correction(person, month, -30'000)).status());
  refused(Correction(person, month, -18'001), "personal_fen would be below 0");
  ASSERT_OK(admin->AppendEntries(Correction(person, month, -18'000)).status());
  v1::GetEntitlementRequest entitlement;
  entitlement.set_person_id(person);
  entitlement.set_scheme_id("UEBPI-310000");
  EXPECT_OK(admin->GetEntitlement(entitlement).status());
}

// Reproduction 5 (the key half): the node's TLS private key readable by group or others is
// refused, as the signing key is.
TEST_F(HostilePeerTest, ATlsKeyThatOthersMayReadIsRefusedAtStart) {
  const std::string key = cluster_->pki().Key("shanghai");
  cluster_->process(kShanghai).Stop();
  std::filesystem::permissions(
      key, std::filesystem::perms::group_read | std::filesystem::perms::others_read,
      std::filesystem::perm_options::add);
  const absl::Status started = cluster_->StartNode(kShanghai);
  std::filesystem::permissions(
      key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
      std::filesystem::perm_options::replace);
  EXPECT_THAT(started, StatusIs(absl::StatusCode::kFailedPrecondition,
                                AllOf(HasSubstr("exit code 3"), HasSubstr("TLS key"),
                                      HasSubstr("has mode 0644"))));
  ASSERT_OK(cluster_->StartNode(kShanghai));
  EXPECT_OK(cluster_->Admin(kShanghai)->CheckHealth());
}

}  // namespace
}  // namespace pbl::testing
