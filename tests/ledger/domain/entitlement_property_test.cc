// Properties of the rules engine over thousands of random histories: months and money are
// conserved by every planned transfer, plans are deterministic, and the order of entries within
// a month changes nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <random>
#include <string>

#include "ledger/domain/entitlement.h"
#include "ledger/domain/month_ranges.h"
#include "ledger/domain/person_id.h"
#include "ledger/domain/transfer_plan.h"
#include "tests/testing/status_matchers.h"

namespace pbl::ledger {
namespace {

constexpr int kHistories = 2000;

std::string IdBornIn(int year, int month, int day, int sequence) {
  char body[24];
  std::snprintf(body, sizeof(body), "340104%04d%02d%02d%03d", year, month, day, sequence);
  return std::string(body, 17) + PersonIdCheckCharacter(std::string_view(body, 17));
}

// A random person: employee months in one region of Shanghai or Anhui, sometimes resident
// premiums, sometimes two employers in one month, sometimes corrections.
struct RandomPerson {
  std::string person_id;
  History history;
  std::string employee_scheme;
  std::string resident_scheme;

  v1::Entry& Add(const std::string& scheme) {
    HistoryEntry h;
    h.index = history.size() + 1;
    h.entry.set_scheme_id(scheme);
    h.entry.set_person_id(person_id);
    h.entry.set_node_time_unix_ms(1'600'000'000'000 + static_cast<int64_t>(history.size()));
    history.push_back(std::move(h));
    return history.back().entry;
  }
};

RandomPerson MakePerson(std::mt19937_64& rng, int n) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  RandomPerson p;
  const int category = pick(1, 3);
  const int birth_year = pick(1955, 1995);
  // GB 11643: the 17th digit is odd for men.
  const int sequence = (n % 500) * 2 + (category == 1 ? 1 : 0);
  p.person_id = IdBornIn(birth_year, pick(1, 12), pick(1, 28), sequence);
  p.employee_scheme = pick(0, 1) ? "UEBPI-310000" : "UEBPI-340000";
  p.resident_scheme = pick(0, 1) ? "URRBPI-340000" : "URRBPI-310000";
  v1::Enrolment* e = p.Add(p.employee_scheme).mutable_enrolment();
  e->set_date("1995-01-01");
  e->set_hukou_region(pick(0, 1) ? "340100" : "310000");
  e->set_retirement_category(static_cast<v1::RetirementCategory>(category));
  const int first = MonthIndex(pick(1994, 2022), pick(1, 12));
  const int count = pick(1, 300);
  for (int m = first; m < first + count && m <= MonthIndex(2024, 12); ++m) {
    if (pick(0, 9) == 0) continue;  // gaps
    const int employers = pick(0, 19) == 0 ? 2 : 1;
    for (int k = 0; k < employers; ++k) {
      v1::MonthlyContribution* c = p.Add(p.employee_scheme).mutable_monthly_contribution();
      c->set_period(FormatMonth(m));
      const int64_t base = pick(300'000, 3'000'000);
      c->set_base_fen(base);
      c->set_personal_fen(pick(0, 4) == 0 ? 0 : base * 8 / 100);  // sometimes base only
      c->set_employer_fen(base * 16 / 100);
    }
  }
  if (pick(0, 1)) {
    for (int y = pick(2010, 2020), end = y + pick(0, 8); y <= end && y <= 2024; ++y) {
      v1::AnnualPremium* a = p.Add(p.resident_scheme).mutable_annual_premium();
      a->set_year(y);
      a->set_personal_fen(pick(10'000, 300'000));
      a->set_collective_subsidy_fen(pick(0, 20'000));
      a->set_government_subsidy_fen(pick(3'000, 60'000));
    }
  }
  if (pick(0, 2) == 0 && p.history.size() > 2) {
    // A copy: Add below may move the history's elements.
    const HistoryEntry target = p.history[static_cast<size_t>(pick(1, 1))];
    if (target.entry.has_monthly_contribution()) {
      v1::Correction* c = p.Add(p.employee_scheme).mutable_correction();
      c->set_corrects_index(target.index);
      c->set_reason("base keyed wrong");
      c->set_base_delta_fen(-target.entry.monthly_contribution().base_fen() / 2);
    }
  }
  return p;
}

TransferRequest Move(const SchemeId& source, const SchemeId& destination, const Date& date) {
  TransferRequest r;
  r.source = source;
  r.destination = destination;
  r.date = date;
  return r;
}

Entitlement MustCompute(const RandomPerson& p, const std::string& scheme, const Date& on) {
  absl::StatusOr<Entitlement> e =
      ComputeEntitlement(DefaultRules(), p.person_id, p.history, *ParseSchemeId(scheme), on);
  EXPECT_OK(e.status());
  return e.value_or(Entitlement{});
}

// Records the plan as the two nodes would (transfer_out at the source, transfer_in at the
// destination) and returns the history after the transfer.
History Record(const RandomPerson& p, const TransferRequest& r, const v1::TransferFigures& f) {
  RandomPerson after = p;
  v1::TransferOut* out = after.Add(r.source.ToString()).mutable_transfer_out();
  out->set_transfer_id("T1");
  out->set_destination_scheme_id(r.destination.ToString());
  out->set_date(FormatDate(r.date));
  *out->mutable_figures() = f;
  v1::TransferIn* in = after.Add(r.destination.ToString()).mutable_transfer_in();
  in->set_transfer_id("T1");
  in->set_source_scheme_id(r.source.ToString());
  in->set_date(FormatDate(r.date));
  *in->mutable_figures() = f;
  return after.history;
}

size_t MonthCount(const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges) {
  return RangesToMonths(ranges).value().size();
}

// How many plans of each outcome the random histories produced, so that the property is known
// to have been exercised and not refused throughout.
struct Outcomes {
  int planned = 0;
  int temporary = 0;
  int refused = 0;
};

void CheckConservation(const RandomPerson& p, const TransferRequest& r, Outcomes* outcomes) {
  const absl::StatusOr<v1::TransferFigures> plan =
      PlanTransfer(DefaultRules(), p.person_id, p.history, r);
  if (!plan.ok()) {
    // The rules may refuse (too young to bridge, wrong direction); they may not fail otherwise.
    ASSERT_EQ(plan.status().code(), absl::StatusCode::kFailedPrecondition) << plan.status();
    ASSERT_THAT(plan.status().message(),
                ::testing::AnyOf(::testing::HasSubstr("retirement age"),
                                 ::testing::HasSubstr("bridging is allowed"),
                                 ::testing::HasSubstr("nothing to transfer")))
        << plan.status();
    ++outcomes->refused;
    return;
  }
  ++outcomes->planned;
  if (plan->temporary_account()) ++outcomes->temporary;
  const Entitlement source = MustCompute(p, r.source.ToString(), r.date);
  const Entitlement dest = MustCompute(p, r.destination.ToString(), r.date);
  ASSERT_OK_AND_ASSIGN(const std::vector<TransferFinding> findings,
                       VerifyTransfer(DefaultRules(), p.person_id, p.history, r, *plan, *plan));
  EXPECT_THAT(findings, ::testing::IsEmpty()) << findings.front().message;
  if (plan->temporary_account()) return;  // nothing moves
  const size_t credited = MonthCount(plan->months_credited());
  const size_t not_converted = MonthCount(plan->months_not_converted());
  // Months before = months credited + months the rules do not convert.
  EXPECT_EQ(static_cast<size_t>(source.months_total), credited + not_converted);
  RandomPerson after = p;
  after.history = Record(p, r, *plan);
  const Entitlement source_after = MustCompute(after, r.source.ToString(), r.date);
  const Entitlement dest_after = MustCompute(after, r.destination.ToString(), r.date);
  EXPECT_EQ(source_after.months_total, 0);
  EXPECT_EQ(source_after.account_balance_fen, 0);
  // Every credited month counted once: the overlap months were already at the destination.
  const std::vector<int32_t> credited_months = RangesToMonths(plan->months_credited()).value();
  const std::vector<int32_t> overlap_months = RangesToMonths(plan->months_overlapping()).value();
  std::vector<int32_t> credited_overlap;
  std::set_intersection(credited_months.begin(), credited_months.end(), overlap_months.begin(),
                        overlap_months.end(), std::back_inserter(credited_overlap));
  EXPECT_EQ(static_cast<size_t>(dest_after.months_total),
            static_cast<size_t>(dest.months_total) + credited - credited_overlap.size());
  // Money: what left the source arrived at the destination; the bridging refund is paid out of
  // the resident account, whichever side that is.
  const bool source_resident = r.source.kind == SchemeKind::kUrrbpi;
  EXPECT_EQ(source.account_balance_fen - source_after.account_balance_fen,
            plan->individual_account_fen() + (source_resident ? plan->refund_fen() : 0));
  EXPECT_EQ(dest_after.account_balance_fen - dest.account_balance_fen,
            plan->individual_account_fen() - (source_resident ? 0 : plan->refund_fen()));
}

TEST(EntitlementPropertyTest, EveryPlannedTransferConservesMonthsAndMoney) {
  std::mt19937_64 rng(20261129);
  Outcomes cross_province;
  Outcomes to_resident;
  Outcomes to_employee;
  for (int n = 0; n < kHistories; ++n) {
    const RandomPerson p = MakePerson(rng, n);
    SCOPED_TRACE(::testing::Message() << "person " << n << " " << p.person_id);
    const Date date{std::uniform_int_distribution<int>(2015, 2040)(rng), 6, 15};
    const SchemeId employee = *ParseSchemeId(p.employee_scheme);
    const SchemeId other_province =
        *ParseSchemeId(employee.region == 310000 ? "UEBPI-340000" : "UEBPI-310000");
    CheckConservation(p, Move(employee, other_province, date), &cross_province);
    const SchemeId resident = *ParseSchemeId(p.resident_scheme);
    CheckConservation(p, Move(employee, resident, date), &to_resident);
    CheckConservation(p, Move(resident, employee, date), &to_employee);
    if (HasFailure()) return;
  }
  EXPECT_GT(cross_province.planned, kHistories * 9 / 10);
  EXPECT_GT(cross_province.temporary, 100);
  EXPECT_GT(cross_province.planned - cross_province.temporary, 1000);
  EXPECT_GT(to_resident.planned, 200);
  EXPECT_GT(to_employee.planned, 50);
  std::printf(
      "cross-province %d planned (%d temporary accounts), employee->resident %d planned "
      "%d refused, resident->employee %d planned %d refused\n",
      cross_province.planned, cross_province.temporary, to_resident.planned, to_resident.refused,
      to_employee.planned, to_employee.refused);
}

TEST(EntitlementPropertyTest, PlansAreDeterministic) {
  std::mt19937_64 rng(7);
  for (int n = 0; n < kHistories; ++n) {
    const RandomPerson p = MakePerson(rng, n);
    const TransferRequest r =
        Move(*ParseSchemeId(p.employee_scheme),
             *ParseSchemeId(p.employee_scheme == "UEBPI-310000" ? "UEBPI-340000" : "UEBPI-310000"),
             Date{2025, 3, 1});
    const auto first = PlanTransfer(DefaultRules(), p.person_id, p.history, r);
    const auto second = PlanTransfer(DefaultRules(), p.person_id, p.history, r);
    ASSERT_EQ(first.ok(), second.ok());
    if (first.ok()) {
      ASSERT_EQ(first->SerializeAsString(), second->SerializeAsString()) << n;
    }
  }
}

// Entries of one month (two employers, or a premium and a contribution) may reach the log in any
// order; nothing may depend on it.
TEST(EntitlementPropertyTest, OrderWithinAMonthChangesNothing) {
  std::mt19937_64 rng(11);
  for (int n = 0; n < kHistories; ++n) {
    RandomPerson p = MakePerson(rng, n);
    // Corrections refer to indices; leave them out of the reordering.
    std::erase_if(p.history, [](const HistoryEntry& h) { return h.entry.has_correction(); });
    RandomPerson shuffled = p;
    std::shuffle(shuffled.history.begin(), shuffled.history.end(), rng);
    std::stable_sort(shuffled.history.begin(), shuffled.history.end(),
                     [](const HistoryEntry& a, const HistoryEntry& b) {
                       const auto month = [](const HistoryEntry& h) {
                         return h.entry.has_monthly_contribution()
                                    ? *ParseMonth(h.entry.monthly_contribution().period())
                                    : 0;
                       };
                       return month(a) < month(b);
                     });
    for (size_t i = 0; i < shuffled.history.size(); ++i) shuffled.history[i].index = i + 1;
    const Date on{2030, 1, 1};
    const Entitlement a = MustCompute(p, p.employee_scheme, on);
    const Entitlement b = MustCompute(shuffled, p.employee_scheme, on);
    ASSERT_EQ(a.months, b.months) << n;
    ASSERT_EQ(a.account_balance_fen, b.account_balance_fen) << n;
    ASSERT_EQ(a.account_interest_fen, b.account_interest_fen) << n;
    const TransferRequest r =
        Move(*ParseSchemeId(p.employee_scheme), *ParseSchemeId(p.resident_scheme), on);
    const auto plan_a = PlanTransfer(DefaultRules(), p.person_id, p.history, r);
    const auto plan_b = PlanTransfer(DefaultRules(), p.person_id, shuffled.history, r);
    ASSERT_EQ(plan_a.ok(), plan_b.ok()) << n;
    if (plan_a.ok()) {
      ASSERT_EQ(plan_a->SerializeAsString(), plan_b->SerializeAsString()) << n;
    }
  }
}

}  // namespace
}  // namespace pbl::ledger
