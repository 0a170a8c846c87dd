#include "ledger/log/ledger.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "crypto/base/check.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "ledger/domain/person_id.h"
#include "ledger/log/log_format.h"
#include "ledger/log/sealed.h"

namespace pbl::ledger {

namespace {

// The last key under a one-byte index prefix, as (value, key).
absl::StatusOr<std::optional<KeyValue>> LastIndexKey(const Storage& storage, char prefix) {
  return storage.Floor(std::string(1, prefix), IndexKey(prefix, INT64_MAX));
}

// The entries of the bundle stored at entry `first`; DATA_LOSS naming it if it is malformed.
absl::StatusOr<std::vector<std::string_view>> BundleEntries(int64_t first,
                                                            std::string_view bundle) {
  absl::StatusOr<std::vector<std::string_view>> entries = SplitBundle(bundle);
  if (!entries.ok()) {
    return AsDataLoss(entries.status(),
                      StrCat("the entry bundle at entry ", first, " is malformed"));
  }
  return entries;
}

}  // namespace

struct Ledger::Request {
  std::vector<std::string> entries;
  std::vector<EntryKeyFields> fields;
  // v2: each entry sealed, by the caller's thread.
  std::vector<PersonStore::Sealed> sealed;
  // Computed by the caller's thread, so that concurrent appenders hash in parallel.
  std::vector<crypto::Hash> leaf_hashes;
  BatchId batch;
  // Set by the sequencer when the batch id is already in the log: the result to answer with.
  std::optional<AppendResult> replay;
  // Set by the sequencer when an earlier request of the same group has the same batch id.
  const Request* replay_of = nullptr;
  std::promise<absl::StatusOr<AppendResult>> done;
};

namespace {

// What the callers of a group whose write or fsync failed are told, and the callers after them.
absl::Status FailedWrite(const absl::Status& cause) {
  return absl::UnavailableError(
      StrCat("the log's write failed (", ToStd(cause.message()),
             "): this batch may or may not be in the log once the node restarts, so resend it "
             "with the same batch id; the node takes no more appends until it is restarted"));
}

absl::Status StoppedError(const absl::Status& cause) {
  return absl::UnavailableError(
      StrCat("the node takes no more appends since a write of its log failed (",
             ToStd(cause.message()), "); restart it to recover the durable log"));
}

}  // namespace

// Reads stored hashes from the hash blobs: one floor seek per hash, reusing the blob of the
// previous hash when it holds the next one too.
// Reads stored hashes from the per-group hash blobs. With `cache`, the blobs read are kept (by
// their first stored index) for the reader's lifetime, so that many proofs in one tree (a
// statement, a transfer package) read each blob once; without, only the last blob is kept.
class Ledger::HashReaderImpl : public crypto::HashReader {
 public:
  explicit HashReaderImpl(const Storage& storage, bool cache = false)
      : storage_(storage), cache_(cache) {}

  absl::Status ReadHashes(std::span<const int64_t> indexes,
                          std::span<crypto::Hash> out) const override {
    std::map<int64_t, std::string> local;
    std::map<int64_t, std::string>& blobs = cache_ ? blobs_ : local;
    for (size_t i = 0; i < indexes.size(); ++i) {
      const int64_t index = indexes[i];
      PBL_ASSIGN_OR_RETURN(const std::string* blob, BlobHolding(index, blobs));
      auto it = blobs.upper_bound(index);
      --it;  // BlobHolding made sure one starts at or before index
      std::memcpy(out[i].data(),
                  blob->data() + static_cast<size_t>(index - it->first) * crypto::kHashBytes,
                  crypto::kHashBytes);
    }
    return absl::OkStatus();
  }

 private:
  static bool Holds(const std::map<int64_t, std::string>::const_iterator& it, int64_t index) {
    return index >= it->first &&
           (index - it->first) < static_cast<int64_t>(it->second.size() / crypto::kHashBytes);
  }

  absl::StatusOr<const std::string*> BlobHolding(int64_t index,
                                                 std::map<int64_t, std::string>& blobs) const {
    auto it = blobs.upper_bound(index);
    if (it != blobs.begin() && Holds(std::prev(it), index)) return &std::prev(it)->second;
    PBL_ASSIGN_OR_RETURN(std::optional<KeyValue> kv,
                         storage_.Floor(std::string(1, kHashPrefix), HashBlobKey(index)));
    if (!kv) return absl::OutOfRangeError(StrCat("stored hash ", index, " is not stored"));
    const std::optional<int64_t> start = DecodeIndexKey(kHashPrefix, kv->key);
    if (!start || kv->value.empty() || kv->value.size() % crypto::kHashBytes != 0) {
      return absl::DataLossError(StrCat("hash blob holding stored hash ", index, " is malformed (",
                                        kv->value.size(), " bytes)"));
    }
    if (!cache_) blobs.clear();
    it = blobs.insert_or_assign(*start, std::move(kv->value)).first;
    if (!Holds(it, index)) {
      return absl::OutOfRangeError(StrCat("stored hash ", index, " is not stored"));
    }
    return &it->second;
  }

