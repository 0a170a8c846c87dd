#include "ledger/domain/transfer_plan.h"

#include <algorithm>
#include <iterator>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "ledger/domain/money.h"
#include "ledger/domain/month_ranges.h"
#include "ledger/domain/person_id.h"

namespace pbl::ledger {

namespace {

// What every plan starts from: both sides' entitlements on the transfer date.
struct PlanInput {
  const RuleSet& rules;
  std::string_view person_id;
  const TransferRequest& request;
  Entitlement source;
  Entitlement destination;
};

absl::Status Refuse(const std::string& why) { return absl::FailedPreconditionError(why); }

absl::Status CheckCommon(const PlanInput& in) {
  const TransferRequest& r = in.request;
  if (r.source == r.destination) {
    return absl::InvalidArgumentError("source and destination are the same scheme");
  }
  for (const Entitlement* e : {&in.source, &in.destination}) {
    if (e->drawing_benefit) {
      return Refuse(StrCat("the person is already drawing a benefit from ", e->scheme.ToString(),
                           "; the relationship no longer transfers"));
    }
    if (!e->pending_transfer_id.empty() && e->pending_transfer_id != r.transfer_id) {
      return Refuse(StrCat("transfer ", e->pending_transfer_id, " is already pending in ",
                           e->scheme.ToString()));
    }
  }
  if (in.source.months_total == 0 && in.source.account_balance_fen == 0) {
    return Refuse(StrCat("nothing to transfer: no months and no account in ", r.source.ToString()));
  }
  return absl::OkStatus();
}

int64_t PooledBaseSum(const Entitlement& e, int32_t first_month) {
  int64_t sum = 0;
  for (const MonthAmounts& m : e.own_months) {
    if (m.month >= first_month && std::binary_search(e.months.begin(), e.months.end(), m.month)) {
      sum += m.base_fen;
    }
  }
  return sum;
}

// Guobanfa [2009] No. 66 art. 5(2): men of 50 or more and women of 40 or more moving to a
// province that is not their hukou province keep the relationship at the source.
absl::StatusOr<bool> NeedsTemporaryAccount(const PlanInput& in,
                                           const EmployeePensionTransferParams& p) {
  const TransferRequest& r = in.request;
  const int32_t destination_province = r.destination.Province();
  if (r.officially_approved || destination_province == r.source.Province()) return false;
  if (in.source.retirement_category == v1::RETIREMENT_CATEGORY_UNSPECIFIED) {
    return Refuse(
        "no enrolment recorded: the temporary-account rule needs the person's "
        "retirement category and hukou region");
  }
  if (destination_province == in.source.hukou_region / 10000) return false;
  const bool male = in.source.retirement_category == v1::RETIREMENT_CATEGORY_MALE;
  const int32_t age = AgeInYears(PersonBirthDate(in.person_id), r.date);
  return age >= (male ? p.temporary_account_age_male : p.temporary_account_age_female);
}

absl::Status PlanEmployeePension(const PlanInput& in, v1::TransferFigures* f) {
  if (in.request.source.region == in.request.destination.region) {
    return absl::InvalidArgumentError("source and destination are the same scheme");
  }
  PBL_ASSIGN_OR_RETURN(const Rule<EmployeePensionTransferParams>* rule,
                       RuleSet::InEffect(in.rules.employee_pension_transfer,
                                         "employee_pension_transfer", in.request.date));
  const std::string& id = rule->info.id;
  PBL_ASSIGN_OR_RETURN(const bool temporary, NeedsTemporaryAccount(in, rule->params));
  f->set_temporary_account(temporary);
  f->set_temporary_account_rule_id(id);
  f->set_months_rule_id(id);
  f->set_individual_account_rule_id(id);
  f->set_pooled_rule_id(id);
  if (temporary) return absl::OkStatus();  // nothing moves; the record stays at the source
  MonthsToRanges(in.source.months, f->mutable_months_credited());
  f->set_individual_account_fen(in.source.account_balance_fen);
  const int64_t bases = PooledBaseSum(in.source, rule->params.pooled_first_month);
  f->set_pooled_fen(DivideRoundHalfUp(bases * rule->params.pooled_rate_bp, 10'000) +
                    in.source.pooled_transferred_in_fen);
  return absl::OkStatus();
}

// Renshebufa [2014] No. 17 art. 7: months paid in both schemes count once, as employee months;
// the resident personal premium and collective subsidy of those months are refunded, pro rata
// by month in a partial year.
int64_t OverlapRefund(const Entitlement& employee, const Entitlement& resident,
                      std::vector<int32_t>* overlap) {
  int64_t refund = 0;
  for (const YearPremium& p : resident.own_premiums) {
    int64_t months = 0;
    for (int32_t m = MonthIndex(p.year, 1); m <= MonthIndex(p.year, 12); ++m) {
      if (std::binary_search(employee.months.begin(), employee.months.end(), m) &&
          std::binary_search(resident.months.begin(), resident.months.end(), m)) {
        overlap->push_back(m);
        ++months;
      }
    }
    if (months > 0) {
      refund += DivideRoundHalfUp((p.personal_fen + p.collective_subsidy_fen) * months, 12);
    }
  }
  return refund;
}

absl::Status PlanBridging(const PlanInput& in, v1::TransferFigures* f) {
  const TransferRequest& r = in.request;
  PBL_ASSIGN_OR_RETURN(
      const Rule<BridgingParams>* rule,
      RuleSet::InEffect(in.rules.urban_rural_bridging, "urban_rural_bridging", r.date));
  if (in.source.retirement_month == 0) {
    return Refuse("no enrolment recorded: bridging needs the person's retirement category");
  }
  if (r.date.MonthIndex() < in.source.retirement_month) {
    return Refuse(StrCat("bridging is allowed only at retirement age; the person reaches it in ",
                         FormatMonth(in.source.retirement_month), " (",
                         in.source.retirement_rule_id, ")"));
  }
  const bool to_employee = r.destination.kind == SchemeKind::kUebpi;
  const Entitlement& employee = to_employee ? in.destination : in.source;
  const Entitlement& resident = to_employee ? in.source : in.destination;
  const bool enough = employee.months_total >= rule->params.employee_months_min;
  if (enough != to_employee) {
    return Refuse(StrCat("with ", employee.months_total, " employee months (",
                         enough ? "at least " : "fewer than ", rule->params.employee_months_min,
                         ") only ", enough ? "resident -> employee" : "employee -> resident",
                         " bridging is allowed (", rule->info.id, " art. 3)"));
  }
  const std::string& id = rule->info.id;
  std::vector<int32_t> overlap;
  const int64_t refund = OverlapRefund(employee, resident, &overlap);
  MonthsToRanges(overlap, f->mutable_months_overlapping());
  f->set_refund_fen(refund);
  f->set_refund_rule_id(id);
  f->set_months_rule_id(id);
  f->set_individual_account_rule_id(id);
  f->set_pooled_rule_id(id);  // the pooled fund stays: pooled_fen is 0 either way
  if (to_employee) {
    MonthsToRanges(resident.months, f->mutable_months_not_converted());
    f->set_individual_account_fen(resident.account_balance_fen - refund);
  } else {
    MonthsToRanges(employee.months, f->mutable_months_credited());
    f->set_individual_account_fen(employee.account_balance_fen);
  }
  return absl::OkStatus();
}

// Within one kind (resident pension, medical, HPF): months add up, the account moves whole.
void MoveWhole(const Entitlement& source, const std::string& id, v1::TransferFigures* f) {
  MonthsToRanges(source.months, f->mutable_months_credited());
  f->set_months_rule_id(id);
  f->set_individual_account_fen(source.account_balance_fen);
  f->set_individual_account_rule_id(id);
}

absl::Status PlanMedical(const PlanInput& in, v1::TransferFigures* f) {
  PBL_ASSIGN_OR_RETURN(
      const Rule<MedicalTransferParams>* rule,
      RuleSet::InEffect(in.rules.medical_transfer, "medical_transfer", in.request.date));
  MoveWhole(in.source, rule->info.id, f);
  const MedicalTransferParams& p = rule->params;
  const int32_t last = in.source.months.empty() ? 0 : in.source.months.back();
  const int32_t gap = std::max(0, in.request.date.MonthIndex() - last - 1);
  int32_t waiting = 0;
  if (gap > p.gap_months_without_waiting) {
    const auto it = p.waiting_months_by_region.find(in.request.destination.region);
    waiting = it != p.waiting_months_by_region.end() ? it->second : p.default_waiting_months;
  }
  f->set_waiting_months(waiting);
  f->set_waiting_rule_id(rule->info.id);
  return absl::OkStatus();
}

absl::Status PlanByKind(const PlanInput& in, v1::TransferFigures* f) {
  const SchemeKind from = in.request.source.kind;
  const SchemeKind to = in.request.destination.kind;
  const Date& date = in.request.date;
  if (from == SchemeKind::kUebpi && to == SchemeKind::kUebpi) return PlanEmployeePension(in, f);
  if ((from == SchemeKind::kUebpi && to == SchemeKind::kUrrbpi) ||
      (from == SchemeKind::kUrrbpi && to == SchemeKind::kUebpi)) {
    return PlanBridging(in, f);
  }
  if (from == to && (from == SchemeKind::kUebmi || from == SchemeKind::kUrrbmi)) {
    return PlanMedical(in, f);
  }
  if (from == SchemeKind::kUrrbpi && to == SchemeKind::kUrrbpi) {
    PBL_ASSIGN_OR_RETURN(const auto* rule, RuleSet::InEffect(in.rules.resident_pension_transfer,
                                                             "resident_pension_transfer", date));
    MoveWhole(in.source, rule->info.id, f);
    return absl::OkStatus();
  }
  if (from == SchemeKind::kHpf && to == SchemeKind::kHpf) {
    PBL_ASSIGN_OR_RETURN(const auto* rule,
                         RuleSet::InEffect(in.rules.hpf_transfer, "hpf_transfer", date));
    MoveWhole(in.source, rule->info.id, f);
    return absl::OkStatus();
  }
  return Refuse(StrCat("no rule transfers ", SchemeKindName(from), " to ", SchemeKindName(to)));
}

}  // namespace

absl::StatusOr<v1::TransferFigures> PlanTransfer(const RuleSet& rules, std::string_view person_id,
                                                 const History& history,
                                                 const TransferRequest& request) {
  PBL_ASSIGN_OR_RETURN(Entitlement source,
                       ComputeEntitlement(rules, person_id, history, request.source, request.date));
  PBL_ASSIGN_OR_RETURN(
      Entitlement destination,
      ComputeEntitlement(rules, person_id, history, request.destination, request.date));
  const PlanInput in{rules, person_id, request, std::move(source), std::move(destination)};
  PBL_RETURN_IF_ERROR(CheckCommon(in));
  v1::TransferFigures figures;
  PBL_RETURN_IF_ERROR(PlanByKind(in, &figures));
  return figures;
}

}  // namespace pbl::ledger
