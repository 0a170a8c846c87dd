// libFuzzer target for portable statement files (cli/statement_file.h, specs/statement-format.md):
// ParseStatementFile on arbitrary text, then the offline verify path of `pbl statement verify`
// (VerifyStatementCheckpoint and VerifyStatementEntries) with fixed trusted keys, and the
// export's self-check (VerifyStatementEntries against the unverified checkpoint).
//
// The properties checked, besides "never crash":
//  - parse errors are INVALID_ARGUMENT naming a line of the text ("line N...");
//  - every byte counts: a parsed file is exactly what FormatStatementFile writes for it, so no
//    second spelling of a statement parses; it holds 1..kStatementEntriesMax entries in
//    increasing index order, each of 1..kStatementEntryBytesMax bytes with at most
//    kStatementProofHashesMax proof hashes, and entry_lines name their `entry` lines;
//  - checkpoint errors are DATA_LOSS or UNAUTHENTICATED starting "checkpoint: ", entry errors
//    DATA_LOSS starting "line ";
//  - nothing is forged: a checkpoint that verifies is one the fixture's node signed, and every
//    entry that verifies against it is the byte-for-byte entry at that index of the node's log
//    (tests/fuzz/fuzz_fixtures.h), of the statement's person.
// The trusted keys are the fixture's node alone, or the node and its witness (which must then
// have cosigned); the seeds are the fixture's statement with and without the witness's line.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "cli/statement_file.h"
#include "crypto/base/strings.h"
#include "crypto/checkpoint.h"
#include "crypto/cosignature.h"
#include "crypto/note.h"
#include "google/protobuf/stubs/logging.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_fixtures.h"