  const Storage& storage_;
  const bool cache_;
  mutable std::map<int64_t, std::string> blobs_;  // with cache_: one reader, one thread
};

Ledger::Ledger(std::unique_ptr<Storage> storage, LedgerOptions options,
               crypto::Ed25519NoteSigner signer)
    : storage_(std::move(storage)),
      options_(std::move(options)),
      signer_(std::move(signer)),
      verifier_(options_.origin, options_.key->public_key()),
      hash_reader_(std::make_unique<HashReaderImpl>(*storage_)) {
  if (options_.secrets != nullptr) {
    persons_ = std::make_unique<PersonStore>(*storage_, *options_.secrets);
  }
}

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Open(std::unique_ptr<Storage> storage,
                                                     LedgerOptions options) {
  if (storage == nullptr || options.key == nullptr) {
    return absl::InvalidArgumentError("a ledger needs storage and a signing key");
  }
  PBL_ASSIGN_OR_RETURN(crypto::Ed25519NoteSigner signer,
                       crypto::Ed25519NoteSigner::Create(options.origin, options.key));
  std::unique_ptr<Ledger> ledger(new Ledger(std::move(storage), std::move(options), signer));
  PBL_ASSIGN_OR_RETURN(std::optional<KeyValue> last_checkpoint,
                       LastIndexKey(*ledger->storage_, kCheckpointPrefix));
  PBL_ASSIGN_OR_RETURN(std::optional<KeyValue> last_entry,
                       LastIndexKey(*ledger->storage_, kEntryPrefix));
  const bool empty = !last_checkpoint && !last_entry;
  const std::string_view expected = ledger->sealed() ? kLayoutV2 : kLayoutBundles;
  absl::StatusOr<std::string> layout = ledger->storage_->Get(kLayoutKey);
  if (layout.ok()) {
    if (*layout == kLayoutBundles && ledger->sealed()) {
      return absl::FailedPreconditionError(
          "the log is in format v1 (each entry in the clear) and this node is configured for v2 "
          "(a master key); a v1 log cannot become private in place: migrate it to a new log");
    }
    if (*layout == kLayoutV2 && !ledger->sealed()) {
      return absl::FailedPreconditionError(
          "the log is in format v2 and needs its master key, which the configuration does not "
          "name");
    }
    if (*layout != expected) {
      return absl::FailedPreconditionError(StrCat("the log's layout is '", *layout,
                                                  "'; this build reads '", kLayoutBundles,
                                                  "' and '", kLayoutV2, "'"));
    }
  } else if (!absl::IsNotFound(layout.status())) {
    return layout.status();
  } else if (!empty) {
    // Every log this build writes names its layout with its first checkpoint, in the same write;
    // a log without the row was written one entry per key, before entry bundles, and no
    // deployment holds one.
    return absl::FailedPreconditionError(
        StrCat("the log has no layout row (it was written one entry per key, before entry "
               "bundles); this build reads only '",
               kLayoutBundles, "'"));
  }
  if (empty) PBL_RETURN_IF_ERROR(ledger->CreateEmptyLog());
  PBL_RETURN_IF_ERROR(ledger->LoadHead());
  if (ledger->sealed()) {
    absl::StatusOr<std::string> first = ledger->ReadEntry(0);
    if (!first.ok() || *first != LogParametersLeaf(ledger->options_.secrets->vrf_public_key())) {
      return absl::FailedPreconditionError(
          "entry 0 of the log does not hold the VRF key this master key gives: the master key "
          "is not this log's, or entry 0 is damaged");
    }
    PBL_RETURN_IF_ERROR(ledger->LoadMap());
    ledger->mapper_thread_ = std::thread([l = ledger.get()] { l->MapperLoop(); });
  }
  ledger->sequencer_ = std::thread([l = ledger.get()] { l->SequencerLoop(); });
  ledger->syncer_ = std::thread([l = ledger.get()] { l->SyncerLoop(); });
  return ledger;
}

absl::Status Ledger::CreateEmptyLog() {
  const crypto::NoteSigner* signers[] = {&signer_};
  std::unique_ptr<StorageBatch> batch = storage_->NewBatch();
  if (!sealed()) {
    const crypto::Checkpoint cp{options_.origin, 0, crypto::EmptyTreeHash(), {}};
    PBL_ASSIGN_OR_RETURN(std::string note, crypto::SignCheckpoint(cp, signers));
    batch->Put(CheckpointKey(0), note);
    batch->Put(kLayoutKey, kLayoutBundles);
    return storage_->Commit(*batch);
  }
  // A v2 log starts with its parameters as entry 0, so its first checkpoint has size 1.
  const std::string leaf = LogParametersLeaf(options_.secrets->vrf_public_key());
  crypto::MerkleFrontier tree;
  std::vector<crypto::Hash> stored;
  tree.Append(crypto::LeafHash(crypto::AsBytes(leaf)), &stored);
  BundleWriter bundles(0, [&](std::string_view key, std::string_view b) { batch->Put(key, b); });
  bundles.Add(leaf);
  bundles.Finish();
  batch->Put(HashBlobKey(0),
             std::string(reinterpret_cast<const char*>(stored[0].data()), crypto::kHashBytes));
  const crypto::Checkpoint cp{options_.origin, 1, tree.Root(), {MapLine(Mapper::InitialHead())}};
  PBL_ASSIGN_OR_RETURN(std::string note, crypto::SignCheckpoint(cp, signers));
  batch->Put(CheckpointKey(1), note);
  batch->Put(kLayoutKey, kLayoutV2);
  Mapper::PutInitial(*batch);
  return storage_->Commit(*batch);
}

absl::Status Ledger::LoadHead() {
  PBL_ASSIGN_OR_RETURN(std::optional<KeyValue> last_checkpoint,
                       LastIndexKey(*storage_, kCheckpointPrefix));
  if (!last_checkpoint) return absl::DataLossError("the log has entries but no checkpoint");
  const std::optional<int64_t> size = DecodeIndexKey(kCheckpointPrefix, last_checkpoint->key);
  absl::StatusOr<crypto::OpenedCheckpoint> opened =
      crypto::OpenCheckpoint(last_checkpoint->value, verifier_);
  if (!size || !opened.ok() || opened->checkpoint.size != *size) {
    return absl::DataLossError(
        StrCat("the latest checkpoint does not verify with this node's key: ",
               opened.ok() ? std::string("its size is not its key's")
                           : std::string(ToStd(opened.status().message()))));
  }
  PBL_ASSIGN_OR_RETURN(std::optional<KeyValue> last_entry, LastIndexKey(*storage_, kEntryPrefix));
  int64_t entries = 0;
  if (last_entry) {
    entries = DecodeIndexKey(kEntryPrefix, last_entry->key).value_or(-2) + 1;
    absl::StatusOr<std::vector<std::string_view>> last = SplitBundle(last_entry->value);
    if (!last.ok()) {
      return AsDataLoss(last.status(),
                        StrCat("the last entry bundle, at entry ", entries - 1, ", is malformed"));
    }
    entries += static_cast<int64_t>(last->size()) - 1;
  }
  if (entries != *size) {
    return absl::DataLossError(StrCat("the latest checkpoint has size ", *size,
                                      " but the last entry key says ", entries, " entries"));
  }
  absl::StatusOr<crypto::MerkleFrontier> frontier =
      crypto::MerkleFrontier::Load(*size, *hash_reader_);
  if (!frontier.ok()) {
    return AsDataLoss(frontier.status(), StrCat("cannot load the tree of size ", *size));
  }
  // The last hash blob must end exactly where the tree's stored hashes end: a blob past it would
  // make every later append refuse to write.
  PBL_ASSIGN_OR_RETURN(std::optional<KeyValue> last_blob, LastIndexKey(*storage_, kHashPrefix));
  const int64_t blobs_end =
      last_blob ? DecodeIndexKey(kHashPrefix, last_blob->key).value_or(-1) +
                      static_cast<int64_t>(last_blob->value.size() / crypto::kHashBytes)
                : 0;
  if (blobs_end != crypto::StoredHashCount(*size)) {
    return absl::DataLossError(StrCat("the hash blobs end at stored hash ", blobs_end,
                                      " but a tree of ", *size, " entries has ",
                                      crypto::StoredHashCount(*size)));
  }
  if (frontier->Root() != opened->checkpoint.root) {
    return absl::DataLossError(
        StrCat("the stored tree of size ", *size, " does not have the latest checkpoint's root"));
  }
  frontier_ = std::move(*frontier);
  std::lock_guard lock(head_mu_);
  head_ = LogHead{*size, opened->checkpoint.root, std::move(last_checkpoint->value)};
  return absl::OkStatus();
}

Ledger::~Ledger() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (sequencer_.joinable()) sequencer_.join();
  {
    std::lock_guard lock(sync_mu_);
    sync_stopping_ = true;
  }
  sync_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
  // Last: the sequencer may wait for the mapper while it finishes the queued groups.
  {
    std::lock_guard lock(map_mu_);
    map_stopping_ = true;
  }
  map_cv_.notify_all();
  if (mapper_thread_.joinable()) mapper_thread_.join();
}

