#include "cli/figures_view.h"

#include <set>

#include "crypto/base/strings.h"
#include "ledger/domain/money.h"
#include "ledger/domain/month_ranges.h"
#include "ledger/domain/transfer_plan.h"

namespace pbl::cli {

namespace {

std::string Yuan(int64_t fen) { return StrCat(ledger::FormatFen(fen), " yuan"); }

size_t MonthCount(const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges) {
  const absl::StatusOr<std::vector<int32_t>> months = ledger::RangesToMonths(ranges);
  return months.ok() ? months->size() : 0;
}

nlohmann::json RangesJson(const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges) {
  nlohmann::json out = nlohmann::json::array();
  for (const v1::MonthRange& r : ranges) out.push_back({{"first", r.first()}, {"last", r.last()}});
  return out;
}

void Line(std::ostream& out, std::string_view label, const std::string& value,
          const std::string& rule) {
  out << "  " << label << std::string(label.size() < 26 ? 26 - label.size() : 1, ' ') << value;
  if (!rule.empty()) out << "   [" << rule << "]";
  out << "\n";
}

}  // namespace

std::string RangesText(const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges) {
  if (ranges.empty()) return "none";
  return StrCat(ledger::FormatMonthRanges(ranges, ", "), " (", MonthCount(ranges), " months)");
}

void PrintFigures(const v1::TransferFigures& f, const ledger::RuleSet& rules, std::ostream& out) {
  if (f.temporary_account()) {
    Line(out, "temporary account",
         "yes: the record stays at the source; the destination "
         "opens a temporary account",
         f.temporary_account_rule_id());
  }
  Line(out, "months credited", RangesText(f.months_credited()), f.months_rule_id());
  if (!f.months_not_converted().empty()) {
    Line(out, "months not converted", RangesText(f.months_not_converted()), f.months_rule_id());
  }
  if (!f.months_overlapping().empty()) {
    Line(out, "months counted once", RangesText(f.months_overlapping()), f.refund_rule_id());
  }
  Line(out, "individual account moved", Yuan(f.individual_account_fen()),
       f.individual_account_rule_id());
  Line(out, "pooled fund moved", Yuan(f.pooled_fen()), f.pooled_rule_id());
  if (f.refund_fen() != 0 || !f.refund_rule_id().empty()) {
    Line(out, "refunded to the person", Yuan(f.refund_fen()), f.refund_rule_id());
  }
  if (!f.waiting_rule_id().empty()) {
    Line(out, "waiting period", StrCat(f.waiting_months(), " months"), f.waiting_rule_id());
  }
  std::set<std::string> ids;
  for (const std::string* id :
       {&f.months_rule_id(), &f.individual_account_rule_id(), &f.pooled_rule_id(),
        &f.refund_rule_id(), &f.temporary_account_rule_id(), &f.waiting_rule_id()}) {
    if (!id->empty()) ids.insert(*id);
  }
  if (!ids.empty()) out << "  rules:\n";
  for (const std::string& id : ids) {
    const ledger::RuleInfo* info = rules.Find(id);
    out << "    " << id;
    if (info != nullptr) out << ": " << info->title << " (" << info->citation << ")";
    out << "\n";
  }
}

nlohmann::json FiguresJson(const v1::TransferFigures& f) {
  return {{"months_credited", RangesJson(f.months_credited())},
          {"months_credited_count", MonthCount(f.months_credited())},
          {"months_not_converted", RangesJson(f.months_not_converted())},
          {"months_not_converted_count", MonthCount(f.months_not_converted())},
          {"months_overlapping", RangesJson(f.months_overlapping())},
          {"months_rule_id", f.months_rule_id()},
          {"individual_account_fen", f.individual_account_fen()},
          {"individual_account_rule_id", f.individual_account_rule_id()},
          {"pooled_fen", f.pooled_fen()},
          {"pooled_rule_id", f.pooled_rule_id()},
          {"refund_fen", f.refund_fen()},
          {"refund_rule_id", f.refund_rule_id()},
          {"temporary_account", f.temporary_account()},
          {"temporary_account_rule_id", f.temporary_account_rule_id()},
          {"waiting_months", f.waiting_months()},
          {"waiting_rule_id", f.waiting_rule_id()}};
}

void PrintTransferStatus(const v1::TransferStatus& s, const ledger::RuleSet& rules,
                         std::ostream& out) {
  out << "transfer " << s.terms().transfer_id() << ": "
      << v1::TransferState_Name(s.state()).substr(sizeof("TRANSFER_STATE_") - 1)
      << " (this node is the " << (s.role() == v1::TRANSFER_ROLE_SOURCE ? "source" : "destination")
      << ")\n";
  out << "  " << s.terms().source_node_id() << "/" << s.terms().source_scheme_id() << " -> "
      << s.terms().destination_node_id() << "/" << s.terms().destination_scheme_id() << " on "
      << s.terms().date() << (s.terms().officially_approved() ? " (officially approved)" : "")
      << "\n";
  if (!s.reason().empty()) out << "  reason: " << s.reason() << "\n";
  if (s.role() == v1::TRANSFER_ROLE_SOURCE && s.state() == v1::TRANSFER_STATE_INITIATED) {
    out << (s.package_sent()
                ? "  package sent: the account is released only by the destination's signed\n"
                  "  receipt or signed void\n"
                : "  package not sent: this node's administrator may cancel the transfer\n");
  }
  if (s.has_figures()) PrintFigures(s.figures(), rules, out);
}

nlohmann::json TransferStatusJson(const v1::TransferStatus& s) {
  nlohmann::json j = {{"transfer_id", s.terms().transfer_id()},
                      {"state", v1::TransferState_Name(s.state())},
                      {"role", v1::TransferRole_Name(s.role())},
                      {"person_id", s.terms().person_id()},
                      {"source_node_id", s.terms().source_node_id()},
                      {"source_scheme_id", s.terms().source_scheme_id()},
                      {"destination_node_id", s.terms().destination_node_id()},
                      {"destination_scheme_id", s.terms().destination_scheme_id()},
                      {"date", s.terms().date()},
                      {"officially_approved", s.terms().officially_approved()},
                      {"deadline_unix_ms", s.terms().deadline_unix_ms()},
                      {"reason", s.reason()},
                      {"package_sent", s.package_sent()}};
  if (s.has_figures()) j["figures"] = FiguresJson(s.figures());
  return j;
}

}  // namespace pbl::cli
