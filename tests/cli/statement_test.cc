// What workers run, through the real `pbl` binary against two real pbld nodes (tests/rpc/
// cluster.h): `pbl history` (table, month chart, JSON), `pbl entitlement`, and portable
// statements (`pbl statement export|verify`, specs/statement-format.md), including the issue's
// done-means: a statement with any single byte changed never verifies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"
#include "tests/rpc/cluster.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace pbl::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kShanghaiPension[] = "UEBPI-310000";
constexpr int64_t kBaseFen = 1'000'000;  // 10,000.00 yuan a month

// Monthly contributions from `first_year`-`first_month`, `months` of them, at kBaseFen (8% to
// the account, 16% to the pool), after an enrolment when `enrol`.
v1::AppendEntriesRequest Contributions(const std::string& person, const std::string& scheme,
                                       int first_year, int first_month, int months,
                                       bool enrol = true) {
  v1::AppendEntriesRequest request;
  if (enrol) {
    v1::Entry* e = request.add_entries();
    e->set_scheme_id(scheme);
    e->set_person_id(person);
    e->mutable_enrolment()->set_date(std::to_string(first_year) + "-01-01");
    e->mutable_enrolment()->set_hukou_region("340100");
    e->mutable_enrolment()->set_retirement_category(v1::RETIREMENT_CATEGORY_MALE);
  }
  for (int m = 0; m < months; ++m) {
    const int index = first_year * 12 + first_month - 1 + m;
    char period[16];
    std::snprintf(period, sizeof(period), "%04d-%02d", index / 12, index % 12 + 1);
    v1::Entry* e = request.add_entries();
    e->set_scheme_id(scheme);
    e->set_person_id(person);
    v1::MonthlyContribution* c = e->mutable_monthly_contribution();
    c->set_period(period);
    c->set_base_fen(kBaseFen);
    c->set_personal_fen(kBaseFen * 8 / 100);
    c->set_employer_fen(kBaseFen * 16 / 100);
  }
  return request;
}

