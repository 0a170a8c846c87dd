// Ledger::Verify: the full check an auditor runs (specs/ledger.md, "Verification").
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "crypto/short_hash.h"
#include "ledger/log/ledger.h"
#include "ledger/log/log_format.h"
#include "ledger/log/map_folder.h"
#include "ledger/log/person_store.h"
#include "ledger/log/sealed.h"

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

// The maps v2 checkpoints carry: map size -> (root, the size of the first checkpoint naming it).
using MapHeads = std::map<int64_t, std::pair<crypto::Hash, int64_t>>;

// Adds the pbl-map line of the v2 checkpoint `cp` to `heads`: DATA_LOSS unless it has exactly
// one, its map size is not below the previous checkpoint's (`last`), and a map size named
// twice has one root.
absl::Status AddMapHead(const crypto::Checkpoint& cp, int64_t* last, MapHeads* heads) {
  absl::StatusOr<MapHead> head = ParseMapLine(cp.extensions, cp.size);
  if (!head.ok()) {
    return absl::DataLossError(
        StrCat("checkpoint at size ", cp.size, ": ", ToStd(head.status().message())));
  }
  if (head->size < *last) {
    return absl::DataLossError(StrCat("checkpoint at size ", cp.size, " has map size ", head->size,
                                      ", below the previous checkpoint's ", *last));
  }
  *last = head->size;
  const auto [it, added] = heads->try_emplace(head->size, head->root, cp.size);
  if (!added && it->second.first != head->root) {
    return absl::DataLossError(StrCat("checkpoints at sizes ", it->second.second, " and ", cp.size,
                                      " give map size ", head->size, " two roots"));
  }
  return absl::OkStatus();
}

// Every checkpoint stored up to `size`, checked against `verifier`, as (size, root), and with
// `map_heads` (v2) their maps; DATA_LOSS if one does not verify or none is stored for `size`.
absl::StatusOr<std::map<int64_t, crypto::Hash>> CheckpointRoots(
    const Storage& storage, const crypto::NoteVerifier& verifier, int64_t size,
    MapHeads* map_heads) {
  std::map<int64_t, crypto::Hash> roots;
  int64_t last_map_size = 0;
  absl::Status scan_error;
  PBL_RETURN_IF_ERROR(storage.Scan(
      CheckpointKey(0), CheckpointKey(size + 1), [&](std::string_view key, std::string_view note) {
        const int64_t at = DecodeIndexKey(kCheckpointPrefix, key).value_or(-1);
        absl::StatusOr<crypto::OpenedCheckpoint> opened = crypto::OpenCheckpoint(note, verifier);
        if (!opened.ok() || opened->checkpoint.size != at) {
          scan_error = absl::DataLossError(
              StrCat("checkpoint at size ", at, " does not verify: ",
                     opened.ok() ? std::string("its size differs from its key")
                                 : std::string(ToStd(opened.status().message()))));
          return false;
        }
        roots[at] = opened->checkpoint.root;
        if (map_heads != nullptr) {
          scan_error = AddMapHead(opened->checkpoint, &last_map_size, map_heads);
          if (!scan_error.ok()) return false;
        }
        return true;
      }));
  PBL_RETURN_IF_ERROR(scan_error);
  if (!roots.contains(size)) {
    return absl::DataLossError(StrCat("no checkpoint is stored for the log's size ", size));
  }
  return roots;
}

// Checks the entries in log order: each one valid, its leaf and the node hashes it closes equal
// to the stored ones, every checkpoint's root equal to the tree's at its size; and sums the
// person index rows the entries call for.
class EntryChecker {
 public:
  // `parameters`: v2, the leaf entry 0 must be; null for v1.
  // `map_heads` (v2): the maps the checkpoints carry, each checked when the leaves reach its
  // size.
  EntryChecker(const Storage& storage, std::map<int64_t, crypto::Hash> checkpoint_roots,
               const crypto::ShortHasher& index_hasher, int64_t size,
               const std::function<void(int64_t, int64_t)>& progress, const std::string* parameters,
               MapHeads map_heads = {})
      : parameters_(parameters),
        map_heads_(std::move(map_heads)),
        stored_(storage),
        checkpoint_roots_(std::move(checkpoint_roots)),
        index_hasher_(index_hasher),
        size_(size),
        progress_(progress) {}

