// How `pbl` shows a person's entries: decoded entries, a table of them, a chart of the months in
// each scheme per year, and JSON with the proto's field names. The months are counted as the
// entitlement counts them (ledger/domain/months.h). Pure; thread-safe.
#ifndef PBL_CLI_HISTORY_VIEW_H_
#define PBL_CLI_HISTORY_VIEW_H_

#include <google/protobuf/message.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/domain/months.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::cli {

// One log entry of a person, decoded.
struct DecodedEntry {
  uint64_t index = 0;
  v1::Entry entry;
};

// DATA_LOSS naming the index unless `bytes` parse as a pbl.v1.Entry.
absl::StatusOr<DecodedEntry> DecodeEntry(uint64_t index, std::string_view bytes);

// Every scheme that has an entry, by scheme id.
using MonthsByScheme = std::map<std::string, ledger::SchemeMonths, std::less<>>;

// The months of each scheme (ledger::MonthTally). INVALID_ARGUMENT naming the entry for a month,
// year or month range that does not parse. A correction whose corrected entry is not among
// `entries` is left out.
absl::StatusOr<MonthsByScheme> CountMonths(std::span<const DecodedEntry> entries);

// One line per entry: index, scheme, kind, period (or date, or year), base, personal part, and
// the employer part, premium subsidies or what else the entry says. Amounts in yuan.
void PrintHistoryTable(std::span<const DecodedEntry> entries, std::ostream& out);

// One row per year from the first to the last year with a month; per scheme 12 cells and the
// count of months that year; a legend first. `ascii` draws with ASCII characters only.
void PrintMonthChart(const MonthsByScheme& months, bool ascii, std::ostream& out);

// A message as JSON: fields named as in the proto, every field of a present message (a oneof's
// set member only), 64-bit integers as numbers, enums by name, bytes in base64.
nlohmann::json ProtoToJson(const google::protobuf::Message& message);

// [{"index": N, "entry": {...}}, ...]
nlohmann::json EntriesJson(std::span<const DecodedEntry> entries);

// {"<scheme>": {"<year>": {"paid": [months 1-12], "credited": [...], "transferred_out": [...],
// "count": N}}}, for the years with any month.
nlohmann::json MonthsJson(const MonthsByScheme& months);

}  // namespace pbl::cli

#endif  // PBL_CLI_HISTORY_VIEW_H_
