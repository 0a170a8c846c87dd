// The cross-ledger transfer checks (ledger/verifier/transfer_audit.h) over two in-memory logs
// read as `pbl audit transfers` reads them (ReadTransferLogs): an honest transfer, then one test
// per kind of transfer finding, each made by writing the entries a faulty or lying node would.
#include "ledger/verifier/transfer_audit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "ledger/domain/rules.h"
#include "ledger/domain/transfer_plan.h"
#include "ledger/verifier/transfer_logs.h"
#include "tests/ledger/verifier/memory_log.h"
#include "tests/testing/history_builder.h"
#include "tests/testing/status_matchers.h"

namespace pbl::testing {
namespace {

using ::testing::Contains;
using ::testing::Each;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using verifier::AuditFinding;
using verifier::TransferReport;

constexpr char kSourceScheme[] = "UEBPI-310000";
constexpr char kDestinationScheme[] = "UEBPI-340000";
constexpr char kId[] = "T-0001";
constexpr char kDate[] = "2023-03-15";
constexpr int64_t kDeadlineMs = 1'680'000'000'000;  // 2023-03-28
constexpr int64_t kBeforeDeadlineMs = kDeadlineMs - 3'600'000;
constexpr int64_t kAfterDeadlineMs = kDeadlineMs + 86'400'000;

auto HasCode(const std::string& code) { return Contains(Field(&AuditFinding::code, code)); }

// One node: its name (the node id transfer entries use), its scheme and its log.
struct Node {
  Node(std::string n, std::string s, std::string origin, uint8_t key_tag)
      : name(std::move(n)), scheme(std::move(s)), key(TestSigningKey(key_tag)), log(origin, key) {}
  std::string name;
  std::string scheme;
  crypto::SigningKey key;
  MemoryLog log;
  ledger::History person;  // the person's entries in this log, with their indexes
};

class TransferAuditTest : public ::testing::Test {
 protected:
  TransferAuditTest() {
    // Example (a) of the rules tests: 60 months in Shanghai, moving to Anhui on 2023-03-15.
    HistoryBuilder b(person_);
    b.Enrol(kSourceScheme, "2018-01-02", "340102", v1::RETIREMENT_CATEGORY_MALE)
        .Contributions(kSourceScheme, "2018-01", "2022-12", 600'000, 48'000, 96'000)
        .Enrol(kDestinationScheme, "2023-03-01", "340102", v1::RETIREMENT_CATEGORY_MALE);
    for (const ledger::HistoryEntry& h : b.history()) {
      Add(h.entry.scheme_id() == kSourceScheme ? source_ : destination_, h.entry);
    }
  }

  v1::Entry Base(const Node& node) const {
    v1::Entry e;
    e.set_scheme_id(node.scheme);
    e.set_person_id(person_);
    e.set_node_time_unix_ms(1'678'000'000'000 + node.log.size());
    return e;
  }

  int64_t Add(Node& node, const v1::Entry& e) {
    const int64_t index = node.log.Append(e.SerializeAsString());
    node.person.push_back({static_cast<uint64_t>(index), e, 0});
    return index;
  }

  int64_t Requested() {
    v1::Entry e = Base(destination_);
    v1::TransferRequested* r = e.mutable_transfer_requested();
    r->set_transfer_id(kId);
    r->set_source_node_id(source_.name);
    r->set_source_scheme_id(source_.scheme);
    r->set_destination_node_id(destination_.name);
    r->set_destination_scheme_id(destination_.scheme);
    r->set_date(kDate);
    r->set_deadline_unix_ms(kDeadlineMs);
    return Add(destination_, e);
  }

  int64_t Initiated(const v1::TransferFigures& figures) {
    v1::Entry e = Base(source_);
    v1::TransferInitiated* i = e.mutable_transfer_initiated();
    i->set_transfer_id(kId);
    i->set_destination_node_id(destination_.name);
    i->set_destination_scheme_id(destination_.scheme);
    i->set_date(kDate);
    i->set_deadline_unix_ms(kDeadlineMs);
    *i->mutable_figures() = figures;
    return Add(source_, e);
  }

  // A transfer_in of the package as the source's log holds it now.
  v1::Entry InEntry(const v1::TransferFigures& figures) const {
    v1::Entry e = Base(destination_);
    v1::TransferIn* in = e.mutable_transfer_in();
    in->set_transfer_id(kId);
    in->set_source_node_id(source_.name);
    in->set_source_scheme_id(source_.scheme);
    in->set_date(kDate);
    *in->mutable_figures() = figures;
    in->set_source_tree_size(static_cast<uint64_t>(source_.log.size()));
    const crypto::Hash root = source_.log.Root();
    in->set_source_root_hash(std::string(root.begin(), root.end()));
    in->set_source_entry_count(static_cast<uint32_t>(source_.person.size()));
    return e;
  }

  int64_t Out(const v1::TransferFigures& figures) {
    v1::Entry e = Base(source_);
    v1::TransferOut* out = e.mutable_transfer_out();
    out->set_transfer_id(kId);
    out->set_destination_node_id(destination_.name);
    out->set_destination_scheme_id(destination_.scheme);
    out->set_date(kDate);
    *out->mutable_figures() = figures;
    return Add(source_, e);
  }

  int64_t Voided(Node& node) {
    v1::Entry e = Base(node);
    e.mutable_transfer_voided()->set_transfer_id(kId);
    e.mutable_transfer_voided()->set_reason("withdrawn by the applicant");
    return Add(node, e);
  }

  // What the rules give, from the entries as the checker gathers them: the source's (log 0, the
  // initiation included) and the destination's so far (log 1).
  v1::TransferFigures Plan(bool initiation_to_come = true) const {
    ledger::History history = source_.person;
    if (initiation_to_come) {
      v1::Entry e = Base(source_);
      e.mutable_transfer_initiated()->set_transfer_id(kId);
      history.push_back({static_cast<uint64_t>(source_.log.size()), e, 0});
    }
    for (ledger::HistoryEntry h : destination_.person) {
      h.log = 1;
      history.push_back(h);
    }
    ledger::TransferRequest request;
    request.source = *ledger::ParseSchemeId(kSourceScheme);
    request.destination = *ledger::ParseSchemeId(kDestinationScheme);
    request.date = *ledger::ParseDate(kDate);
    request.transfer_id = kId;
    absl::StatusOr<v1::TransferFigures> plan =
        ledger::PlanTransfer(ledger::DefaultRules(), person_, history, request);
    EXPECT_OK(plan.status());
    return plan.ok() ? *plan : v1::TransferFigures();
  }

  // The honest transfer up to the credit, with `figures` (the plan when empty) at every step.
  v1::TransferFigures UpToIn(std::optional<v1::TransferFigures> figures = std::nullopt) {
    Requested();
    const v1::TransferFigures f = figures ? *figures : Plan();
    Initiated(f);
    Add(destination_, InEntry(f));
    return f;
  }

  TransferReport Audit(int64_t now_ms = kBeforeDeadlineMs) {
    std::vector<verifier::TransferNode> nodes = {
        {source_.name, &source_.log, &source_.log.verifier()},
        {destination_.name, &destination_.log, &destination_.log.verifier()}};
    const verifier::TransferLogsRead read = verifier::ReadTransferLogs(nodes, {}, &logs_);
    EXPECT_OK(read.status);
    EXPECT_THAT(read.findings, IsEmpty());
    verifier::TransferAuditOptions options;
    options.rules = &ledger::DefaultRules();
    options.now_unix_ms = now_ms;
    options.grace_ms = 10'000;
    options.as_of = *ledger::ParseDate("2023-06-01");
    return verifier::CheckTransfers(logs_, options);
  }

  std::string person_ = PersonIdFor("340102", 1993, 6, 15, /*male=*/true);
  Node source_{"shanghai", kSourceScheme, "pbl.example/node/310000", 3};
  Node destination_{"anhui", kDestinationScheme, "pbl.example/node/340000", 4};
  verifier::TransferLogs logs_;
};

TEST_F(TransferAuditTest, AnHonestTransferHasNoFinding) {
  const v1::TransferFigures f = UpToIn();
  Out(f);
  const TransferReport report = Audit(kAfterDeadlineMs);
  EXPECT_THAT(report.findings, IsEmpty());
  EXPECT_EQ(report.transfers, 1);
  EXPECT_EQ(report.completed, 1);
}

TEST_F(TransferAuditTest, AnHonestTransferInFlightIsInProgress) {
  UpToIn();
  const TransferReport report = Audit(kBeforeDeadlineMs);
  EXPECT_THAT(report.findings, IsEmpty());
  EXPECT_EQ(report.in_progress, 1);
}

TEST_F(TransferAuditTest, MissingTransferInWhenTheSourceMovedWhatNobodyCredited) {
  Requested();
  const v1::TransferFigures f = Plan();
  Initiated(f);
  Out(f);
  EXPECT_THAT(Audit().findings, HasCode("missing-transfer-in"));
}

TEST_F(TransferAuditTest, MissingTransferOutWhenTheSourceNeverEndsACreditedTransfer) {
  UpToIn();
  EXPECT_THAT(Audit(kBeforeDeadlineMs).findings, IsEmpty());
  logs_ = {};
  EXPECT_THAT(Audit(kAfterDeadlineMs).findings, HasCode("missing-transfer-out"));
}

TEST_F(TransferAuditTest, MissingTransferInitiatedWhenTheDestinationCreditsAnUnsentPackage) {
  Requested();
  Add(destination_, InEntry(Plan()));
  EXPECT_THAT(Audit().findings, HasCode("missing-transfer-initiated"));
}

TEST_F(TransferAuditTest, MissingTransferRequestedWhenTheSourceInitiatesAnUnrequestedTransfer) {
  Initiated(Plan());
  EXPECT_THAT(Audit().findings, HasCode("missing-transfer-requested"));
}

TEST_F(TransferAuditTest, DuplicateEntryWhenTheSourceMovesTheAccountTwice) {
  const v1::TransferFigures f = UpToIn();
  Out(f);
  Out(f);
  EXPECT_THAT(Audit().findings, HasCode("duplicate-entry"));
}

TEST_F(TransferAuditTest, EndedDifferentlyWhenTheDestinationCreditsWhatTheSourceReleased) {
  UpToIn();
  Voided(source_);
  EXPECT_THAT(Audit().findings, HasCode("ended-differently"));
}

// A destination whose signed void released the source's account and which credited anyway:
// both entries are in its own log, and the finding names it.
TEST_F(TransferAuditTest, EndedDifferentlyWhenTheDestinationVoidsAndCreditsOneTransfer) {
  Requested();
  const v1::TransferFigures f = Plan();
  Initiated(f);
  Voided(destination_);
  Voided(source_);
  Add(destination_, InEntry(f));
  const TransferReport report = Audit();
  ASSERT_THAT(report.findings, HasCode("ended-differently"));
  const auto finding = std::find_if(
      report.findings.begin(), report.findings.end(),
      [](const AuditFinding& a) { return a.code == "ended-differently" && a.node == "anhui"; });
  ASSERT_NE(finding, report.findings.end());
  EXPECT_THAT(finding->message, HasSubstr("both credited"));
}

TEST_F(TransferAuditTest, FiguresDifferWhenTheSourceRecordsOtherFiguresThanCredited) {
  const v1::TransferFigures f = UpToIn();
  v1::TransferFigures other = f;
  other.set_pooled_fen(f.pooled_fen() + 1);
  Out(other);
  EXPECT_THAT(Audit().findings, HasCode("figures-differ"));
}

TEST_F(TransferAuditTest, DetailsDifferWhenAnEntryNamesAnotherDate) {
  const v1::TransferFigures f = UpToIn();
  v1::Entry out = Base(source_);
  out.mutable_transfer_out()->set_transfer_id(kId);
  out.mutable_transfer_out()->set_destination_node_id(destination_.name);
  out.mutable_transfer_out()->set_destination_scheme_id(destination_.scheme);
  out.mutable_transfer_out()->set_date("2023-03-16");
  *out.mutable_transfer_out()->mutable_figures() = f;
  Add(source_, out);
  const TransferReport report = Audit();
  ASSERT_THAT(report.findings, HasCode("details-differ"));
  EXPECT_THAT(report.findings[0].message, HasSubstr("date is \"2023-03-16\""));
}

TEST_F(TransferAuditTest, OutOfOrderWhenAVoidingComesBeforeTheRequest) {
  Voided(destination_);
  Requested();
  EXPECT_THAT(Audit().findings, HasCode("out-of-order"));
}

TEST_F(TransferAuditTest, OrphanEntryWhenOnlyAVoidingIsFound) {
  Voided(source_);
  const TransferReport report = Audit();
  EXPECT_THAT(report.findings, HasCode("orphan-entry"));
  EXPECT_EQ(report.transfers, 1);
}

TEST_F(TransferAuditTest, IncompletePackageWhenTheCreditCountsFewerEntriesThanTheSourceHeld) {
  Requested();
  const v1::TransferFigures f = Plan();
  Initiated(f);
  v1::Entry in = InEntry(f);
  in.mutable_transfer_in()->set_source_entry_count(in.transfer_in().source_entry_count() - 1);
  Add(destination_, in);
  Out(f);
  EXPECT_THAT(Audit().findings, HasCode("incomplete-package"));
}

TEST_F(TransferAuditTest, PackageNotInSourceLogWhenTheCreditNamesAnotherRoot) {
  Requested();
  const v1::TransferFigures f = Plan();
  Initiated(f);
  v1::Entry in = InEntry(f);
  std::string root = in.transfer_in().source_root_hash();
  root[0] = static_cast<char>(root[0] ^ 1);
  in.mutable_transfer_in()->set_source_root_hash(root);
  Add(destination_, in);
  Out(f);
  EXPECT_THAT(Audit().findings, HasCode("package-not-in-source-log"));
}

TEST_F(TransferAuditTest, PendingPastDeadlineWhenNeitherSideEndsInTime) {
  Requested();
  Initiated(Plan());
  EXPECT_THAT(Audit(kBeforeDeadlineMs).findings, IsEmpty());
  logs_ = {};
  const TransferReport report = Audit(kAfterDeadlineMs);
  EXPECT_THAT(report.findings, HasCode("pending-past-deadline"));
  EXPECT_THAT(report.findings, Each(Field(&AuditFinding::code, "pending-past-deadline")));
}

TEST_F(TransferAuditTest, MonthCountedTwiceWhenTheSourceKeepsTheMonthsItMoved) {
  UpToIn();
  const TransferReport report = Audit(kAfterDeadlineMs);
  ASSERT_THAT(report.findings, HasCode("month-counted-twice"));
  for (const AuditFinding& f : report.findings) {
    if (f.code == "month-counted-twice") {
      EXPECT_THAT(f.message, HasSubstr("counted in two places, first 2018-01"));
    }
  }
}

TEST_F(TransferAuditTest, RulesRefuseWhenTheRulesCannotPlanTheTransfer) {
  destination_.scheme = "HPF-340000";  // pension months cannot move into a housing fund
  Out(UpToIn(v1::TransferFigures()));
  EXPECT_THAT(Audit().findings, HasCode("rules-refuse"));
}

// The rules' own checks of a credited transfer (ledger::VerifyTransfer), each with every side
// recording the same wrong figures.
TEST_F(TransferAuditTest, DiffersFromPlanWhenTheFiguresAreNotTheRules) {
  v1::TransferFigures f = Plan();
  f.set_pooled_fen(f.pooled_fen() + 100);
  Out(UpToIn(f));
  EXPECT_THAT(Audit().findings, HasCode("differs-from-plan"));
}

TEST_F(TransferAuditTest, MonthsNotConservedWhenAMonthIsDropped) {
  v1::TransferFigures f = Plan();
  ASSERT_FALSE(f.months_credited().empty());
  f.mutable_months_credited(0)->set_first("2018-02");
  Out(UpToIn(f));
  EXPECT_THAT(Audit().findings, HasCode("months-not-conserved"));
}

TEST_F(TransferAuditTest, AccountOutDiffersFromInWhenTheSourceMovedAnotherAmount) {
  const v1::TransferFigures f = UpToIn();
  v1::TransferFigures out = f;
  out.set_individual_account_fen(f.individual_account_fen() - 1);
  Out(out);
  EXPECT_THAT(Audit().findings, HasCode("account-out-differs-from-in"));
}

TEST_F(TransferAuditTest, RefundWrongWhenARefundIsRecordedWithoutOverlap) {
  v1::TransferFigures f = Plan();
  f.set_refund_fen(100);
  Out(UpToIn(f));
  EXPECT_THAT(Audit().findings, HasCode("refund-wrong"));
}

// Every transfer finding code has its test above: a new code fails here until it has one.
TEST(TransferFindingCodesTest, EachCodeHasATestInThisFile) {
  const std::vector<std::string_view> tested = {"missing-transfer-in",
                                                "missing-transfer-out",
                                                "missing-transfer-initiated",
                                                "missing-transfer-requested",
                                                "duplicate-entry",
                                                "ended-differently",
                                                "figures-differ",
                                                "details-differ",
                                                "out-of-order",
                                                "orphan-entry",
                                                "incomplete-package",
                                                "package-not-in-source-log",
                                                "pending-past-deadline",
                                                "month-counted-twice",
                                                "rules-refuse",
                                                "differs-from-plan",
                                                "months-not-conserved",
                                                "account-out-differs-from-in",
                                                "refund-wrong"};
  EXPECT_THAT(verifier::kTransferFindingCodes, ::testing::UnorderedElementsAreArray(tested));
}

TEST_F(TransferAuditTest, ALogThatDoesNotVerifyStopsTheReadingWithItsFinding) {
  UpToIn();
  source_.log.lie.entries[3] = "\xff not an entry";
  std::vector<verifier::TransferNode> nodes = {
      {source_.name, &source_.log, &source_.log.verifier()},
      {destination_.name, &destination_.log, &destination_.log.verifier()}};
  const verifier::TransferLogsRead read = verifier::ReadTransferLogs(nodes, {}, &logs_);
  EXPECT_OK(read.status);
  ASSERT_THAT(read.findings, HasCode("entry-invalid"));
  EXPECT_EQ(read.findings[0].node, "shanghai");
}

TEST_F(TransferAuditTest, ATransferWithANodeNotAuditedIsSkipped) {
  Initiated(Plan());
  std::vector<verifier::TransferNode> nodes = {
      {source_.name, &source_.log, &source_.log.verifier()}};
  ASSERT_OK(verifier::ReadTransferLogs(nodes, {}, &logs_).status);
  verifier::TransferAuditOptions options;
  options.rules = &ledger::DefaultRules();
  options.now_unix_ms = kBeforeDeadlineMs;
  const TransferReport report = verifier::CheckTransfers(logs_, options);
  EXPECT_THAT(report.findings, IsEmpty());
  EXPECT_EQ(report.skipped, 1);
}

}  // namespace
}  // namespace pbl::testing