  absl::Status Check(int64_t index, std::string_view bytes) {
    if (index != next_index_) {
      return absl::DataLossError(StrCat("entry ", next_index_, " is missing"));
    }
    const crypto::Hash leaf_hash = crypto::LeafHash(crypto::AsBytes(bytes));
    PBL_RETURN_IF_ERROR(parameters_ != nullptr ? CheckLeaf(index, bytes, leaf_hash)
                                               : CheckEntry(index, bytes));
    recomputed_.clear();
    tree_.Append(leaf_hash, &recomputed_);
    for (size_t level = 0; level < recomputed_.size(); ++level, ++next_stored_) {
      PBL_ASSIGN_OR_RETURN(crypto::Hash h, stored_.Next(next_stored_));
      if (h == recomputed_[level]) continue;
      return absl::DataLossError(
          level == 0 ? StrCat("entry ", index, ": its bytes do not match its stored leaf hash ",
                              "(stored hash ", next_stored_, ")")
                     : StrCat("stored hash ", next_stored_, " (level ", level, ", closed by entry ",
                              index, ") does not match the hash recomputed from the entries"));
    }
    ++next_index_;
    if (auto it = checkpoint_roots_.find(tree_.size()); it != checkpoint_roots_.end()) {
      if (it->second != tree_.Root()) {
        return absl::DataLossError(StrCat("the checkpoint at size ", tree_.size(),
                                          " does not have the root of the stored entries"));
      }
    }
    if (auto it = map_heads_.find(next_index_); it != map_heads_.end()) {
      if (folder_.Flush() != it->second.first) {
        const std::string who = it->second.second < 0
                                    ? std::string("the node's map")
                                    : StrCat("the checkpoint at size ", it->second.second);
        return absl::DataLossError(StrCat(who, " carries a map root for map size ", next_index_,
                                          " that the leaves below it do not give"));
      }
    }
    if (progress_ && next_index_ % kProgressEvery == 0) progress_(next_index_, size_);
    return absl::OkStatus();
  }

  // After the last entry: all `size` were checked and the hash blobs hold no more hashes.
  absl::Status CheckEnd() const {
    if (next_index_ != size_) {
      return absl::DataLossError(StrCat("entry ", next_index_, " is missing"));
    }
    if (stored_.end() != next_stored_ && size_ > 0) {
      return absl::DataLossError(StrCat("the hash blob ending at stored hash ", stored_.end(),
                                        " holds more hashes than the entries make"));
    }
    return absl::OkStatus();
  }

  const crypto::MerkleFrontier& tree() const { return tree_; }
  int64_t person_leaves() const { return person_leaves_; }
  uint64_t index_sum() const { return index_sum_; }
  int64_t next_stored() const { return next_stored_; }
  const std::vector<int64_t>& blob_starts() const { return stored_.starts(); }

 private:
  absl::Status CheckEntry(int64_t index, std::string_view bytes) {
    absl::StatusOr<EntryKeyFields> fields = ValidateEntry(bytes);
    if (!fields.ok()) {
      return absl::DataLossError(
          StrCat("entry ", index, " is not a valid entry: ", ToStd(fields.status().message())));
    }
    index_sum_ += index_hasher_.Hash(
        crypto::AsBytes(PersonIndexKey(fields->person_id, fields->scheme_id, index)));
    return absl::OkStatus();
  }

  // v2: entry 0 is the log's parameters, every other leaf a person leaf (the only kind built).
  absl::Status CheckLeaf(int64_t index, std::string_view bytes, const crypto::Hash& leaf_hash) {
    if (index == 0) {
      if (bytes != *parameters_) {
        return absl::DataLossError("entry 0 is not this log's parameters");
      }
      return absl::OkStatus();
    }
    absl::StatusOr<Leaf> leaf = ParseLeaf(bytes);
    if (!leaf.ok()) {
      return absl::DataLossError(
          StrCat("entry ", index, " is not a v2 leaf: ", ToStd(leaf.status().message())));
    }
    if (leaf->kind != LeafKind::kPerson) {
      return absl::DataLossError(StrCat("entry ", index,
                                        " is a leaf of a kind this log never "
                                        "writes after entry 0"));
    }
    index_sum_ += index_hasher_.Hash(crypto::AsBytes(ChainRowKey(leaf->person_key, index)));
    ++person_leaves_;
    folder_.Add(index, *leaf, leaf_hash);
    return absl::OkStatus();
  }