LogHead Ledger::Head() const {
  std::lock_guard lock(head_mu_);
  return head_;
}

int64_t Ledger::HeadSize() const {
  std::lock_guard lock(head_mu_);
  return head_.size;
}

absl::StatusOr<AppendResult> Ledger::Append(std::vector<std::string> entries, BatchId batch) {
  return AppendAsync(std::move(entries), std::move(batch)).get();
}

absl::Status Ledger::stopped() const {
  std::lock_guard lock(queue_mu_);
  return stopped_;
}

void Ledger::Stop(const absl::Status& cause) {
  PBL_CHECK(!cause.ok(), "the ledger was stopped without a cause");
  {
    std::lock_guard lock(queue_mu_);
    if (!stopped_.ok()) return;
    stopped_ = cause;
  }
  if (options_.on_stop) options_.on_stop(cause);
}

absl::StatusOr<std::optional<AppendResult>> Ledger::ReadBatch(const BatchId& batch) const {
  absl::StatusOr<std::string> row = storage_->Get(BatchKey(batch.id));
  if (absl::IsNotFound(row.status())) return std::nullopt;
  if (!row.ok()) return row.status();
  PBL_ASSIGN_OR_RETURN(const BatchRecord record, DecodeBatchRecord(*row));
  if (record.digest != batch.digest) {
    return absl::FailedPreconditionError(StrCat(
        "batch id '", batch.id, "' was first used for another batch (log index ",
        record.first_index, " - ", record.first_index + record.count - 1, "); nothing appended"));
  }
  absl::StatusOr<std::string> checkpoint = storage_->Get(CheckpointKey(record.tree_size));
  if (!checkpoint.ok()) {
    return AsDataLoss(checkpoint.status(), StrCat("the checkpoint of batch id '", batch.id, "'"));
  }
  return AppendResult{record.first_index, record.count, record.tree_size, *std::move(checkpoint),
                      /*replayed=*/true};
}

