// VerifyTransfer (transfer_plan.h): a recorded transfer against the plan and the invariants.
#include <algorithm>
#include <iterator>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "ledger/domain/month_ranges.h"
#include "ledger/domain/transfer_plan.h"

namespace pbl::ledger {

namespace {

using Ranges = google::protobuf::RepeatedPtrField<v1::MonthRange>;

bool SameRanges(const Ranges& a, const Ranges& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const v1::MonthRange& x, const v1::MonthRange& y) {
                      return x.first() == y.first() && x.last() == y.last();
                    });
}

// Every figure of `recorded` against the plan, naming the field that differs.
void CompareWithPlan(std::string_view side, const v1::TransferFigures& plan,
                     const v1::TransferFigures& recorded, std::vector<TransferFinding>* out) {
  const auto report = [&](std::string_view field, const auto& got, const auto& want) {
    out->push_back(
        {"differs-from-plan", StrCat(side, ".", field, " is ", got, " but the rules give ", want)});
  };
  const auto ranges = [&](std::string_view field, const Ranges& got, const Ranges& want) {
    if (!SameRanges(got, want)) report(field, FormatMonthRanges(got), FormatMonthRanges(want));
  };
  ranges("months_credited", recorded.months_credited(), plan.months_credited());
  ranges("months_not_converted", recorded.months_not_converted(), plan.months_not_converted());
  ranges("months_overlapping", recorded.months_overlapping(), plan.months_overlapping());
  const auto value = [&](std::string_view field, const auto& got, const auto& want) {
    if (got != want) report(field, got, want);
  };
  value("individual_account_fen", recorded.individual_account_fen(), plan.individual_account_fen());
  value("pooled_fen", recorded.pooled_fen(), plan.pooled_fen());
  value("refund_fen", recorded.refund_fen(), plan.refund_fen());
  value("temporary_account", recorded.temporary_account() ? "true" : "false",
        plan.temporary_account() ? "true" : "false");
  value("waiting_months", recorded.waiting_months(), plan.waiting_months());
  value("months_rule_id", recorded.months_rule_id(), plan.months_rule_id());
  value("individual_account_rule_id", recorded.individual_account_rule_id(),
        plan.individual_account_rule_id());
  value("pooled_rule_id", recorded.pooled_rule_id(), plan.pooled_rule_id());
  value("refund_rule_id", recorded.refund_rule_id(), plan.refund_rule_id());
}

// The invariants, checked on what was recorded whatever the plan says.
absl::Status CheckInvariants(const Entitlement& source, const Entitlement& destination,
                             const v1::TransferFigures& out, const v1::TransferFigures& in,
                             int64_t refund_by_rule, std::vector<TransferFinding>* findings) {
  PBL_ASSIGN_OR_RETURN(const std::vector<int32_t> credited, RangesToMonths(in.months_credited()));
  PBL_ASSIGN_OR_RETURN(const std::vector<int32_t> not_converted,
                       RangesToMonths(in.months_not_converted()));
  PBL_ASSIGN_OR_RETURN(const std::vector<int32_t> overlapping,
                       RangesToMonths(in.months_overlapping()));
  const size_t after = credited.size() + not_converted.size();
  if (!in.temporary_account() && after != source.months.size()) {
    findings->push_back(
        {"months-not-conserved",
         StrCat("the source had ", source.months.size(), " months; ", credited.size(),
                " credited + ", not_converted.size(), " not converted = ", after)});
  }
  if (out.individual_account_fen() != in.individual_account_fen()) {
    findings->push_back({"account-out-differs-from-in",
                         StrCat("individual account out ", out.individual_account_fen(),
                                " fen, in ", in.individual_account_fen(), " fen")});
  }
  std::vector<int32_t> twice;
  std::set_intersection(credited.begin(), credited.end(), destination.months.begin(),
                        destination.months.end(), std::back_inserter(twice));
  std::vector<int32_t> undeclared;
  std::set_difference(twice.begin(), twice.end(), overlapping.begin(), overlapping.end(),
                      std::back_inserter(undeclared));
  if (!undeclared.empty()) {
    findings->push_back({"month-counted-twice",
                         StrCat(undeclared.size(), " credited months are already counted at ",
                                "the destination, first ", FormatMonth(undeclared.front()))});
  }
  if (in.refund_fen() != refund_by_rule || out.refund_fen() != refund_by_rule) {
    findings->push_back(
        {"refund-wrong", StrCat("refund recorded ", in.refund_fen(), " (in), ", out.refund_fen(),
                                " (out); the overlap rule gives ", refund_by_rule)});
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<TransferFinding>> VerifyTransfer(
    const RuleSet& rules, std::string_view person_id, const History& history,
    const TransferRequest& request, const v1::TransferFigures& out, const v1::TransferFigures& in) {
  PBL_ASSIGN_OR_RETURN(const v1::TransferFigures plan,
                       PlanTransfer(rules, person_id, history, request));
  std::vector<TransferFinding> findings;
  CompareWithPlan("transfer_out", plan, out, &findings);
  CompareWithPlan("transfer_in", plan, in, &findings);
  PBL_ASSIGN_OR_RETURN(const Entitlement source,
                       ComputeEntitlement(rules, person_id, history, request.source, request.date));
  PBL_ASSIGN_OR_RETURN(
      const Entitlement destination,
      ComputeEntitlement(rules, person_id, history, request.destination, request.date));
  PBL_RETURN_IF_ERROR(CheckInvariants(source, destination, out, in, plan.refund_fen(), &findings));
  return findings;
}

}  // namespace pbl::ledger
