// Month ranges as text (ledger/domain/month_ranges.h): one format for the ranges of the protos and
// for sets of months.
#include "ledger/domain/month_ranges.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "ledger/domain/calendar.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::ledger {
namespace {

void AddRange(google::protobuf::RepeatedPtrField<v1::MonthRange>* ranges, const char* first,
              const char* last) {
  v1::MonthRange* r = ranges->Add();
  r->set_first(first);
  r->set_last(last);
}

int32_t M(int32_t year, int32_t month) { return MonthIndex(year, month); }

TEST(MonthRangesTest, RangesAndSetsOfMonthsAreWrittenAlike) {
  google::protobuf::RepeatedPtrField<v1::MonthRange> ranges;
  EXPECT_EQ(FormatMonthRanges(ranges), "none");
  EXPECT_EQ(FormatMonthRanges(std::set<int32_t>{}), "none");
  AddRange(&ranges, "2019-04", "2020-03");
  AddRange(&ranges, "2021-01", "2021-01");
  EXPECT_EQ(FormatMonthRanges(ranges), "2019-04..2020-03,2021-01");
  EXPECT_EQ(FormatMonthRanges(ranges, ", "), "2019-04..2020-03, 2021-01");
  std::set<int32_t> months = {M(2021, 1)};
  for (int32_t m = M(2019, 4); m <= M(2020, 3); ++m) months.insert(m);
  EXPECT_EQ(FormatMonthRanges(months, ", "), "2019-04..2020-03, 2021-01");
  // Ranges are written as they are, so that a report can show a malformed one.
  AddRange(&ranges, "2018-05", "2017-13");
  EXPECT_EQ(FormatMonthRanges(ranges), "2019-04..2020-03,2021-01,2018-05..2017-13");
}

}  // namespace
}  // namespace pbl::ledger