absl::StatusOr<std::optional<AppendResult>> Ledger::FindBatch(const BatchId& batch) const {
  PBL_RETURN_IF_ERROR(CheckBatchId(batch.id));
  PBL_ASSIGN_OR_RETURN(std::optional<AppendResult> found, ReadBatch(batch));
  // A row the sequencer wrote whose group is not yet durable is not an answer yet.
  if (found && found->tree_size > HeadSize()) return std::nullopt;
  return found;
}

namespace {

std::future<absl::StatusOr<AppendResult>> Ready(absl::Status status) {
  std::promise<absl::StatusOr<AppendResult>> failed;
  failed.set_value(std::move(status));
  return failed.get_future();
}

}  // namespace

std::future<absl::StatusOr<AppendResult>> Ledger::AppendAsync(std::vector<std::string> entries,
                                                              BatchId batch) {
  if (entries.empty()) return Ready(absl::InvalidArgumentError("batch is empty"));
  if (!batch.id.empty()) {
    if (absl::Status s = CheckBatchId(batch.id); !s.ok()) return Ready(s);
  }
  if (entries.size() > kBatchEntriesMax) {
    return Ready(absl::InvalidArgumentError(
        StrCat("batch has ", entries.size(), " entries; the limit is ", kBatchEntriesMax)));
  }
  size_t bytes = 0;
  for (const std::string& e : entries) bytes += e.size();
  if (bytes > kBatchBytesMax) {
    return Ready(absl::InvalidArgumentError(
        StrCat("batch is ", bytes, " bytes; the limit is ", kBatchBytesMax)));
  }
  auto request = std::make_shared<Request>();
  request->fields.reserve(entries.size());
  request->leaf_hashes.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    absl::StatusOr<EntryKeyFields> fields = ValidateEntry(entries[i]);
    if (!fields.ok()) {
      return Ready(
          absl::InvalidArgumentError(StrCat("entry ", i, ": ", ToStd(fields.status().message()))));
    }
    request->fields.push_back(std::move(*fields));
  }
  // Sealed only once every entry is valid, so a bad batch makes no person's rows.
  if (sealed()) {
    if (absl::Status s = stopped(); !s.ok()) return Ready(StoppedError(s));
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!sealed()) {
      request->leaf_hashes.push_back(crypto::LeafHash(crypto::AsBytes(entries[i])));
      continue;
    }
    absl::StatusOr<PersonStore::Sealed> s = persons_->Seal(entries[i], request->fields[i]);
    if (!s.ok()) return Ready(s.status());
    request->leaf_hashes.push_back(s->leaf_hash);
    request->sealed.push_back(*std::move(s));
  }
  request->entries = std::move(entries);
  request->batch = std::move(batch);
  std::future<absl::StatusOr<AppendResult>> done = request->done.get_future();
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return Ready(absl::UnavailableError("the ledger is shutting down"));
    if (!stopped_.ok()) return Ready(StoppedError(stopped_));
    queue_.push_back(std::move(request));
  }
  queue_cv_.notify_one();
  return done;
}

