#include "cli/history_view.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/encoding.h"
#include "ledger/domain/calendar.h"
#include "ledger/domain/money.h"
#include "ledger/domain/month_ranges.h"

namespace pbl::cli {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr int kMonthsPerYear = 12;

absl::Status EntryError(uint64_t index, const absl::Status& status) {
  return absl::Status(status.code(), StrCat("entry ", index, ": ", ToStd(status.message())));
}

}  // namespace

absl::StatusOr<DecodedEntry> DecodeEntry(uint64_t index, std::string_view bytes) {
  DecodedEntry decoded;
  decoded.index = index;
  if (!decoded.entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(StrCat("entry ", index, " is not a pbl.v1.Entry"));
  }
  return decoded;
}

absl::StatusOr<MonthsByScheme> CountMonths(std::span<const DecodedEntry> entries) {
  std::map<uint64_t, const v1::Entry*> by_index;
  for (const DecodedEntry& d : entries) by_index[d.index] = &d.entry;
  std::map<std::string, ledger::MonthTally, std::less<>> tallies;
  for (const DecodedEntry& d : entries) {
    ledger::MonthTally* tally = &tallies[d.entry.scheme_id()];
    const v1::Entry* corrected = nullptr;
    if (d.entry.has_correction()) {
      const auto target = by_index.find(d.entry.correction().corrects_index());
      if (target == by_index.end()) continue;  // not in this list: left out
      // The deltas belong to the corrected entry's month or year, in its scheme.
      corrected = target->second;
      tally = &tallies[corrected->scheme_id()];
    }
    if (absl::Status s = tally->Add(d.entry, corrected); !s.ok()) return EntryError(d.index, s);
  }
  MonthsByScheme months;
  for (const auto& [scheme, tally] : tallies) months.emplace(scheme, tally.Months());
  return months;
}

// --- The table -------------------------------------------------------------------------------

namespace {

// What a table row shows of an entry besides its index, scheme and kind.
struct Row {
  std::string period;
  std::string base;
  std::string personal;
  std::string parts;
};

std::string_view KindName(const v1::Entry& e) {
  if (e.body_case() == v1::Entry::BODY_NOT_SET) return "(no body)";
  return e.GetDescriptor()->FindFieldByNumber(e.body_case())->name();
}

std::string_view CategoryName(v1::RetirementCategory c) {
  switch (c) {
    case v1::RETIREMENT_CATEGORY_MALE:
      return "male";
    case v1::RETIREMENT_CATEGORY_FEMALE_WORKER:
      return "female worker";
    case v1::RETIREMENT_CATEGORY_FEMALE_STAFF:
      return "female staff";
    default:
      return "unspecified";
  }
}

std::string Signed(int64_t fen) {
  return fen > 0 ? StrCat("+", ledger::FormatFen(fen)) : ledger::FormatFen(fen);
}

// "12 months, account 960.00, pooled 0.00, refund 0.00"
std::string FiguresText(const v1::TransferFigures& f) {
  const absl::StatusOr<std::vector<int32_t>> months = ledger::RangesToMonths(f.months_credited());
  return StrCat(months.ok() ? std::to_string(months->size()) : "?", " months credited, account ",
                ledger::FormatFen(f.individual_account_fen()), ", pooled ",
                ledger::FormatFen(f.pooled_fen()), ", refund ", ledger::FormatFen(f.refund_fen()));
}

Row DescribeTransfer(const v1::Entry& e) {
  switch (e.body_case()) {
    case v1::Entry::kTransferRequested: {
      const v1::TransferRequested& t = e.transfer_requested();
      return {t.date(), "", "",
              StrCat("transfer ", t.transfer_id(), " requested from ", t.source_node_id(), " ",
                     t.source_scheme_id())};
    }
    case v1::Entry::kTransferInitiated: {
      const v1::TransferInitiated& t = e.transfer_initiated();
      return {t.date(), "", "",
              StrCat("transfer ", t.transfer_id(), " initiated to ", t.destination_node_id(), " ",
                     t.destination_scheme_id())};
    }
    case v1::Entry::kTransferIn: {
      const v1::TransferIn& t = e.transfer_in();
      return {t.date(), "", "",
              StrCat("transfer ", t.transfer_id(), " in from ", t.source_node_id(), " ",
                     t.source_scheme_id(), ": ", FiguresText(t.figures()))};
    }
    case v1::Entry::kTransferOut: {
      const v1::TransferOut& t = e.transfer_out();
      return {t.date(), "", "",
              StrCat("transfer ", t.transfer_id(), " out to ", t.destination_node_id(), " ",
                     t.destination_scheme_id(), ": ", FiguresText(t.figures()))};
    }
    case v1::Entry::kTransferVoided:
      return {"", "", "",
              StrCat("transfer ", e.transfer_voided().transfer_id(),
                     " voided: ", e.transfer_voided().reason())};
    default:
      return {};
  }
}

Row DescribeEntry(const v1::Entry& e) {
  using ledger::FormatFen;
  switch (e.body_case()) {
    case v1::Entry::kEnrolment:
      return {e.enrolment().date(), "", "",
              StrCat("hukou ", e.enrolment().hukou_region(), ", ",
                     CategoryName(e.enrolment().retirement_category()))};
    case v1::Entry::kMonthlyContribution: {
      const v1::MonthlyContribution& c = e.monthly_contribution();
      return {c.period(), FormatFen(c.base_fen()), FormatFen(c.personal_fen()),
              StrCat("employer ", FormatFen(c.employer_fen()))};
    }
    case v1::Entry::kAnnualPremium: {
      const v1::AnnualPremium& p = e.annual_premium();
      return {std::to_string(p.year()), "", FormatFen(p.personal_fen()),
              StrCat("collective ", FormatFen(p.collective_subsidy_fen()), ", government ",
                     FormatFen(p.government_subsidy_fen()))};
    }
    case v1::Entry::kCorrection: {
      const v1::Correction& c = e.correction();
      return {"", Signed(c.base_delta_fen()), Signed(c.personal_delta_fen()),
              StrCat("corrects entry ", c.corrects_index(), ": employer ",
                     Signed(c.employer_delta_fen()), ", collective ",
                     Signed(c.collective_subsidy_delta_fen()), ", government ",
                     Signed(c.government_subsidy_delta_fen()), " (", c.reason(), ")")};
    }
    case v1::Entry::kMlgPayment:
      return {e.mlg_payment().month(), "", "",
              StrCat("paid ", FormatFen(e.mlg_payment().amount_fen()))};
    case v1::Entry::kBenefitPayment:
      return {e.benefit_payment().month(), "", "",
              StrCat("benefit ", FormatFen(e.benefit_payment().amount_fen()))};
    case v1::Entry::kRefund:
      return {"", "", "",
              StrCat("refund ", FormatFen(e.refund().amount_fen()), " (rule ", e.refund().rule_id(),
                     e.refund().transfer_id().empty() ? "" : ", transfer ",
                     e.refund().transfer_id(), ")")};
    default:
      return DescribeTransfer(e);
  }
}

std::string Pad(std::string_view text, size_t width, bool right) {
  const std::string fill(width > text.size() ? width - text.size() : 0, ' ');
  return right ? StrCat(fill, text) : StrCat(text, fill);
}

}  // namespace