  const std::string* parameters_;
  const MapHeads map_heads_;
  MapFolder folder_;  // v2: the chains and the map of the leaves checked
  StoredHashCursor stored_;
  const std::map<int64_t, crypto::Hash> checkpoint_roots_;
  const crypto::ShortHasher& index_hasher_;
  const int64_t size_;
  const std::function<void(int64_t, int64_t)>& progress_;
  crypto::MerkleFrontier tree_;
  std::vector<crypto::Hash> recomputed_;
  uint64_t index_sum_ = 0;
  int64_t person_leaves_ = 0;
  int64_t next_index_ = 0;
  int64_t next_stored_ = 0;
};

// Proofs find a hash through the greatest blob key not above it, so a stray blob key inside the
// tree would change what proofs read even though every blob read in order was right: the blob
// keys below `stored_end` must be exactly `starts`.
absl::Status CheckHashBlobKeys(const Storage& storage, const std::vector<int64_t>& starts,
                               int64_t stored_end) {
  size_t blob = 0;
  absl::Status scan_error;
  PBL_RETURN_IF_ERROR(storage.Scan(
      HashBlobKey(0), HashBlobKey(stored_end), [&](std::string_view key, std::string_view) {
        const std::optional<int64_t> start = DecodeIndexKey(kHashPrefix, key);
        if (blob >= starts.size() || start != starts[blob]) {
          scan_error =
              absl::DataLossError(StrCat("a hash blob key at stored hash ", start.value_or(-1),
                                         " is not the start of a group's hashes"));
          return false;
        }
        ++blob;
        return true;
      }));
  return scan_error;
}

}  // namespace

absl::Status Ledger::Verify(const std::function<void(int64_t, int64_t)>& progress) const {
  const LogHead head = Head();
  const int64_t size = head.size;
  // Every checkpoint must verify; its root is checked when the recomputed tree reaches its size.
  using Roots = std::map<int64_t, crypto::Hash>;
  MapHeads map_heads;
  PBL_ASSIGN_OR_RETURN(Roots checkpoint_roots, CheckpointRoots(*storage_, verifier_, size,
                                                               sealed() ? &map_heads : nullptr));
  const crypto::ShortHasher index_hasher = crypto::ShortHasher::WithRandomKey();
  std::optional<std::string> parameters;
  if (sealed()) {
    parameters = LogParametersLeaf(options_.secrets->vrf_public_key());
    if (map_heads.contains(0)) return absl::DataLossError("a checkpoint carries a map of size 0");
    // The mapper's own map too, when it does not cover leaves appended after `head`.
    if (const MapHead own = mapper_->head(); own.size <= size) {
      const auto [it, added] = map_heads.try_emplace(own.size, own.root, -1);
      if (!added && it->second.first != own.root) {
        return absl::DataLossError(StrCat("the node's map of size ", own.size,
                                          " has another root than the checkpoint at size ",
                                          it->second.second));
      }
    }
  }
  EntryChecker checker(*storage_, std::move(checkpoint_roots), index_hasher, size, progress,
                       parameters ? &*parameters : nullptr, std::move(map_heads));
  absl::Status entry_error;
  PBL_RETURN_IF_ERROR(ScanEntries(0, size, [&](int64_t index, std::string_view bytes) {
    entry_error = checker.Check(index, bytes);
    return entry_error.ok();
  }));
  PBL_RETURN_IF_ERROR(entry_error);
  PBL_RETURN_IF_ERROR(checker.CheckEnd());
  PBL_RETURN_IF_ERROR(CheckHashBlobKeys(*storage_, checker.blob_starts(), checker.next_stored()));
  if (checker.tree().Root() != head.root) {
    return absl::DataLossError("the latest checkpoint does not have the root of the entries");
  }
  if (progress) progress(size, size);
  if (sealed()) {
    return VerifySealed(size, checker.person_leaves(), checker.index_sum(), index_hasher);
  }
  return VerifyIndex(size, checker.index_sum(), index_hasher);
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
            storage_->Get(PersonIndexKey(fields.person_id, fields.scheme_id, i)).status())) {
      return absl::DataLossError(StrCat("entry ", i, " has no person index row"));
    }
  }
  return absl::DataLossError("the person index differs from the entries");
}

}  // namespace pbl::ledger