void Ledger::SequencerLoop() {
  while (true) {
    std::vector<std::shared_ptr<Request>> group;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      size_t entries = 0;
      size_t bytes = 0;
      // Take whole requests while the group stays within its limits; the first always fits.
      while (!queue_.empty()) {
        const Request* next = queue_.front().get();
        size_t next_bytes = 0;
        for (const std::string& e : next->entries) next_bytes += e.size();
        if (!group.empty() && (entries + next->entries.size() > kGroupEntriesMax ||
                               bytes + next_bytes > kGroupBytesMax)) {
          break;
        }
        entries += next->entries.size();
        bytes += next_bytes;
        group.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    ProcessGroup(std::move(group));
  }
}

absl::Status Ledger::CheckWriteOnce(int64_t old_size) const {
  // Keys grow with the log, so a key at or past the group's first key of each kind would be
  // overwritten by this group. One forward seek per kind instead of one lookup per key; a seek
  // past every stored key costs no block read, as RocksDB skips files by their key ranges.
  const auto past = [&](char prefix, int64_t first_new) -> absl::Status {
    std::optional<int64_t> found;
    PBL_RETURN_IF_ERROR(storage_->Scan(IndexKey(prefix, first_new), IndexKey(prefix, INT64_MAX),
                                       [&](std::string_view key, std::string_view) {
                                         found = DecodeIndexKey(prefix, key).value_or(-1);
                                         return false;
                                       }));
    if (found) {
      return absl::InternalError(StrCat("refusing to overwrite key '", std::string(1, prefix), "' ",
                                        *found, ": the log's state and its storage disagree"));
    }
    return absl::OkStatus();
  };
  PBL_RETURN_IF_ERROR(past(kEntryPrefix, old_size));
  PBL_RETURN_IF_ERROR(past(kHashPrefix, crypto::StoredHashCount(old_size)));
  return past(kCheckpointPrefix, old_size + 1);
}

bool Ledger::WaitForSyncs(size_t limit) {
  std::unique_lock lock(sync_mu_);
  sync_cv_.wait(lock, [&] { return in_flight_ < limit || sync_failed_; });
  return !sync_failed_;
}

namespace {

// The entries and bytes of a group's requests.
template <typename Requests>
std::pair<size_t, size_t> GroupSize(const Requests& group) {
  size_t entries = 0;
  size_t bytes = 0;
  for (const auto& r : group) {
    entries += r->entries.size();
    for (const std::string& e : r->entries) bytes += e.size();
  }
  return {entries, bytes};
}

}  // namespace

std::vector<std::shared_ptr<Ledger::Request>> Ledger::TakeReplays(
    std::vector<std::shared_ptr<Request>>* group) {
  std::vector<std::shared_ptr<Request>> fresh;
  std::vector<std::shared_ptr<Request>> kept;
  std::map<std::string_view, const Request*> ids;  // the group's new batch ids
  for (std::shared_ptr<Request>& r : *group) {
    if (r->batch.id.empty()) {
      fresh.push_back(r);
      kept.push_back(std::move(r));
      continue;
    }
    if (const auto it = ids.find(r->batch.id); it != ids.end()) {
      if (it->second->batch.digest != r->batch.digest) {
        r->done.set_value(
            absl::FailedPreconditionError(StrCat("batch id '", r->batch.id,
                                                 "' is used for another batch at the same time; "
                                                 "nothing appended")));
        continue;
      }
      r->replay_of = it->second;
      kept.push_back(std::move(r));
      continue;
    }
    // Rows written by groups not yet durable are read too: their replays are answered after them.
    absl::StatusOr<std::optional<AppendResult>> found = ReadBatch(r->batch);
    if (!found.ok()) {
      r->done.set_value(found.status());
      continue;
    }
    if (found->has_value()) {
      r->replay = std::move(**found);
    } else {
      ids.emplace(r->batch.id, r.get());
      fresh.push_back(r);
    }
    kept.push_back(std::move(r));
  }
  *group = std::move(kept);
  return fresh;
}

void Ledger::ProcessGroup(std::vector<std::shared_ptr<Request>> group) {
  const auto [group_entries, group_bytes] = GroupSize(group);
  PBL_CHECK(!group.empty() && group_entries > 0, "the sequencer took an empty group");
  PBL_CHECK(group_entries <= kGroupEntriesMax, "a group holds more than kGroupEntriesMax entries");
  PBL_CHECK(group_bytes <= kGroupBytesMax, "a group holds more than kGroupBytesMax bytes");
  const auto fail_all = [&](const absl::Status& status) {
    for (const auto& r : group) r->done.set_value(status);
  };
  if (!WaitForSyncs(kGroupsInFlight) || !WaitForMapper(frontier_.size()) || !stopped().ok()) {
    return fail_all(StoppedError(stopped()));
  }
  const std::vector<std::shared_ptr<Request>> fresh = TakeReplays(&group);
  if (group.empty()) return;  // every request was refused
  const int64_t old_size = frontier_.size();
  if (fresh.empty()) {
    // Only replays: they are answered once every group written before them is durable.
    return QueueWritten(group, old_size, LogHead{old_size, frontier_.Root(), {}});
  }
  crypto::MerkleFrontier next = frontier_;
  std::unique_ptr<StorageBatch> batch = storage_->NewBatch();
  PutGroup(fresh, old_size, &next, *batch);
  const auto fresh_entries = static_cast<int64_t>(GroupSize(fresh).first);
  PBL_CHECK(next.size() == old_size + fresh_entries,
            "the group's tree did not grow by its entries");
  const crypto::NoteSigner* signers[] = {&signer_};
  // v2: the latest map the mapper finished; its size is at most the durable size, so below ours.
  std::vector<std::string> extensions;
  if (sealed()) extensions.push_back(MapLine(mapper_->head()));
  absl::StatusOr<std::string> note = crypto::SignCheckpoint(
      crypto::Checkpoint{options_.origin, next.size(), next.Root(), std::move(extensions)},
      signers);
  if (!note.ok()) return fail_all(note.status());
  batch->Put(CheckpointKey(next.size()), *note);
  if (absl::Status s = CheckWriteOnce(old_size); !s.ok()) return fail_all(s);
  // Written now, durable once the syncer's next fsync returns; the write-ahead log keeps writes
  // in order, so a crash loses this group only with every later one (specs/ledger.md).
  if (absl::Status s = storage_->CommitUnsynced(*batch); !s.ok()) {
    // The write may or may not have reached the storage; only opening the log again can tell.
    Stop(s);
    return fail_all(FailedWrite(s));
  }
  frontier_ = std::move(next);
  QueueWritten(group, old_size, LogHead{frontier_.size(), frontier_.Root(), *std::move(note)});
}

void Ledger::PutGroup(const std::vector<std::shared_ptr<Request>>& fresh, int64_t old_size,
                      crypto::MerkleFrontier* next, StorageBatch& batch) const {
  std::vector<crypto::Hash> stored;
  int64_t index = old_size;
  std::vector<std::string> person_keys;
  // Bundles of up to kBundleEntries entries, cut at each multiple of it and at the group's end:
  // one memtable insert for many entries (specs/ledger.md).
  BundleWriter bundles(
      old_size, [&](std::string_view key, std::string_view bundle) { batch.Put(key, bundle); });
  const auto end = old_size + static_cast<int64_t>(GroupSize(fresh).first);
  for (const auto& r : fresh) {
    PBL_CHECK(r->fields.size() == r->entries.size() && r->leaf_hashes.size() == r->entries.size(),
              "a request's fields and leaf hashes do not match its entries");
    if (!r->batch.id.empty()) {
      const BatchRecord record{index, static_cast<int64_t>(r->entries.size()), end,
                               r->batch.digest};
      batch.Put(BatchKey(r->batch.id), EncodeBatchRecord(record));
    }
    for (size_t i = 0; i < r->entries.size(); ++i, ++index) {
      if (sealed()) {
        bundles.Add(r->sealed[i].leaf);
        batch.Put(ContentRowKey(index), r->sealed[i].content_row);
        person_keys.push_back(ChainRowKey(r->sealed[i].key, index));
      } else {
        bundles.Add(r->entries[i]);
        person_keys.push_back(
            PersonIndexKey(r->fields[i].person_id, r->fields[i].scheme_id, index));
      }
      next->Append(r->leaf_hashes[i], &stored);
    }
  }
  bundles.Finish();
  // RocksDB inserts a batch's keys into its memtable in order; sorted person rows reuse the
  // previous insert's position instead of searching from the top for each random key, which
  // more than halves the cost of a group's write (see the ledger benchmark).
  std::sort(person_keys.begin(), person_keys.end());
  for (const std::string& key : person_keys) batch.Put(key, {});
  PBL_CHECK(static_cast<int64_t>(stored.size()) ==
                crypto::StoredHashCount(next->size()) - crypto::StoredHashCount(old_size),
            "the group's stored hashes do not continue the tree's");
  std::string blob(stored.size() * crypto::kHashBytes, '\0');
  for (size_t i = 0; i < stored.size(); ++i) {
    std::memcpy(blob.data() + i * crypto::kHashBytes, stored[i].data(), crypto::kHashBytes);
  }
  batch.Put(HashBlobKey(crypto::StoredHashCount(old_size)), blob);
}

void Ledger::QueueWritten(const std::vector<std::shared_ptr<Request>>& group, int64_t old_size,
                          LogHead head) {
  WrittenGroup written;
  written.requests = group;
  written.head = std::move(head);
  written.entries = written.head.size - old_size;
  PBL_CHECK(written.entries >= 0, "a written group moved the head back");
  int64_t first = old_size;
  std::map<const Request*, size_t> positions;  // of the new requests' results
  for (const auto& r : group) {
    if (r->replay) {
      written.results.push_back(*r->replay);
    } else if (r->replay_of != nullptr) {
      AppendResult result = written.results[positions.at(r->replay_of)];
      result.replayed = true;
      written.results.push_back(std::move(result));
    } else {
      const auto count = static_cast<int64_t>(r->entries.size());
      positions.emplace(r.get(), written.results.size());
      written.results.push_back(
          AppendResult{first, count, written.head.size, written.head.checkpoint});
      first += count;
    }
  }
  PBL_CHECK(written.results.size() == written.requests.size(),
            "a written group has not one result per request");
  PBL_CHECK(first == written.head.size, "a written group's results do not end at its head");
  {
    std::lock_guard lock(sync_mu_);
    // WaitForSyncs(kGroupsInFlight) ran before this group, and only this thread adds groups.
    PBL_CHECK(in_flight_ < kGroupsInFlight, "more than kGroupsInFlight groups in flight");
    PBL_CHECK(written_.empty() || written_.back().head.size == old_size,
              "a written group does not continue the one written before it");
    written_.push_back(std::move(written));
    ++in_flight_;
  }
  sync_cv_.notify_all();
}

void Ledger::SyncerLoop() {
  while (true) {
    std::deque<WrittenGroup> groups;
    {
      std::unique_lock lock(sync_mu_);
      sync_cv_.wait(lock, [this] { return sync_stopping_ || !written_.empty(); });
      if (written_.empty()) return;  // stopping, and every written group is answered
      PBL_CHECK(written_.size() <= in_flight_ && in_flight_ <= kGroupsInFlight,
                "the groups waiting for the syncer are not within kGroupsInFlight");
      groups.swap(written_);
    }
    // One fsync makes every group written before it durable. After one has failed none is
    // trusted: the failed one may have dropped pages an earlier write left dirty, so a later
    // success would not mean the groups before it are on the disk.
    bool failed_before = false;
    {
      std::lock_guard lock(sync_mu_);
      failed_before = sync_failed_;
    }
    absl::Status synced = failed_before ? StoppedError(stopped()) : storage_->Sync();
    if (!synced.ok() && !failed_before) {
      Stop(synced);
      synced = FailedWrite(synced);
    }
    AnswerGroups(groups, synced);
    {
      std::lock_guard lock(sync_mu_);
      PBL_CHECK(in_flight_ >= groups.size(), "the syncer answered groups not in flight");
      in_flight_ -= groups.size();
      if (!synced.ok()) sync_failed_ = true;
    }
    sync_cv_.notify_all();
  }
}

void Ledger::AnswerGroups(std::deque<WrittenGroup>& groups, const absl::Status& synced) {
  if (!synced.ok()) {
    for (WrittenGroup& g : groups) {
      for (const auto& r : g.requests) r->done.set_value(synced);
    }
    return;
  }
  // The groups were written one after another, each from where the one before it ended.
  const WrittenGroup* last_grown = nullptr;
  for (size_t i = 0; i < groups.size(); ++i) {
    const WrittenGroup& g = groups[i];
    PBL_CHECK(g.results.size() == g.requests.size(),
              "a synced group has not one result per request");
    PBL_CHECK(i == 0 || g.head.size == groups[i - 1].head.size + g.entries,
              "a synced group's head is not the one before it plus its entries");
    if (g.entries > 0) last_grown = &g;
  }
  if (last_grown != nullptr) {
    {
      std::lock_guard lock(head_mu_);
      PBL_CHECK(last_grown->head.size >= head_.size, "the head would move back");
      head_ = last_grown->head;
    }
    if (sealed()) {
      {
        std::lock_guard lock(map_mu_);
        map_durable_ = last_grown->head.size;
      }
      map_cv_.notify_all();
    }
  }
  for (WrittenGroup& g : groups) {
    for (size_t i = 0; i < g.requests.size(); ++i) {
      g.requests[i]->done.set_value(std::move(g.results[i]));
    }
    if (options_.on_group && g.entries > 0) options_.on_group(g.requests.size(), g.entries);
  }
}

absl::StatusOr<std::string> Ledger::GetEntry(int64_t index) const {
  const int64_t size = HeadSize();
  if (index < 0 || index >= size) {
    return absl::OutOfRangeError(StrCat("entry ", index, " is past the log's size ", size));
  }
  return ReadEntry(index);
}

absl::StatusOr<std::string> Ledger::ReadEntry(int64_t index) const {
  // The entry from the bundle stored at `first`; nullopt if that bundle ends before it.
  const auto from_bundle =
      [index](int64_t first,
              std::string_view bundle) -> absl::StatusOr<std::optional<std::string>> {
    PBL_ASSIGN_OR_RETURN(std::vector<std::string_view> entries, BundleEntries(first, bundle));
    if (index - first >= static_cast<int64_t>(entries.size())) return std::nullopt;
    return std::string(entries[static_cast<size_t>(index - first)]);
  };
  // Most bundles start at a multiple of kBundleEntries (all but the first of each group), so a
  // point read of that key, which RocksDB's filters and file ranges make cheap, usually finds
  // the entry; else its bundle starts later, at its group's first entry: one floor seek.
  const int64_t aligned = BundleStart(index);
  absl::StatusOr<std::string> bundle = storage_->Get(EntryKey(aligned));
  if (bundle.ok()) {
    PBL_ASSIGN_OR_RETURN(std::optional<std::string> entry, from_bundle(aligned, *bundle));
    if (entry) return *std::move(entry);
  } else if (!absl::IsNotFound(bundle.status())) {
    return bundle.status();
  }
  PBL_ASSIGN_OR_RETURN(std::optional<KeyValue> found,
                       storage_->Floor(EntryKey(aligned), EntryKey(index)));
  if (found) {
    PBL_ASSIGN_OR_RETURN(
        std::optional<std::string> entry,
        from_bundle(DecodeIndexKey(kEntryPrefix, found->key).value_or(index), found->value));
    if (entry) return *std::move(entry);
  }
  return absl::NotFoundError(StrCat("entry ", index, " is not stored"));
}

absl::Status Ledger::ScanEntries(int64_t start, int64_t end,
                                 const std::function<bool(int64_t, std::string_view)>& fn) const {
  absl::Status bad;
  int64_t previous_end = 0;
  PBL_RETURN_IF_ERROR(storage_->Scan(
      EntryKey(BundleStart(start)), EntryKey(end),
      [&](std::string_view key, std::string_view value) {
        const int64_t first = DecodeIndexKey(kEntryPrefix, key).value_or(-1);
        absl::StatusOr<std::vector<std::string_view>> entries = BundleEntries(first, value);
        if (!entries.ok()) {
          bad = entries.status();
          return false;
        }
        const auto count = static_cast<int64_t>(entries->size());
        if (first < previous_end || BundleStart(first) != BundleStart(first + count - 1)) {
          bad = absl::DataLossError(StrCat(
              "the entry bundle at entry ", first, " (", count, " entries) ",
              first < previous_end ? "overlaps the one before it" : "crosses a bundle boundary"));
          return false;
        }
        previous_end = first + count;
        for (int64_t i = std::max(first, start); i < std::min(first + count, end); ++i) {
          if (!fn(i, (*entries)[static_cast<size_t>(i - first)])) return false;
        }
        return true;
      }));
  return bad;
}

absl::StatusOr<std::vector<std::string>> Ledger::GetEntries(int64_t start, int64_t count) const {
  const int64_t size = HeadSize();
  if (start < 0 || start >= size) {
    return absl::OutOfRangeError(StrCat("entry ", start, " is past the log's size ", size));
  }
  if (count <= 0 || static_cast<size_t>(count) > kReadEntriesMax) {
    return absl::InvalidArgumentError(StrCat("count must be in [1, ", kReadEntriesMax, "]"));
  }
  const int64_t end = std::min(size, start + count);
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(end - start));
  bool in_order = true;
  PBL_RETURN_IF_ERROR(ScanEntries(start, end, [&](int64_t index, std::string_view value) {
    in_order = index == start + static_cast<int64_t>(out.size());
    if (in_order) out.emplace_back(value);
    return in_order;
  }));
  if (!in_order || out.size() != static_cast<size_t>(end - start)) {
    return absl::DataLossError(StrCat("entries ", start, "..", end - 1, " are not all stored"));
  }
  return out;
}