void PrintHistoryTable(std::span<const DecodedEntry> entries, std::ostream& out) {
  using Cells = std::array<std::string, 7>;
  std::vector<Cells> rows = {
      {"index", "scheme", "kind", "period", "base", "personal", "employer / premium parts"}};
  for (const DecodedEntry& d : entries) {
    Row r = DescribeEntry(d.entry);
    rows.push_back({std::to_string(d.index), d.entry.scheme_id(), std::string(KindName(d.entry)),
                    std::move(r.period), std::move(r.base), std::move(r.personal),
                    std::move(r.parts)});
  }
  std::array<size_t, 7> width{};
  for (const Cells& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  constexpr std::array<bool, 7> kRight = {true, false, false, false, true, true, false};
  for (const Cells& row : rows) {
    std::string line;
    for (size_t i = 0; i + 1 < row.size(); ++i)
      StrAppend(&line, Pad(row[i], width[i], kRight[i]), "  ");
    line += row.back();
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
  out << "(amounts in yuan; " << entries.size() << " entries)\n";
}

// --- The chart -------------------------------------------------------------------------------

namespace {

struct Glyphs {
  std::string_view none, paid, credited, out;
};
constexpr Glyphs kUnicode = {"\u00b7", "\u2588", "\u2593", "\u2591"};
constexpr Glyphs kAscii = {".", "#", "+", "-"};

std::string_view GlyphOf(ledger::MonthMark mark, const Glyphs& g) {
  switch (mark) {
    case ledger::MonthMark::kPaid:
      return g.paid;
    case ledger::MonthMark::kCredited:
      return g.credited;
    case ledger::MonthMark::kTransferredOut:
      return g.out;
    case ledger::MonthMark::kNone:
      break;
  }
  return g.none;
}

constexpr size_t kBarColumns = kMonthsPerYear + 4;  // 12 cells, a space, a 3-digit count

// The years of the first and last month drawn; {0, -1} when there is none.
std::pair<int32_t, int32_t> YearSpan(const MonthsByScheme& months) {
  int32_t first = 0;
  int32_t last = -1;
  for (const auto& [scheme, m] : months) {
    for (const std::set<int32_t>* s : {&m.paid, &m.credited}) {
      if (s->empty()) continue;
      const int32_t lo = ledger::YearOfMonth(*s->begin());
      const int32_t hi = ledger::YearOfMonth(*s->rbegin());
      first = last < first ? lo : std::min(first, lo);
      last = std::max(last, hi);
    }
  }
  return {first, last};
}

}  // namespace

void PrintMonthChart(const MonthsByScheme& months, bool ascii, std::ostream& out) {
  const Glyphs& g = ascii ? kAscii : kUnicode;
  out << "Months per year in each scheme (the number: months that stay in the scheme)\n  " << g.paid
      << " paid   " << g.credited << " credited by a transfer in   " << g.out
      << " moved out by a transfer   " << g.none << " none\n";
  const auto [first_year, last_year] = YearSpan(months);
  if (last_year < first_year) {
    out << "(no months paid or credited)\n";
    return;
  }
  std::string header = "year";
  for (const auto& [scheme, m] : months) {
    StrAppend(&header, "  ", Pad(scheme, std::max(kBarColumns, scheme.size()), false));
  }
  while (header.back() == ' ') header.pop_back();
  out << header << "\n";
  for (int32_t year = first_year; year <= last_year; ++year) {
    std::string line = std::to_string(year);
    for (const auto& [scheme, m] : months) {
      line += "  ";
      for (int32_t month = 1; month <= kMonthsPerYear; ++month) {
        line += GlyphOf(m.Mark(ledger::MonthIndex(year, month)), g);
      }
      const int32_t count =
          m.CountIn(ledger::MonthIndex(year, 1), ledger::MonthIndex(year, kMonthsPerYear));
      StrAppend(&line, " ", Pad(std::to_string(count), 3, true));
      if (scheme.size() > kBarColumns) line += std::string(scheme.size() - kBarColumns, ' ');
    }
    while (line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

// --- JSON ------------------------------------------------------------------------------------

namespace {

nlohmann::json FieldJson(const Message& m, const FieldDescriptor* f, int i) {
  const Reflection* r = m.GetReflection();
  const bool rep = i >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return rep ? r->GetRepeatedInt32(m, f, i) : r->GetInt32(m, f);
    case FieldDescriptor::CPPTYPE_INT64:
      return rep ? r->GetRepeatedInt64(m, f, i) : r->GetInt64(m, f);
    case FieldDescriptor::CPPTYPE_UINT32:
      return rep ? r->GetRepeatedUInt32(m, f, i) : r->GetUInt32(m, f);
    case FieldDescriptor::CPPTYPE_UINT64:
      return rep ? r->GetRepeatedUInt64(m, f, i) : r->GetUInt64(m, f);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return rep ? r->GetRepeatedDouble(m, f, i) : r->GetDouble(m, f);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return rep ? r->GetRepeatedFloat(m, f, i) : r->GetFloat(m, f);
    case FieldDescriptor::CPPTYPE_BOOL:
      return rep ? r->GetRepeatedBool(m, f, i) : r->GetBool(m, f);
    case FieldDescriptor::CPPTYPE_ENUM:
      return (rep ? r->GetRepeatedEnum(m, f, i) : r->GetEnum(m, f))->name();
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string s = rep ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
      return f->type() == FieldDescriptor::TYPE_BYTES ? crypto::Base64Encode(s) : s;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return ProtoToJson(rep ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f));
  }
  return nullptr;
}

}  // namespace

nlohmann::json ProtoToJson(const Message& message) {
  nlohmann::json out = nlohmann::json::object();
  const google::protobuf::Descriptor* d = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  for (int k = 0; k < d->field_count(); ++k) {
    const FieldDescriptor* f = d->field(k);
    if (f->is_repeated()) {
      nlohmann::json list = nlohmann::json::array();
      for (int i = 0; i < r->FieldSize(message, f); ++i) list.push_back(FieldJson(message, f, i));
      out[f->name()] = std::move(list);
      continue;
    }
    const bool optional_member =
        f->real_containing_oneof() != nullptr || f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    if (optional_member && !r->HasField(message, f)) continue;
    out[f->name()] = FieldJson(message, f, -1);
  }
  return out;
}

nlohmann::json EntriesJson(std::span<const DecodedEntry> entries) {
  nlohmann::json out = nlohmann::json::array();
  for (const DecodedEntry& d : entries) {
    out.push_back({{"index", d.index}, {"entry", ProtoToJson(d.entry)}});
  }
  return out;
}

nlohmann::json MonthsJson(const MonthsByScheme& months) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [scheme, m] : months) {
    std::map<int32_t, std::array<nlohmann::json, 3>> years;
    const std::array<const std::set<int32_t>*, 3> sets = {&m.paid, &m.credited, &m.transferred_out};
    for (size_t k = 0; k < sets.size(); ++k) {
      for (int32_t month : *sets[k]) {
        std::array<nlohmann::json, 3>& lists = years[ledger::YearOfMonth(month)];
        if (lists[k].is_null()) lists[k] = nlohmann::json::array();
        lists[k].push_back(ledger::MonthOfYear(month));
      }
    }
    nlohmann::json by_year = nlohmann::json::object();
    for (auto& [year, lists] : years) {
      for (nlohmann::json& l : lists) {
        if (l.is_null()) l = nlohmann::json::array();
      }
      by_year[std::to_string(year)] = {
          {"paid", lists[0]},
          {"credited", lists[1]},
          {"transferred_out", lists[2]},
          {"count", m.CountIn(ledger::MonthIndex(year, 1), ledger::MonthIndex(year, 12))}};
    }
    out[scheme] = std::move(by_year);
  }
  return out;
}

}  // namespace pbl::cli
