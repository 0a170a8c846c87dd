// libFuzzer target for the CSV files administrators import (cli/csv_import.h): the RFC 4180
// reader, CheckContributionCsv and CheckEnrolmentCsv on arbitrary text, and BuildEntry on the
// rows they accept.
//
// The properties checked, besides "never crash":
//  - the reader round-trips: the records of a text without malformed or cut records, written
//    back with every field quoted, read back to the same records (blank or not, same fields);
//  - a checked file has rows only when it has no problem, and problems are counted past the
//    kProblemsShownMax shown; each problem names a line of the text (1 to its line count) and
//    a column of the file, "header" or "row";
//  - accepted rows are in line order, and each builds an entry that the ledger accepts at
//    append (ledger::ValidateEntry, once the node has set its time) for the row's person and
//    scheme: "a node refuses none of them for its content", as the header promises;
//  - the entry says what the row's text says: the period of a monthly row is the month index
//    the row holds, written YYYY-MM.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/csv_import.h"
#include "ledger/domain/calendar.h"
#include "ledger/domain/entry_validation.h"
#include "pbl/v1/entry.pb.h"
#include "tests/fuzz/fuzz_check.h"

namespace pbl::cli {
namespace {

struct Record {
  bool blank = false;
  std::vector<std::string> fields;
  bool operator==(const Record&) const = default;
};

// The records of `text`; false if one is malformed or has fields past kCsvFieldsMax.
bool ReadAll(std::string_view text, std::vector<Record>* records) {
  CsvReader reader(text);
  CsvRecord record;
  int64_t previous_line = 0;
  while (reader.Next(&record)) {
    PBL_FUZZ_CHECK(record.line > previous_line, "records start on increasing lines");
    PBL_FUZZ_CHECK(record.fields.size() <= kCsvFieldsMax, "fields past the limit are cut");
    previous_line = record.line;
    if (!record.error.empty() || record.fields_cut > 0) return false;
    records->push_back({record.blank, {record.fields.begin(), record.fields.end()}});
  }
  return true;
}

std::string WriteAll(const std::vector<Record>& records) {
  std::string out;
  for (const Record& r : records) {
    for (size_t i = 0; i < r.fields.size(); ++i) {
      if (i > 0) out.push_back(',');
      out.push_back('"');
      for (char c : r.fields[i]) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
      }
      out.push_back('"');
    }
    out.push_back('\n');
  }
  return out;
}

void CheckReaderRoundTrip(std::string_view text) {
  std::vector<Record> records;
  if (!ReadAll(text, &records)) return;
  std::vector<Record> again;
  PBL_FUZZ_CHECK(ReadAll(WriteAll(records), &again), "written records read back");
  PBL_FUZZ_CHECK(again == records, "written records read back unchanged");
}

int64_t LineCount(std::string_view text) {
  return static_cast<int64_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

template <typename Row, size_t N>
void CheckProblems(std::string_view text, const CheckedCsv<Row>& checked,
                   const std::array<std::string_view, N>& columns) {
  const ProblemList& problems = checked.problems;
  PBL_FUZZ_CHECK(problems.shown().size() <= kProblemsShownMax, "at most kProblemsShownMax shown");
  PBL_FUZZ_CHECK(problems.count() >= static_cast<int64_t>(problems.shown().size()),
                 "every shown problem is counted");
  PBL_FUZZ_CHECK(problems.empty() || checked.rows.empty(), "no rows from a file with problems");
  for (const RowProblem& p : problems.shown()) {
    PBL_FUZZ_CHECK(p.line >= 1 && p.line <= LineCount(text), "a problem names a line of the text");
    const bool known = p.field == "header" || p.field == "row" ||
                       std::find(columns.begin(), columns.end(), p.field) != columns.end();
    PBL_FUZZ_CHECK(known, "a problem names a column, the header or the row");
    PBL_FUZZ_CHECK(!p.message.empty(), "a problem says what is wrong");
  }
}

// What the node does with a built entry: it sets the time, then the ledger checks the bytes.
template <typename Row>
v1::Entry CheckBuilt(const Row& row, const SchemeTable& schemes) {
  v1::Entry entry;
  BuildEntry(row, schemes, &entry);
  entry.set_node_time_unix_ms(1'717'000'000'000);
  absl::StatusOr<ledger::EntryKeyFields> fields = ledger::ValidateEntry(entry.SerializeAsString());
  PBL_FUZZ_CHECK(fields.ok(), "an accepted row builds an entry the ledger accepts");
  PBL_FUZZ_CHECK(fields->person_id == std::string(row.person_id.data(), row.person_id.size()),
                 "the entry is the row's person's");
  PBL_FUZZ_CHECK(fields->scheme_id == schemes.text(row.scheme), "the entry is in the row's scheme");
  return entry;
}

template <typename Row>
void CheckRowOrder(const std::vector<Row>& rows) {
  for (size_t i = 1; i < rows.size(); ++i) {
    PBL_FUZZ_CHECK(rows[i - 1].line < rows[i].line, "rows in line order");
  }
}

void CheckContributions(std::string_view text) {
  const CheckedCsv<ContributionRow> checked = CheckContributionCsv(text);
  CheckProblems(text, checked, kContributionColumns);
  CheckRowOrder(checked.rows);
  for (const ContributionRow& row : checked.rows) {
    const v1::Entry entry = CheckBuilt(row, checked.schemes);
    if (row.annual) {
      PBL_FUZZ_CHECK(entry.annual_premium().year() == row.period, "a premium of the row's year");
    } else {
      PBL_FUZZ_CHECK(entry.monthly_contribution().period() == ledger::FormatMonth(row.period),
                     "a contribution of the row's month");
    }
  }
}

void CheckEnrolments(std::string_view text) {
  const CheckedCsv<EnrolmentRow> checked = CheckEnrolmentCsv(text);
  CheckProblems(text, checked, kEnrolmentColumns);
  CheckRowOrder(checked.rows);
  for (const EnrolmentRow& row : checked.rows) {
    const v1::Entry entry = CheckBuilt(row, checked.schemes);
    PBL_FUZZ_CHECK(entry.enrolment().date() == ledger::FormatDate(row.date), "the row's date");
  }
}

}  // namespace
}  // namespace pbl::cli

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  pbl::cli::CheckReaderRoundTrip(text);
  pbl::cli::CheckContributions(text);
  pbl::cli::CheckEnrolments(text);
  return 0;
}
