#include "ledger/domain/corrections.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "absl/numeric/int128.h"
#include "crypto/base/strings.h"
#include "ledger/domain/entry_body_validation.h"

namespace pbl::ledger {

namespace {

// The three amounts of a contribution (base, personal, employer) or of a premium (personal,
// collective subsidy, government subsidy), as they stand; summed in 128 bits, so that no number
// of corrections can overflow the sum.
using Amounts = std::array<absl::int128, 3>;

struct Kind {
  std::array<std::string_view, 3> names;   // of the amounts, for messages
  std::array<std::string_view, 2> unused;  // the deltas that must be zero
};

constexpr Kind kContribution{{"base_fen", "personal_fen", "employer_fen"},
                             {"collective_subsidy_delta_fen", "government_subsidy_delta_fen"}};
constexpr Kind kPremium{{"personal_fen", "collective_subsidy_fen", "government_subsidy_fen"},
                        {"base_delta_fen", "employer_delta_fen"}};

std::array<int64_t, 3> Deltas(const v1::Correction& c, bool contribution) {
  if (contribution) return {c.base_delta_fen(), c.personal_delta_fen(), c.employer_delta_fen()};
  return {c.personal_delta_fen(), c.collective_subsidy_delta_fen(),
          c.government_subsidy_delta_fen()};
}

int64_t UnusedDelta(const v1::Correction& c, bool contribution, int which) {
  if (contribution) {
    return which == 0 ? c.collective_subsidy_delta_fen() : c.government_subsidy_delta_fen();
  }
  return which == 0 ? c.base_delta_fen() : c.employer_delta_fen();
}

absl::Status Refuse(std::string_view field, std::string_view message) {
  return absl::InvalidArgumentError(StrCat("correction.", field, ": ", message));
}

}  // namespace

absl::Status CheckCorrection(const History& history, const v1::Entry& correction) {
  const v1::Correction& c = correction.correction();
  const uint64_t target_index = c.corrects_index();
  const auto target = std::find_if(history.begin(), history.end(), [&](const HistoryEntry& h) {
    return h.log == 0 && h.index == target_index;
  });
  if (target == history.end() || target->entry.person_id() != correction.person_id() ||
      target->entry.scheme_id() != correction.scheme_id()) {
    return Refuse("corrects_index", StrCat(target_index, " is not an entry of this person in ",
                                           correction.scheme_id()));
  }
  const bool contribution = target->entry.has_monthly_contribution();
  if (!contribution && !target->entry.has_annual_premium()) {
    return Refuse("corrects_index",
                  StrCat(target_index, " is not a monthly contribution or annual premium"));
  }
  const Kind& kind = contribution ? kContribution : kPremium;
  for (int i = 0; i < 2; ++i) {
    if (UnusedDelta(c, contribution, i) != 0) {
      return Refuse(kind.unused[static_cast<size_t>(i)],
                    StrCat("must be 0: entry ", target_index, " is a ",
                           contribution ? "monthly contribution" : "annual premium"));
    }
  }
  Amounts amounts;
  if (contribution) {
    const v1::MonthlyContribution& m = target->entry.monthly_contribution();
    amounts = {m.base_fen(), m.personal_fen(), m.employer_fen()};
  } else {
    const v1::AnnualPremium& p = target->entry.annual_premium();
    amounts = {p.personal_fen(), p.collective_subsidy_fen(), p.government_subsidy_fen()};
  }
  // Every correction of the target so far, then this one.
  auto add = [&](const v1::Correction& k) {
    const std::array<int64_t, 3> d = Deltas(k, contribution);
    for (size_t i = 0; i < 3; ++i) amounts[i] += d[i];
  };
  for (const HistoryEntry& h : history) {
    if (h.entry.has_correction() && h.entry.correction().corrects_index() == target_index) {
      add(h.entry.correction());
    }
  }
  add(c);
  // Corrected amounts stay where an entry's own amounts must be: 0 to kAmountFenMax.
  for (size_t i = 0; i < 3; ++i) {
    if (amounts[i] < 0 || amounts[i] > kAmountFenMax) {
      return Refuse("corrects_index",
                    StrCat("entry ", target_index, "'s ", kind.names[i], " would be ",
                           amounts[i] < 0 ? "below 0" : StrCat("above ", kAmountFenMax, " fen"),
                           " after its corrections"));
    }
  }
  return absl::OkStatus();
}

}  // namespace pbl::ledger
