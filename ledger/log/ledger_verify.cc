// Ledger::Verify: the full check an auditor runs (specs/ledger.md, "Verification").
#include <map>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "crypto/short_hash.h"
#include "ledger/log/ledger.h"
#include "ledger/log/log_format.h"

namespace pbl::ledger {

namespace {

constexpr int64_t kProgressEvery = 1 << 16;

// Reads the stored hash blobs in order, as the entries are checked in order.
class StoredHashCursor {
 public:
  explicit StoredHashCursor(const Storage& storage) : storage_(storage) {}

  // The stored hash at `index`; indexes must be asked for in increasing order without gaps.
  absl::StatusOr<crypto::Hash> Next(int64_t index) {
    if (index >= blob_start_ + static_cast<int64_t>(blob_.size() / crypto::kHashBytes)) {
      absl::StatusOr<std::string> blob = storage_.Get(HashBlobKey(index));
      if (!blob.ok()) {
        return AsDataLoss(blob.status(),
                          StrCat("the hash blob starting at stored hash ", index, " is missing"));
      }
      starts_.push_back(index);
      if (blob->empty() || blob->size() % crypto::kHashBytes != 0) {
        return absl::DataLossError(StrCat("the hash blob starting at stored hash ", index, " has ",
                                          blob->size(), " bytes"));
      }
      blob_start_ = index;
      blob_ = std::move(*blob);
    }
    crypto::Hash h;
    std::copy_n(blob_.begin() + (index - blob_start_) * static_cast<int64_t>(crypto::kHashBytes),
                crypto::kHashBytes, h.begin());
    return h;
  }

  int64_t end() const {
    return blob_start_ + static_cast<int64_t>(blob_.size() / crypto::kHashBytes);
  }
  // The start of every blob read, in order.
  const std::vector<int64_t>& starts() const { return starts_; }

