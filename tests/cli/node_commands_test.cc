// `pbl transfer start|status|list` and `pbl token issue` through the real binary against two
// real nodes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "tests/rpc/cluster.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace pbl::testing {
namespace {

using ::testing::HasSubstr;

class NodeCommandsTest : public ClusterTest<NodeCommandsTest> {
 protected:
  static std::vector<std::string> As(int node, const std::string& cert) {
    return {"--server", cluster_->spec(node).Address(), "--ca",  cluster_->pki().ca_cert,
            "--cert",   cluster_->pki().Cert(cert),     "--key", cluster_->pki().Key(cert)};
  }
  static RunResult Pbl(std::vector<std::string> args, const std::vector<std::string>& as) {
    args.insert(args.begin(), PBL_BINARY);
    args.insert(args.end(), as.begin(), as.end());
    return RunProgram(args);
  }
};

TEST_F(NodeCommandsTest, TransferStartWaitsAndPrintsWhatMovedWithTheRules) {
  const std::string person = TestPerson(21, 1990, true);
  ASSERT_OK(cluster_->Admin(kShanghai)
                ->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2018, 60, 600'000))
                .status());
  const RunResult run = Pbl({"transfer", "start", "--person-id", person, "--from-node", "shanghai",
                             "--from-scheme", "UEBPI-310000", "--to-scheme", "UEBPI-340000",
                             "--date", "2023-03-15", "--transfer-id", "cli-t1"},
                            As(kAnhui, "admin-ah"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("transfer cli-t1: COMPLETED"));
  EXPECT_THAT(run.out, HasSubstr("33995.51 yuan"));
  EXPECT_THAT(run.out, HasSubstr("Guobanfa [2009] No. 66"));
  const RunResult status =
      Pbl({"transfer", "status", "cli-t1", "--json"}, As(kShanghai, "admin-sh"));
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const nlohmann::json j = nlohmann::json::parse(status.out);
  EXPECT_EQ(j["state"], "TRANSFER_STATE_COMPLETED");
  EXPECT_EQ(j["role"], "TRANSFER_ROLE_SOURCE");
  EXPECT_EQ(j["figures"]["individual_account_fen"], 3'399'551);
  const RunResult list = Pbl({"transfer", "list", "--state", "completed"}, As(kAnhui, "auditor"));
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("cli-t1"));
}

TEST_F(NodeCommandsTest, BadInputAndRefusalsGetTheirExitCodes) {
  // Bad input: a person id with the wrong check character.
  RunResult run = Pbl({"transfer", "start", "--person-id", "110105194912310012", "--from-node",
                       "shanghai", "--from-scheme", "UEBPI-310000", "--to-scheme", "UEBPI-340000"},
                      As(kAnhui, "admin-ah"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("person_id"));
  run = Pbl({"transfer", "list", "--state", "sleeping"}, As(kAnhui, "admin-ah"));
  EXPECT_EQ(run.exit_code, 2);
  // Permission denied: an auditor may not start transfers or issue tokens.
  run = Pbl({"token", "issue", "--person-id", TestPerson(22, 1990, true)}, As(kAnhui, "auditor"));
  EXPECT_EQ(run.exit_code, 4);
  // Unavailable: nobody listens there.
  std::vector<std::string> nowhere = As(kAnhui, "admin-ah");
  nowhere[1] = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
  run = Pbl({"transfer", "list", "--timeout", "3"}, nowhere);
  EXPECT_EQ(run.exit_code, 3);
  // Usage: a missing required flag.
  run = Pbl({"transfer", "start"}, As(kAnhui, "admin-ah"));
  EXPECT_EQ(run.exit_code, 2);
}

TEST_F(NodeCommandsTest, ATokenFileIsTheWorkersAloneAndOpensOnlyTheirRecords) {
  const std::string person = TestPerson(23, 1985, false);
  ASSERT_OK(cluster_->Admin(kShanghai)
                ->AppendEntries(EmployeeHistory(person, "UEBPI-310000", 2020, 6, 500'000, false))
                .status());
  const std::string file = cluster_->dir() + "/worker.token";
  const RunResult run =
      Pbl({"token", "issue", "--person-id", person, "--ttl", "600", "--out", file},
          As(kShanghai, "admin-sh"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  rpc::ClientOptions o;
  o.address = cluster_->spec(kShanghai).WorkerAddress();
  o.ca_file = cluster_->pki().ca_cert;
  std::getline(*std::make_unique<std::ifstream>(file), o.token);
  ASSERT_OK_AND_ASSIGN(auto worker, rpc::NodeClient::Connect(o));
  ASSERT_OK_AND_ASSIGN(const v1::GetHistoryResponse mine, worker->GetHistory(person));
  EXPECT_EQ(mine.entries_size(), 7);
  EXPECT_THAT(worker->GetHistory(TestPerson(21, 1990, true)),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // `pbl token revoke` voids it (and only an administrator may).
  EXPECT_EQ(Pbl({"token", "revoke", "--person-id", person}, As(kShanghai, "auditor")).exit_code, 4);
  const RunResult revoked = Pbl({"token", "revoke", "--person-id", person, "--reason", "lost"},
                                As(kShanghai, "admin-sh"));
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_THAT(revoked.out, HasSubstr("is void"));
  EXPECT_THAT(worker->GetHistory(person),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("revoked")));
}

}  // namespace
}  // namespace pbl::testing
