// The fault-injection code of the test binaries (pbl_faults): the fault plan file pbld_faulty
// reads, the faulty peer channel, and the dishonest source's tamperings.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testing/fault_plan.h"
#include "tests/testing/fault_seams.h"
#include "tests/testing/faulty_peer_channel.h"
#include "tests/testing/status_matchers.h"

namespace pbl::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Describe(const FaultPlanSpec& plan) {
  const auto& [seed, drop_request, drop_response, duplicate, delay_ms_max, tamper, storage] = plan;
  return "{seed=" + std::to_string(seed) + " drop_request=" + std::to_string(drop_request) +
         " drop_response=" + std::to_string(drop_response) +
         " duplicate=" + std::to_string(duplicate) +
         " delay_ms_max=" + std::to_string(delay_ms_max) + " tamper=" + tamper +
         " storage_faults=" + (storage ? "true" : "false") + "}";
}

TEST(FaultPlanTest, FormattedPlanParsesBack) {
  const FaultPlanSpec plan{42, 10, 20, 5, 50, "drop-entry", true};
  ASSERT_OK_AND_ASSIGN(const std::string text, FormatFaultPlan(plan));
  ASSERT_OK_AND_ASSIGN(const FaultPlanSpec got, ParseFaultPlan(text, "plan.toml"));
  EXPECT_EQ(Describe(got), Describe(plan));
}

TEST(FaultPlanTest, KeysDefaultToZeroAndHonest) {
  ASSERT_OK_AND_ASSIGN(const FaultPlanSpec got, ParseFaultPlan("fault_seed = 42\n", "plan.toml"));
  EXPECT_EQ(Describe(got), Describe(FaultPlanSpec{42, 0, 0, 0, 0, ""}));
}

TEST(FaultPlanTest, LoadReadsTheFile) {
  EXPECT_THAT(LoadFaultPlan("/nonexistent/plan.toml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cannot read")));
}

struct Refusal {
  std::string name;
  std::string text;
  std::string key;
};

class FaultPlanRefusalTest : public ::testing::TestWithParam<Refusal> {};