absl::StatusOr<std::vector<IndexedEntry>> Ledger::PersonEntries(std::string_view person_id,
                                                                std::string_view scheme_id) const {
  PBL_RETURN_IF_ERROR(ValidatePersonId(person_id));
  if (!scheme_id.empty()) PBL_RETURN_IF_ERROR(ValidateSchemeId(scheme_id));
  const int64_t size = HeadSize();
  if (sealed()) {
    PBL_ASSIGN_OR_RETURN(std::vector<PersonStore::Opened> opened,
                         persons_->Entries(person_id, scheme_id, size, kPersonEntriesMax,
                                           [this](int64_t index) { return ReadEntry(index); }));
    std::vector<IndexedEntry> out;
    out.reserve(opened.size());
    for (PersonStore::Opened& e : opened) {
      out.push_back(
          IndexedEntry{e.index, std::move(e.content), std::move(e.leaf), std::move(e.opening)});
    }
    return out;
  }
  const std::string prefix = PersonPrefix(person_id, scheme_id);
  std::vector<IndexedEntry> out;
  absl::Status row_error;
  PBL_RETURN_IF_ERROR(
      storage_->Scan(prefix, PrefixEnd(prefix), [&](std::string_view key, std::string_view) {
        const std::optional<PersonKeyParts> parts = ParsePersonKey(key);
        if (!parts) {
          row_error = absl::DataLossError("a person index row is malformed");
          return false;
        }
        if (parts->index >= size) return true;  // appended after this read began
        if (out.size() == kPersonEntriesMax) {
          row_error = absl::ResourceExhaustedError(
              StrCat("the person has more than ", kPersonEntriesMax, " entries"));
          return false;
        }
        out.push_back(IndexedEntry{parts->index, {}, {}, {}});
        return true;
      }));
  PBL_RETURN_IF_ERROR(row_error);
  for (IndexedEntry& e : out) {
    PBL_ASSIGN_OR_RETURN(e.bytes, ReadEntry(e.index));
    e.leaf = e.bytes;
  }
  return out;
}

