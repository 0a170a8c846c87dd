// `pbl plan`: offline, what the rules would credit, move and refund if a person moved, from
// their history in the import CSV format and their enrolment facts. No node is needed: a worker
// can ask "what happens if I move?" before moving.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/command_registry.h"
#include "cli/csv_import.h"
#include "cli/exit_codes.h"
#include "cli/figures_view.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "ledger/domain/entitlement.h"
#include "ledger/domain/money.h"
#include "ledger/domain/rules.h"
#include "ledger/domain/transfer_plan.h"

namespace pbl::cli {

namespace {

struct PlanFlags {
  std::vector<std::string> history_files;
  std::string enrolment_file;
  std::string person_id;
  std::string category;
  std::string hukou_region;
  std::string from_scheme;
  std::string to_scheme;
  std::string date;
  bool approved = false;
  std::string rules_dir;
  bool json = false;
};

absl::StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Problems(const std::string& file, const ProblemList& problems) {
  std::string out;
  for (const RowProblem& p : problems.shown()) {
    StrAppend(&out, file, ":", p.line, ": ", p.field, ": ", p.message, "\n");
  }
  if (problems.count() > static_cast<int64_t>(problems.shown().size())) {
    StrAppend(&out, "... ", problems.count(), " bad rows in all\n");
  }
  return out;
}

// The person's entries from the history files (log order = file order), plus their enrolment.
absl::StatusOr<ledger::History> ReadHistory(const PlanFlags& f) {
  ledger::History history;
  const auto add = [&](v1::Entry entry) {
    entry.set_node_time_unix_ms(1);
    history.push_back(ledger::HistoryEntry{history.size() + 1, std::move(entry), 0});
  };
  for (const std::string& file : f.history_files) {
    PBL_ASSIGN_OR_RETURN(const std::string text, ReadText(file));
    CheckedCsv<ContributionRow> csv = CheckContributionCsv(text);
    if (!csv.problems.empty()) {
      return absl::InvalidArgumentError(Problems(file, csv.problems));
    }
    for (const ContributionRow& row : csv.rows) {
      if (std::string_view(row.person_id.data(), row.person_id.size()) != f.person_id) continue;
      v1::Entry entry;
      BuildEntry(row, csv.schemes, &entry);
      add(std::move(entry));
    }
  }
  if (!f.enrolment_file.empty()) {
    PBL_ASSIGN_OR_RETURN(const std::string text, ReadText(f.enrolment_file));
    CheckedCsv<EnrolmentRow> csv = CheckEnrolmentCsv(text);
    if (!csv.problems.empty()) {
      return absl::InvalidArgumentError(Problems(f.enrolment_file, csv.problems));
    }
    for (const EnrolmentRow& row : csv.rows) {
      if (std::string_view(row.person_id.data(), row.person_id.size()) != f.person_id) continue;
      v1::Entry entry;
      BuildEntry(row, csv.schemes, &entry);
      add(std::move(entry));
    }
  }
  if (!f.category.empty()) {
    SchemeTable schemes;
    const std::string_view fields[5] = {f.person_id, f.from_scheme, "2000-01-01", f.hukou_region,
                                        f.category};
    EnrolmentRow row;
    RowProblem problem;
    if (!CheckEnrolmentFields(fields, &schemes, &row, &problem)) {
      return absl::InvalidArgumentError(StrCat(problem.field, ": ", problem.message));
    }
    v1::Entry entry;
    BuildEntry(row, schemes, &entry);
    add(std::move(entry));
  }
  return history;
}

void PrintBefore(const ledger::Entitlement& e, std::ostream& out) {
  out << "Now, in " << e.scheme.ToString() << " on " << ledger::FormatDate(e.as_of) << ": "
      << e.months_total << " months, individual account "
      << ledger::FormatFen(e.account_balance_fen) << " yuan (principal "
      << ledger::FormatFen(e.account_principal_fen) << ", interest "
      << ledger::FormatFen(e.account_interest_fen) << ")";
  if (!e.account_rule_id.empty()) out << " [" << e.account_rule_id << "]";
  out << "\n";
  if (e.retirement_month != 0) {
    out << "Retirement age reached in " << ledger::FormatMonth(e.retirement_month) << " ["
        << e.retirement_rule_id << "]; minimum " << e.minimum_months << " months ["
        << e.minimum_rule_id << "]\n";
  }
}

int RunPlan(const PlanFlags& f, std::ostream& out, std::ostream& err) {
  absl::StatusOr<ledger::RuleSet> loaded = absl::UnknownError("");
  if (!f.rules_dir.empty()) {
    loaded = ledger::LoadRulesDirectory(f.rules_dir);
    if (!loaded.ok()) {
      err << "pbl: " << loaded.status().message() << "\n";
      return kExitBadInput;
    }
  }
  const ledger::RuleSet& rules = f.rules_dir.empty() ? ledger::DefaultRules() : *loaded;
  ledger::TransferRequest request;
  const auto source = ledger::ParseSchemeId(f.from_scheme);
  const auto destination = ledger::ParseSchemeId(f.to_scheme);
  const auto date = ledger::ParseDate(f.date, "--date");
  for (const absl::Status& s : {source.status(), destination.status(), date.status()}) {
    if (!s.ok()) {
      err << "pbl: " << s.message() << "\n";
      return kExitBadInput;
    }
  }
  request.source = *source;
  request.destination = *destination;
  request.date = *date;
  request.officially_approved = f.approved;
  absl::StatusOr<ledger::History> history = ReadHistory(f);
  if (!history.ok()) {
    const std::string_view message = ToStd(history.status().message());
    err << "pbl: " << message << (message.ends_with('\n') ? "" : "\n");
    return kExitBadInput;
  }
  absl::StatusOr<ledger::Entitlement> before =
      ledger::ComputeEntitlement(rules, f.person_id, *history, request.source, request.date);
  if (!before.ok()) {
    err << "pbl: " << before.status().message() << "\n";
    return ExitCodeFor(before.status());
  }
  absl::StatusOr<v1::TransferFigures> plan =
      ledger::PlanTransfer(rules, f.person_id, *history, request);
  if (!plan.ok() && !absl::IsFailedPrecondition(plan.status())) {
    err << "pbl: " << plan.status().message() << "\n";
    return ExitCodeFor(plan.status());
  }
  if (f.json) {
    nlohmann::json j = {{"person_id", f.person_id},
                        {"from_scheme", f.from_scheme},
                        {"to_scheme", f.to_scheme},
                        {"date", f.date},
                        {"months_before", before->months_total},
                        {"account_before_fen", before->account_balance_fen}};
    if (plan.ok()) {
      j["figures"] = FiguresJson(*plan);
    } else {
      j["refused"] = std::string(plan.status().message());
    }
    out << j.dump(2) << "\n";
    return kExitOk;
  }
  PrintBefore(*before, out);
  if (!plan.ok()) {
    out << "The rules refuse this move: " << plan.status().message() << "\n";
    return kExitOk;
  }
  out << "Moving " << f.from_scheme << " -> " << f.to_scheme << " on " << f.date << ":\n";
  PrintFigures(*plan, rules, out);
  return kExitOk;
}

}  // namespace

void RegisterPlanCommands(CLI::App& app, CommandContext& ctx) {
  auto& f = ctx.Keep<PlanFlags>();
  CLI::App* plan = app.add_subcommand(
      "plan",
      "Offline: what the rules would credit, move and refund if a person moved from one scheme\n"
      "to another on a date, from their history in the `pbl import` CSV format, with each rule's\n"
      "id and citation. Enrolment facts (retirement category, hukou region) come from an\n"
      "enrolment CSV or from --category and --hukou-region.");
  plan->add_option("--history", f.history_files, "History CSV (the `pbl import` format); repeat")
      ->required();
  plan->add_option("--enrolment", f.enrolment_file, "Enrolment CSV (the `pbl enroll` format)");
  plan->add_option("--person-id", f.person_id, "Whose history (rows of others are ignored)")
      ->required();
  plan->add_option("--category", f.category, "male, female-worker or female-staff");
  plan->add_option("--hukou-region", f.hukou_region, "6-digit GB/T 2260 hukou region");
  plan->add_option("--from-scheme", f.from_scheme, "Source scheme, e.g. UEBPI-310000")->required();
  plan->add_option("--to-scheme", f.to_scheme, "Destination scheme, e.g. UEBPI-340000")->required();
  plan->add_option("--date", f.date, "The date the move would happen, YYYY-MM-DD")->required();
  plan->add_flag("--approved", f.approved, "Officially approved (no temporary account)");
  plan->add_option("--rules", f.rules_dir, "A rules directory instead of the built-in rules");
  plan->add_flag("--json", f.json, "Print JSON");
  plan->callback([&] {
    if (f.category.empty() != f.hukou_region.empty()) {
      throw CLI::ValidationError("--category and --hukou-region go together");
    }
    ctx.command = [&] { return RunPlan(f, ctx.out, ctx.err); };
  });
}

}  // namespace pbl::cli
