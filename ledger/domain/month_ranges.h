// Sets of months as the protos carry them: sorted, disjoint, non-adjacent ranges of
// "YYYY-MM".."YYYY-MM" (pbl.v1.MonthRange), to and from sorted month indexes
// (calendar.h's MonthIndex), and as text. Pure; thread-safe.
#ifndef PBL_LEDGER_DOMAIN_MONTH_RANGES_H_
#define PBL_LEDGER_DOMAIN_MONTH_RANGES_H_

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::ledger {

// Month index sets as sorted, disjoint, non-adjacent ranges, and back.
void MonthsToRanges(const std::vector<int32_t>& sorted_months,
                    google::protobuf::RepeatedPtrField<v1::MonthRange>* ranges);
absl::StatusOr<std::vector<int32_t>> RangesToMonths(
    const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges);
// "2018-01..2022-12,2024-03" (ranges joined by `separator`, a range of one month as that month),
// or "none". The ranges are written as they are, even when they are not sorted or do not parse.
std::string FormatMonthRanges(const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges,
                              std::string_view separator = ",");
// The same for a set of month indexes, as the ranges MonthsToRanges makes of it.
std::string FormatMonthRanges(const std::set<int32_t>& months, std::string_view separator = ",");

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_DOMAIN_MONTH_RANGES_H_
