// What a person is entitled to in one scheme, computed from their entries with the rules
// (rules.h). Every figure carries the id of the rule that produced it. Pure; thread-safe.
#ifndef PBL_LEDGER_DOMAIN_ENTITLEMENT_H_
#define PBL_LEDGER_DOMAIN_ENTITLEMENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/domain/calendar.h"
#include "ledger/domain/months.h"
#include "ledger/domain/rules.h"
#include "ledger/domain/scheme.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::ledger {

// One entry of a person's history with its log index (corrections refer to indices). A history
// may join entries of several logs (a transfer package from another node and this node's own
// entries): `log` tells them apart, and a correction refers to an index in its own log.
struct HistoryEntry {
  uint64_t index = 0;
  v1::Entry entry;
  uint32_t log = 0;
};
// A person's entries in any schemes, ordered by (log, index). Entries of other persons are an
// error.
using History = std::vector<HistoryEntry>;

// Months credited from one transfer in.
struct TransferredMonths {
  std::string transfer_id;
  std::string source_scheme_id;
  int32_t months = 0;
};

struct Entitlement {
  std::string person_id;
  SchemeId scheme;
  Date as_of;

  // Months, each counted once. own: months paid in this scheme (a month whose corrections bring
  // it to zero does not count); an annual premium counts its 12 months.
  int32_t months_own = 0;
  std::vector<TransferredMonths> months_transferred_in;
  int32_t months_transferred_out = 0;
  int32_t months_total = 0;     // own + in - out, each month once
  std::vector<int32_t> months;  // the sorted month indices behind months_total
  std::string months_rule_id;   // the rules of the transfers in, comma-separated
  // The person's own paid months and premium years behind months_own, sorted.
  std::vector<MonthAmounts> own_months;
  std::vector<YearPremium> own_premiums;
  int32_t last_paid_month = 0;  // month index of the last own paid month; 0 if none

  // Individual account: principal (credits and money transferred in) and interest credited at
  // each closed year-end, less what moved out and what was refunded.
  int64_t account_principal_fen = 0;
  int64_t account_interest_fen = 0;
  int64_t account_balance_fen = 0;
  std::string account_rule_id;  // the crediting rule (employee pension); empty: sums only

  int64_t pooled_transferred_in_fen = 0;  // employee pension: pooled money received
  int64_t refunds_fen = 0;

  // Retirement (employee statutory age) and the minimum contribution years at that date.
  v1::RetirementCategory retirement_category = v1::RETIREMENT_CATEGORY_UNSPECIFIED;
  int32_t retirement_month = 0;  // month index; 0 when not enrolled
  std::string retirement_rule_id;
  int32_t minimum_months = 0;
  bool minimum_met = false;
  std::string minimum_rule_id;
  int32_t hukou_region = 0;

  bool drawing_benefit = false;     // a benefit_payment is recorded
  std::string pending_transfer_id;  // initiated or requested, not yet out, in or voided
  std::vector<std::string> finished_transfer_ids;  // moved in or out, or voided
};

// INVALID_ARGUMENT for a history that names another person, is not ordered by (log, index), or has
// a correction of an entry that is not an earlier contribution or premium of the same person and
// scheme; FAILED_PRECONDITION when a rule needed is not in effect.
absl::StatusOr<Entitlement> ComputeEntitlement(const RuleSet& rules, std::string_view person_id,
                                               const History& history, const SchemeId& scheme,
                                               const Date& as_of);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_DOMAIN_ENTITLEMENT_H_