absl::StatusOr<std::string> Ledger::CheckpointAt(int64_t size) const {
  if (size < 0 || size > HeadSize()) {
    return absl::OutOfRangeError(StrCat("size ", size, " is past the log's size"));
  }
  absl::StatusOr<std::string> note = storage_->Get(CheckpointKey(size));
  if (absl::IsNotFound(note.status())) {
    return absl::NotFoundError(StrCat("no checkpoint was signed at size ", size));
  }
  return note;
}

absl::StatusOr<crypto::Proof> Ledger::InclusionProof(int64_t index, int64_t tree_size) const {
  const int64_t size = HeadSize();
  if (tree_size > size) {
    return absl::OutOfRangeError(StrCat("tree size ", tree_size, " is past the log's size ", size));
  }
  return crypto::ProveInclusion(index, tree_size, *hash_reader_);
}

absl::StatusOr<std::vector<crypto::Proof>> Ledger::InclusionProofs(std::span<const int64_t> indexes,
                                                                   int64_t tree_size) const {
  const int64_t size = HeadSize();
  if (tree_size > size) {
    return absl::OutOfRangeError(StrCat("tree size ", tree_size, " is past the log's size ", size));
  }
  const HashReaderImpl reader(*storage_, /*cache=*/true);
  std::vector<crypto::Proof> proofs;
  proofs.reserve(indexes.size());
  for (const int64_t index : indexes) {
    PBL_ASSIGN_OR_RETURN(crypto::Proof proof, crypto::ProveInclusion(index, tree_size, reader));
    proofs.push_back(std::move(proof));
  }
  return proofs;
}

absl::StatusOr<crypto::Proof> Ledger::ConsistencyProof(int64_t old_size, int64_t new_size) const {
  const int64_t size = HeadSize();
  if (new_size > size) {
    return absl::OutOfRangeError(StrCat("tree size ", new_size, " is past the log's size ", size));
  }
  return crypto::ProveConsistency(old_size, new_size, *hash_reader_);
}

}  // namespace pbl::ledger
