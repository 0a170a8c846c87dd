#include "ledger/domain/month_ranges.h"

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "ledger/domain/calendar.h"

namespace pbl::ledger {

void MonthsToRanges(const std::vector<int32_t>& months,
                    google::protobuf::RepeatedPtrField<v1::MonthRange>* ranges) {
  ranges->Clear();
  for (size_t i = 0; i < months.size();) {
    size_t j = i;
    while (j + 1 < months.size() && months[j + 1] == months[j] + 1) ++j;
    v1::MonthRange* r = ranges->Add();
    r->set_first(FormatMonth(months[i]));
    r->set_last(FormatMonth(months[j]));
    i = j + 1;
  }
}

absl::StatusOr<std::vector<int32_t>> RangesToMonths(
    const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges) {
  std::vector<int32_t> months;
  for (const v1::MonthRange& r : ranges) {
    PBL_ASSIGN_OR_RETURN(const int32_t first, ParseMonth(r.first(), "month range first"));
    PBL_ASSIGN_OR_RETURN(const int32_t last, ParseMonth(r.last(), "month range last"));
    if (last < first || (!months.empty() && first <= months.back())) {
      return absl::InvalidArgumentError(
          StrCat("month ranges must be sorted and disjoint: ", r.first(), "..", r.last()));
    }
    for (int32_t m = first; m <= last; ++m) months.push_back(m);
  }
  return months;
}

std::string FormatMonthRanges(const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges,
                              std::string_view separator) {
  std::string text;
  for (const v1::MonthRange& r : ranges) {
    StrAppend(&text, text.empty() ? "" : separator, r.first());
    if (r.last() != r.first()) StrAppend(&text, "..", r.last());
  }
  return text.empty() ? "none" : text;
}

std::string FormatMonthRanges(const std::set<int32_t>& months, std::string_view separator) {
  google::protobuf::RepeatedPtrField<v1::MonthRange> ranges;
  MonthsToRanges(std::vector<int32_t>(months.begin(), months.end()), &ranges);
  return FormatMonthRanges(ranges, separator);
}

}  // namespace pbl::ledger