namespace pbl::ledger {

namespace {

// Whose a K is, from the `k` rows: the person's handle and data key, and the scheme.
struct KeyOwner {
  PersonHandle handle{};
  std::shared_ptr<const crypto::SecretKey> data_key;
  std::string scheme_id;
  crypto::VrfProof proof{};
  std::string person_id;  // set once an entry of this K was checked
};

// Every person's data key and every (person, scheme)'s K, from the `k` rows. DATA_LOSS if one
// does not open with the node's master key, or two rows claim one K.
absl::StatusOr<std::map<PersonKey, KeyOwner>> KeyOwners(const Storage& storage,
                                                        const NodeSecrets& secrets) {
  std::map<PersonKey, KeyOwner> owners;
  absl::Status bad;
  PersonHandle handle{};
  std::shared_ptr<const crypto::SecretKey> data_key;
  const std::string start(1, kPersonKeysPrefix);
  const std::string end(1, static_cast<char>(kPersonKeysPrefix + 1));
  PBL_RETURN_IF_ERROR(storage.Scan(start, end, [&](std::string_view key, std::string_view value) {
    if (key.size() < 1 + crypto::kHashBytes) {
      bad = absl::DataLossError("a person row is malformed");
      return false;
    }
    if (key.size() == 1 + crypto::kHashBytes) {  // `k` P: the data key, before P's schemes
      std::memcpy(handle.data(), key.data() + 1, handle.size());
      absl::StatusOr<crypto::SecretKey> unwrapped = secrets.UnwrapDataKey(value, handle);
      if (!unwrapped.ok()) {
        bad = unwrapped.status();
        return false;
      }
      data_key = std::make_shared<const crypto::SecretKey>(*std::move(unwrapped));
      return true;
    }
    if (data_key == nullptr ||
        key.substr(1, crypto::kHashBytes) !=
            std::string_view(reinterpret_cast<const char*>(handle.data()), handle.size())) {
      bad = absl::DataLossError("a person's scheme row has no person row");
      return false;
    }
    const std::string scheme_id(key.substr(1 + crypto::kHashBytes));
    absl::StatusOr<ProvenPersonKey> k = OpenPersonKey(*data_key, handle, scheme_id, value);
    if (!k.ok()) {
      bad = k.status();
      return false;
    }
    if (!owners.emplace(k->key, KeyOwner{handle, data_key, scheme_id, k->proof, {}}).second) {
      bad = absl::DataLossError("two person rows hold one person key");
      return false;
    }
    return true;
  }));
  PBL_RETURN_IF_ERROR(bad);
  return owners;
}

// Checks v2's content rows in log order: each opens with the data key of its leaf's K to an
// opening of that leaf, of an entry of the person and scheme the K's rows name. The K's VRF
// proof is checked to give K (the K -> person binding itself is the AEAD of the person's rows,
// which only the master key makes); the full VRF check is the reader's of a statement or
// package, who knows the person.
class ContentChecker {
 public:
  ContentChecker(const NodeSecrets& secrets, std::map<PersonKey, KeyOwner>* owners)
      : secrets_(secrets), owners_(*owners) {}

  absl::Status Check(int64_t index, std::string_view leaf_bytes, std::string_view row) {
    absl::StatusOr<Leaf> leaf = ParseLeaf(leaf_bytes);
    if (!leaf.ok()) return absl::DataLossError(StrCat("entry ", index, " is not a v2 leaf"));
    const auto owner = owners_.find(leaf->person_key);
    if (owner == owners_.end()) {
      return absl::DataLossError(StrCat("entry ", index, "'s person key has no person row"));
    }
    PBL_ASSIGN_OR_RETURN(const std::string opening,
                         OpenContentRow(index, leaf_bytes, *owner->second.data_key, row));
    const std::string_view content = std::string_view(opening).substr(kCommitmentNonceBytes);
    absl::StatusOr<EntryKeyFields> fields = ValidateEntry(content);
    KeyOwner& o = owner->second;
    bool right = fields.ok() && fields->scheme_id == o.scheme_id;
    if (right && o.person_id.empty()) {
      // The first entry of this K: its person's handle, and the K its proof gives.
      absl::StatusOr<crypto::VrfOutput> beta = crypto::VrfProofToHash(o.proof);
      right = secrets_.HandleOf(fields->person_id) == o.handle && beta.ok() &&
              PersonKeyOf(*beta) == leaf->person_key;
      if (right) o.person_id = fields->person_id;
    } else if (right) {
      right = fields->person_id == o.person_id;
    }
    if (!right) {
      return absl::DataLossError(StrCat(
          "entry ", index, "'s content is not an entry of the person and scheme of its key"));
    }
    return absl::OkStatus();
  }

