#include "ledger/domain/entitlement.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/numeric/int128.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "ledger/domain/money.h"
#include "ledger/domain/person_id.h"
#include "ledger/domain/retirement.h"

namespace pbl::ledger {

namespace {

// One change of the individual account, at a month. Within a month, credits come before
// transfers in, which come before money leaving (transfers out, refunds).
struct AccountFlow {
  int32_t month = 0;
  int order = 0;
  int64_t fen = 0;  // positive: in; negative: out
  bool operator<(const AccountFlow& o) const {
    return month != o.month ? month < o.month : order < o.order;
  }
};

// What one pass over the scheme's entries gathers.
struct Gathered {
  MonthTally months;
  std::vector<AccountFlow> flows;
  const v1::Enrolment* enrolment = nullptr;            // this scheme's latest
  bool resident = false;                               // a resident pension account
  std::map<std::string, bool, std::less<>> transfers;  // id -> still pending
};

absl::Status CheckHistory(std::string_view person_id, const History& history) {
  for (size_t i = 0; i < history.size(); ++i) {
    if (history[i].entry.person_id() != person_id) {
      return absl::InvalidArgumentError(
          StrCat("history entry ", history[i].index, " belongs to another person"));
    }
    if (i > 0 && std::pair(history[i].log, history[i].index) <=
                     std::pair(history[i - 1].log, history[i - 1].index)) {
      return absl::InvalidArgumentError(
          StrCat("history is not in log order at entry ", history[i].index));
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyCorrection(const History& history, const HistoryEntry& at,
                             std::string_view scheme, Gathered* g) {
  const v1::Correction& c = at.entry.correction();
  const auto target =
      std::lower_bound(history.begin(), history.end(), std::pair(at.log, c.corrects_index()),
                       [](const HistoryEntry& h, const std::pair<uint32_t, uint64_t>& key) {
                         return std::pair(h.log, h.index) < key;
                       });
  if (target == history.end() || target->log != at.log || target->index != c.corrects_index() ||
      target->index >= at.index || target->entry.scheme_id() != scheme) {
    return absl::InvalidArgumentError(
        StrCat("correction ", at.index, " refers to ", c.corrects_index(),
               ", which is not an earlier entry of this person in ", scheme));
  }
  if (!target->entry.has_monthly_contribution() && !target->entry.has_annual_premium()) {
    return absl::InvalidArgumentError(StrCat("correction ", at.index, " refers to ",
                                             c.corrects_index(),
                                             ", which is not a contribution or premium"));
  }
  return g->months.Add(at.entry, &target->entry);
}

absl::Status GatherTransfer(const v1::Entry& e, bool resident, Gathered* g) {
  if (e.has_transfer_requested()) {
    g->transfers.emplace(e.transfer_requested().transfer_id(), true);
  } else if (e.has_transfer_initiated()) {
    g->transfers.emplace(e.transfer_initiated().transfer_id(), true);
  } else if (e.has_transfer_voided()) {
    g->transfers[e.transfer_voided().transfer_id()] = false;
  } else if (e.has_transfer_in()) {
    const v1::TransferIn& t = e.transfer_in();
    g->transfers[t.transfer_id()] = false;
    PBL_ASSIGN_OR_RETURN(const Date date, ParseDate(t.date()));
    PBL_RETURN_IF_ERROR(g->months.Add(e));
    g->flows.push_back(AccountFlow{date.MonthIndex(), 1, t.figures().individual_account_fen()});
    // Bridging refunds are paid out of the resident account, whichever side it is.
    if (resident) g->flows.push_back(AccountFlow{date.MonthIndex(), 2, -t.figures().refund_fen()});
  } else if (e.has_transfer_out()) {
    const v1::TransferOut& t = e.transfer_out();
    g->transfers[t.transfer_id()] = false;
    PBL_ASSIGN_OR_RETURN(const Date date, ParseDate(t.date()));
    PBL_RETURN_IF_ERROR(g->months.Add(e));
    const int64_t refund = resident ? t.figures().refund_fen() : 0;
    g->flows.push_back(
        AccountFlow{date.MonthIndex(), 2, -(t.figures().individual_account_fen() + refund)});
  }
  return absl::OkStatus();
}

absl::Status GatherEntry(const History& history, const HistoryEntry& h, std::string_view scheme,
                         Gathered* g, Entitlement* out) {
  const v1::Entry& e = h.entry;
  switch (e.body_case()) {
    case v1::Entry::kEnrolment:
      g->enrolment = &e.enrolment();
      return absl::OkStatus();
    case v1::Entry::kMonthlyContribution:
    case v1::Entry::kAnnualPremium:
    case v1::Entry::kMlgPayment:
      return g->months.Add(e);
    case v1::Entry::kCorrection:
      return ApplyCorrection(history, h, scheme, g);
    case v1::Entry::kBenefitPayment:
      out->drawing_benefit = true;
      return absl::OkStatus();
    case v1::Entry::kRefund:
      out->refunds_fen += e.refund().amount_fen();
      // A refund tied to a transfer is already counted in that transfer's outflow.
      if (e.refund().transfer_id().empty()) {
        g->flows.push_back(AccountFlow{DateFromUnixMs(e.node_time_unix_ms()).MonthIndex(), 2,
                                       -e.refund().amount_fen()});
      }
      return absl::OkStatus();
    default:
      return GatherTransfer(e, g->resident, g);
  }
}

// The paid months and premium years, with their net amounts, sorted; INVALID_ARGUMENT when
// corrections bring a month or year below zero. Those brought to exactly zero no longer count.
struct OwnAmounts {
  std::vector<MonthAmounts> months;
  std::vector<YearPremium> premiums;
};

absl::StatusOr<OwnAmounts> PaidAmounts(const MonthTally& tally) {
  OwnAmounts own;
  for (const auto& [month, amounts] : tally.month_amounts()) {
    const int sign = AmountsSign(amounts);
    if (sign < 0) {
      return absl::InvalidArgumentError(
          StrCat("corrections bring an amount of month index ", month, " below zero"));
    }
    if (sign > 0) own.months.push_back(amounts);
  }
  for (const auto& [year, premium] : tally.premiums()) {
    const int sign = AmountsSign(premium);
    if (sign < 0) {
      return absl::InvalidArgumentError(
          StrCat("corrections bring an amount of year ", year, " below zero"));
    }
    if (sign > 0) own.premiums.push_back(premium);
  }
  return own;
}

// The individual-account credit of a month: the personal part, or when only the base is known,
// the share of the base the crediting rule gives for that month.
int64_t MonthCredit(const MonthAmounts& m, const AccountCreditingParams* crediting) {
  if (m.credit_fen != 0 || m.base_fen == 0 || crediting == nullptr) return m.credit_fen;
  for (const AccountCreditingParams::DerivedCredit& d : crediting->derived_credits) {
    if (m.month >= d.first_month && m.month <= d.last_month) {
      return DivideRoundHalfUp(m.base_fen * d.rate_bp, 10'000);
    }
  }
  return 0;
}

// The rate for closing year `year`, or -1 when none is published yet.
int32_t YearRateBp(const AccountCreditingParams& p, int32_t year, int32_t region) {
  if (const auto it = p.rates_bp.find(year); it != p.rates_bp.end()) return it->second;
  if (!p.rates_bp.empty() && year > p.rates_bp.rbegin()->first) return -1;
  if (const auto it = p.regional_rates_bp.find(region); it != p.regional_rates_bp.end()) {
    return it->second;
  }
  return p.default_rate_bp;
}

struct Account {
  int64_t closed = 0;  // balance at the last year-end, interest included
  int64_t open = 0;    // money in or out since then
  int64_t principal = 0;
  int64_t interest = 0;

  void Flow(int64_t fen) {
    if (fen < 0) {
      // Money leaving takes principal and interest in proportion.
      const int64_t balance = closed + open;
      const int64_t interest_out =
          balance > 0 ? static_cast<int64_t>(absl::int128(-fen) * interest / balance) : 0;
      interest -= interest_out;
      principal += fen + interest_out;
    } else {
      principal += fen;
    }
    open += fen;
  }

  // balance = closed x (1 + r) + open x (1 + r x F / 2), half-up to the fen; r = rate_bp / 1e4,
  // F = factor_per_mille / 1e3. Common denominator 10,000 x 2,000 = 20,000,000.
  void CloseYear(int32_t rate_bp, int32_t factor_per_mille) {
    if (rate_bp < 0) {
      closed += open;  // no published rate: the year's money stays principal
    } else {
      const absl::int128 numerator =
          absl::int128(closed) * (10'000 + rate_bp) * 2'000 +
          absl::int128(open) * (20'000'000 + int64_t{rate_bp} * factor_per_mille);
      const absl::int128 half = 10'000'000;
      const absl::int128 rounded =
          numerator >= 0 ? (numerator + half) / 20'000'000 : -((-numerator + half) / 20'000'000);
      const int64_t next = static_cast<int64_t>(rounded);
      interest += next - closed - open;
      closed = next;
    }
    open = 0;
  }
};

void RunAccount(std::vector<AccountFlow> flows, const Rule<AccountCreditingParams>* crediting,
                int32_t region, const Date& as_of, Entitlement* out) {
  std::sort(flows.begin(), flows.end());
  Account account;
  size_t next = 0;
  const int32_t first_year = flows.empty() ? as_of.year : YearOfMonth(flows.front().month);
  for (int32_t year = first_year; year < as_of.year; ++year) {
    for (; next < flows.size() && YearOfMonth(flows[next].month) == year; ++next) {
      account.Flow(flows[next].fen);
    }
    if (crediting != nullptr) {
      account.CloseYear(YearRateBp(crediting->params, year, region),
                        crediting->params.credit_factor_per_mille);
    } else {
      account.CloseYear(-1, 0);
    }
  }
  for (; next < flows.size(); ++next) account.Flow(flows[next].fen);
  out->account_principal_fen = account.principal;
  out->account_interest_fen = account.interest;
  out->account_balance_fen = account.closed + account.open;
  if (crediting != nullptr) out->account_rule_id = crediting->info.id;
}

// own + in - out, each month once.
void CountMonths(const MonthTally& tally, Entitlement* out) {
  const SchemeMonths months = tally.Months();
  out->months_own = static_cast<int32_t>(months.paid.size());
  out->last_paid_month = months.paid.empty() ? 0 : *months.paid.rbegin();
  out->months_transferred_out = static_cast<int32_t>(months.MovedOut().size());
  const std::set<int32_t> counted = months.Counted();
  out->months_total = static_cast<int32_t>(counted.size());
  out->months.assign(counted.begin(), counted.end());
}

absl::Status FillRetirement(const RuleSet& rules, const History& history,
                            const v1::Enrolment* enrolment, Entitlement* out) {
  // The scheme's own enrolment, else the latest in any scheme: category and hukou are the
  // person's, not the scheme's.
  for (auto it = history.rbegin(); enrolment == nullptr && it != history.rend(); ++it) {
    if (it->entry.has_enrolment()) enrolment = &it->entry.enrolment();
  }
  if (enrolment == nullptr) return absl::OkStatus();
  out->retirement_category = enrolment->retirement_category();
  PBL_ASSIGN_OR_RETURN(out->hukou_region,
                       ParseRegion(enrolment->hukou_region(), "enrolment.hukou_region"));
  PBL_ASSIGN_OR_RETURN(const Retirement r, ComputeRetirement(rules, PersonBirthDate(out->person_id),
                                                             out->retirement_category));
  out->retirement_month = r.month;
  out->retirement_rule_id = r.rule_id;
  out->minimum_months = r.minimum_months;
  out->minimum_rule_id = r.minimum_rule_id;
  out->minimum_met = !r.minimum_rule_id.empty() && out->months_total >= r.minimum_months;
  return absl::OkStatus();
}

void FillTransfersIn(const History& history, std::string_view scheme, Entitlement* out) {
  std::vector<std::string> rule_ids;
  for (const HistoryEntry& h : history) {
    if (h.entry.scheme_id() != scheme || !h.entry.has_transfer_in()) continue;
    const v1::TransferIn& t = h.entry.transfer_in();
    int32_t months = 0;
    for (const v1::MonthRange& r : t.figures().months_credited()) {
      months += ParseMonth(r.last()).value_or(0) - ParseMonth(r.first()).value_or(0) + 1;
    }
    out->months_transferred_in.push_back({t.transfer_id(), t.source_scheme_id(), months});
    out->pooled_transferred_in_fen += t.figures().pooled_fen();
    const std::string& id = t.figures().months_rule_id();
    if (!id.empty() && std::find(rule_ids.begin(), rule_ids.end(), id) == rule_ids.end()) {
      rule_ids.push_back(id);
      out->months_rule_id += StrCat(out->months_rule_id.empty() ? "" : ",", id);
    }
  }
}

}  // namespace

absl::StatusOr<Entitlement> ComputeEntitlement(const RuleSet& rules, std::string_view person_id,
                                               const History& history, const SchemeId& scheme,
                                               const Date& as_of) {
  PBL_RETURN_IF_ERROR(ValidatePersonId(person_id));
  PBL_RETURN_IF_ERROR(CheckHistory(person_id, history));
  Entitlement out;
  out.person_id = std::string(person_id);
  out.scheme = scheme;
  out.as_of = as_of;
  const std::string scheme_text = scheme.ToString();
  Gathered g;
  g.resident = scheme.kind == SchemeKind::kUrrbpi;
  for (const HistoryEntry& h : history) {
    if (h.entry.scheme_id() != scheme_text) continue;
    PBL_RETURN_IF_ERROR(GatherEntry(history, h, scheme_text, &g, &out));
  }
  PBL_ASSIGN_OR_RETURN(OwnAmounts own, PaidAmounts(g.months));
  const Rule<AccountCreditingParams>* crediting = nullptr;
  if (scheme.kind == SchemeKind::kUebpi) {
    PBL_ASSIGN_OR_RETURN(crediting,
                         RuleSet::InEffect(rules.account_crediting, "account_crediting", as_of));
  }
  for (MonthAmounts& m : own.months) {
    if (scheme.kind == SchemeKind::kMlg) continue;  // payments to the person, not an account
    m.credit_fen = MonthCredit(m, crediting ? &crediting->params : nullptr);
    // The housing provident fund credits both parts to the worker's account.
    const int64_t fen = m.credit_fen + (scheme.kind == SchemeKind::kHpf ? m.employer_fen : 0);
    g.flows.push_back(AccountFlow{m.month, 0, fen});
  }
  for (const YearPremium& p : own.premiums) {
    if (scheme.kind != SchemeKind::kUrrbpi) continue;  // resident medical: no account
    g.flows.push_back(
        AccountFlow{MonthIndex(p.year, 1), 0,
                    p.personal_fen + p.collective_subsidy_fen + p.government_subsidy_fen});
  }
  RunAccount(std::move(g.flows), crediting, scheme.region, as_of, &out);
  CountMonths(g.months, &out);
  out.own_months = std::move(own.months);
  out.own_premiums = std::move(own.premiums);
  FillTransfersIn(history, scheme_text, &out);
  for (const auto& [id, pending] : g.transfers) {
    if (pending && out.pending_transfer_id.empty()) out.pending_transfer_id = id;
    if (!pending) out.finished_transfer_ids.push_back(id);
  }
  PBL_RETURN_IF_ERROR(FillRetirement(rules, history, g.enrolment, &out));
  return out;
}

}  // namespace pbl::ledger
