// `pbl import` and `pbl enroll` through the real binary against real nodes: what a good file
// appends (exact fen), every kind of bad row refused with its line and column and nothing
// appended, resuming with --skip-rows, and the exit codes of unreachable and refused calls.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto/base/strings.h"
#include "crypto/checkpoint.h"
#include "crypto/note.h"
#include "ledger/domain/money.h"
#include "tests/rpc/cluster.h"
#include "tests/testing/subprocess.h"

namespace pbl::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kHeader =
    "person_id,scheme_id,period,base,personal,employer,collective_subsidy,government_subsidy\n";

class ImportTest : public ClusterTest<ImportTest> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ClusterTest::SetUp());
    dir_ = FreshTestDir("cli_import");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::vector<std::string> As(const std::string& cert) {
    return {"--server", cluster_->spec(kShanghai).Address(), "--ca",  cluster_->pki().ca_cert,
            "--cert",   cluster_->pki().Cert(cert),          "--key", cluster_->pki().Key(cert)};
  }
  static RunResult Pbl(std::vector<std::string> args,
                       const std::vector<std::string>& as = As("admin-sh")) {
    args.insert(args.begin(), PBL_BINARY);
    args.insert(args.end(), as.begin(), as.end());
    return RunProgram(args);
  }
  std::string Write(const std::string& name, std::string_view text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  static int64_t TreeSize() {
    absl::StatusOr<std::string> note = cluster_->Admin(kShanghai)->GetCheckpoint();
    EXPECT_TRUE(note.ok()) << note.status();
    absl::StatusOr<crypto::Note> parsed = crypto::ParseNote(*note);
    absl::StatusOr<crypto::Checkpoint> checkpoint = crypto::ParseCheckpoint(parsed->text);
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
    return checkpoint->size;
  }
  static std::vector<v1::Entry> History(const std::string& person, const std::string& scheme) {
    absl::StatusOr<v1::GetHistoryResponse> h =
        cluster_->Admin(kShanghai)->GetHistory(person, scheme);
    EXPECT_TRUE(h.ok()) << h.status();
    std::vector<v1::Entry> entries;
    for (const v1::IndexedEntryBytes& e : h->entries()) {
      entries.emplace_back();
      EXPECT_TRUE(entries.back().ParseFromString(e.entry()));
    }
    return entries;
  }
  // A monthly UEBPI row of person `p` (born 1970) for month `m` (0 = 2020-01), in header order.
  static std::string MonthlyRow(int p, int m, int birth_year = 1970) {
    const int64_t base = 600'005 + p * 100 + m;
    char period[16];
    std::snprintf(period, sizeof(period), "%04d-%02d", 2020 + m / 12, m % 12 + 1);
    return StrCat(TestPerson(p, birth_year, true), ",UEBPI-310000,", period, ",",
                  ledger::FormatFen(base), ",", ledger::FormatFen(base * 8 / 100), ",",
                  ledger::FormatFen(base * 16 / 100), ",,");
  }

  std::filesystem::path dir_;
};

// 10 persons x 25 months of UEBPI and 10 persons x 5 years of URRBPI: columns in another order,
// every field of some rows quoted, CRLF line ends, a byte order mark and a blank last line.
std::string GoodFile(int birth_year) {
  std::string text =
      "\xEF\xBB\xBF\"scheme_id\",period,person_id,personal,employer,base,"
      "government_subsidy,collective_subsidy\r\n";
  for (int p = 0; p < 10; ++p) {
    const std::string person = TestPerson(p, birth_year, true);
    for (int m = 0; m < 25; ++m) {
      char period[16];
      std::snprintf(period, sizeof(period), "%04d-%02d", 2022 + m / 12, m % 12 + 1);
      const int64_t base = 600'005 + p * 1000 + m;
      const std::string row =
          StrCat("UEBPI-310000,", period, ",", person, ",", ledger::FormatFen(base * 8 / 100), ",",
                 ledger::FormatFen(base * 16 / 100), ",", ledger::FormatFen(base), ",0,");
      text += m % 5 == 0 ? StrCat("\"UEBPI-310000\",\"", period, "\",\"", person, "\",\"",
                                  ledger::FormatFen(base * 8 / 100), "\",\"",
                                  ledger::FormatFen(base * 16 / 100), "\",\"",
                                  ledger::FormatFen(base), "\",\"0\",\"\"")
                         : row;
      text += "\r\n";
    }
  }
  for (int p = 10; p < 20; ++p) {
    for (int y = 0; y < 5; ++y) {
      text += StrCat("URRBPI-310000,", 2019 + y, ",", TestPerson(p, birth_year, false), ",",
                     "500.5,,,30.00,100\r\n");
    }
  }
  return text + "\r\n";
}