 private:
  const Storage& storage_;
  std::vector<int64_t> starts_;
  int64_t blob_start_ = 0;
  std::string blob_;
};

}  // namespace

absl::Status Ledger::Verify(const std::function<void(int64_t, int64_t)>& progress) const {
  const LogHead head = Head();
  const int64_t size = head.size;

  // Every checkpoint must verify; its root is checked when the recomputed tree reaches its size.
  std::map<int64_t, crypto::Hash> checkpoint_roots;
  absl::Status scan_error;
  PBL_RETURN_IF_ERROR(storage_->Scan(
      CheckpointKey(0), CheckpointKey(size + 1), [&](std::string_view key, std::string_view note) {
        const int64_t at = DecodeIndexKey(kCheckpointPrefix, key).value_or(-1);
        absl::StatusOr<crypto::OpenedCheckpoint> opened = crypto::OpenCheckpoint(note, verifier_);
        if (!opened.ok() || opened->checkpoint.size != at) {
          scan_error = absl::DataLossError(
              StrCat("checkpoint at size ", at, " does not verify: ",
                     opened.ok() ? std::string("its size differs from its key")
                                 : std::string(ToStd(opened.status().message()))));
          return false;
        }
        checkpoint_roots[at] = opened->checkpoint.root;
        return true;
      }));
  PBL_RETURN_IF_ERROR(scan_error);
  if (!checkpoint_roots.contains(size)) {
    return absl::DataLossError(StrCat("no checkpoint is stored for the log's size ", size));
  }

  const crypto::ShortHasher index_hasher = crypto::ShortHasher::WithRandomKey();
  uint64_t expected_index_sum = 0;
  crypto::MerkleFrontier tree;
  StoredHashCursor stored(*storage_);
  std::vector<crypto::Hash> recomputed;
  int64_t next_index = 0;
  int64_t next_stored = 0;
  const auto check_entry = [&](int64_t index, std::string_view bytes) -> absl::Status {
    if (index != next_index) {
      return absl::DataLossError(StrCat("entry ", next_index, " is missing"));
    }
    absl::StatusOr<EntryKeyFields> fields = ValidateEntry(bytes);
    if (!fields.ok()) {
      return absl::DataLossError(StrCat(
          "entry ", next_index, " is not a valid entry: ", ToStd(fields.status().message())));
    }
    expected_index_sum += index_hasher.Hash(
        crypto::AsBytes(PersonKey(fields->person_id, fields->scheme_id, next_index)));
    recomputed.clear();
    tree.Append(crypto::LeafHash(crypto::AsBytes(bytes)), &recomputed);
    for (size_t level = 0; level < recomputed.size(); ++level, ++next_stored) {
      PBL_ASSIGN_OR_RETURN(crypto::Hash h, stored.Next(next_stored));
      if (h != recomputed[level]) {
        return absl::DataLossError(
            level == 0
                ? StrCat("entry ", next_index,
                         ": its bytes do not match its stored leaf hash "
                         "(stored hash ",
                         next_stored, ")")
                : StrCat("stored hash ", next_stored, " (level ", level, ", closed by entry ",
                         next_index, ") does not match the hash recomputed from the entries"));
      }
    }
    ++next_index;
    if (auto it = checkpoint_roots.find(tree.size()); it != checkpoint_roots.end()) {
      if (it->second != tree.Root()) {
        return absl::DataLossError(StrCat("the checkpoint at size ", tree.size(),
                                          " does not have the root of the stored entries"));
      }
    }
    if (progress && next_index % kProgressEvery == 0) progress(next_index, size);
    return absl::OkStatus();
  };
  PBL_RETURN_IF_ERROR(ScanEntries(0, size, [&](int64_t index, std::string_view bytes) {
    scan_error = check_entry(index, bytes);
    return scan_error.ok();
  }));
  PBL_RETURN_IF_ERROR(scan_error);
  if (next_index != size) return absl::DataLossError(StrCat("entry ", next_index, " is missing"));
  if (stored.end() != next_stored && size > 0) {
    return absl::DataLossError(StrCat("the hash blob ending at stored hash ", stored.end(),
                                      " holds more hashes than the entries make"));
  }
  // Proofs find a hash through the greatest blob key not above it, so a stray blob key inside
  // the tree would change what proofs read even though every blob read above was right.
  size_t blob = 0;
  PBL_RETURN_IF_ERROR(storage_->Scan(
      HashBlobKey(0), HashBlobKey(next_stored), [&](std::string_view key, std::string_view) {
        const std::optional<int64_t> start = DecodeIndexKey(kHashPrefix, key);
        if (blob >= stored.starts().size() || start != stored.starts()[blob]) {
          scan_error =
              absl::DataLossError(StrCat("a hash blob key at stored hash ", start.value_or(-1),
                                         " is not the start of a group's hashes"));
          return false;
        }
        ++blob;
        return true;
      }));
  PBL_RETURN_IF_ERROR(scan_error);
  if (tree.Root() != head.root) {
    return absl::DataLossError("the latest checkpoint does not have the root of the entries");
  }
  if (progress) progress(size, size);
  return VerifyIndex(size, expected_index_sum, index_hasher);
}

absl::Status Ledger::VerifyIndex(int64_t size, uint64_t expected_sum,
                                 const crypto::ShortHasher& hasher) const {
  uint64_t sum = 0;
  int64_t rows = 0;
  absl::Status row_error;
  const std::string start(1, kPersonPrefix);
  const std::string end(1, static_cast<char>(kPersonPrefix + 1));
  PBL_RETURN_IF_ERROR(storage_->Scan(start, end, [&](std::string_view key, std::string_view) {
    const std::optional<PersonKeyParts> parts = ParsePersonKey(key);
    if (parts && parts->index >= size) {
      // A group appended while Verify runs has rows past the head it checks; a row past the
      // head with no entry is damage.
      absl::Status entry = ReadEntry(parts->index).status();
      if (entry.ok()) return true;
      if (!absl::IsNotFound(entry)) {
        row_error = entry;
        return false;
      }
    }
    if (!parts || parts->index >= size) {
      row_error =
          absl::DataLossError(StrCat("person index row ", crypto::HexEncode(crypto::AsBytes(key)),
                                     parts ? " points past the log" : " is malformed"));
      return false;
    }
    sum += hasher.Hash(crypto::AsBytes(key));
    ++rows;
    return true;
  }));
  PBL_RETURN_IF_ERROR(row_error);
  if (rows == size && sum == expected_sum) return absl::OkStatus();
  return LocateIndexDamage(size);
}

absl::Status Ledger::LocateIndexDamage(int64_t size) const {
  // Slow path, taken only when the index is damaged: find a row that names the wrong entry...
  absl::Status found;
  const std::string start(1, kPersonPrefix);
  const std::string end(1, static_cast<char>(kPersonPrefix + 1));
  PBL_RETURN_IF_ERROR(storage_->Scan(start, end, [&](std::string_view key, std::string_view) {
    const std::optional<PersonKeyParts> parts = ParsePersonKey(key);
    if (parts->index >= size) return true;  // appended while Verify ran (checked before)
    absl::StatusOr<std::string> bytes = ReadEntry(parts->index);
    absl::StatusOr<EntryKeyFields> fields =
        bytes.ok() ? ValidateEntry(*bytes) : absl::StatusOr<EntryKeyFields>(bytes.status());
    if (!fields.ok() || fields->person_id != parts->person_id ||
        fields->scheme_id != parts->scheme_id) {
      found = absl::DataLossError(StrCat("person index row for entry ", parts->index,
                                         " names a person or scheme that the entry does not"));
      return false;
    }
    return true;
  }));
  PBL_RETURN_IF_ERROR(found);
  // ...or an entry without its row.
  for (int64_t i = 0; i < size; ++i) {
    PBL_ASSIGN_OR_RETURN(std::string bytes, ReadEntry(i));
    PBL_ASSIGN_OR_RETURN(EntryKeyFields fields, ValidateEntry(bytes));
    if (absl::IsNotFound(
            storage_->Get(PersonKey(fields.person_id, fields.scheme_id, i)).status())) {
      return absl::DataLossError(StrCat("entry ", i, " has no person index row"));
    }
  }
  return absl::DataLossError("the person index differs from the entries");
}

}  // namespace pbl::ledger
