// `pbl plan`, offline, through the real binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/rpc/cluster.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace pbl::testing {
namespace {

using ::testing::HasSubstr;

class PlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir("plan_test");
    person_ = TestPerson(1, 1993, true);
    std::ofstream csv(dir_ + "/history.csv");
    csv << "person_id,scheme_id,period,base,personal,employer,collective_subsidy,"
           "government_subsidy\n";
    for (int year = 2018; year <= 2022; ++year) {
      for (int month = 1; month <= 12; ++month) {
        char row[160];
        std::snprintf(row, sizeof(row), "%s,UEBPI-310000,%d-%02d,6000,480,960,,\n", person_.c_str(),
                      year, month);
        csv << row;
      }
    }
    // Another person's row is ignored.
    csv << TestPerson(2, 1980, false) << ",UEBPI-310000,2020-01,5000,400,800,,\n";
  }

  RunResult Plan(std::vector<std::string> extra) {
    std::vector<std::string> argv = {PBL_BINARY,    "plan",  "--history",     dir_ + "/history.csv",
                                     "--person-id", person_, "--from-scheme", "UEBPI-310000"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProgram(argv);
  }

  std::string dir_;
  std::string person_;
};

TEST_F(PlanTest, ACrossProvinceMoveShowsEachFigureWithItsRuleAndCitation) {
  const RunResult run = Plan({"--to-scheme", "UEBPI-340000", "--date", "2023-03-15", "--category",
                              "male", "--hukou-region", "340100"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // The worked example of tests/ledger/transfer_rules_test.cc, computed by hand there.
  EXPECT_THAT(run.out, HasSubstr("2018-01..2022-12 (60 months)"));
  EXPECT_THAT(run.out, HasSubstr("33995.51 yuan"));
  EXPECT_THAT(run.out, HasSubstr("43200.00 yuan"));
  EXPECT_THAT(run.out, HasSubstr("guobanfa-2009-66"));
  EXPECT_THAT(run.out, HasSubstr("Guobanfa [2009] No. 66"));
}

TEST_F(PlanTest, JsonGivesTheFiguresInFen) {
  const RunResult run = Plan({"--to-scheme", "UEBPI-340000", "--date", "2023-03-15", "--category",
                              "male", "--hukou-region", "340100", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["figures"]["pooled_fen"], 4'320'000);
  EXPECT_EQ(j["figures"]["individual_account_fen"], 3'399'551);
  EXPECT_EQ(j["figures"]["months_credited_count"], 60);
  EXPECT_EQ(j["months_before"], 60);
}

TEST_F(PlanTest, AMoveTheRulesRefuseSaysWhy) {
  const RunResult run = Plan({"--to-scheme", "URRBPI-310000", "--date", "2023-03-15", "--category",
                              "male", "--hukou-region", "340100"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("The rules refuse this move"));
  EXPECT_THAT(run.out, HasSubstr("retirement age"));
  const RunResult json = Plan({"--to-scheme", "URRBPI-310000", "--date", "2023-03-15", "--category",
                               "male", "--hukou-region", "340100", "--json"});
  EXPECT_THAT(nlohmann::json::parse(json.out)["refused"].get<std::string>(),
              HasSubstr("retirement age"));
}

TEST_F(PlanTest, BadInputIsRefusedWithTheLineAndField) {
  std::ofstream csv(dir_ + "/history.csv", std::ios::app);
  csv << person_ << ",UEBPI-310000,2023-13,6000,480,960,,\n";
  csv.close();
  const RunResult run = Plan({"--to-scheme", "UEBPI-340000", "--date", "2023-03-15"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("history.csv:63"));
  EXPECT_THAT(run.err, HasSubstr("period"));
  const RunResult half =
      Plan({"--to-scheme", "UEBPI-340000", "--date", "2023-03-15", "--category", "male"});
  EXPECT_EQ(half.exit_code, 2);
  const RunResult date = Plan({"--to-scheme", "UEBPI-340000", "--date", "2023-02-30"});
  EXPECT_EQ(date.exit_code, 2);
  EXPECT_THAT(date.err, HasSubstr("--date"));
}

}  // namespace
}  // namespace pbl::testing
