// Counting a person's months in one scheme (specs/domain.md, "Months"), once for the entitlement
// and for what `pbl` shows: contributions by month and premium years whole, after corrections (a
// month or year corrected to zero no longer counts, nor does one brought below zero), MLG payment
// months, months credited by transfers in, less the months moved out by transfers out. Pure;
// SchemeMonths is thread-safe, a MonthTally is not.
#ifndef PBL_LEDGER_DOMAIN_MONTHS_H_
#define PBL_LEDGER_DOMAIN_MONTHS_H_

#include <cstdint>
#include <map>
#include <set>

#include "absl/status/status.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::ledger {

// A month's net amounts in an employee scheme, after corrections.
struct MonthAmounts {
  int32_t month = 0;  // month index
  int64_t base_fen = 0;
  int64_t credit_fen = 0;  // to the individual account: the personal part, or derived from base
  int64_t employer_fen = 0;
};

// A year's net resident premium, after corrections.
struct YearPremium {
  int32_t year = 0;
  int64_t personal_fen = 0;
  int64_t collective_subsidy_fen = 0;
  int64_t government_subsidy_fen = 0;
};

// Whether net amounts make a month or year count: none below zero and one above. -1 when one is
// below zero (the corrections are broken), 0 when all are zero (corrected away), 1 when it counts.
int AmountsSign(const MonthAmounts& m);
int AmountsSign(const YearPremium& p);

// What a month is in one scheme.
enum class MonthMark { kNone, kPaid, kCredited, kTransferredOut };

// The months (month indexes, calendar.h) of one scheme.
struct SchemeMonths {
  std::set<int32_t> paid;             // contributions, premium years, MLG payments
  std::set<int32_t> credited;         // by transfers in
  std::set<int32_t> transferred_out;  // moved to another scheme by transfers out

  MonthMark Mark(int32_t month) const;
  // Paid or credited here, and not moved out.
  bool Counts(int32_t month) const;
  // The months in [first_month, last_month] that count.
  int32_t CountIn(int32_t first_month, int32_t last_month) const;
  // Every month that counts: (paid or credited) and not moved out.
  std::set<int32_t> Counted() const;
  // Every month paid or credited here that a transfer out moved away.
  std::set<int32_t> MovedOut() const;
};

// Adds up one scheme's entries, in log order, into its months.
class MonthTally {
 public:
  // Adds what `entry` says about months: a contribution's or MLG payment's month, a premium's
  // year, a transfer's months in or out; other entries add nothing. For a correction, `corrected`
  // is the entry it corrects: the deltas go to that contribution's month or premium's year (a
  // correction of anything else, or without `corrected`, adds nothing). INVALID_ARGUMENT for a
  // month or a transfer's month ranges that do not parse.
  absl::Status Add(const v1::Entry& entry, const v1::Entry* corrected = nullptr);

  // The net amounts of each month and premium year, by month index and by year, whatever their
  // sign (AmountsSign tells which count).
  const std::map<int32_t, MonthAmounts>& month_amounts() const { return months_; }
  const std::map<int32_t, YearPremium>& premiums() const { return years_; }

  // The months: paid are the months and premium years whose net amounts count.
  SchemeMonths Months() const;

 private:
  absl::Status AddCorrection(const v1::Correction& c, const v1::Entry& corrected);
  void AddMonth(const MonthAmounts& m);
  void AddYear(const YearPremium& p);

  std::map<int32_t, MonthAmounts> months_;
  std::map<int32_t, YearPremium> years_;
  std::set<int32_t> credited_;
  std::set<int32_t> transferred_out_;
};

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_DOMAIN_MONTHS_H_
