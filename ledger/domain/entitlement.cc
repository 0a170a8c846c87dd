#include "ledger/domain/entitlement.h"

#include <algorithm>
#include <map>

#include "absl/numeric/int128.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "ledger/domain/money.h"
#include "ledger/domain/month_ranges.h"
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
  std::vector<MonthAmounts> months;  // one element per entry or correction, merged later
  std::vector<YearPremium> premiums;
  std::vector<int32_t> months_in;
  std::vector<int32_t> months_out;
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
  if (target->entry.has_monthly_contribution()) {
    PBL_ASSIGN_OR_RETURN(const int32_t month,
                         ParseMonth(target->entry.monthly_contribution().period()));
    g->months.push_back(
        MonthAmounts{month, c.base_delta_fen(), c.personal_delta_fen(), c.employer_delta_fen()});
  } else if (target->entry.has_annual_premium()) {
    g->premiums.push_back(YearPremium{target->entry.annual_premium().year(), c.personal_delta_fen(),
                                      c.collective_subsidy_delta_fen(),
                                      c.government_subsidy_delta_fen()});
  } else {
    return absl::InvalidArgumentError(StrCat("correction ", at.index, " refers to ",
                                             c.corrects_index(),
                                             ", which is not a contribution or premium"));
  }
  return absl::OkStatus();
}

