#include "ledger/domain/months.h"

#include <vector>

#include "crypto/base/status_macros.h"
#include "ledger/domain/calendar.h"
#include "ledger/domain/month_ranges.h"

namespace pbl::ledger {

namespace {

constexpr int32_t kMonthsPerYear = 12;

int Sign3(int64_t a, int64_t b, int64_t c) {
  if (a < 0 || b < 0 || c < 0) return -1;
  return a > 0 || b > 0 || c > 0 ? 1 : 0;
}

absl::Status AddRanges(const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges,
                       std::set<int32_t>* months) {
  PBL_ASSIGN_OR_RETURN(const std::vector<int32_t> list, RangesToMonths(ranges));
  months->insert(list.begin(), list.end());
  return absl::OkStatus();
}

}  // namespace

int AmountsSign(const MonthAmounts& m) { return Sign3(m.base_fen, m.credit_fen, m.employer_fen); }

int AmountsSign(const YearPremium& p) {
  return Sign3(p.personal_fen, p.collective_subsidy_fen, p.government_subsidy_fen);
}

MonthMark SchemeMonths::Mark(int32_t month) const {
  const bool here = paid.contains(month) || credited.contains(month);
  if (here && transferred_out.contains(month)) return MonthMark::kTransferredOut;
  if (paid.contains(month)) return MonthMark::kPaid;
  if (credited.contains(month)) return MonthMark::kCredited;
  return MonthMark::kNone;
}

bool SchemeMonths::Counts(int32_t month) const {
  const MonthMark mark = Mark(month);
  return mark == MonthMark::kPaid || mark == MonthMark::kCredited;
}

int32_t SchemeMonths::CountIn(int32_t first_month, int32_t last_month) const {
  int32_t count = 0;
  for (int32_t m = first_month; m <= last_month; ++m) count += Counts(m) ? 1 : 0;
  return count;
}

std::set<int32_t> SchemeMonths::Counted() const {
  std::set<int32_t> out;
  for (const std::set<int32_t>* s : {&paid, &credited}) {
    for (int32_t m : *s) {
      if (Counts(m)) out.insert(m);
    }
  }
  return out;
}

std::set<int32_t> SchemeMonths::MovedOut() const {
  std::set<int32_t> out;
  for (int32_t m : transferred_out) {
    if (Mark(m) == MonthMark::kTransferredOut) out.insert(m);
  }
  return out;
}

void MonthTally::AddMonth(const MonthAmounts& m) {
  const auto [it, added] = months_.try_emplace(m.month, m);
  if (added) return;
  it->second.base_fen += m.base_fen;
  it->second.credit_fen += m.credit_fen;
  it->second.employer_fen += m.employer_fen;
}

void MonthTally::AddYear(const YearPremium& p) {
  const auto [it, added] = years_.try_emplace(p.year, p);
  if (added) return;
  it->second.personal_fen += p.personal_fen;
  it->second.collective_subsidy_fen += p.collective_subsidy_fen;
  it->second.government_subsidy_fen += p.government_subsidy_fen;
}

absl::Status MonthTally::AddCorrection(const v1::Correction& c, const v1::Entry& corrected) {
  if (corrected.has_monthly_contribution()) {
    PBL_ASSIGN_OR_RETURN(const int32_t month,
                         ParseMonth(corrected.monthly_contribution().period(), "period"));
    AddMonth({month, c.base_delta_fen(), c.personal_delta_fen(), c.employer_delta_fen()});
  } else if (corrected.has_annual_premium()) {
    AddYear({corrected.annual_premium().year(), c.personal_delta_fen(),
             c.collective_subsidy_delta_fen(), c.government_subsidy_delta_fen()});
  }
  return absl::OkStatus();
}

absl::Status MonthTally::Add(const v1::Entry& e, const v1::Entry* corrected) {
  switch (e.body_case()) {
    case v1::Entry::kMonthlyContribution: {
      const v1::MonthlyContribution& c = e.monthly_contribution();
      PBL_ASSIGN_OR_RETURN(const int32_t month, ParseMonth(c.period(), "period"));
      AddMonth({month, c.base_fen(), c.personal_fen(), c.employer_fen()});
      return absl::OkStatus();
    }
    case v1::Entry::kAnnualPremium: {
      const v1::AnnualPremium& p = e.annual_premium();
      AddYear({p.year(), p.personal_fen(), p.collective_subsidy_fen(), p.government_subsidy_fen()});
      return absl::OkStatus();
    }
    case v1::Entry::kMlgPayment: {
      PBL_ASSIGN_OR_RETURN(const int32_t month, ParseMonth(e.mlg_payment().month()));
      AddMonth({month, 0, 0, e.mlg_payment().amount_fen()});
      return absl::OkStatus();
    }
    case v1::Entry::kCorrection:
      return corrected == nullptr ? absl::OkStatus() : AddCorrection(e.correction(), *corrected);
    case v1::Entry::kTransferIn:
      return AddRanges(e.transfer_in().figures().months_credited(), &credited_);
    case v1::Entry::kTransferOut:
      PBL_RETURN_IF_ERROR(
          AddRanges(e.transfer_out().figures().months_credited(), &transferred_out_));
      return AddRanges(e.transfer_out().figures().months_not_converted(), &transferred_out_);
    default:
      return absl::OkStatus();
  }
}

SchemeMonths MonthTally::Months() const {
  SchemeMonths out;
  for (const auto& [month, amounts] : months_) {
    if (AmountsSign(amounts) > 0) out.paid.insert(month);
  }
  for (const auto& [year, premium] : years_) {
    if (AmountsSign(premium) <= 0) continue;
    for (int32_t m = 1; m <= kMonthsPerYear; ++m) out.paid.insert(MonthIndex(year, m));
  }
  out.credited = credited_;
  out.transferred_out = transferred_out_;
  return out;
}

}  // namespace pbl::ledger
