// A peer that never answers delays only its own transfers: against real pbld processes, the
// Anhui node with a third peer, "jiangsu", whose address accepts connections and then says
// nothing, so every call to it waits for the peer timeout (10 s). The transfer worker drives
// each peer's transfers in that peer's own lane (rpc/transfer_lanes.h).
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/key_file.h"
#include "tests/rpc/cluster.h"
#include "tests/testing/status_matchers.h"

namespace pbl::testing {
namespace {

using ::testing::HasSubstr;

// A loopback port that completes TCP handshakes (the kernel's backlog) and never reads: a TLS
// client's hello goes unanswered until its deadline.
class SilentListener {
 public:
  SilentListener() {
    port_ = TestNodePort();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port_));
    if (port_ <= 0 ||
        ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(fd_, 128) != 0) {
      port_ = -1;
    }
  }
  ~SilentListener() { ::close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = -1;
};

class StalledPeerTest : public ClusterTest<StalledPeerTest> {
 protected:
  bool SharesCluster() const override { return false; }
};

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

TEST_F(StalledPeerTest, ATransferIsRetriedWhileAnotherPeerKeepsTheWorkerWaiting) {
  Cluster& cluster = StartOwnCluster();
  if (HasFatalFailure()) return;
  SilentListener silent;
  ASSERT_GT(silent.port(), 0);
  const crypto::SigningKey jiangsu_key = crypto::SigningKey::Generate();
  ASSERT_OK(cluster.Reconfigure(kAnhui, [&](NodeSpec*, std::vector<NodeSpec>* peers) {
    NodeSpec jiangsu = (*peers)[0];
    jiangsu.id = "jiangsu";
    jiangsu.identity = "";
    jiangsu.schemes = {"UEBPI-320000"};
    jiangsu.port = silent.port();
    jiangsu.origin = TestOrigin("jiangsu");
    jiangsu.verifier_key = crypto::FormatVerifierKey(jiangsu.origin, crypto::kSignatureTypeEd25519,
                                                     jiangsu_key.public_key());
    jiangsu.certificate_key = cluster.Identity("stranger").certificate_key;
    peers->push_back(jiangsu);
  }));
  const auto state = [&](int node, const std::string& id) {
    absl::StatusOr<v1::TransferStatus> s = cluster.Admin(node)->GetTransfer(id);
    return s.ok() ? s->state() : v1::TRANSFER_STATE_UNSPECIFIED;
  };

  // Shanghai is down when its transfer starts: Anhui records it and must try again later.
  const std::string person = TestPerson(41, 1988, true);
  ASSERT_OK(cluster.Admin(kShanghai)
                ->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2019, 24, 500'000))
                .status());
  cluster.process(kShanghai).Stop();
  ASSERT_OK_AND_ASSIGN(const v1::TransferStatus requested,
                       cluster.Admin(kAnhui)->StartTransfer(
                           ShanghaiToAnhui(person, "2023-03-15", "t-z-shanghai", false)));
  EXPECT_EQ(requested.state(), v1::TRANSFER_STATE_REQUESTED);

  // Three transfers from jiangsu, which never answers: each call to it waits 10 s. Their ids sort
  // before Shanghai's, so a worker that drives the transfers one after another reaches
  // Shanghai's only after 30 s of waiting on jiangsu.
  std::vector<std::thread> stalled;
  for (int i = 0; i < 3; ++i) {
    stalled.emplace_back([&, i] {
      v1::StartTransferRequest start = ShanghaiToAnhui(TestPerson(42 + i, 1988, true), "2023-03-15",
                                                       "t-a-jiangsu-" + std::to_string(i), false);
      start.set_source_node_id("jiangsu");
      start.set_source_scheme_id("UEBPI-320000");
      (void)cluster.Client(kAnhui, "admin-ah", "", 30'000)->StartTransfer(start);
    });
  }
  ASSERT_TRUE(
      WaitFor([&] { return state(kAnhui, "t-a-jiangsu-2") != v1::TRANSFER_STATE_UNSPECIFIED; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(1'500));  // the worker is on jiangsu now

  // Shanghai comes back: its transfer completes within seconds, jiangsu's calls notwithstanding.
  ASSERT_OK(cluster.StartNode(kShanghai));
  const int64_t back = SteadyMs();
  EXPECT_TRUE(WaitFor([&] { return state(kAnhui, "t-z-shanghai") == v1::TRANSFER_STATE_COMPLETED; },
                      10'000))
      << v1::TransferState_Name(state(kAnhui, "t-z-shanghai"));
  const int64_t took_ms = SteadyMs() - back;
  std::printf("Shanghai's transfer completed %lld ms after Shanghai was back\n",
              static_cast<long long>(took_ms));
  EXPECT_LT(took_ms, 10'000);
  EXPECT_EQ(state(kShanghai, "t-z-shanghai"), v1::TRANSFER_STATE_COMPLETED);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(state(kAnhui, "t-a-jiangsu-" + std::to_string(i)), v1::TRANSFER_STATE_REQUESTED);
  }
  for (std::thread& t : stalled) t.join();
  EXPECT_TRUE(WaitFor([&] {
    return cluster.process(kAnhui).LogTail(400).find(
               "event=transfer_peer_unreachable peer=jiangsu") != std::string::npos;
  }));
  EXPECT_THAT(cluster.process(kAnhui).LogTail(400), HasSubstr("(its transfers wait"));
}

}  // namespace
}  // namespace pbl::testing
