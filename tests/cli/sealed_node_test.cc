// A node whose configuration names a master key keeps its log in format v2
// (specs/log-format-v2.md): the demo's generated records (scripts/gen-demo-data.awk) are enrolled
// and imported through the real `pbl` into two real pbld nodes, and then no national id number
// can be found in any file under either node's data directory, while the nodes serve the
// records back, `pbl audit log` verifies the log from its sealed leaves, and what a v2 node does
// not serve yet (statements, transfers) is refused with the reason.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/base/strings.h"
#include "ledger/domain/person_id.h"
#include "pbl/v1/node.pb.h"
#include "tests/rpc/cluster.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace pbl::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// People the generator makes (scripts/demo.sh makes 3,000; the kinds of record are the same).
constexpr int kDemoPersons = 200;

bool IsIdBodyChar(char c) { return c >= '0' && c <= '9'; }

// Every national id number in `bytes`: 17 digits and a check character (digit or X) that is the
// right one for them (GB 11643), anywhere, whatever surrounds it.
std::vector<std::string> IdsIn(std::string_view bytes) {
  std::vector<std::string> found;
  size_t run = 0;  // digits ending just before i
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (run >= 17) {
      const std::string_view body = bytes.substr(i - 17, 17);
      const char check = bytes[i];
      if ((IsIdBodyChar(check) || check == 'X') && ledger::PersonIdCheckCharacter(body) == check) {
        found.emplace_back(StrCat(body, std::string(1, check)));
      }
    }
    run = IsIdBodyChar(bytes[i]) ? run + 1 : 0;
  }
  return found;
}

// The ids found in each regular file under `dir`, by file (files without any are left out).
std::map<std::string, std::set<std::string>> IdsUnder(const std::filesystem::path& dir,
                                                      int* files) {
  std::map<std::string, std::set<std::string>> by_file;
  *files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    ++*files;
    const std::string bytes = ReadWholeFile(entry.path().string());
    std::vector<std::string> ids = IdsIn(bytes);
    if (!ids.empty()) by_file[entry.path().string()].insert(ids.begin(), ids.end());
  }
  return by_file;
}

// The first column of every row but the header of CSV file `path`.
std::vector<std::string> FirstColumn(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(ReadWholeFile(path));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(line.substr(0, line.find(',')));
  }
  return out;
}

class SealedNodeTest : public ClusterTest<SealedNodeTest> {
 protected:
  ClusterOptions SharedClusterOptions() const override {
    ClusterOptions options;
    options.sealed = true;
    return options;
  }

  // Generates the records and imports each node's half, as scripts/demo.sh does.
  void PrepareCluster() override {
    records_ = cluster_->dir() + "/records";
    std::filesystem::create_directories(records_);
    const RunResult gen =
        RunProgram({"/usr/bin/awk", "-v", StrCat("persons=", kDemoPersons), "-v", "out=" + records_,
                    "-f", StrCat(PBL_SOURCE_DIR, "/scripts/gen-demo-data.awk")});
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    for (int node : {kShanghai, kAnhui}) {
      const std::string name = node == kShanghai ? "shanghai" : "anhui";
      for (const std::string& args : {StrCat("enroll --csv ", records_, "/", name, "-enrol.csv"),
                                      StrCat("import ", records_, "/", name, ".csv")}) {
        std::vector<std::string> argv = Split(args);
        const RunResult r = Pbl(node, argv);
        ASSERT_EQ(r.exit_code, 0) << args << ": " << r.out << r.err;
      }
    }
  }

  static std::vector<std::string> Split(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string word; in >> word;) out.push_back(word);
    return out;
  }

  static RunResult Pbl(int node, std::vector<std::string> args, const std::string& cert = "") {
    const std::string who = !cert.empty() ? cert : node == kShanghai ? "admin-sh" : "admin-ah";
    args.insert(args.begin(), PBL_BINARY);
    args.insert(args.end(),
                {"--server", cluster_->spec(node).Address(), "--ca", cluster_->pki().ca_cert,
                 "--cert", cluster_->pki().Cert(who), "--key", cluster_->pki().Key(who)});
    return RunProgram(args);
  }

  static inline std::string records_;
};

TEST_F(SealedNodeTest, NoNationalIdIsReadableInAnyFileUnderTheDataDirectories) {
  const std::vector<std::string> people = FirstColumn(records_ + "/shanghai-enrol.csv");
  ASSERT_THAT(people, SizeIs(::testing::Gt(100)));
  // The search finds them where they are in the clear: every enrolled id, in the records.
  int files = 0;
  const auto in_records = IdsUnder(records_, &files);
  ASSERT_TRUE(in_records.contains(records_ + "/shanghai-enrol.csv"));
  EXPECT_EQ(in_records.at(records_ + "/shanghai-enrol.csv"),
            std::set<std::string>(people.begin(), people.end()));

  // Stopped, so that every memtable, log and manifest is on disk as it is left at rest.
  for (int node : {kShanghai, kAnhui}) {
    cluster_->process(node).Stop();
    const auto in_data = IdsUnder(cluster_->spec(node).DataDir(), &files);
    EXPECT_GT(files, 5) << "the data directory holds the log's files";
    for (const auto& [file, ids] : in_data) {
      ADD_FAILURE() << file << " holds " << ids.size() << " national ids, e.g. "
                    << ledger::MaskPersonId(*ids.begin());
    }
    ASSERT_OK(cluster_->StartNode(node));  // and it opens again with its master key
  }
}

