// Sets of months as the protos carry them: sorted, disjoint, non-adjacent ranges of
// "YYYY-MM".."YYYY-MM" (pbl.v1.MonthRange), to and from sorted month indexes
// (calendar.h's MonthIndex), and as text. Pure; thread-safe.
#ifndef PBL_LEDGER_DOMAIN_MONTH_RANGES_H_
#define PBL_LEDGER_DOMAIN_MONTH_RANGES_H_

#include <cstdint>
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
// "2018-01..2022-12,2024-03..2024-03" (ranges joined by `separator`), or "none".
std::string FormatMonthRanges(const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges,
                              std::string_view separator = ",");

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_DOMAIN_MONTH_RANGES_H_
