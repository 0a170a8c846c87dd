#include "cli/statement_file.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "ledger/domain/person_id.h"
#include "rpc/proofs.h"

namespace pbl::cli {

namespace {

// Reads a text one LF-terminated line at a time, counting lines from 1.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }
  int64_t line() const { return line_; }  // the line last read
  bool NextStartsWith(std::string_view prefix) const {
    return text_.substr(pos_).starts_with(prefix);
  }

  // The next line without its LF; `what` says what was expected there, for the error.
  absl::StatusOr<std::string_view> Next(std::string_view what) {
    if (AtEnd()) {
      return absl::InvalidArgumentError(
          StrCat("line ", line_ + 1, ": the file ends where ", what, " was expected"));
    }
    ++line_;
    const size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) {
      return absl::InvalidArgumentError(StrCat("line ", line_, ": does not end in a newline"));
    }
    const std::string_view line = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return line;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int64_t line_ = 0;
};

absl::Status LineError(int64_t line, std::string_view context, std::string_view message) {
  return absl::InvalidArgumentError(StrCat("line ", line, context, ": ", message));
}

// The value after `keyword` and one space, or INVALID_ARGUMENT saying what the line should be.
absl::StatusOr<std::string_view> Field(const LineReader& r, std::string_view line,
                                       std::string_view keyword, std::string_view context,
                                       std::string_view form) {
  if (!line.starts_with(keyword) || line.size() <= keyword.size() || line[keyword.size()] != ' ') {
    return LineError(r.line(), context, StrCat("expected `", keyword, " ", form, "`"));
  }
  return line.substr(keyword.size() + 1);
}

// A canonical decimal count in [1, max].
absl::StatusOr<int64_t> Count(const LineReader& r, std::string_view text, int64_t max,
                              std::string_view what) {
  absl::StatusOr<int64_t> n = crypto::ParseDecimal(text);
  if (!n.ok() || *n < 1 || *n > max) {
    return LineError(r.line(), "",
                     StrCat(what, " must be a decimal from 1 to ", max, " without leading zeros"));
  }
  return *n;
}

absl::Status ParseHead(LineReader& r, StatementFile* file) {
  PBL_ASSIGN_OR_RETURN(std::string_view header, r.Next("the header line"));
  if (header != kStatementHeader) {
    return LineError(r.line(), "",
                     StrCat("the header line must be exactly \"", kStatementHeader, "\""));
  }
  PBL_ASSIGN_OR_RETURN(std::string_view line, r.Next("the person line"));
  PBL_ASSIGN_OR_RETURN(std::string_view person, Field(r, line, "person", "", "<person id>"));
  if (absl::Status s = ledger::ValidatePersonId(person); !s.ok()) {
    return LineError(r.line(), "", StrCat("person: ", ToStd(s.message())));
  }
  file->statement.set_person_id(std::string(person));
  return absl::OkStatus();
}

// Reads the note (its lines verbatim) and the cosignature lines; returns the line of each
// signature, in the order of the note with the cosignatures appended.
absl::StatusOr<std::vector<int64_t>> ParseCheckpointLines(LineReader& r, StatementFile* file) {
  PBL_ASSIGN_OR_RETURN(std::string_view line, r.Next("the checkpoint line"));
  PBL_ASSIGN_OR_RETURN(std::string_view count, Field(r, line, "checkpoint", "", "<lines>"));
  PBL_ASSIGN_OR_RETURN(const int64_t lines,
                       Count(r, count, kStatementNoteLinesMax, "the checkpoint's line count"));
  const int64_t first = r.line() + 1;
  std::string note;
  for (int64_t i = 0; i < lines; ++i) {
    PBL_ASSIGN_OR_RETURN(std::string_view text, r.Next("a line of the checkpoint note"));
    StrAppend(&note, text, "\n");
  }
  const std::string where = StrCat(" (checkpoint, lines ", first, "-", r.line(), ")");
  absl::StatusOr<crypto::Note> parsed = crypto::ParseNote(note);
  if (!parsed.ok()) return LineError(first, where, ToStd(parsed.status().message()));
  if (absl::Status s = crypto::ParseCheckpoint(parsed->text).status(); !s.ok()) {
    return LineError(first, where, ToStd(s.message()));
  }
  std::vector<int64_t> signature_lines;
  const int64_t signatures = static_cast<int64_t>(parsed->signatures.size());
  for (int64_t i = 0; i < signatures; ++i) signature_lines.push_back(r.line() - signatures + 1 + i);
  file->statement.set_checkpoint(std::move(note));
  while (r.NextStartsWith("cosignature ")) {
    PBL_ASSIGN_OR_RETURN(line, r.Next("a cosignature line"));
    const std::string_view signature = line.substr(std::string_view("cosignature ").size());
    absl::StatusOr<crypto::Note> one =
        crypto::ParseNote(StrCat(file->statement.checkpoint(), signature, "\n"));
    if (!one.ok() || one->signatures.size() != parsed->signatures.size() + 1) {
      return LineError(r.line(), "", "a cosignature must be one signed-note signature line");
    }
    file->statement.add_cosignatures(std::string(signature));
    signature_lines.push_back(r.line());
  }
  return signature_lines;
}

// No two signature lines by the same key: one key's signature has one place in a file.
absl::Status CheckSignaturesDistinct(const StatementFile& file,
                                     const std::vector<int64_t>& signature_lines) {
  std::string note = file.statement.checkpoint();
  for (const std::string& c : file.statement.cosignatures()) StrAppend(&note, c, "\n");
  absl::StatusOr<crypto::Note> parsed = crypto::ParseNote(note);
  if (!parsed.ok()) {
    return LineError(
        signature_lines.back(), "",
        StrCat("checkpoint with its cosignatures: ", ToStd(parsed.status().message())));
  }
  const std::vector<crypto::NoteSignature>& sigs = parsed->signatures;
  for (size_t i = 0; i < sigs.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (sigs[i].name == sigs[j].name && sigs[i].key_id == sigs[j].key_id) {
        return LineError(signature_lines[i], "",
                         StrCat("a second signature by key ", sigs[i].name, "+",
                                crypto::FormatKeyId(sigs[i].key_id), " (first on line ",
                                signature_lines[j], ")"));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<crypto::Hash> ParseProofLine(const LineReader& r, std::string_view line,
                                            std::string_view context) {
  PBL_ASSIGN_OR_RETURN(std::string_view text, Field(r, line, "proof", context, "<base64 hash>"));
  absl::StatusOr<std::string> bytes = crypto::Base64Decode(text);
  if (!bytes.ok() || bytes->size() != crypto::kHashBytes) {
    return LineError(
        r.line(), context,
        StrCat("a proof hash must be ", crypto::kHashBytes, " bytes in canonical padded base64"));
  }
  crypto::Hash hash;
  std::copy(bytes->begin(), bytes->end(), hash.begin());
  return hash;
}

// One entry block: its `entry` line and its `proof` lines. `previous` is the index before it.
absl::Status ParseEntry(LineReader& r, const std::optional<uint64_t>& previous,
                        StatementFile* file) {
  const std::string after =
      previous ? StrCat(" (after entry ", *previous, ")") : std::string(" (first entry)");
  PBL_ASSIGN_OR_RETURN(std::string_view line, r.Next("an entry line"));
  PBL_ASSIGN_OR_RETURN(std::string_view rest,
                       Field(r, line, "entry", after, "<index> <base64 entry>"));
  const size_t space = rest.find(' ');
  absl::StatusOr<int64_t> index = crypto::ParseDecimal(rest.substr(0, space));
  if (space == std::string_view::npos || !index.ok()) {
    return LineError(r.line(), after, "expected `entry <index> <base64 entry>`");
  }
  const std::string context = StrCat(" (entry ", *index, ")");
  if (previous && static_cast<uint64_t>(*index) <= *previous) {
    return LineError(
        r.line(), context,
        StrCat("entries must be in increasing index order, and ", *index, " follows ", *previous));
  }
  absl::StatusOr<std::string> bytes = crypto::Base64Decode(rest.substr(space + 1));
  if (!bytes.ok() || bytes->empty() || bytes->size() > kStatementEntryBytesMax) {
    return LineError(r.line(), context,
                     StrCat("the entry must be 1 to ", kStatementEntryBytesMax,
                            " bytes in canonical padded base64"));
  }
  v1::ProvenEntry* entry = file->statement.add_entries();
  entry->set_index(static_cast<uint64_t>(*index));
  entry->set_entry(std::move(*bytes));
  file->entry_lines.push_back(r.line());
  while (r.NextStartsWith("proof ")) {
    PBL_ASSIGN_OR_RETURN(line, r.Next("a proof line"));
    if (static_cast<size_t>(entry->inclusion_proof_size()) == kStatementProofHashesMax) {
      return LineError(r.line(), context,
                       StrCat("more than ", kStatementProofHashesMax, " proof hashes"));
    }
    PBL_ASSIGN_OR_RETURN(const crypto::Hash hash, ParseProofLine(r, line, context));
    entry->add_inclusion_proof(std::string(hash.begin(), hash.end()));
  }
  return absl::OkStatus();
}

absl::Status ParseEntries(LineReader& r, StatementFile* file) {
  PBL_ASSIGN_OR_RETURN(std::string_view line, r.Next("the entries line"));
  PBL_ASSIGN_OR_RETURN(std::string_view count, Field(r, line, "entries", "", "<count>"));
  PBL_ASSIGN_OR_RETURN(const int64_t entries,
                       Count(r, count, kStatementEntriesMax, "the number of entries"));
  std::optional<uint64_t> previous;
  for (int64_t i = 0; i < entries; ++i) {
    PBL_RETURN_IF_ERROR(ParseEntry(r, previous, file));
    previous = file->statement.entries().rbegin()->index();
  }
  if (!r.AtEnd()) {
    PBL_RETURN_IF_ERROR(r.Next("nothing").status());
    return LineError(r.line(), StrCat(" (after entry ", *previous, ")"),
                     StrCat("more text after the last of the ", entries,
                            " entries (a changed `proof` line, or trailing data)"));
  }
  return absl::OkStatus();
}

std::string KeyIdOf(const crypto::NoteVerifier& v) {
  return StrCat(v.name(), "+", crypto::FormatKeyId(v.key_id()));
}

bool Holds(const std::vector<std::unique_ptr<crypto::NoteVerifier>>& keys,
           const crypto::NoteVerifier* key) {
  return std::any_of(keys.begin(), keys.end(), [&](const auto& k) { return k.get() == key; });
}

}  // namespace

absl::StatusOr<std::string> FormatStatementFile(const v1::Statement& statement) {
  if (statement.entries().empty()) {
    return absl::InvalidArgumentError("the statement has no entries, so it would prove nothing");
  }
  const std::string& note = statement.checkpoint();
  if (note.empty() || note.back() != '\n') {
    return absl::InvalidArgumentError("the statement's checkpoint does not end in a newline");
  }
  std::string out = StrCat(kStatementHeader, "\nperson ", statement.person_id(), "\n");
  StrAppend(&out, "checkpoint ", std::count(note.begin(), note.end(), '\n'), "\n", note);
  for (const std::string& c : statement.cosignatures()) {
    if (c.find('\n') != std::string::npos) {
      return absl::InvalidArgumentError("a cosignature of the statement holds a newline");
    }
    StrAppend(&out, "cosignature ", c, "\n");
  }
  StrAppend(&out, "entries ", statement.entries_size(), "\n");
  for (const v1::ProvenEntry& e : statement.entries()) {
    StrAppend(&out, "entry ", e.index(), " ", crypto::Base64Encode(e.entry()), "\n");
    for (const std::string& h : e.inclusion_proof()) {
      StrAppend(&out, "proof ", crypto::Base64Encode(h), "\n");
    }
  }
  return out;
}

absl::StatusOr<StatementFile> ParseStatementFile(std::string_view text) {
  if (text.size() > kStatementBytesMax) {
    return absl::InvalidArgumentError(
        StrCat("the file is larger than ", kStatementBytesMax, " bytes"));
  }
  StatementFile file;
  LineReader r(text);
  PBL_RETURN_IF_ERROR(ParseHead(r, &file));
  PBL_ASSIGN_OR_RETURN(const std::vector<int64_t> signature_lines, ParseCheckpointLines(r, &file));
  PBL_RETURN_IF_ERROR(CheckSignaturesDistinct(file, signature_lines));
  PBL_RETURN_IF_ERROR(ParseEntries(r, &file));
  return file;
}

absl::StatusOr<VerifiedCheckpoint> VerifyStatementCheckpoint(const StatementFile& file,
                                                             const TrustedKeys& keys) {
  std::string note = file.statement.checkpoint();
  for (const std::string& c : file.statement.cosignatures()) StrAppend(&note, c, "\n");
  std::vector<const crypto::NoteVerifier*> known;
  for (const auto& k : keys.nodes) known.push_back(k.get());
  for (const auto& k : keys.witnesses) known.push_back(k.get());
  PBL_ASSIGN_OR_RETURN(const crypto::Note parsed, crypto::ParseNote(note));
  for (const crypto::NoteSignature& s : parsed.signatures) {
    const bool trusted = std::any_of(known.begin(), known.end(), [&](const auto* k) {
      return k->name() == s.name && k->key_id() == s.key_id;
    });
    if (!trusted) {
      return absl::UnauthenticatedError(StrCat(
          "checkpoint: signed by ", s.name, "+", crypto::FormatKeyId(s.key_id),
          ", a key that no --vkey or --witness gives (a wrong key, or a changed signature)"));
    }
  }
  absl::StatusOr<crypto::OpenedNote> opened = crypto::OpenNote(note, known);
  if (!opened.ok()) {
    return absl::Status(opened.status().code(),
                        StrCat("checkpoint: ", ToStd(opened.status().message())));
  }
  VerifiedCheckpoint out;
  PBL_ASSIGN_OR_RETURN(out.checkpoint, crypto::ParseCheckpoint(opened->text));
  bool origin_signed = false;
  for (const crypto::NoteVerifier* v : opened->verified_by) {
    const bool node = Holds(keys.nodes, v);
    (node ? out.node_signers : out.witness_signers).push_back(KeyIdOf(*v));
    origin_signed = origin_signed || (node && v->name() == out.checkpoint.origin);
  }
  if (!origin_signed) {
    return absl::UnauthenticatedError(StrCat("checkpoint: not signed by a --vkey key named ",
                                             out.checkpoint.origin, ", its origin"));
  }
  for (const auto& w : keys.witnesses) {
    if (std::find(opened->verified_by.begin(), opened->verified_by.end(), w.get()) ==
        opened->verified_by.end()) {
      return absl::UnauthenticatedError(
          StrCat("checkpoint: witness ", KeyIdOf(*w), " did not cosign it"));
    }
  }
  return out;
}

absl::StatusOr<std::vector<DecodedEntry>> VerifyStatementEntries(
    const StatementFile& file, const crypto::Checkpoint& checkpoint) {
  const v1::Statement& s = file.statement;
  std::vector<DecodedEntry> out;
  for (int i = 0; i < s.entries_size(); ++i) {
    const v1::ProvenEntry& e = s.entries(i);
    const int64_t line = file.entry_lines[static_cast<size_t>(i)];
    if (absl::Status st = rpc::VerifyProvenEntry(e, checkpoint); !st.ok()) {
      return absl::DataLossError(StrCat("line ", line, ": ", ToStd(st.message())));
    }
    absl::StatusOr<DecodedEntry> decoded = DecodeEntry(e.index(), e.entry());
    if (!decoded.ok()) {
      return absl::DataLossError(StrCat("line ", line, ": ", ToStd(decoded.status().message())));
    }
    if (decoded->entry.person_id() != s.person_id()) {
      return absl::DataLossError(StrCat("line ", line, ": entry ", e.index(),
                                        " belongs to another person than the statement's ",
                                        s.person_id()));
    }
    out.push_back(std::move(*decoded));
  }
  return out;
}

absl::StatusOr<crypto::Checkpoint> UnverifiedCheckpoint(const StatementFile& file) {
  PBL_ASSIGN_OR_RETURN(const crypto::Note note, crypto::ParseNote(file.statement.checkpoint()));
  return crypto::ParseCheckpoint(note.text);
}

}  // namespace pbl::cli