TEST_F(SealedNodeTest, TheNodeServesEachPersonsRecordsBack) {
  // Every row of the records, by person, comes back in the person's history, decrypted.
  std::map<std::string, int> rows;
  for (const std::string& id : FirstColumn(records_ + "/shanghai.csv")) ++rows[id];
  ASSERT_THAT(rows, SizeIs(::testing::Gt(100)));
  int checked = 0;
  for (const auto& [id, count] : rows) {
    if (++checked > 20) break;
    absl::StatusOr<v1::GetHistoryResponse> h =
        cluster_->Admin(kShanghai)->GetHistory(id, "UEBPI-310000");
    ASSERT_OK(h.status());
    absl::StatusOr<v1::GetHistoryResponse> resident =
        cluster_->Admin(kShanghai)->GetHistory(id, "URRBPI-310000");
    ASSERT_OK(resident.status());
    // Each has one enrolment in UEBPI besides the rows.
    EXPECT_EQ(h->entries_size() + resident->entries_size(), count + 1) << ledger::MaskPersonId(id);
    // The entitlement is computed from the decrypted entries: the enrolment gives its month.
    v1::GetEntitlementRequest r;
    r.set_person_id(id);
    r.set_scheme_id("UEBPI-310000");
    absl::StatusOr<v1::GetEntitlementResponse> e = cluster_->Admin(kShanghai)->GetEntitlement(r);
    ASSERT_OK(e.status());
    EXPECT_EQ(e->person_id(), id);
    EXPECT_THAT(e->retirement_month(), SizeIs(7)) << ledger::MaskPersonId(id);
  }
}

TEST_F(SealedNodeTest, AuditLogVerifiesTheSealedLogFromItsLeaves) {
  const std::string state = cluster_->dir() + "/audit-state";
  const RunResult r =
      Pbl(kShanghai,
          {"audit", "log", "--vkey", cluster_->spec(kShanghai).verifier_key, "--state-dir", state},
          "auditor");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("format    v2: sealed leaves"));
  // Every person key's chain folded, and the map the checkpoint carries is theirs: 200 people,
  // each with keys in up to three schemes.
  EXPECT_THAT(r.out, ::testing::ContainsRegex("map       size [0-9]+, [0-9]+ person keys: the root "
                                              "the checkpoint carries is the map"));
  EXPECT_THAT(IdsIn(r.out + r.err), IsEmpty());
}

TEST_F(SealedNodeTest, StatementsAndTransfersAreRefusedUntilThePersonMap) {
  std::string id;
  std::getline(std::istringstream(ReadWholeFile(records_ + "/moves-cross.txt")), id);
  ASSERT_EQ(id.size(), 18u);
  const RunResult statement =
      Pbl(kShanghai, {"statement", "export", "--person-id", id, "--scheme-id", "UEBPI-310000",
                      "--out", cluster_->dir() + "/statement.txt"});
  EXPECT_NE(statement.exit_code, 0);
  EXPECT_THAT(statement.err, HasSubstr("format v2"));
  v1::StartTransferRequest request;
  request.set_person_id(id);
  request.set_source_scheme_id("UEBPI-310000");
  request.set_destination_scheme_id("UEBPI-340000");
  EXPECT_THAT(cluster_->Admin(kShanghai)->StartTransfer(request).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("format v2")));
}

TEST_F(SealedNodeTest, TheNodeOpensOnlyWithItsOwnMasterKey) {
  const NodeSpec& spec = cluster_->spec(kAnhui);
  const std::string key = ReadWholeFile(spec.MasterKeyPath());
  // Without the key in its configuration: the log is v2, the node would write v1.
  absl::Status status = cluster_->Reconfigure(
      kAnhui, [](NodeSpec* self, std::vector<NodeSpec>*) { self->sealed = false; });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("format v2")));
  // Another master key.
  cluster_->process(kAnhui).Stop();
  std::filesystem::remove(spec.MasterKeyPath());
  status = cluster_->Reconfigure(kAnhui, {});  // writes a new key
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("master key")));
  cluster_->process(kAnhui).Stop();
  std::filesystem::remove(spec.MasterKeyPath());
  std::ofstream(spec.MasterKeyPath(), std::ios::binary) << key;
  std::filesystem::permissions(spec.MasterKeyPath(), std::filesystem::perms::owner_read |
                                                         std::filesystem::perms::owner_write);
  ASSERT_OK(cluster_->Reconfigure(kAnhui, {}));
}

}  // namespace
}  // namespace pbl::testing