absl::Status AddRanges(const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges,
                       std::vector<int32_t>* months) {
  PBL_ASSIGN_OR_RETURN(std::vector<int32_t> list, RangesToMonths(ranges));
  months->insert(months->end(), list.begin(), list.end());
  return absl::OkStatus();
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
    PBL_RETURN_IF_ERROR(AddRanges(t.figures().months_credited(), &g->months_in));
    g->flows.push_back(AccountFlow{date.MonthIndex(), 1, t.figures().individual_account_fen()});
    // Bridging refunds are paid out of the resident account, whichever side it is.
    if (resident) g->flows.push_back(AccountFlow{date.MonthIndex(), 2, -t.figures().refund_fen()});
  } else if (e.has_transfer_out()) {
    const v1::TransferOut& t = e.transfer_out();
    g->transfers[t.transfer_id()] = false;
    PBL_ASSIGN_OR_RETURN(const Date date, ParseDate(t.date()));
    PBL_RETURN_IF_ERROR(AddRanges(t.figures().months_credited(), &g->months_out));
    PBL_RETURN_IF_ERROR(AddRanges(t.figures().months_not_converted(), &g->months_out));
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
    case v1::Entry::kMonthlyContribution: {
      const v1::MonthlyContribution& c = e.monthly_contribution();
      PBL_ASSIGN_OR_RETURN(const int32_t month, ParseMonth(c.period()));
      g->months.push_back(MonthAmounts{month, c.base_fen(), c.personal_fen(), c.employer_fen()});
      return absl::OkStatus();
    }
    case v1::Entry::kAnnualPremium: {
      const v1::AnnualPremium& p = e.annual_premium();
      g->premiums.push_back(YearPremium{p.year(), p.personal_fen(), p.collective_subsidy_fen(),
                                        p.government_subsidy_fen()});
      return absl::OkStatus();
    }
    case v1::Entry::kMlgPayment: {
      PBL_ASSIGN_OR_RETURN(const int32_t month, ParseMonth(e.mlg_payment().month()));
      g->months.push_back(MonthAmounts{month, 0, 0, e.mlg_payment().amount_fen()});
      return absl::OkStatus();
    }
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

// Sums the amounts of each month (and of each premium year); refuses a month or year that
// corrections bring below zero; drops those brought to exactly zero.
template <typename T, typename Key, typename Add, typename Zero>
absl::Status Merge(std::vector<T>* items, Key key, Add add, Zero zero, std::string_view what) {
  std::stable_sort(items->begin(), items->end(),
                   [&](const T& a, const T& b) { return key(a) < key(b); });
  std::vector<T> merged;
  for (const T& item : *items) {
    if (!merged.empty() && key(merged.back()) == key(item)) {
      add(&merged.back(), item);
    } else {
      merged.push_back(item);
    }
  }
  std::vector<T> kept;
  for (const T& item : merged) {
    const int sign = zero(item);
    if (sign < 0) {
      return absl::InvalidArgumentError(
          StrCat("corrections bring an amount of ", what, " ", key(item), " below zero"));
    }
    if (sign > 0) kept.push_back(item);
  }
  *items = std::move(kept);
  return absl::OkStatus();
}

int Sign3(int64_t a, int64_t b, int64_t c) {
  if (a < 0 || b < 0 || c < 0) return -1;
  return a > 0 || b > 0 || c > 0 ? 1 : 0;
}

absl::Status MergeOwn(Gathered* g) {
  PBL_RETURN_IF_ERROR(Merge(
      &g->months, [](const MonthAmounts& m) { return m.month; },
      [](MonthAmounts* a, const MonthAmounts& b) {
        a->base_fen += b.base_fen;
        a->credit_fen += b.credit_fen;
        a->employer_fen += b.employer_fen;
      },
      [](const MonthAmounts& m) { return Sign3(m.base_fen, m.credit_fen, m.employer_fen); },
      "month index"));
  return Merge(
      &g->premiums, [](const YearPremium& p) { return p.year; },
      [](YearPremium* a, const YearPremium& b) {
        a->personal_fen += b.personal_fen;
        a->collective_subsidy_fen += b.collective_subsidy_fen;
        a->government_subsidy_fen += b.government_subsidy_fen;
      },
      [](const YearPremium& p) {
        return Sign3(p.personal_fen, p.collective_subsidy_fen, p.government_subsidy_fen);
      },
      "year");
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

std::vector<int32_t> SortedUnique(std::vector<int32_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// own + in - out, each month once.
void CountMonths(const Gathered& g, Entitlement* out) {
  std::vector<int32_t> own;
  for (const MonthAmounts& m : g.months) own.push_back(m.month);
  for (const YearPremium& p : g.premiums) {
    for (int32_t m = 1; m <= 12; ++m) own.push_back(MonthIndex(p.year, m));
  }
  own = SortedUnique(std::move(own));
  out->months_own = static_cast<int32_t>(own.size());
  out->last_paid_month = own.empty() ? 0 : own.back();
  std::vector<int32_t> all = own;
  all.insert(all.end(), g.months_in.begin(), g.months_in.end());
  all = SortedUnique(std::move(all));
  const std::vector<int32_t> gone = SortedUnique(g.months_out);
  std::vector<int32_t> kept;
  std::set_difference(all.begin(), all.end(), gone.begin(), gone.end(), std::back_inserter(kept));
  out->months_transferred_out = static_cast<int32_t>(all.size() - kept.size());
  out->months_total = static_cast<int32_t>(kept.size());
  out->months = std::move(kept);
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
  PBL_RETURN_IF_ERROR(MergeOwn(&g));
  const Rule<AccountCreditingParams>* crediting = nullptr;
  if (scheme.kind == SchemeKind::kUebpi) {
    PBL_ASSIGN_OR_RETURN(crediting,
                         RuleSet::InEffect(rules.account_crediting, "account_crediting", as_of));
  }
  for (MonthAmounts& m : g.months) {
    if (scheme.kind == SchemeKind::kMlg) continue;  // payments to the person, not an account
    m.credit_fen = MonthCredit(m, crediting ? &crediting->params : nullptr);
    // The housing provident fund credits both parts to the worker's account.
    const int64_t fen = m.credit_fen + (scheme.kind == SchemeKind::kHpf ? m.employer_fen : 0);
    g.flows.push_back(AccountFlow{m.month, 0, fen});
  }
  for (const YearPremium& p : g.premiums) {
    if (scheme.kind != SchemeKind::kUrrbpi) continue;  // resident medical: no account
    g.flows.push_back(
        AccountFlow{MonthIndex(p.year, 1), 0,
                    p.personal_fen + p.collective_subsidy_fen + p.government_subsidy_fen});
  }
  RunAccount(std::move(g.flows), crediting, scheme.region, as_of, &out);
  CountMonths(g, &out);
  out.own_months = std::move(g.months);
  out.own_premiums = std::move(g.premiums);
  FillTransfersIn(history, scheme_text, &out);
  for (const auto& [id, pending] : g.transfers) {
    if (pending && out.pending_transfer_id.empty()) out.pending_transfer_id = id;
    if (!pending) out.finished_transfer_ids.push_back(id);
  }
  PBL_RETURN_IF_ERROR(FillRetirement(rules, history, g.enrolment, &out));
  return out;
}

}  // namespace pbl::ledger
