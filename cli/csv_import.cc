#include "cli/csv_import.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "crypto/base/strings.h"
#include "ledger/domain/entry_body_validation.h"
#include "ledger/domain/money.h"
#include "ledger/domain/person_id.h"

namespace pbl::cli {

// ---------------------------------------------------------------------------------------------
// CsvReader.

namespace {

constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

// The length of the line end at `pos` (LF, CRLF, or a CR that ends the text), or 0.
size_t LineEndAt(std::string_view text, size_t pos) {
  if (pos >= text.size()) return 0;
  if (text[pos] == '\n') return 1;
  if (text[pos] != '\r') return 0;
  if (pos + 1 == text.size()) return 1;
  return text[pos + 1] == '\n' ? 2 : 0;
}

}  // namespace

CsvReader::CsvReader(std::string_view text) : text_(text) {
  if (text_.starts_with(kUtf8ByteOrderMark)) text_.remove_prefix(kUtf8ByteOrderMark.size());
}

bool CsvReader::OnlyLineEndsLeft() const {
  for (size_t i = pos_; i < text_.size(); ++i) {
    if (text_[i] != '\n' && text_[i] != '\r') return false;
  }
  return true;
}

void CsvReader::SkipLine() {
  const size_t newline = text_.find('\n', pos_);
  pos_ = newline == std::string_view::npos ? text_.size() : newline + 1;
  ++line_;
}

void CsvReader::AddField(CsvRecord* record, std::string_view field) {
  if (record->fields.size() < kCsvFieldsMax) {
    record->fields.push_back(field);
  } else {
    ++record->fields_cut;
  }
}

bool CsvReader::Next(CsvRecord* record) {
  if (pos_ >= text_.size() || OnlyLineEndsLeft()) return false;
  record->line = line_;
  record->fields.clear();
  record->fields_cut = 0;
  record->blank = false;
  record->error.clear();
  record->unescaped.clear();
  if (LineEndAt(text_, pos_) != 0) {
    record->blank = true;
    SkipLine();
    return true;
  }
  while (true) {
    if (pos_ < text_.size() && text_[pos_] == '"') {
      ReadQuoted(record);
    } else {
      ReadUnquoted(record);
    }
    if (!record->error.empty()) {
      if (pos_ < text_.size()) SkipLine();
      return true;
    }
    if (pos_ >= text_.size()) return true;
    if (text_[pos_] == ',') {
      ++pos_;
      continue;
    }
    pos_ += LineEndAt(text_, pos_);
    ++line_;
    return true;
  }
}

void CsvReader::ReadUnquoted(CsvRecord* record) {
  const size_t start = pos_;
  while (pos_ < text_.size() && text_[pos_] != ',' && LineEndAt(text_, pos_) == 0) {
    if (text_[pos_] == '"') {
      record->error = "a quote inside an unquoted field (quote the field and double the quote)";
      return;
    }
    ++pos_;
  }
  AddField(record, text_.substr(start, pos_ - start));
}

void CsvReader::ReadQuoted(CsvRecord* record) {
  ++pos_;  // the opening quote
  size_t start = pos_;
  std::string* unescaped = nullptr;  // only for fields holding a doubled quote
  while (true) {
    const size_t quote = text_.find('"', pos_);
    const size_t end = quote == std::string_view::npos ? text_.size() : quote;
    line_ += std::count(text_.begin() + static_cast<std::ptrdiff_t>(pos_),
                        text_.begin() + static_cast<std::ptrdiff_t>(end), '\n');
    if (quote == std::string_view::npos) {
      record->error = "a quoted field is not closed before the end of the file";
      pos_ = text_.size();
      return;
    }
    if (quote + 1 < text_.size() && text_[quote + 1] == '"') {
      // Deque elements stay where they are as more are added, so `unescaped` stays valid.
      if (unescaped == nullptr) unescaped = &record->unescaped.emplace_back();
      unescaped->append(text_.substr(start, quote + 1 - start));
      pos_ = quote + 2;
      start = pos_;
      continue;
    }
    const std::string_view last = text_.substr(start, quote - start);
    pos_ = quote + 1;
    if (unescaped == nullptr) {
      AddField(record, last);
    } else {
      unescaped->append(last);
      AddField(record, *unescaped);
    }
    if (pos_ < text_.size() && text_[pos_] != ',' && LineEndAt(text_, pos_) == 0) {
      record->error = "characters after the closing quote of a field";
    }
    return;
  }
}

// ---------------------------------------------------------------------------------------------
// Problems and schemes.

void ProblemList::Add(RowProblem problem) {
  ++count_;
  if (shown_.size() < kProblemsShownMax) shown_.push_back(std::move(problem));
}

absl::StatusOr<uint16_t> SchemeTable::Find(std::string_view text) {
  for (size_t i = 0; i < schemes_.size(); ++i) {
    if (schemes_[i].first == text) return static_cast<uint16_t>(i);
  }
  absl::StatusOr<ledger::SchemeId> id = ledger::ParseSchemeId(text);
  if (!id.ok()) return id.status();
  if (schemes_.size() >= kSchemesMax) {
    return absl::InvalidArgumentError(StrCat("the file names more than ", kSchemesMax, " schemes"));
  }
  schemes_.emplace_back(std::string(text), *id);
  return static_cast<uint16_t>(schemes_.size() - 1);
}

namespace {

// Sets `problem` and returns false. Parsers start their messages with the field's name; it is
// dropped, as the report names the field before the message.
bool Fail(RowProblem* problem, std::string_view field, std::string_view message) {
  problem->field = std::string(field);
  if (message.size() > field.size() && message.starts_with(field) && message[field.size()] == ' ') {
    message.remove_prefix(field.size() + 1);
  }
  problem->message = std::string(message);
  return false;
}

bool Fail(RowProblem* problem, std::string_view field, const absl::Status& status) {
  return Fail(problem, field, ToStd(status.message()));
}

// The CSV column of a body field (ledger::FieldError::field); "row" for the body as a whole.
std::string_view ColumnOfBodyField(std::string_view body_field) {
  static constexpr std::pair<std::string_view, std::string_view> kColumns[] = {
      {"monthly_contribution.period", "period"},
      {"monthly_contribution.base_fen", "base"},
      {"monthly_contribution.personal_fen", "personal"},
      {"monthly_contribution.employer_fen", "employer"},
      {"annual_premium.year", "period"},
      {"annual_premium.personal_fen", "personal"},
      {"annual_premium.collective_subsidy_fen", "collective_subsidy"},
      {"annual_premium.government_subsidy_fen", "government_subsidy"},
      {"enrolment.date", "date"},
      {"enrolment.hukou_region", "hukou_region"},
      {"enrolment.retirement_category", "retirement_category"},
  };
  for (const auto& [field, column] : kColumns) {
    if (body_field == field) return column;
  }
  return "row";
}

// Runs the ledger's own checks of an entry body over what a row built.
bool CheckBody(const v1::Entry& entry, const ledger::SchemeId& scheme, RowProblem* problem) {
  std::optional<ledger::FieldError> bad = ledger::CheckEntryBody(entry, scheme);
  if (!bad.has_value()) return true;
  problem->field = std::string(ColumnOfBodyField(bad->field));
  problem->message = std::move(bad->message);
  return false;
}

bool CheckPersonId(std::string_view text, std::array<char, 18>* person_id, RowProblem* problem) {
  if (absl::Status s = ledger::ValidatePersonId(text); !s.ok()) {
    return Fail(problem, "person_id", s);
  }
  std::copy(text.begin(), text.end(), person_id->begin());
  return true;
}

bool CheckScheme(std::string_view text, SchemeTable* schemes, uint16_t* number,
                 RowProblem* problem) {
  absl::StatusOr<uint16_t> found = schemes->Find(text);
  if (!found.ok()) return Fail(problem, "scheme_id", found.status());
  *number = *found;
  return true;
}

bool IsYearText(std::string_view text) {
  return text.size() == 4 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// ---------------------------------------------------------------------------------------------
// Contribution rows.

enum ContributionColumn : size_t {
  kPersonId,
  kSchemeId,
  kPeriod,
  kBase,
  kPersonal,
  kEmployer,
  kCollectiveSubsidy,
  kGovernmentSubsidy,
};

constexpr std::string_view kMonthlyAmounts =
    "a monthly contribution has base, personal and employer";
constexpr std::string_view kAnnualAmounts =
    "an annual premium has personal, collective_subsidy and government_subsidy";

// The period decides the row kind (a year: an annual premium); the scheme must take that kind.
bool CheckPeriod(std::string_view text, const std::string& scheme_text,
                 const ledger::SchemeId& scheme, ContributionRow* row, RowProblem* problem) {
  row->annual = IsYearText(text);
  if (row->annual && !ledger::TakesAnnualPremiums(scheme.kind)) {
    return Fail(problem, "scheme_id",
                StrCat(scheme_text, " takes no annual premiums (period \"", text,
                       "\" is a year); its rows need a month YYYY-MM"));
  }
  if (!row->annual && ledger::TakesAnnualPremiums(scheme.kind)) {
    return Fail(problem, "period",
                StrCat("\"", Utf8Prefix(text, 32), "\" is not a year YYYY: ", scheme_text,
                       " takes annual premiums"));
  }
  if (!row->annual && !ledger::TakesMonthlyContributions(scheme.kind)) {
    return Fail(problem, "scheme_id",
                StrCat(scheme_text, " takes neither monthly contributions nor annual premiums"));
  }
  if (row->annual) {
    row->period =
        (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    if (row->period < ledger::kYearMin || row->period > ledger::kYearMax) {
      return Fail(problem, "period",
                  StrCat("year ", text, " is not in ", ledger::kYearMin, "-", ledger::kYearMax));
    }
    return true;
  }
  absl::StatusOr<int32_t> month = ledger::ParseMonth(text, "period");
  if (!month.ok()) return Fail(problem, "period", month.status());
  row->period = *month;
  return true;
}

// One amount column: yuan with at most 2 decimals, within the ledger's bound. Empty is 0 where
// the row kind has no such amount, and refused where it has.
bool CheckAmount(ContributionColumn column, std::string_view text, bool has, int64_t* fen,
                 RowProblem* problem, std::string_view kind) {
  const std::string_view field = kContributionColumns[column];
  if (text.empty()) {
    if (has) return Fail(problem, field, StrCat("is empty; ", kind));
    *fen = 0;
    return true;
  }
  absl::StatusOr<int64_t> parsed = ledger::ParseYuan(text);
  if (!parsed.ok()) return Fail(problem, field, parsed.status());
  if (*parsed < 0) return Fail(problem, field, StrCat("amount \"", text, "\" is negative"));
  if (*parsed > ledger::kAmountFenMax) {
    return Fail(problem, field,
                StrCat("amount \"", text, "\" exceeds ", ledger::FormatFen(ledger::kAmountFenMax),
                       " yuan"));
  }
  if (!has && *parsed != 0) return Fail(problem, field, StrCat("must be empty or 0: ", kind));
  *fen = *parsed;
  return true;
}

bool CheckAmounts(std::span<const std::string_view> f, ContributionRow* row, RowProblem* p) {
  const bool annual = row->annual;
  const std::string_view kind = annual ? kAnnualAmounts : kMonthlyAmounts;
  return CheckAmount(kBase, f[kBase], !annual, &row->base_fen, p, kind) &&
         CheckAmount(kPersonal, f[kPersonal], true, &row->personal_fen, p, kind) &&
         CheckAmount(kEmployer, f[kEmployer], !annual, &row->employer_fen, p, kind) &&
         CheckAmount(kCollectiveSubsidy, f[kCollectiveSubsidy], annual,
                     &row->collective_subsidy_fen, p, kind) &&
         CheckAmount(kGovernmentSubsidy, f[kGovernmentSubsidy], annual,
                     &row->government_subsidy_fen, p, kind);
}

bool CheckContributionFields(std::span<const std::string_view> f, SchemeTable* schemes,
                             v1::Entry* scratch, ContributionRow* row, RowProblem* problem) {
  if (!CheckPersonId(f[kPersonId], &row->person_id, problem) ||
      !CheckScheme(f[kSchemeId], schemes, &row->scheme, problem) ||
      !CheckPeriod(f[kPeriod], schemes->text(row->scheme), schemes->id(row->scheme), row,
                   problem) ||
      !CheckAmounts(f, row, problem)) {
    return false;
  }
  BuildEntry(*row, *schemes, scratch);
  return CheckBody(*scratch, schemes->id(row->scheme), problem);
}

// ---------------------------------------------------------------------------------------------
// Enrolment rows.

bool CheckCategory(std::string_view text, v1::RetirementCategory* category, RowProblem* problem) {
  static constexpr std::pair<std::string_view, v1::RetirementCategory> kCategories[] = {
      {"male", v1::RETIREMENT_CATEGORY_MALE},
      {"female-worker", v1::RETIREMENT_CATEGORY_FEMALE_WORKER},
      {"female-staff", v1::RETIREMENT_CATEGORY_FEMALE_STAFF},
  };
  for (const auto& [name, value] : kCategories) {
    if (text == name) {
      *category = value;
      return true;
    }
  }
  return Fail(problem, "retirement_category",
              StrCat("\"", Utf8Prefix(text, 32), "\" is not male, female-worker or female-staff"));
}

bool CheckEnrolment(std::span<const std::string_view> f, SchemeTable* schemes, v1::Entry* scratch,
                    EnrolmentRow* row, RowProblem* problem) {
  if (!CheckPersonId(f[0], &row->person_id, problem) ||
      !CheckScheme(f[1], schemes, &row->scheme, problem)) {
    return false;
  }
  absl::StatusOr<ledger::Date> date = ledger::ParseDate(f[2], "date");
  if (!date.ok()) return Fail(problem, "date", date.status());
  row->date = *date;
  absl::StatusOr<int32_t> region = ledger::ParseRegion(f[3], "hukou_region");
  if (!region.ok()) return Fail(problem, "hukou_region", region.status());
  row->hukou_region = *region;
  if (!CheckCategory(f[4], &row->category, problem)) return false;
  BuildEntry(*row, *schemes, scratch);
  return CheckBody(*scratch, schemes->id(row->scheme), problem);
}

// ---------------------------------------------------------------------------------------------
// Files.

// Finds each of `columns` in the header; every problem (missing, unknown or repeated column) is
// added. `index[i]` is the header position of columns[i].
template <size_t N>
bool MapHeader(const CsvRecord& header, const std::array<std::string_view, N>& columns,
               std::array<size_t, N>* index, ProblemList* problems) {
  if (!header.error.empty()) {
    problems->Add({header.line, "header", header.error});
    return false;
  }
  const int64_t before = problems->count();
  std::array<bool, N> seen{};
  for (size_t h = 0; h < header.fields.size(); ++h) {
    const auto it = std::find(columns.begin(), columns.end(), header.fields[h]);
    const std::string name(header.fields[h].substr(0, 64));
    if (it == columns.end()) {
      problems->Add({header.line, "header", StrCat("unknown column \"", name, "\"")});
      continue;
    }
    const size_t c = static_cast<size_t>(it - columns.begin());
    if (seen[c]) problems->Add({header.line, "header", StrCat("column \"", name, "\" repeats")});
    seen[c] = true;
    (*index)[c] = h;
  }
  if (header.fields_cut > 0) problems->Add({header.line, "header", "too many columns"});
  for (size_t c = 0; c < N; ++c) {
    if (!seen[c]) {
      problems->Add({header.line, "header", StrCat("missing column \"", columns[c], "\"")});
    }
  }
  return problems->count() == before;
}

// Whether a record can be a row of an N-column file.
bool CheckShape(const CsvRecord& record, size_t columns, RowProblem* problem) {
  problem->line = record.line;
  if (!record.error.empty()) return Fail(problem, "row", record.error);
  if (record.blank) return Fail(problem, "row", "is blank");
  if (record.field_count() != columns) {
    return Fail(problem, "row",
                StrCat("has ", record.field_count(), " fields; the header has ", columns));
  }
  return true;
}

template <typename Row, size_t N, typename CheckFields>
CheckedCsv<Row> CheckCsv(std::string_view text, const std::array<std::string_view, N>& columns,
                         CheckFields check_fields) {
  CheckedCsv<Row> out;
  CsvReader reader(text);
  CsvRecord record;
  if (!reader.Next(&record)) {
    out.problems.Add({1, "header", "the file is empty; it needs a header row"});
    return out;
  }
  std::array<size_t, N> index{};
  if (!MapHeader(record, columns, &index, &out.problems)) return out;
  std::array<std::string_view, N> fields;
  v1::Entry scratch;
  RowProblem problem;
  int64_t data_rows = 0;
  while (reader.Next(&record)) {
    if (++data_rows > kImportRowsMax) {
      out.problems.Add({record.line, "row",
                        StrCat("the file has more than ", kImportRowsMax, " rows; split it")});
      break;
    }
    if (!CheckShape(record, N, &problem)) {
      out.problems.Add(std::move(problem));
      continue;
    }
    for (size_t c = 0; c < N; ++c) fields[c] = record.fields[index[c]];
    Row row;
    row.line = record.line;
    if (!check_fields(fields, &out.schemes, &scratch, &row, &problem)) {
      problem.line = record.line;
      out.problems.Add(std::move(problem));
    } else if (out.problems.empty()) {
      out.rows.push_back(row);
    }
  }
  if (!out.problems.empty()) out.rows.clear();
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Entries.

namespace {

// YYYY-MM of a checked month index (years 1900-2199), as ledger::FormatMonth writes it but
// without a printf per row.
std::string MonthText(int32_t month_index) {
  const int32_t year = ledger::YearOfMonth(month_index);
  const int32_t month = ledger::MonthOfYear(month_index);
  std::string text = "0000-00";
  text[0] = static_cast<char>('0' + year / 1000);
  text[1] = static_cast<char>('0' + year / 100 % 10);
  text[2] = static_cast<char>('0' + year / 10 % 10);
  text[3] = static_cast<char>('0' + year % 10);
  text[5] = static_cast<char>('0' + month / 10);
  text[6] = static_cast<char>('0' + month % 10);
  return text;
}

}  // namespace

void BuildEntry(const ContributionRow& row, const SchemeTable& schemes, v1::Entry* entry) {
  entry->Clear();
  entry->set_scheme_id(schemes.text(row.scheme));
  entry->mutable_person_id()->assign(row.person_id.data(), row.person_id.size());
  if (row.annual) {
    v1::AnnualPremium* p = entry->mutable_annual_premium();
    p->set_year(row.period);
    p->set_personal_fen(row.personal_fen);
    p->set_collective_subsidy_fen(row.collective_subsidy_fen);
    p->set_government_subsidy_fen(row.government_subsidy_fen);
    return;
  }
  v1::MonthlyContribution* c = entry->mutable_monthly_contribution();
  c->set_period(MonthText(row.period));
  c->set_base_fen(row.base_fen);
  c->set_personal_fen(row.personal_fen);
  c->set_employer_fen(row.employer_fen);
}

void BuildEntry(const EnrolmentRow& row, const SchemeTable& schemes, v1::Entry* entry) {
  entry->Clear();
  entry->set_scheme_id(schemes.text(row.scheme));
  entry->mutable_person_id()->assign(row.person_id.data(), row.person_id.size());
  v1::Enrolment* e = entry->mutable_enrolment();
  e->set_date(ledger::FormatDate(row.date));
  e->set_hukou_region(StrCat(row.hukou_region));
  e->set_retirement_category(row.category);
}

CheckedCsv<ContributionRow> CheckContributionCsv(std::string_view text) {
  return CheckCsv<ContributionRow>(text, kContributionColumns, CheckContributionFields);
}

CheckedCsv<EnrolmentRow> CheckEnrolmentCsv(std::string_view text) {
  return CheckCsv<EnrolmentRow>(text, kEnrolmentColumns, CheckEnrolment);
}

bool CheckEnrolmentFields(std::span<const std::string_view> fields, SchemeTable* schemes,
                          EnrolmentRow* row, RowProblem* problem) {
  v1::Entry scratch;
  problem->line = 0;
  return CheckEnrolment(fields, schemes, &scratch, row, problem);
}

}  // namespace pbl::cli
