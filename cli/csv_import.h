// The CSV files administrators import (`pbl import`, `pbl enroll --csv`): an RFC 4180 reader,
// and the checks that turn every row into a compact, validated record of a monthly
// contribution, an annual premium or an enrolment, or into a problem naming the row's line and
// column. A row that passes builds a v1::Entry that the ledger's body validation accepted, so a
// node refuses none of them for its content. No I/O. The reader, the problem list and the
// scheme table are not thread-safe; BuildEntry may run on many threads over a checked file.
#ifndef PBL_CLI_CSV_IMPORT_H_
#define PBL_CLI_CSV_IMPORT_H_

#include <array>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/domain/calendar.h"
#include "ledger/domain/scheme.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::cli {

// A record with more fields than this is cut there (and refused for its field count).
inline constexpr size_t kCsvFieldsMax = 64;
// Problems are shown for at most this many bad rows; the rest are counted.
inline constexpr size_t kProblemsShownMax = 20;
// Distinct scheme ids one file may name.
inline constexpr size_t kSchemesMax = 1'000;
// Data rows one file may hold (about 80 bytes of memory each while importing).
inline constexpr int64_t kImportRowsMax = 20'000'000;

// ---------------------------------------------------------------------------------------------
// RFC 4180.

struct CsvRecord {
  int64_t line = 0;  // the 1-based line the record starts on
  // The fields; views into the text, or into `unescaped` for quoted fields holding "".
  std::vector<std::string_view> fields;
  size_t fields_cut = 0;  // fields past kCsvFieldsMax, not kept
  bool blank = false;     // an empty line
  std::string error;      // malformed quoting; empty when the record is well formed
  std::deque<std::string> unescaped;

  size_t field_count() const { return fields.size() + fields_cut; }
};

// Reads records from text with LF or CRLF line ends, a UTF-8 byte order mark or none, quoted
// fields holding commas, line ends and doubled quotes. Blank lines at the end are not records.
// After a malformed record the reader goes on at the next line.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text);

  // Reads the next record into `record`; false at the end of the text.
  bool Next(CsvRecord* record);

 private:
  void ReadQuoted(CsvRecord* record);
  void ReadUnquoted(CsvRecord* record);
  void AddField(CsvRecord* record, std::string_view field);
  void SkipLine();
  bool OnlyLineEndsLeft() const;

  std::string_view text_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

// ---------------------------------------------------------------------------------------------
// Problems.

struct RowProblem {
  int64_t line = 0;
  std::string field;  // a column name, "header" or "row"
  std::string message;
};

// The first kProblemsShownMax bad rows, and how many there were.
class ProblemList {
 public:
  void Add(RowProblem problem);
  const std::vector<RowProblem>& shown() const { return shown_; }
  int64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }

 private:
  std::vector<RowProblem> shown_;
  int64_t count_ = 0;
};

// The distinct scheme ids of a file, each parsed once; rows refer to them by number.
class SchemeTable {
 public:
  // The number of `text`, adding it if new. INVALID_ARGUMENT for a malformed id or past
  // kSchemesMax.
  absl::StatusOr<uint16_t> Find(std::string_view text);
  const std::string& text(uint16_t number) const { return schemes_[number].first; }
  const ledger::SchemeId& id(uint16_t number) const { return schemes_[number].second; }

 private:
  std::vector<std::pair<std::string, ledger::SchemeId>> schemes_;
};

// ---------------------------------------------------------------------------------------------
// Contributions and premiums.

// The columns of a contribution file, in the order a row's fields are passed to the checks.
inline constexpr std::array<std::string_view, 8> kContributionColumns = {
    "person_id",          "scheme_id",         "period", "base", "personal", "employer",
    "collective_subsidy", "government_subsidy"};

// One checked row: a monthly contribution (period a month index) or an annual premium (period
// a year). Amounts in fen; those a row kind does not have are 0.
struct ContributionRow {
  std::array<char, 18> person_id{};
  uint16_t scheme = 0;  // in the file's SchemeTable
  bool annual = false;
  int32_t period = 0;
  int64_t base_fen = 0;
  int64_t personal_fen = 0;
  int64_t employer_fen = 0;
  int64_t collective_subsidy_fen = 0;
  int64_t government_subsidy_fen = 0;
  int64_t line = 0;
};

// Fills `entry` (cleared first) with the row's contribution or premium.
void BuildEntry(const ContributionRow& row, const SchemeTable& schemes, v1::Entry* entry);

// ---------------------------------------------------------------------------------------------
// Enrolments.

inline constexpr std::array<std::string_view, 5> kEnrolmentColumns = {
    "person_id", "scheme_id", "date", "hukou_region", "retirement_category"};

struct EnrolmentRow {
  std::array<char, 18> person_id{};
  uint16_t scheme = 0;
  ledger::Date date;
  int32_t hukou_region = 0;
  v1::RetirementCategory category = v1::RETIREMENT_CATEGORY_UNSPECIFIED;
  int64_t line = 0;
};

void BuildEntry(const EnrolmentRow& row, const SchemeTable& schemes, v1::Entry* entry);

// ---------------------------------------------------------------------------------------------
// Whole files.

template <typename Row>
struct CheckedCsv {
  std::vector<Row> rows;
  SchemeTable schemes;
  ProblemList problems;  // empty when every row (and the header) is good
};

// Checks the header (exactly the columns, in any order) and every row of a file's text.
CheckedCsv<ContributionRow> CheckContributionCsv(std::string_view text);
CheckedCsv<EnrolmentRow> CheckEnrolmentCsv(std::string_view text);

// Checks one enrolment given as fields in kEnrolmentColumns order (the flags of `pbl enroll`);
// false with `problem` set (line 0) when it is bad.
bool CheckEnrolmentFields(std::span<const std::string_view> fields, SchemeTable* schemes,
                          EnrolmentRow* row, RowProblem* problem);

}  // namespace pbl::cli

#endif  // PBL_CLI_CSV_IMPORT_H_
