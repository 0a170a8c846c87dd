#include "ledger/verifier/state_dir.h"

#include <cctype>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "crypto/base/private_file.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/encoding.h"

namespace pbl::verifier {

namespace {

using crypto::Hash;

// A remembered frontier holds one hash per level; its file is a header, the size and the hashes.
constexpr std::string_view kFrontierHeader = "pbl audit frontier v1";
constexpr size_t kFrontierFileBytesMax = 8 << 10;

std::string EscapeOrigin(std::string_view origin) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : origin) {
    const auto b = static_cast<unsigned char>(c);
    if (std::isalnum(b) != 0 || c == '.' || c == '-') {
      out += c;
    } else {
      out += '_';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& path, size_t bytes_max) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return absl::NotFoundError(StrCat("cannot read ", path, ": ", ec.message()));
  if (size > bytes_max) return absl::DataLossError(StrCat(path, " is too large"));
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in) return absl::DataLossError(StrCat("cannot read ", path));
  return s.str();
}

std::string FormatFrontier(const AuditTree& tree) {
  std::string text = StrCat(kFrontierHeader, "\n", tree.size(), "\n");
  for (const Hash& h : tree.Frontier()) StrAppend(&text, crypto::Base64Encode(h), "\n");
  return text;
}

// The tree of a frontier file, or nullopt when the file is missing, malformed or not of `cp`.
std::optional<AuditTree> ReadFrontier(const std::string& path, const crypto::Checkpoint& cp) {
  absl::StatusOr<std::string> text = ReadSmallFile(path, kFrontierFileBytesMax);
  if (!text.ok()) return std::nullopt;
  std::vector<std::string> lines;
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  if (lines.size() < 2 || lines[0] != kFrontierHeader) return std::nullopt;
  absl::StatusOr<int64_t> size = crypto::ParseDecimal(lines[1]);
  if (!size.ok() || *size != cp.size) return std::nullopt;
  std::vector<Hash> subtrees;
  for (size_t i = 2; i < lines.size(); ++i) {
    absl::StatusOr<std::string> bytes = crypto::Base64Decode(lines[i]);
    if (!bytes.ok() || bytes->size() != crypto::kHashBytes) return std::nullopt;
    Hash h;
    std::copy(bytes->begin(), bytes->end(), h.begin());
    subtrees.push_back(h);
  }
  absl::StatusOr<AuditTree> tree = AuditTree::Resume(*size, subtrees);
  if (!tree.ok() || tree->Root() != cp.root) return std::nullopt;
  return *std::move(tree);
}

std::string FrontierPath(const std::string& checkpoint_path) {
  return checkpoint_path.substr(0,
                                checkpoint_path.size() - std::string_view(".checkpoint").size()) +
         ".frontier";
}

}  // namespace

std::string AuditStateDir::CheckpointPath(std::string_view origin) const {
  return (std::filesystem::path(dir_) / (EscapeOrigin(origin) + ".checkpoint")).string();
}

absl::StatusOr<std::optional<RememberedLog>> AuditStateDir::Load(
    const crypto::NoteVerifier& log) const {
  RememberedLog r;
  r.path = CheckpointPath(log.name());
  std::error_code ec;
  if (!std::filesystem::exists(r.path, ec)) return std::nullopt;
  PBL_ASSIGN_OR_RETURN(r.note, ReadSmallFile(r.path, crypto::kNoteBytesMax));
  absl::StatusOr<crypto::OpenedCheckpoint> opened = crypto::OpenCheckpoint(r.note, log);
  if (!opened.ok()) {
    return absl::DataLossError(
        StrCat("the remembered checkpoint ", r.path,
               " does not verify with the log's key: ", ToStd(opened.status().message())));
  }
  r.checkpoint = opened->checkpoint;
  r.tree = ReadFrontier(FrontierPath(r.path), r.checkpoint);
  return r;
}

absl::Status AuditStateDir::Save(std::string_view note, const crypto::Checkpoint& checkpoint,
                                 const AuditTree& tree) const {
  if (tree.size() != checkpoint.size || tree.Root() != checkpoint.root) {
    return absl::InternalError("the tree to remember is not the checkpoint's");
  }
  std::error_code ec;
  // A folder made here is the owner's only; an existing one is left as it is.
  if (std::filesystem::create_directories(dir_, ec)) {
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  if (ec) return absl::UnavailableError(StrCat("cannot create ", dir_, ": ", ec.message()));
  const std::string path = CheckpointPath(checkpoint.origin);
  PBL_RETURN_IF_ERROR(WritePrivateFile(FrontierPath(path), FormatFrontier(tree)));
  return WritePrivateFile(path, note);
}

}  // namespace pbl::verifier
