#include "crypto/checkpoint.h"

#include <vector>

#include "absl/status/status.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"

namespace pbl::crypto {

std::string Checkpoint::Body() const {
  std::string out = StrCat(origin, "\n", size, "\n", Base64Encode(root), "\n");
  for (const std::string& line : extensions) StrAppend(&out, line, "\n");
  return out;
}

absl::StatusOr<Checkpoint> ParseCheckpoint(std::string_view text) {
  if (absl::Status s = ValidateNoteText(text); !s.ok()) {
    return absl::InvalidArgumentError(StrCat("checkpoint: ", s.message()));
  }
  text.remove_suffix(1);  // the final newline ends the last line
  std::vector<std::string_view> lines;
  for (size_t start = 0;;) {
    const size_t newline = text.find('\n', start);
    lines.push_back(text.substr(start, newline - start));
    if (newline == std::string_view::npos) break;
    if (lines.size() > 3 + kCheckpointExtensionsMax) break;  // reported below
    start = newline + 1;
  }
  if (lines.size() < 3) {
    return absl::InvalidArgumentError("checkpoint has fewer than 3 lines (origin, size, root)");
  }
  if (lines.size() > 3 + kCheckpointExtensionsMax) {
    return absl::InvalidArgumentError(
        StrCat("checkpoint has more than ", kCheckpointExtensionsMax, " extension lines"));
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      return absl::InvalidArgumentError(StrCat("checkpoint line ", i + 1, " is empty"));
    }
  }
  Checkpoint cp;
  cp.origin = std::string(lines[0]);
  absl::StatusOr<int64_t> size = ParseDecimal(lines[1]);
  if (!size.ok()) {
    return absl::InvalidArgumentError(
        StrCat("checkpoint tree size (line 2): ", size.status().message()));
  }
  if (*size > kTreeSizeMax) {
    return absl::InvalidArgumentError("checkpoint tree size (line 2) is larger than 2^62");
  }
  cp.size = *size;
  absl::StatusOr<std::string> root = Base64Decode(lines[2]);
  if (!root.ok() || root->size() != kHashBytes) {
    return absl::InvalidArgumentError(
        "checkpoint root hash (line 3) is not the base64 of 32 bytes");
  }
  std::copy(root->begin(), root->end(), cp.root.begin());
  for (size_t i = 3; i < lines.size(); ++i) cp.extensions.emplace_back(lines[i]);
  return cp;
}

absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint,
                                           std::span<const NoteSigner* const> signers) {
  const std::string body = checkpoint.Body();
  // Refuse to sign what a verifier would refuse to parse.
  PBL_RETURN_IF_ERROR(ParseCheckpoint(body).status());
  return SignNote(body, signers);
}

absl::StatusOr<OpenedCheckpoint> OpenCheckpoint(std::string_view message, const NoteVerifier& log,
                                                std::span<const NoteVerifier* const> others) {
  std::vector<const NoteVerifier*> known = {&log};
  known.insert(known.end(), others.begin(), others.end());
  PBL_ASSIGN_OR_RETURN(OpenedNote note, OpenNote(message, known));
  if (std::find(note.verified_by.begin(), note.verified_by.end(), &log) == note.verified_by.end()) {
    return absl::UnauthenticatedError(
        StrCat("checkpoint is not signed by the log's key ", log.name()));
  }
  PBL_ASSIGN_OR_RETURN(Checkpoint cp, ParseCheckpoint(note.text));
  if (cp.origin != log.name()) {
    return absl::InvalidArgumentError(StrCat("checkpoint origin \"", cp.origin,
                                             "\" is not the log's key name \"", log.name(), "\""));
  }
  return OpenedCheckpoint{std::move(cp), std::move(note)};
}

}  // namespace pbl::crypto
