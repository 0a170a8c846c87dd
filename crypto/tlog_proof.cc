#include "crypto/tlog_proof.h"

#include "absl/status/status.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/encoding.h"

namespace pbl::crypto {

namespace {

// Splits off the next line (without its newline); nullopt when no newline is left.
std::optional<std::string_view> NextLine(std::string_view* rest) {
  const size_t newline = rest->find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  std::string_view line = rest->substr(0, newline);
  rest->remove_prefix(newline + 1);
  return line;
}

absl::Status Bad(std::string_view why) {
  return absl::InvalidArgumentError(StrCat("tlog-proof: ", why));
}

}  // namespace

std::string TlogProof::Format() const {
  std::string out = StrCat(kTlogProofHeader, "\n");
  if (extra) StrAppend(&out, "extra ", Base64Encode(*extra), "\n");
  StrAppend(&out, "index ", index, "\n");
  for (const Hash& h : hashes) StrAppend(&out, Base64Encode(h), "\n");
  StrAppend(&out, "\n", checkpoint);
  return out;
}

absl::StatusOr<TlogProof> ParseTlogProof(std::string_view text) {
  if (text.size() > kNoteBytesMax) return Bad("proof is too large");
  std::string_view rest = text;
  std::optional<std::string_view> line = NextLine(&rest);
  if (!line || *line != kTlogProofHeader) {
    return Bad(StrCat("first line is not ", kTlogProofHeader));
  }
  TlogProof proof;
  line = NextLine(&rest);
  if (line && line->starts_with("extra ")) {
    absl::StatusOr<std::string> extra = Base64Decode(line->substr(6));
    if (!extra.ok()) return Bad("extra data is not canonical base64");
    proof.extra = std::move(*extra);
    line = NextLine(&rest);
  }
  if (!line || !line->starts_with("index ")) return Bad("missing \"index N\" line");
  absl::StatusOr<int64_t> index = ParseDecimal(line->substr(6));
  if (!index.ok()) return Bad(StrCat("index: ", index.status().message()));
  proof.index = *index;
  while (true) {
    line = NextLine(&rest);
    if (!line) return Bad("missing blank line before the checkpoint");
    if (line->empty()) break;
    if (proof.hashes.size() == kTlogProofHashesMax) return Bad("too many proof hashes");
    absl::StatusOr<std::string> h = Base64Decode(*line);
    if (!h.ok() || h->size() != kHashBytes) {
      return Bad(StrCat("proof hash ", proof.hashes.size() + 1, " is not the base64 of 32 bytes"));
    }
    Hash hash;
    std::copy(h->begin(), h->end(), hash.begin());
    proof.hashes.push_back(hash);
  }
  if (absl::Status s = ParseNote(rest).status(); !s.ok()) {
    return Bad(StrCat("checkpoint: ", s.message()));
  }
  proof.checkpoint = std::string(rest);
  return proof;
}

absl::StatusOr<Checkpoint> VerifyTlogProof(const TlogProof& proof,
                                           std::span<const uint8_t> leaf_data,
                                           const NoteVerifier& log) {
  PBL_ASSIGN_OR_RETURN(OpenedCheckpoint opened, OpenCheckpoint(proof.checkpoint, log));
  PBL_RETURN_IF_ERROR(VerifyInclusion(proof.index, opened.checkpoint.size, LeafHash(leaf_data),
                                      proof.hashes, opened.checkpoint.root));
  return opened.checkpoint;
}

}  // namespace pbl::crypto