namespace pbl::cli {
namespace {

// Every input with invalid UTF-8 in a string field makes protobuf log an error; the fuzzer
// would spend its time writing them.
[[maybe_unused]] const bool kQuietProtobuf = [] {
  google::protobuf::SetLogHandler(nullptr);
  return true;
}();

const TrustedKeys& NodeKeys(bool with_witness) {
  static const TrustedKeys* const keys[2] = {
      [] {
        auto* k = new TrustedKeys();
        k->nodes.push_back(std::make_unique<crypto::Ed25519NoteVerifier>(
            fuzz::SourceNode().origin(), fuzz::SourceNode().key().public_key()));
        return k;
      }(),
      [] {
        auto* k = new TrustedKeys();
        k->nodes.push_back(std::make_unique<crypto::Ed25519NoteVerifier>(
            fuzz::SourceNode().origin(), fuzz::SourceNode().key().public_key()));
        k->witnesses.push_back(std::make_unique<crypto::CosignatureVerifier>(
            fuzz::WitnessNode().origin(), fuzz::WitnessNode().key().public_key()));
        return k;
      }()};
  return *keys[with_witness ? 1 : 0];
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return lines;
}

bool StartsWithLineNumber(std::string_view message) {
  return message.starts_with("line ") && message.size() > 5 && message[5] >= '1' &&
         message[5] <= '9';
}

void CheckParsed(std::string_view text, const StatementFile& file) {
  absl::StatusOr<std::string> formatted = FormatStatementFile(file.statement);
  PBL_FUZZ_CHECK(formatted.ok(), "a parsed statement can be written");
  PBL_FUZZ_CHECK(*formatted == text, "a parsed statement has exactly one spelling");
  const v1::Statement& s = file.statement;
  PBL_FUZZ_CHECK(s.entries_size() >= 1 && s.entries_size() <= kStatementEntriesMax, "entry count");
  PBL_FUZZ_CHECK(file.entry_lines.size() == static_cast<size_t>(s.entries_size()), "entry lines");
  const std::vector<std::string_view> lines = Lines(text);
  for (int i = 0; i < s.entries_size(); ++i) {
    const v1::ProvenEntry& e = s.entries(i);
    PBL_FUZZ_CHECK(i == 0 || e.index() > s.entries(i - 1).index(), "increasing indexes");
    PBL_FUZZ_CHECK(!e.entry().empty() && e.entry().size() <= kStatementEntryBytesMax, "entry size");
    PBL_FUZZ_CHECK(static_cast<size_t>(e.inclusion_proof_size()) <= kStatementProofHashesMax,
                   "proof hash bound");
    const int64_t line = file.entry_lines[static_cast<size_t>(i)];
    PBL_FUZZ_CHECK(line >= 1 && line <= static_cast<int64_t>(lines.size()) &&
                       lines[static_cast<size_t>(line - 1)].starts_with(
                           "entry " + std::to_string(e.index()) + " "),
                   "entry_lines name the entry's line");
  }
}

// A checkpoint the fixture's node signed: its log's tree at some size.
void CheckGenuineCheckpoint(const crypto::Checkpoint& checkpoint) {
  const fuzz::FuzzWorld& world = fuzz::World();
  PBL_FUZZ_CHECK(checkpoint.origin == fuzz::SourceNode().origin(), "the node's origin");
  PBL_FUZZ_CHECK(checkpoint.size >= 1 && checkpoint.size <= world.source_log.size(),
                 "a verified checkpoint is of the node's log");
}

void CheckVerify(const StatementFile& file, bool with_witness) {
  absl::StatusOr<VerifiedCheckpoint> verified =
      VerifyStatementCheckpoint(file, NodeKeys(with_witness));
  if (!verified.ok()) {
    const absl::StatusCode code = verified.status().code();
    PBL_FUZZ_CHECK(
        code == absl::StatusCode::kDataLoss || code == absl::StatusCode::kUnauthenticated,
        "checkpoint errors are DATA_LOSS or UNAUTHENTICATED");
    PBL_FUZZ_CHECK(ToStd(verified.status().message()).starts_with("checkpoint: "),
                   "checkpoint errors start with \"checkpoint: \"");
    return;
  }
  CheckGenuineCheckpoint(verified->checkpoint);
  PBL_FUZZ_CHECK(!verified->node_signers.empty(), "the node signed");
  PBL_FUZZ_CHECK(!with_witness || verified->witness_signers.size() == 1, "the witness signed");
  absl::StatusOr<std::vector<DecodedEntry>> entries =
      VerifyStatementEntries(file, verified->checkpoint);
  if (!entries.ok()) {
    PBL_FUZZ_CHECK(entries.status().code() == absl::StatusCode::kDataLoss &&
                       StartsWithLineNumber(ToStd(entries.status().message())),
                   "entry errors are DATA_LOSS naming the line");
    return;
  }
  const fuzz::FuzzLog& log = fuzz::World().source_log;
  for (const v1::ProvenEntry& e : file.statement.entries()) {
    const auto index = static_cast<int64_t>(e.index());
    PBL_FUZZ_CHECK(index < verified->checkpoint.size && e.entry() == log.entry(index),
                   "a verified entry is the node's entry at its index");
  }
  for (const DecodedEntry& d : *entries) {
    PBL_FUZZ_CHECK(d.entry.person_id() == file.statement.person_id(), "the statement's person");
  }
}

// What `pbl statement export` checks before writing a file: the entries against the
// checkpoint as the node sent it.
void CheckSelfCheck(const StatementFile& file) {
  absl::StatusOr<crypto::Checkpoint> checkpoint = UnverifiedCheckpoint(file);
  PBL_FUZZ_CHECK(checkpoint.ok(), "a parsed file's checkpoint parses");
  absl::StatusOr<std::vector<DecodedEntry>> entries = VerifyStatementEntries(file, *checkpoint);
  if (!entries.ok()) {
    PBL_FUZZ_CHECK(entries.status().code() == absl::StatusCode::kDataLoss &&
                       StartsWithLineNumber(ToStd(entries.status().message())),
                   "entry errors are DATA_LOSS naming the line");
  }
}

}  // namespace
}  // namespace pbl::cli

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<pbl::cli::StatementFile> file = pbl::cli::ParseStatementFile(text);
  if (!file.ok()) {
    PBL_FUZZ_CHECK(file.status().code() == absl::StatusCode::kInvalidArgument &&
                       pbl::cli::StartsWithLineNumber(pbl::ToStd(file.status().message())),
                   "parse errors are INVALID_ARGUMENT naming the line");
    return 0;
  }
  pbl::cli::CheckParsed(text, *file);
  pbl::cli::CheckVerify(*file, /*with_witness=*/false);
  pbl::cli::CheckVerify(*file, /*with_witness=*/true);
  pbl::cli::CheckSelfCheck(*file);
  return 0;
}