TEST_F(ImportTest, GoodFileAppendsExactlyItsRowsWithExactFen) {
  const std::string file = Write("good.csv", GoodFile(1971));
  const int64_t before = TreeSize();
  const RunResult run = Pbl({"import", file});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(TreeSize(), before + 300);
  EXPECT_THAT(run.out, HasSubstr("rows appended:   300 of 300"));
  EXPECT_THAT(run.out, HasSubstr(StrCat("log index:       ", before, " - ", before + 299)));
  EXPECT_THAT(run.out, HasSubstr(StrCat("checkpoint size: ", before + 300)));

  const std::vector<v1::Entry> monthly = History(TestPerson(3, 1971, true), "UEBPI-310000");
  ASSERT_EQ(monthly.size(), 25u);
  for (int m = 0; m < 25; ++m) {
    const v1::MonthlyContribution& c = monthly[static_cast<size_t>(m)].monthly_contribution();
    const int64_t base = 600'005 + 3 * 1000 + m;  // "6030.05" yuan is 603005 fen
    EXPECT_EQ(c.base_fen(), base);
    EXPECT_EQ(c.personal_fen(), base * 8 / 100);
    EXPECT_EQ(c.employer_fen(), base * 16 / 100);
  }
  EXPECT_EQ(monthly[0].monthly_contribution().period(), "2022-01");
  EXPECT_EQ(monthly[24].monthly_contribution().period(), "2024-01");
  EXPECT_EQ(History(TestPerson(0, 1971, true), "UEBPI-310000")[0].monthly_contribution().base_fen(),
            600'005);

  const std::vector<v1::Entry> annual = History(TestPerson(12, 1971, false), "URRBPI-310000");
  ASSERT_EQ(annual.size(), 5u);
  EXPECT_EQ(annual[0].annual_premium().year(), 2019);
  EXPECT_EQ(annual[0].annual_premium().personal_fen(), 50'050);
  EXPECT_EQ(annual[0].annual_premium().government_subsidy_fen(), 3'000);
  EXPECT_EQ(annual[0].annual_premium().collective_subsidy_fen(), 10'000);
}

TEST_F(ImportTest, JsonSummaryParses) {
  std::string text(kHeader);
  for (int m = 0; m < 30; ++m) text += MonthlyRow(1, m, 1972) + "\n";
  const std::string file = Write("json.csv", text);
  const int64_t before = TreeSize();
  const RunResult run = Pbl({"import", file, "--json", "--batch-rows", "7"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["rows_appended"], 30);
  EXPECT_EQ(j["rows_total"], 30);
  EXPECT_EQ(j["rows_skipped"], 0);
  EXPECT_EQ(j["batches"], 5);
  EXPECT_EQ(j["first_index"], before);
  EXPECT_EQ(j["last_index"], before + 29);
  EXPECT_EQ(j["checkpoint_size"], before + 30);
  EXPECT_EQ(j["file"], file);
  EXPECT_GT(j["rows_per_second"].get<double>(), 0);
  EXPECT_GE(j["elapsed_seconds"].get<double>(), j["check_seconds"].get<double>());
  // Each batch of 7 rows sits at consecutive log indices, in the file's order.
  absl::StatusOr<v1::GetHistoryResponse> h =
      cluster_->Admin(kShanghai)->GetHistory(TestPerson(1, 1972, true), "UEBPI-310000");
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_EQ(h->entries_size(), 30);
  std::map<std::string, uint64_t> index_of_period;
  for (const v1::IndexedEntryBytes& e : h->entries()) {
    v1::Entry entry;
    ASSERT_TRUE(entry.ParseFromString(e.entry()));
    index_of_period[entry.monthly_contribution().period()] = e.index();
  }
  std::vector<uint64_t> index_of_row;
  for (const auto& [period, index] : index_of_period) index_of_row.push_back(index);
  for (size_t row = 1; row < index_of_row.size(); ++row) {
    if (row % 7 != 0) {
      EXPECT_EQ(index_of_row[row], index_of_row[row - 1] + 1) << row;
    }
  }
}

TEST_F(ImportTest, EveryBadRowIsReportedWithLineAndFieldAndNothingIsAppended) {
  const std::string p = TestPerson(1, 1973, true);
  std::string bad_digit = p;
  bad_digit[17] = bad_digit[17] == '1' ? '2' : '1';
  const std::string text = StrCat(kHeader,                                               // line 1
                                  p, ",UEBPI-310000,2024-01,6000.05,480.00,960.01,,\n",  // 2: good
                                  bad_digit, ",UEBPI-310000,2024-02,6000,480,960,,\n",   // 3
                                  p, ",XYZ-310000,2024-03,6000,480,960,,\n",             // 4
                                  p, ",UEBPI-310000,2024-13,6000,480,960,,\n",           // 5
                                  p, ",UEBPI-310000,2024-04,12.345,480,960,,\n",         // 6
                                  p, ",UEBPI-310000,2024-05,6000,1e3,960,,\n",           // 7
                                  p, ",UEBPI-310000,2024-06,6000,480,-960.00,,\n",       // 8
                                  p, ",UEBPI-310000,2024-07,6000,480,960,\n",  // 9: 7 fields
                                  p, ",UEBPI-310000,2024,,500,,30,100\n",      // 10: annual row
                                  p, ",UEBPI-310000,2024-08,\"6,000.05\",480,960,,\n",   // 11
                                  p, ",UEBPI-310000,2024-09,\"6000\n.05\",480,960,,\n",  // 12-13
                                  p, ",URRBPI-310000,2024-10,,500,,30,100\n",            // 14
                                  p, ",UEBPI-310000,2024-11,6000,480,960,0.01,\n",       // 15
                                  p, ",UEBPI-310000,2024-12,0,0,0,,\n",                  // 16
                                  p, ",UEBPI-310000,2024-12,6000,480,960,,\n");          // 17: good
  const std::string file = Write("bad.csv", text);
  const int64_t before = TreeSize();
  const RunResult run = Pbl({"import", file});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ(run.out, "");
  const std::string f = file + ":";
  EXPECT_THAT(run.err, HasSubstr(f + "3: person_id: check character is"));
  EXPECT_THAT(run.err, HasSubstr(f + "4: scheme_id: \"XYZ-310000\" is not KIND-REGION"));
  EXPECT_THAT(run.err, HasSubstr(f + "5: period: \"2024-13\" is not a month YYYY-MM"));
  EXPECT_THAT(run.err, HasSubstr(f + "6: base: amount \"12.345\" must have 1 or 2 decimals"));
  EXPECT_THAT(run.err, HasSubstr(f + "7: personal: amount \"1e3\""));
  EXPECT_THAT(run.err, HasSubstr(f + "8: employer: amount \"-960.00\" is negative"));
  EXPECT_THAT(run.err, HasSubstr(f + "9: row: has 7 fields; the header has 8"));
  EXPECT_THAT(run.err, HasSubstr(f + "10: scheme_id: UEBPI-310000 takes no annual premiums"));
  EXPECT_THAT(run.err, HasSubstr(f + "11: base: amount \"6,000.05\""));
  EXPECT_THAT(run.err, HasSubstr(f + "12: base: amount \"6000\n.05\""));
  EXPECT_THAT(run.err, HasSubstr(f + "14: period: \"2024-10\" is not a year YYYY"));
  EXPECT_THAT(run.err, HasSubstr(f + "15: collective_subsidy: must be empty or 0"));
  EXPECT_THAT(run.err, HasSubstr(f + "16: row: monthly_contribution has no base and no amounts"));
  EXPECT_THAT(run.err, Not(HasSubstr(f + "2:")));
  EXPECT_THAT(run.err, Not(HasSubstr(f + "17:")));
  EXPECT_THAT(run.err, HasSubstr("13 problems; nothing was appended"));
  EXPECT_EQ(TreeSize(), before);
}

TEST_F(ImportTest, MalformedCsvIsReportedByLine) {
  const std::string p = TestPerson(5, 1973, true);
  const std::string text = StrCat(kHeader,                                                // 1
                                  p, ",UEBPI-310000,2024-01,\"60\"\"00\",480,960,,\r\n",  // 2
                                  p, ",UEBPI-310000,2024-02,60\"00,480,960,,\n",          // 3
                                  p, ",UEBPI-310000,\"2024-03\"x,6000,480,960,,\n",       // 4
                                  "\n",                                                   // 5
                                  p, ",UEBPI-310000,2024-04,6000,480,960,,\n",            // 6
                                  p, ",UEBPI-310000,\"2024-05,6000,480,960,,\n");         // 7
  const int64_t before = TreeSize();
  const RunResult run = Pbl({"import", Write("malformed.csv", text)});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("malformed.csv:2: base: amount \"60\"00\""));
  EXPECT_THAT(run.err, HasSubstr("malformed.csv:3: row: a quote inside an unquoted field"));
  EXPECT_THAT(run.err, HasSubstr("malformed.csv:4: row: characters after the closing quote"));
  EXPECT_THAT(run.err, HasSubstr("malformed.csv:5: row: is blank"));
  EXPECT_THAT(run.err, Not(HasSubstr("malformed.csv:6:")));
  EXPECT_THAT(run.err, HasSubstr("malformed.csv:7: row: a quoted field is not closed"));
  EXPECT_EQ(TreeSize(), before);
}

TEST_F(ImportTest, AtMostTwentyProblemsAreShownThenCounted) {
  std::string text(kHeader);
  for (int m = 0; m < 25; ++m) text += MonthlyRow(2, m, 1973) + "x\n";  // bad last column
  const RunResult run = Pbl({"import", Write("many.csv", text)});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("many.csv:21: government_subsidy:"));
  EXPECT_THAT(run.err, Not(HasSubstr("many.csv:22:")));
  EXPECT_THAT(run.err, HasSubstr("25 problems (the first 20 shown); nothing was appended"));
}

TEST_F(ImportTest, HeaderMustNameExactlyTheColumns) {
  const int64_t before = TreeSize();
  const std::string row = MonthlyRow(3, 0, 1973);
  RunResult run = Pbl({"import", Write("missing.csv",
                                       "person_id,scheme_id,period,base,personal,"
                                       "collective_subsidy,government_subsidy\n" +
                                           row + "\n")});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("missing.csv:1: header: missing column \"employer\""));
  run = Pbl({"import", Write("unknown.csv",
                             "person_id,scheme_id,period,base,personal,employer,"
                             "collective_subsidy,government_subsidy,note\n" +
                                 row + ",hello\n")});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("unknown.csv:1: header: unknown column \"note\""));
  run = Pbl({"import", Write("repeated.csv",
                             "person_id,scheme_id,period,base,personal,base,"
                             "collective_subsidy,government_subsidy\n" +
                                 row + "\n")});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("repeated.csv:1: header: column \"base\" repeats"));
  EXPECT_THAT(run.err, HasSubstr("repeated.csv:1: header: missing column \"employer\""));
  run = Pbl({"import", Write("empty.csv", "")});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("empty.csv:1: header:"));
  run = Pbl({"import", (dir_ / "absent.csv").string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(TreeSize(), before);
}

TEST_F(ImportTest, SkipRowsResumesAfterTheRowsAlreadyAppended) {
  std::string head(kHeader);
  std::string all(kHeader);
  for (int p = 0; p < 25; ++p) {
    for (int m = 0; m < 100; ++m) {
      const std::string row = MonthlyRow(p, m, 1974) + "\n";
      if (p * 100 + m < 1200) head += row;
      all += row;
    }
  }
  const int64_t before = TreeSize();
  RunResult run = Pbl({"import", Write("head.csv", head)});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  run = Pbl({"import", Write("all.csv", all), "--skip-rows", "1200", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["rows_appended"], 1300);
  EXPECT_EQ(j["rows_skipped"], 1200);
  EXPECT_EQ(j["batches"], 2);
  EXPECT_EQ(TreeSize(), before + 2500);
  // Person 12's months straddle the resume point: each month is there exactly once.
  const std::vector<v1::Entry> h = History(TestPerson(12, 1974, true), "UEBPI-310000");
  ASSERT_EQ(h.size(), 100u);
  std::set<std::string> periods;
  for (const v1::Entry& e : h) periods.insert(e.monthly_contribution().period());
  EXPECT_EQ(periods.size(), 100u);
  run = Pbl({"import", (dir_ / "all.csv").string(), "--skip-rows", "2501"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--skip-rows 2501 is past the 2500 rows"));
}

// Every batch carries an id the node records (specs/ledger.md, "Batch ids"): running the same
// import again, as the failure messages advise, appends nothing; the same file under another
// --batch-id is a new import.
TEST_F(ImportTest, RunningTheSameImportAgainAppendsNothing) {
  std::string csv(kHeader);
  for (int m = 0; m < 30; ++m) csv += MonthlyRow(3, m, 1981) + "\n";
  const std::string file = Write("twice.csv", csv);
  const int64_t before = TreeSize();
  RunResult run = Pbl({"import", file, "--batch-rows", "7", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  nlohmann::json first = nlohmann::json::parse(run.out);
  EXPECT_EQ(first["rows_appended"], 30);
  EXPECT_EQ(first["rows_already_in_log"], 0);
  EXPECT_EQ(TreeSize(), before + 30);
  run = Pbl({"import", file, "--batch-rows", "7", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json again = nlohmann::json::parse(run.out);
  EXPECT_EQ(again["rows_appended"], 0);
  EXPECT_EQ(again["rows_already_in_log"], 30);
  EXPECT_EQ(again["first_index"], first["first_index"]);
  EXPECT_EQ(TreeSize(), before + 30);
  run = Pbl({"import", file, "--batch-rows", "7"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("already in log:  30 rows"));
  EXPECT_EQ(History(TestPerson(3, 1981, true), "UEBPI-310000").size(), 30u);
  run = Pbl({"import", file, "--batch-rows", "7", "--batch-id", "sh-2026-12/second"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(TreeSize(), before + 60);
  run = Pbl({"import", file, "--batch-id", "has space"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
}

TEST_F(ImportTest, NodeStoppingMidImportSaysWhereToResumeAndResumingCompletesIt) {
  std::string text(kHeader);
  for (int m = 0; m < 100; ++m) {
    for (int p = 0; p < 40; ++p) text += MonthlyRow(p, m, 1977) + "\n";
  }
  const std::string file = Write("stopped.csv", text);
  const int64_t before = TreeSize();
  RunResult first;
  std::thread import([&] {
    first = Pbl({"import", file, "--json", "--batch-rows", "10", "--streams", "1"});
  });
  // Stop the node once the import is under way; small batches keep it going for seconds.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (TreeSize() < before + 100 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  cluster_->process(kShanghai).Stop();
  import.join();
  ASSERT_TRUE(cluster_->StartNode(kShanghai).ok()) << cluster_->process(kShanghai).LogTail();
  EXPECT_EQ(first.exit_code, 3) << first.err;
  const nlohmann::json j = nlohmann::json::parse(first.out);
  const int64_t done = j["resume_skip_rows"];
  EXPECT_EQ(j["rows_appended"], done);
  EXPECT_THAT(first.err, HasSubstr(StrCat("resume with --skip-rows ", done)));
  ASSERT_GT(done, 0);
  ASSERT_LT(done, 4000);
  // The batch whose call the stopping node cut short may have been appended all the same (the
  // import says so); an administrator looks, as this test does, and resumes after it.
  const int64_t appended = TreeSize() - before;
  ASSERT_TRUE(appended == done || appended == done + 10) << appended << " " << done;
  if (appended != done) {
    EXPECT_THAT(first.err, HasSubstr("the node may have appended them"));
  }

  const RunResult resumed = Pbl({"import", file, "--skip-rows", std::to_string(appended)});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(TreeSize(), before + 4000);
  for (int p : {0, 17, 39}) {
    std::set<std::string> periods;
    for (const v1::Entry& e : History(TestPerson(p, 1977, true), "UEBPI-310000")) {
      EXPECT_TRUE(periods.insert(e.monthly_contribution().period()).second);
    }
    EXPECT_EQ(periods.size(), 100u);
  }
}

TEST_F(ImportTest, ProgressGoesToStderrAndNeverIntoTheJson) {
  std::string text(kHeader);
  for (int m = 0; m < 50; ++m) text += MonthlyRow(4, m, 1975) + "\n";
  const RunResult run =
      Pbl({"import", Write("progress.csv", text), "--json", "--progress", "--batch-rows", "10"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("50/50 rows 100%"));
  EXPECT_THAT(run.err, HasSubstr("rows/s"));
  EXPECT_EQ(nlohmann::json::parse(run.out)["rows_appended"], 50);
}

TEST_F(ImportTest, UnreachableNodeExits3) {
  const std::string file = Write("one.csv", StrCat(kHeader, MonthlyRow(0, 0, 1975), "\n"));
  const RunResult run =
      Pbl({"import", file}, {"--server", StrCat("127.0.0.1:", FreeLoopbackPort()), "--ca",
                             cluster_->pki().ca_cert, "--cert", cluster_->pki().Cert("admin-sh"),
                             "--key", cluster_->pki().Key("admin-sh"), "--timeout", "5"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
}

TEST_F(ImportTest, CertificatesNotAdministratorsOfTheNodeExit4) {
  const std::string file = Write("one.csv", StrCat(kHeader, MonthlyRow(1, 0, 1975), "\n"));
  const int64_t before = TreeSize();
  for (const std::string cert : {"stranger", "auditor", "admin-ah"}) {
    const RunResult run = Pbl({"import", file}, As(cert));
    EXPECT_EQ(run.exit_code, 4) << cert << ": " << run.err;
  }
  EXPECT_EQ(TreeSize(), before);
}

TEST_F(ImportTest, SchemeTheNodeDoesNotHostIsRefusedBeforeAnythingIsAppended) {
  std::string text(kHeader);
  for (int m = 0; m < 1500; ++m) text += MonthlyRow(2, m % 100, 1975) + "\n";
  text += StrCat(TestPerson(3, 1975, true), ",UEBPI-340000,2024-01,6000,480,960,,\n");
  const int64_t before = TreeSize();
  const RunResult run = Pbl({"import", Write("unhosted.csv", text)});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_THAT(run.err, HasSubstr("unhosted.csv:1502: scheme_id:"));
  EXPECT_THAT(run.err, HasSubstr("not hosted"));
  EXPECT_EQ(TreeSize(), before);
}

TEST_F(ImportTest, EnrolByFlags) {
  const std::string person = TestPerson(0, 1976, false);
  RunResult run =
      Pbl({"enroll", "--person-id", person, "--scheme-id", "UEBPI-310000", "--date", "2024-03-01",
           "--hukou-region", "340100", "--category", "female-staff", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["rows_appended"], 1);
  const std::vector<v1::Entry> h = History(person, "UEBPI-310000");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].enrolment().date(), "2024-03-01");
  EXPECT_EQ(h[0].enrolment().hukou_region(), "340100");
  EXPECT_EQ(h[0].enrolment().retirement_category(), v1::RETIREMENT_CATEGORY_FEMALE_STAFF);

  const int64_t before = TreeSize();
  run = Pbl({"enroll", "--person-id", person, "--scheme-id", "UEBPI-310000", "--date", "2024-03-01",
             "--hukou-region", "340100", "--category", "retired"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--category: \"retired\" is not male, female-worker or"));
  run = Pbl({"enroll", "--person-id", person, "--scheme-id", "UEBPI-310000", "--date", "2024-02-30",
             "--hukou-region", "340100", "--category", "male"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--date:"));
  run = Pbl({"enroll", "--person-id", person, "--scheme-id", "UEBPI-310000"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--date is required"));
  EXPECT_EQ(TreeSize(), before);
}

TEST_F(ImportTest, EnrolFromCsv) {
  const std::string a = TestPerson(1, 1976, true);
  const std::string b = TestPerson(2, 1976, false);
  const std::string header = "retirement_category,person_id,scheme_id,date,hukou_region\n";
  const int64_t before = TreeSize();
  RunResult run = Pbl({"enroll", "--csv",
                       Write("bad.csv", StrCat(header, "male,", a,
                                               ",UEBPI-310000,2020-01-01,"
                                               "310100\nfemale,",
                                               b, ",URRBPI-310000,2020-01-01,310100\n"))});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("bad.csv:3: retirement_category: \"female\" is not male"));
  EXPECT_EQ(TreeSize(), before);

  run = Pbl({"enroll", "--csv",
             Write("good.csv", StrCat(header, "male,", a, ",UEBPI-310000,2020-01-01,310100\n",
                                      "female-worker,", b, ",URRBPI-310000,2020-01-01,340100\n"))});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(TreeSize(), before + 2);
  const std::vector<v1::Entry> h = History(b, "URRBPI-310000");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].enrolment().retirement_category(), v1::RETIREMENT_CATEGORY_FEMALE_WORKER);
  EXPECT_EQ(h[0].enrolment().hukou_region(), "340100");
}

}  // namespace
}  // namespace pbl::testing