 private:
  const NodeSecrets& secrets_;
  std::map<PersonKey, KeyOwner>& owners_;
};

constexpr int64_t kContentChunk = 4096;

}  // namespace

absl::Status Ledger::VerifySealed(int64_t size, int64_t person_leaves, uint64_t expected_sum,
                                  const crypto::ShortHasher& hasher) const {
  PBL_RETURN_IF_ERROR(VerifyPersonIndex(size, person_leaves, expected_sum, hasher));
  PBL_ASSIGN_OR_RETURN(auto owners, KeyOwners(*storage_, *options_.secrets));
  ContentChecker checker(*options_.secrets, &owners);
  // Leaves and content rows side by side, a chunk at a time, both read in key order.
  for (int64_t first = 1; first < size; first += kContentChunk) {
    const int64_t end = std::min(size, first + kContentChunk);
    std::vector<std::string> leaves;
    PBL_RETURN_IF_ERROR(ScanEntries(first, end, [&](int64_t, std::string_view leaf) {
      leaves.emplace_back(leaf);
      return true;
    }));
    int64_t next = first;
    absl::Status bad;
    PBL_RETURN_IF_ERROR(storage_->Scan(
        ContentRowKey(first), ContentRowKey(end), [&](std::string_view key, std::string_view row) {
          const int64_t index = DecodeIndexKey(kContentPrefix, key).value_or(-1);
          if (index != next) {
            bad = absl::DataLossError(StrCat("the content row of entry ", next, " is missing"));
            return false;
          }
          bad = checker.Check(index, leaves[static_cast<size_t>(index - first)], row);
          ++next;
          return bad.ok();
        }));
    PBL_RETURN_IF_ERROR(bad);
    if (next != end) {
      return absl::DataLossError(StrCat("the content row of entry ", next, " is missing"));
    }
  }
  // Entry 0 is public: no content row.
  if (!absl::IsNotFound(storage_->Get(ContentRowKey(0)).status())) {
    return absl::DataLossError("a content row for entry 0, which holds no person's data");
  }
  return absl::OkStatus();
}

absl::Status Ledger::VerifyPersonIndex(int64_t size, int64_t person_leaves, uint64_t expected_sum,
                                       const crypto::ShortHasher& hasher) const {
  uint64_t sum = 0;
  int64_t rows = 0;
  absl::Status bad;
  const std::string start(1, kChainPrefix);
  const std::string end(1, static_cast<char>(kChainPrefix + 1));
  PBL_RETURN_IF_ERROR(storage_->Scan(start, end, [&](std::string_view key, std::string_view) {
    const auto parsed = ParseChainRowKey(key);
    if (!parsed) {
      bad = absl::DataLossError("a person index row is malformed");
      return false;
    }
    if (parsed->second >= size) {
      // A group appended while Verify runs has rows past the head it checks.
      bad = ReadEntry(parsed->second).status();
      if (absl::IsNotFound(bad)) {
        bad = absl::DataLossError(
            StrCat("a person index row points past the log (", parsed->second, ")"));
      }
      return bad.ok();
    }
    sum += hasher.Hash(crypto::AsBytes(key));
    ++rows;
    return true;
  }));
  PBL_RETURN_IF_ERROR(bad);
  if (rows == person_leaves && sum == expected_sum) return absl::OkStatus();
  // Slow path: a row naming a leaf that does not carry its key...
  PBL_RETURN_IF_ERROR(storage_->Scan(start, end, [&](std::string_view key, std::string_view) {
    const auto [k, index] = *ParseChainRowKey(key);
    if (index >= size) return true;
    absl::StatusOr<std::string> leaf_bytes = ReadEntry(index);
    absl::StatusOr<Leaf> leaf =
        leaf_bytes.ok() ? ParseLeaf(*leaf_bytes) : absl::StatusOr<Leaf>(leaf_bytes.status());
    if (!leaf.ok() || leaf->kind != LeafKind::kPerson || leaf->person_key != k) {
      bad = absl::DataLossError(
          StrCat("the person index row for entry ", index, " names a key the leaf does not carry"));
    }
    return bad.ok();
  }));
  PBL_RETURN_IF_ERROR(bad);
  // ...or a leaf without its row.
  for (int64_t i = 1; i < size; ++i) {
    PBL_ASSIGN_OR_RETURN(const std::string leaf_bytes, ReadEntry(i));
    PBL_ASSIGN_OR_RETURN(const Leaf leaf, ParseLeaf(leaf_bytes));
    if (absl::IsNotFound(storage_->Get(ChainRowKey(leaf.person_key, i)).status())) {
      return absl::DataLossError(StrCat("entry ", i, " has no person index row"));
    }
  }
  return absl::DataLossError("the person index differs from the leaves");
}

}  // namespace pbl::ledger