// `pbl args...` run in this process, as pbl's main runs it (cli::RunPbl), for loops of thousands
// of runs where a process each would spend the time starting processes.
RunResult RunPblInProcess(std::vector<std::string> args) {
  args.insert(args.begin(), "pbl");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::ostringstream out;
  std::ostringstream err;
  RunResult r;
  r.exit_code = cli::RunPbl(static_cast<int>(args.size()), argv.data(), out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// One cluster per test suite; each test gets a fresh directory for its files.
class ClusterCliTest : public ClusterTest<ClusterCliTest> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ClusterTest::SetUp());
    dir_ = FreshTestDir("statement");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  RunResult Pbl(std::vector<std::string> args) {
    args.insert(args.begin(), PBL_BINARY);
    return RunProgram(args, dir_.string());
  }
  // `args` followed by the connection flags of a worker holding `token`.
  static std::vector<std::string> AsWorker(std::vector<std::string> args, const std::string& token,
                                           int node = kShanghai) {
    for (const std::string& a :
         {std::string("--server"), cluster_->spec(node).WorkerAddress(), std::string("--ca"),
          cluster_->pki().ca_cert, std::string("--token"), token}) {
      args.push_back(a);
    }
    return args;
  }
  static std::vector<std::string> AsAdmin(std::vector<std::string> args, int node = kShanghai) {
    const std::string name = node == kShanghai ? "admin-sh" : "admin-ah";
    for (const std::string& a :
         {std::string("--server"), cluster_->spec(node).Address(), std::string("--ca"),
          cluster_->pki().ca_cert, std::string("--cert"), cluster_->pki().Cert(name),
          std::string("--key"), cluster_->pki().Key(name)}) {
      args.push_back(a);
    }
    return args;
  }
  static std::string TokenFor(const std::string& person, int node = kShanghai) {
    absl::StatusOr<v1::IssueWorkerTokenResponse> r =
        cluster_->Admin(node)->IssueWorkerToken(person, 3600);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->token() : "";
  }
  static void Append(const v1::AppendEntriesRequest& request, int node = kShanghai) {
    absl::StatusOr<v1::AppendEntriesResponse> r = cluster_->Admin(node)->AppendEntries(request);
    ASSERT_TRUE(r.ok()) << r.status();
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::string Read(const std::string& name) const { return ReadWholeFile(Path(name)); }
  void Write(const std::string& name, const std::string& data) const {
    std::ofstream(Path(name), std::ios::binary) << data;
  }

  std::filesystem::path dir_;
};

// --- history -----------------------------------------------------------------------------------

class HistoryTest : public ClusterCliTest {};

TEST_F(HistoryTest, WorkerSeesTheirEntriesInYuanAndAChartOfMonthsPerYear) {
  const std::string me = TestPerson(1, 1990, true);
  Append(Contributions(me, kShanghaiPension, 2019, 4, 12));
  RunResult r = Pbl(AsWorker({"history", "--person-id", me}, TokenFor(me)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("monthly_contribution"));
  EXPECT_THAT(r.out, HasSubstr("enrolment"));
  EXPECT_THAT(r.out, HasSubstr("2019-04"));
  EXPECT_THAT(r.out, HasSubstr("10000.00"));  // base
  EXPECT_THAT(r.out, HasSubstr("800.00"));    // personal
  EXPECT_THAT(r.out, HasSubstr("employer 1600.00"));
  EXPECT_THAT(r.out, HasSubstr("(amounts in yuan; 13 entries)"));
  // 2019-04..2020-03: 9 months in 2019, 3 in 2020.
  EXPECT_THAT(r.out,
              HasSubstr("\n2019  \u00b7\u00b7\u00b7\u2588\u2588\u2588\u2588\u2588\u2588\u2588"
                        "\u2588\u2588   9\n"));
  EXPECT_THAT(r.out,
              HasSubstr("\n2020  \u2588\u2588\u2588\u00b7\u00b7\u00b7\u00b7\u00b7\u00b7\u00b7"
                        "\u00b7\u00b7   3\n"));
  EXPECT_THAT(r.out, HasSubstr("\u2588 paid"));  // the legend
}

TEST_F(HistoryTest, AsciiChartUsesOnlyAscii) {
  const std::string me = TestPerson(2, 1990, true);
  Append(Contributions(me, kShanghaiPension, 2019, 4, 12));
  RunResult r = Pbl(AsWorker({"history", "--person-id", me, "--ascii"}, TokenFor(me)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\nyear  UEBPI-310000\n"));
  EXPECT_THAT(r.out, HasSubstr("\n2019  ...#########   9\n"));
  EXPECT_THAT(r.out, HasSubstr("\n2020  ###.........   3\n"));
  for (char c : r.out) EXPECT_EQ(static_cast<unsigned char>(c) & 0x80, 0) << r.out;
}

TEST_F(HistoryTest, JsonHasTheDecodedEntriesInFenAndTheMonthsPerYear) {
  const std::string me = TestPerson(3, 1990, true);
  Append(Contributions(me, kShanghaiPension, 2019, 4, 12));
  RunResult r = Pbl(AsWorker({"history", "--person-id", me, "--json"}, TokenFor(me)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["entries"].size(), 13u);
  const nlohmann::json& first = j["entries"][1]["entry"];
  EXPECT_EQ(first["person_id"], me);
  EXPECT_EQ(first["monthly_contribution"]["period"], "2019-04");
  EXPECT_EQ(first["monthly_contribution"]["base_fen"], kBaseFen);
  EXPECT_EQ(first["monthly_contribution"]["personal_fen"], 80'000);
  EXPECT_EQ(j["entries"][0]["entry"]["enrolment"]["retirement_category"],
            "RETIREMENT_CATEGORY_MALE");
  const nlohmann::json& months = j["months"][kShanghaiPension];
  EXPECT_EQ(months["2019"]["count"], 9);
  EXPECT_EQ(months["2019"]["paid"], nlohmann::json({4, 5, 6, 7, 8, 9, 10, 11, 12}));
  EXPECT_EQ(months["2020"]["count"], 3);
  EXPECT_EQ(months["2020"]["paid"], nlohmann::json({1, 2, 3}));
}

TEST_F(HistoryTest, ATransferShowsCreditedMonthsAtTheDestinationAndMovedOutAtTheSource) {
  const std::string me = TestPerson(4, 1990, true);
  Append(Contributions(me, "UEBPI-340000", 2015, 1, 24), kAnhui);
  Append(Contributions(me, kShanghaiPension, 2017, 1, 6));
  v1::StartTransferRequest start;
  start.set_transfer_id("t-history-1");
  start.set_person_id(me);
  start.set_source_node_id("anhui");
  start.set_source_scheme_id("UEBPI-340000");
  start.set_destination_scheme_id(kShanghaiPension);
  start.set_date("2017-07-03");
  start.set_wait(true);
  absl::StatusOr<v1::TransferStatus> done = cluster_->Admin(kShanghai)->StartTransfer(start);
  ASSERT_TRUE(done.ok()) << done.status();
  ASSERT_EQ(done->state(), v1::TRANSFER_STATE_COMPLETED) << done->reason();

  RunResult here = Pbl(AsWorker({"history", "--person-id", me, "--ascii"}, TokenFor(me)));
  ASSERT_EQ(here.exit_code, 0) << here.err;
  EXPECT_THAT(here.out, HasSubstr("transfer_in"));
  EXPECT_THAT(here.out, HasSubstr("\n2015  ++++++++++++  12\n"));
  EXPECT_THAT(here.out, HasSubstr("\n2016  ++++++++++++  12\n"));
  EXPECT_THAT(here.out, HasSubstr("\n2017  ######......   6\n"));
  RunResult unicode = Pbl(AsWorker({"history", "--person-id", me}, TokenFor(me)));
  EXPECT_THAT(unicode.out, HasSubstr("\n2015  \u2593\u2593\u2593\u2593\u2593\u2593\u2593\u2593"
                                     "\u2593\u2593\u2593\u2593  12\n"));

  RunResult there =
      Pbl(AsWorker({"history", "--person-id", me, "--ascii"}, TokenFor(me, kAnhui), kAnhui));
  ASSERT_EQ(there.exit_code, 0) << there.err;
  EXPECT_THAT(there.out, HasSubstr("transfer_out"));
  EXPECT_THAT(there.out, HasSubstr("\n2016  ------------   0\n"));
}

TEST_F(HistoryTest, AnotherPersonsHistoryIsRefusedWithExitCode4) {
  const std::string me = TestPerson(5, 1990, true);
  const std::string other = TestPerson(6, 1990, true);
  Append(Contributions(me, kShanghaiPension, 2019, 4, 2));
  Append(Contributions(other, kShanghaiPension, 2019, 4, 2));
  RunResult r = Pbl(AsWorker({"history", "--person-id", other}, TokenFor(me)));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, StartsWith("pbl: history: "));
  EXPECT_EQ(r.out, "");
  // An administrator may read anyone's.
  RunResult admin = Pbl(AsAdmin({"history", "--person-id", other}));
  EXPECT_EQ(admin.exit_code, 0) << admin.err;
}

TEST_F(HistoryTest, AnUnreachableNodeGetsExitCode3) {
  const std::string me = TestPerson(7, 1990, true);
  const std::string token = TokenFor(me);
  RunResult r = Pbl({"history", "--person-id", me, "--server",
                     "127.0.0.1:" + std::to_string(FreeLoopbackPort()), "--ca",
                     cluster_->pki().ca_cert, "--token", token, "--timeout", "5"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, StartsWith("pbl: history: "));
}

TEST_F(HistoryTest, HelpExplainsTheChartAndTheConnection) {
  RunResult r = Pbl({"history", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("--ascii"));
  EXPECT_THAT(r.out, HasSubstr("--json"));
  EXPECT_THAT(r.out, HasSubstr("--token"));
  EXPECT_THAT(r.out, HasSubstr("12 cells"));
}

// --- entitlement -------------------------------------------------------------------------------

class EntitlementTest : public ClusterCliTest {};

TEST_F(EntitlementTest, PrintsLabelledYuanFiguresWithRuleIds) {
  const std::string me = TestPerson(1, 1990, true);
  Append(Contributions(me, kShanghaiPension, 2019, 4, 12));
  RunResult r = Pbl(AsWorker(
      {"entitlement", "--person-id", me, "--scheme-id", kShanghaiPension, "--as-of", "2020-06-30"},
      TokenFor(me)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("as of 2020-06-30"));
  EXPECT_THAT(r.out, HasSubstr("  months own                            12\n"));
  EXPECT_THAT(r.out, HasSubstr("  months total                          12  rule"));
  EXPECT_THAT(r.out,
              HasSubstr("  account principal                9600.00  rule ia-crediting-1997"));
  EXPECT_THAT(r.out, HasSubstr("  retirement month                 2053-05  rule retirement-age-"));
  EXPECT_THAT(r.out, HasSubstr("  minimum months                       240  rule minimum-years-"));
  EXPECT_THAT(r.out, HasSubstr("  pending transfer                    none"));
}

TEST_F(EntitlementTest, JsonHasTheResponseFieldsInFen) {
  const std::string me = TestPerson(2, 1990, true);
  Append(Contributions(me, kShanghaiPension, 2019, 4, 12));
  RunResult r = Pbl(AsWorker({"entitlement", "--person-id", me, "--scheme-id", kShanghaiPension,
                              "--as-of", "2020-06-30", "--json"},
                             TokenFor(me)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["months_total"], 12);
  EXPECT_EQ(j["account_principal_fen"], 960'000);
  EXPECT_EQ(j["account_rule_id"], "ia-crediting-1997");
  EXPECT_EQ(j["as_of"], "2020-06-30");
}

TEST_F(EntitlementTest, AnotherPersonIsRefusedAndABadDateIsBadInput) {
  const std::string me = TestPerson(3, 1990, true);
  const std::string other = TestPerson(4, 1990, true);
  Append(Contributions(me, kShanghaiPension, 2019, 4, 1));
  const std::string token = TokenFor(me);
  RunResult refused =
      Pbl(AsWorker({"entitlement", "--person-id", other, "--scheme-id", kShanghaiPension}, token));
  EXPECT_EQ(refused.exit_code, 4) << refused.err;
  RunResult bad_date = Pbl(AsWorker(
      {"entitlement", "--person-id", me, "--scheme-id", kShanghaiPension, "--as-of", "2023-02-29"},
      token));
  EXPECT_EQ(bad_date.exit_code, 2) << bad_date.err;
  EXPECT_THAT(bad_date.err, HasSubstr("as_of"));
}

// --- statement ---------------------------------------------------------------------------------

class StatementTest : public ClusterCliTest {
 protected:
  // Exports the statement of a new person with `months` contributions from 2019-04 into
  // `name`, as that person; returns the person.
  std::string Export(int n, int months, const std::string& name) {
    const std::string me = TestPerson(n, 1990, true);
    Append(Contributions(me, kShanghaiPension, 2019, 4, months));
    RunResult r =
        Pbl(AsWorker({"statement", "export", "--person-id", me, "--out", name}, TokenFor(me)));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("wrote " + name));
    return me;
  }
  static std::string NodeKey(int node = kShanghai) { return cluster_->spec(node).verifier_key; }
  RunResult Verify(const std::string& name, std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"statement", "verify", name, "--vkey", NodeKey()};
    args.insert(args.end(), more.begin(), more.end());
    return Pbl(args);
  }
};

// A statement holds a person's record: written 0600 from its first byte whatever the umask,
// through a temporary file that does not stay behind, and again 0600 when it replaces one.
TEST_F(StatementTest, AnExportedStatementIsTheWorkersAloneWhateverTheUmask) {
  const mode_t before = ::umask(0);
  Export(61, 3, "private.pbl");
  Export(62, 3, "private.pbl");
  ::umask(before);
  struct stat st {};
  ASSERT_EQ(::stat(Path("private.pbl").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  for (const auto& e : std::filesystem::directory_iterator(Path(""))) {
    const std::string name = e.path().filename().string();
    EXPECT_FALSE(name.starts_with("private.pbl.")) << name << " stayed behind";
  }
}

TEST_F(StatementTest, ExportedStatementVerifiesOffline) {
  const std::string me = Export(1, 12, "s.pbl");
  const std::string file = Read("s.pbl");
  EXPECT_THAT(file, StartsWith("pbl statement v1\nperson " + me + "\ncheckpoint 5\n" +
                               cluster_->spec(kShanghai).origin + "\n"));
  EXPECT_THAT(file, HasSubstr("\nentries 13\nentry "));
  RunResult r = Verify("s.pbl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("statement verified: s.pbl\n"));
  EXPECT_THAT(r.out, HasSubstr("  person      " + me + "\n"));
  EXPECT_THAT(r.out, HasSubstr("  node        " + cluster_->spec(kShanghai).origin));
  EXPECT_THAT(r.out, HasSubstr("  entries     13 "));
  EXPECT_THAT(r.out, HasSubstr("UEBPI-310000: 12 months 2019-04..2020-03\n"));
}

TEST_F(StatementTest, VerifyTakesKeyFilesSeveralNodeKeysAndPrintsJson) {
  const std::string me = Export(2, 3, "s.pbl");
  Write("anhui.vkey", NodeKey(kAnhui) + "\n");
  Write("shanghai.vkey", NodeKey(kShanghai) + "\n");
  RunResult r = Pbl({"statement", "verify", "--vkey", "anhui.vkey", "--vkey", "shanghai.vkey",
                     "s.pbl", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verified"], true);
  EXPECT_EQ(j["person_id"], me);
  EXPECT_EQ(j["origin"], cluster_->spec(kShanghai).origin);
  EXPECT_EQ(j["entries"].size(), 4u);
  EXPECT_EQ(j["entries"][1]["entry"]["monthly_contribution"]["period"], "2019-04");
  EXPECT_EQ(j["months"][kShanghaiPension]["2019"]["count"], 3);
}

TEST_F(StatementTest, AnAdministratorExportsToo) {
  const std::string me = TestPerson(3, 1990, true);
  Append(Contributions(me, kShanghaiPension, 2019, 4, 2));
  RunResult r = Pbl(AsAdmin({"statement", "export", "--person-id", me, "--scheme-id",
                             kShanghaiPension, "--out", "a.pbl", "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["node_id"], "shanghai");
  EXPECT_EQ(j["entries"], 3);
  EXPECT_EQ(Verify("a.pbl").exit_code, 0);
}

TEST_F(StatementTest, AWrongKeyFailsWithExitCode1) {
  Export(4, 2, "s.pbl");
  RunResult other_node = Pbl({"statement", "verify", "s.pbl", "--vkey", NodeKey(kAnhui)});
  EXPECT_EQ(other_node.exit_code, 1);
  EXPECT_THAT(other_node.err, HasSubstr("does NOT verify: checkpoint: signed by"));
  // A key with the node's name that is not the node's key.
  const crypto::SigningKey impostor = crypto::SigningKey::Generate();
  const std::string same_name = crypto::FormatVerifierKey(
      cluster_->spec(kShanghai).origin, crypto::kSignatureTypeEd25519, impostor.public_key());
  RunResult r = Pbl({"statement", "verify", "s.pbl", "--vkey", same_name});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("checkpoint:"));
  // A witness that did not cosign.
  const std::string witness = crypto::FormatVerifierKey(
      "pbl.test/witness", crypto::kSignatureTypeCosignatureV1, impostor.public_key());
  RunResult w = Verify("s.pbl", {"--witness", witness});
  EXPECT_EQ(w.exit_code, 1);
  EXPECT_THAT(w.err, HasSubstr("did not cosign"));
}

// Tampering named for what it does; each is refused naming the entry or line.
TEST_F(StatementTest, NamedTamperingsAreRefused) {
  Export(5, 2, "s.pbl");
  const std::string good = Read("s.pbl");
  const size_t entry2 = good.find("\nentry ", good.find("\nentry ") + 1) + 1;
  const size_t proof2 = good.find("\nproof ", entry2) + 1;
  const std::string index2 = good.substr(entry2 + 6, good.find(' ', entry2 + 6) - entry2 - 6);

  // wrong-proof-hash: a valid hash, but not the right one.
  std::string wrong_hash = good;
  wrong_hash.replace(proof2 + 6, 44, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  Write("t.pbl", wrong_hash);
  RunResult r = Verify("t.pbl");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("entry " + index2 + ": inclusion proof"));

  // trailing-garbage.
  Write("t.pbl", good + "x\n");
  r = Verify("t.pbl");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("more text after the last"));

  // duplicate-entry: the last entry block twice, and the count raised to match.
  std::string dup = good;
  const size_t last = dup.rfind("\nentry ") + 1;
  dup += dup.substr(last);
  dup.replace(dup.find("\nentries 3\n"), 11, "\nentries 4\n");
  Write("t.pbl", dup);
  r = Verify("t.pbl");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("increasing index order"));

  // missing-final-newline.
  Write("t.pbl", good.substr(0, good.size() - 1));
  r = Verify("t.pbl");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("does not end in a newline"));

  // other-person: the person line of another (valid) person.
  std::string other = good;
  const std::string me = good.substr(good.find("person ") + 7, 18);
  other.replace(other.find(me), 18, TestPerson(99, 1990, true));
  Write("t.pbl", other);
  r = Verify("t.pbl");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("belongs to another person"));

  // Not a statement at all.
  Write("t.pbl", "hello\n");
  r = Verify("t.pbl");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("line 1: the header line"));
}

// A different byte of the same kind where there is one (a digit for a digit, a base64 letter for
// a base64 letter), so that the file still parses and the change must be caught by a signature
// or a proof; else a flipped case bit.
char SameKindChange(char c) {
  if (c >= '0' && c <= '8') return static_cast<char>(c + 1);
  if (c == '9') return '0';
  if ((c >= 'a' && c <= 'y') || (c >= 'A' && c <= 'Y')) return static_cast<char>(c + 1);
  if (c == 'z' || c == 'Z') return static_cast<char>(c - 25);
  if (c == '+') return '/';
  if (c == '/') return '+';
  return static_cast<char>(c ^ 0x20);
}

// Where each byte of a statement file is: its line, and the `entry` line of the entry block it
// is in (0 outside entry blocks).
struct ByteMap {
  std::vector<int> line;
  std::vector<int> entry_line;
};

ByteMap MapBytes(const std::string& file) {
  ByteMap map;
  int line = 1;
  int entry_line = 0;
  for (size_t i = 0; i < file.size(); ++i) {
    if ((i == 0 || file[i - 1] == '\n') && file.compare(i, 6, "entry ") == 0) entry_line = line;
    map.line.push_back(line);
    map.entry_line.push_back(entry_line);
    if (file[i] == '\n') ++line;
  }
  return map;
}

// The verdict on one tampered file: empty when it was refused as it should be.
std::string Judge(const RunResult& r, const ByteMap& map, size_t i) {
  bool named = false;
  if (r.exit_code == 2) {
    named = r.err.find("line ") != std::string::npos;  // a parse error names the line
  } else if (r.exit_code == 1 && map.entry_line[i] > 0) {
    named =
        r.err.find("line " + std::to_string(map.entry_line[i]) + ": entry ") != std::string::npos;
  } else if (r.exit_code == 1) {
    named = r.err.find("checkpoint:") != std::string::npos ||
            r.err.find(": entry ") != std::string::npos;  // the person line: entry of another
  }
  if (named) return "";
  return "byte " + std::to_string(i) + " (line " + std::to_string(map.line[i]) + "): exit " +
         std::to_string(r.exit_code) + ": " + r.err;
}

// The issue's done-means: with any single byte changed, a statement never verifies, and the
// message names the checkpoint, the entry or the line. Every byte is changed twice: one bit
// flipped (a different bit from byte to byte) and a change to a byte of the same kind.
// Every byte of a real file, each changed two ways. The thousands of verifications run `pbl` in
// this process (cli::RunPbl, which pbl's main calls) instead of one process each: the same
// command, 13 times faster (55 s -> 4.3 s in the ci build). The real binary checks the
// good file and the first tampered one, and must agree with the in-process run on that one.
TEST_F(StatementTest, AnySingleChangedByteFailsNamingWhatFailed) {
  Export(6, 2, "s.pbl");
  const std::string good = Read("s.pbl");
  ASSERT_EQ(Verify("s.pbl").exit_code, 0);
  const std::string tampered_path = Path("t.pbl");
  const auto verify_in_process = [&] {
    return RunPblInProcess({"statement", "verify", tampered_path, "--vkey", NodeKey()});
  };
  {
    std::string first = good;
    first[0] ^= 1;
    Write("t.pbl", first);
    const RunResult binary = Pbl({"statement", "verify", tampered_path, "--vkey", NodeKey()});
    const RunResult here = verify_in_process();
    EXPECT_EQ(binary.exit_code, here.exit_code);
    EXPECT_EQ(binary.err, here.err);
  }
  const ByteMap map = MapBytes(good);
  std::vector<std::string> problems;
  int exits[3] = {};
  for (size_t i = 0; i < good.size(); ++i) {
    for (const char changed :
         {static_cast<char>(good[i] ^ (1 << (i % 8))), SameKindChange(good[i])}) {
      std::string tampered = good;
      tampered[i] = changed;
      Write("t.pbl", tampered);
      const RunResult r = verify_in_process();
      if (r.exit_code >= 0 && r.exit_code <= 2) ++exits[r.exit_code];
      if (std::string verdict = Judge(r, map, i); !verdict.empty()) {
        problems.push_back(std::move(verdict));
      }
    }
  }
  EXPECT_EQ(exits[0], 0);
  EXPECT_TRUE(problems.empty()) << problems.size() << " changed files were not refused "
                                << "as they should be; the first: " << problems.front();
  // Both kinds of refusal happen: malformed files and files whose proofs or signature fail.
  EXPECT_GT(exits[1], static_cast<int>(good.size()) / 2);
  EXPECT_GT(exits[2], 0);
}

TEST_F(StatementTest, BadInputGetsExitCode2) {
  const std::string me = TestPerson(7, 1990, true);
  const std::string token = TokenFor(me);
  RunResult none =
      Pbl(AsWorker({"statement", "export", "--person-id", me, "--out", "s.pbl"}, token));
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("no entries"));
  EXPECT_FALSE(std::filesystem::exists(Path("s.pbl")));
  RunResult missing = Verify("absent.pbl");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("absent.pbl"));
  Export(8, 1, "s.pbl");
  RunResult bad_key = Pbl({"statement", "verify", "s.pbl", "--vkey", "not-a-key"});
  EXPECT_EQ(bad_key.exit_code, 2);
  EXPECT_THAT(bad_key.err, HasSubstr("--vkey"));
  RunResult no_key = Pbl({"statement", "verify", "s.pbl"});
  EXPECT_EQ(no_key.exit_code, 2);
}

}  // namespace
}  // namespace pbl::testing