TEST_P(FaultPlanRefusalTest, IsInvalidArgumentNamingTheKey) {
  EXPECT_THAT(ParseFaultPlan(GetParam().text, "plan.toml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(StartsWith("plan.toml:"), HasSubstr(GetParam().key))));
}

INSTANTIATE_TEST_SUITE_P(
    Refusals, FaultPlanRefusalTest,
    ::testing::Values(Refusal{"missing_fault_seed", "drop_request_percent = 1\n", "fault_seed"},
                      Refusal{"fault_seed_negative", "fault_seed = -1\n", "fault_seed"},
                      Refusal{"unknown_key", "fault_seed = 1\nseed = 3\n", "seed"},
                      Refusal{"percent_too_big", "fault_seed = 1\ndrop_request_percent = 101\n",
                              "drop_request_percent"},
                      Refusal{"percent_negative", "fault_seed = 1\nduplicate_percent = -5\n",
                              "duplicate_percent"},
                      Refusal{"delay_too_long", "fault_seed = 1\ndelay_ms_max = 10001\n",
                              "delay_ms_max"},
                      Refusal{"tamper_unknown", "fault_seed = 1\ntamper_package = \"receipt\"\n",
                              "tamper_package"},
                      Refusal{"storage_faults_not_bool", "fault_seed = 1\nstorage_faults = 1\n",
                              "storage_faults"}),
    [](const ::testing::TestParamInfo<Refusal>& param_info) { return param_info.param.name; });

// A peer that counts the calls it gets and answers each.
class CountingChannel : public rpc::PeerChannel {
 public:
  explicit CountingChannel(int* calls) : calls_(calls) {}
  absl::StatusOr<v1::PrepareResponse> Prepare(const v1::PrepareRequest&) override {
    ++*calls_;
    return v1::PrepareResponse();
  }
  absl::StatusOr<v1::CommitResponse> Commit(const v1::CommitRequest&) override {
    ++*calls_;
    return v1::CommitResponse();
  }
  absl::Status Abort(const v1::AbortRequest&) override {
    ++*calls_;
    return absl::OkStatus();
  }
  absl::StatusOr<v1::ResolveResponse> Resolve(const v1::ResolveRequest&) override {
    ++*calls_;
    return v1::ResolveResponse();
  }

 private:
  int* calls_;
};

TEST(FaultyPeerChannelTest, ADroppedRequestNeverReachesThePeer) {
  int calls = 0;
  auto channel = MakeFaultyPeerChannel(std::make_unique<CountingChannel>(&calls),
                                       FaultPlanSpec{1, 100, 0, 0, 0, ""});
  EXPECT_THAT(channel->Prepare({}), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(channel->Abort({}), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(calls, 0);
}

TEST(FaultyPeerChannelTest, ADroppedResponseReachesThePeerOnce) {
  int calls = 0;
  auto channel = MakeFaultyPeerChannel(std::make_unique<CountingChannel>(&calls),
                                       FaultPlanSpec{1, 0, 100, 0, 0, ""});
  EXPECT_THAT(channel->Commit({}), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(calls, 1);
}

TEST(FaultyPeerChannelTest, ADuplicateReachesThePeerTwice) {
  int calls = 0;
  auto channel = MakeFaultyPeerChannel(std::make_unique<CountingChannel>(&calls),
                                       FaultPlanSpec{1, 0, 0, 100, 0, ""});
  EXPECT_OK(channel->Resolve({}).status());
  EXPECT_EQ(calls, 2);
}

TEST(FaultyPeerChannelTest, NoFaultsPassEveryCallOnce) {
  int calls = 0;
  auto channel = MakeFaultyPeerChannel(std::make_unique<CountingChannel>(&calls),
                                       FaultPlanSpec{1, 0, 0, 0, 0, ""});
  for (int i = 0; i < 10; ++i) EXPECT_OK(channel->Prepare({}).status());
  EXPECT_EQ(calls, 10);
}

// Which of `n` calls through `channel` were dropped.
std::vector<bool> Drops(rpc::PeerChannel& channel, int n) {
  std::vector<bool> dropped;
  for (int i = 0; i < n; ++i) dropped.push_back(!channel.Prepare({}).ok());
  return dropped;
}

TEST(FaultSeamsTest, EachPeerHasItsOwnReplayableStream) {
  const rpc::NodeSeams seams = FaultSeams(FaultPlanSpec{9, 50, 0, 0, 0, ""});
  ASSERT_TRUE(seams.wrap_peer_channel);
  EXPECT_FALSE(seams.send_package);  // honest
  int calls = 0;
  const auto drops = [&](const std::string& peer) {
    auto channel = seams.wrap_peer_channel(peer, std::make_unique<CountingChannel>(&calls));
    return Drops(*channel, 64);
  };
  EXPECT_EQ(drops("anhui"), drops("anhui"));
  EXPECT_NE(drops("anhui"), drops("shanghai"));
  // The seed is plan.seed ^ hash(peer id), as the node's peers always had.
  FaultPlanSpec anhui{9, 50, 0, 0, 0, ""};
  anhui.seed ^= std::hash<std::string>()("anhui");
  auto direct = MakeFaultyPeerChannel(std::make_unique<CountingChannel>(&calls), anhui);
  EXPECT_EQ(drops("anhui"), Drops(*direct, 64));
}

// A package of `n` entries, each with a two-hash proof, and a signer that puts the body in the
// message and a fixed signature.
v1::TransferPackage Package(int n) {
  v1::TransferPackage package;
  package.mutable_terms()->set_transfer_id("t-1");
  for (int i = 0; i < n; ++i) {
    v1::ProvenEntry* e = package.add_entries();
    e->set_index(static_cast<uint64_t>(i));
    e->set_entry("entry " + std::to_string(i));
    e->add_inclusion_proof(std::string(32, 'a'));
    e->add_inclusion_proof(std::string(32, 'b'));
  }
  return package;
}

v1::SignedMessage Sign(const v1::TransferPackage& package) {
  v1::SignedMessage message;
  message.set_body(package.SerializeAsString());
  message.set_signature(std::string(64, 's'));
  return message;
}

v1::TransferPackage Body(const v1::SignedMessage& message) {
  v1::TransferPackage package;
  EXPECT_TRUE(package.ParseFromString(message.body()));
  return package;
}

TEST(TamperPackageTest, SignatureBreaksTheSignatureOnly) {
  const v1::SignedMessage sent = TamperPackage("signature", Package(3), Sign);
  EXPECT_EQ(sent.body(), Sign(Package(3)).body());
  EXPECT_NE(sent.signature(), Sign(Package(3)).signature());
  EXPECT_EQ(sent.signature().substr(1), std::string(63, 's'));
}

TEST(TamperPackageTest, ProofChangesTheFirstProofHash) {
  const v1::TransferPackage sent = Body(TamperPackage("proof", Package(3), Sign));
  ASSERT_EQ(sent.entries_size(), 3);
  EXPECT_EQ(sent.entries(0).inclusion_proof(0), static_cast<char>('a' ^ 1) + std::string(31, 'a'));
  EXPECT_EQ(sent.entries(0).inclusion_proof(1), std::string(32, 'b'));
  EXPECT_EQ(sent.entries(1).SerializeAsString(), Package(3).entries(1).SerializeAsString());
}

TEST(TamperPackageTest, DropEntryLeavesOutTheMiddleEntryAndSigns) {
  const v1::SignedMessage signed_package = TamperPackage("drop-entry", Package(5), Sign);
  EXPECT_EQ(signed_package.signature(), std::string(64, 's'));
  const v1::TransferPackage sent = Body(signed_package);
  ASSERT_EQ(sent.entries_size(), 4);
  EXPECT_EQ(sent.entries(1).index(), 1u);
  EXPECT_EQ(sent.entries(2).index(), 3u);
}

TEST(TamperPackageTest, DropEntryKeepsALoneEntry) {
  EXPECT_EQ(Body(TamperPackage("drop-entry", Package(1), Sign)).entries_size(), 1);
}

TEST(FaultSeamsTest, ATamperingPlanSendsTamperedPackages) {
  const rpc::NodeSeams seams = FaultSeams(FaultPlanSpec{0, 0, 0, 0, 0, "drop-entry"});
  ASSERT_TRUE(seams.send_package);
  EXPECT_EQ(Body(*seams.send_package(Package(4), Sign)).entries_size(), 3);
}

TEST(FaultSeamsTest, AWithholdingPlanSendsNoPackage) {
  const rpc::NodeSeams seams = FaultSeams(FaultPlanSpec{0, 0, 0, 0, 0, "withhold"});
  ASSERT_TRUE(seams.send_package);
  EXPECT_THAT(seams.send_package(Package(4), Sign), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace pbl::testing
