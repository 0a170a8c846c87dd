// The append-only, signed, verifiable log of one node (specs/ledger.md).
//
// Appends from any thread are grouped by one sequencer thread; each group is one atomic write
// holding the entries, their Merkle hashes, their person index rows and a new signed C2SP
// checkpoint, and Append returns only after that write is on disk. A syncer thread makes the
// written groups durable (one fsync for all written since the last) while the sequencer writes
// the next, so the disk's latency and the write's CPU overlap; at most kGroupsInFlight groups
// are written and not yet durable. Nothing is ever updated or deleted.
// Fail-stop: after a write or an fsync fails, the ledger takes no more appends (each is
// UNAVAILABLE) until it is opened again, which recovers the durable prefix; reads go on. A batch
// may carry an id: the ledger records it with the entries, and a batch resent with that id gets
// the first result and appends nothing (specs/ledger.md, "Batch ids").
// Reads, proofs and Verify may run from any thread at any time, concurrently with appends; they
// see the log as of the latest acknowledged group. Thread-safe.
#ifndef PBL_LEDGER_LOG_LEDGER_H_
#define PBL_LEDGER_LOG_LEDGER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/ed25519.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/short_hash.h"
#include "ledger/domain/entry_validation.h"
#include "ledger/log/log_format.h"
#include "ledger/log/mapper.h"
#include "ledger/log/node_secrets.h"
#include "ledger/log/person_store.h"
#include "ledger/log/storage.h"

namespace pbl::ledger {

inline constexpr size_t kReadEntriesMax = 10'000;
// Groups written but not yet acknowledged as durable, at most.
inline constexpr size_t kGroupsInFlight = 2;
inline constexpr size_t kPersonEntriesMax = 100'000;

// v2: appends wait while the person map is more than this many leaves behind the log
// (LedgerOptions::map_lag_max), so every checkpoint's map size is at least its size minus
// kMapLagMax and kGroupsInFlight groups.
inline constexpr int64_t kMapLagMax = 100'000;
static_assert(kMapBehindMax ==
                  kMapLagMax + static_cast<int64_t>(kGroupsInFlight) * kGroupEntriesMax,
              "map_folder.h's bound on a checkpoint's map lag is the ledger's");

struct LedgerOptions {
  // The log's origin, which is also the signing key's name (e.g. pbl.example/node/310000).
  std::string origin;
  // The node's signing key; it must outlive the ledger.
  const crypto::SigningKey* key = nullptr;
  // Called by the sequencer after each durable group with its number of appends and entries
  // (for metrics); must be fast and thread-safe.
  std::function<void(size_t appends, int64_t entries)> on_group;
  // Called once, from the sequencer or the syncer thread, when a failed write or fsync stops the
  // ledger taking appends (for health, a metric and a log line); must be fast and thread-safe.
  std::function<void(const absl::Status& cause)> on_stop;
  // Set: the log is in format v2 (specs/log-format-v2.md): each entry is sealed into a leaf that
  // holds no personal data, its content kept encrypted under its person's data key. Unset: v1,
  // each leaf the entry itself. A log is opened in the format it was created in. It must
  // outlive the ledger.
  const NodeSecrets* secrets = nullptr;
  // v2: the mapper folds new durable leaves into the person map at most this often, unless a
  // caller waits for the map (WaitForMap) or it falls kMapLagMax / 2 behind.
  int map_interval_ms = 250;
  // v2: appends wait while the map is more than this many leaves behind (kMapLagMax; tests set
  // less).
  int64_t map_lag_max = kMapLagMax;
};

// An append's id, for appending a batch exactly once whatever its caller resends.
struct BatchId {
  std::string id;         // CheckBatchId (log_format.h); empty: the batch has none
  crypto::Hash digest{};  // of the batch as its caller sent it; a resend must match
};

struct AppendResult {
  int64_t first_index = 0;  // the batch's entries have indices first_index .. + count - 1
  int64_t count = 0;
  int64_t tree_size = 0;   // the size of the checkpoint that covers them
  std::string checkpoint;  // that checkpoint, a signed note
  // The batch's id was already in the log: this is the first append's result; nothing appended.
  bool replayed = false;
};

struct LogHead {
  int64_t size = 0;
  crypto::Hash root{};
  std::string checkpoint;  // the latest signed checkpoint note
};

struct IndexedEntry {
  int64_t index = 0;
  std::string bytes;    // the entry (a pbl.v1.Entry)
  std::string leaf;     // the leaf the log holds for it: v1, the entry itself; v2, sealed
  std::string opening;  // v2: nonce || entry, which opens the leaf's commitment; v1: empty
};

class Ledger {
 public:
  // Opens the log in `storage`, creating it (with a signed checkpoint of size 0) when the
  // storage is empty. O(log n) reads. DATA_LOSS if the stored head is inconsistent.
  static absl::StatusOr<std::unique_ptr<Ledger>> Open(std::unique_ptr<Storage> storage,
                                                      LedgerOptions options);
  // Finishes the groups already queued, then stops the sequencer.
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Validates every entry, then appends the batch as a whole. INVALID_ARGUMENT naming the
  // entry's position and field if any entry is bad (nothing is appended); the storage's error if
  // the write fails (nothing is acknowledged; the ledger then stops taking appends). With a
  // batch id already in the log: the first result, replayed, and nothing appended;
  // FAILED_PRECONDITION if the digest differs from the first batch's. Blocks until durable.
  absl::StatusOr<AppendResult> Append(std::vector<std::string> entries, BatchId batch = {});
  // Append without waiting: validates the batch in the calling thread (a bad batch gives a future
  // that is ready with the error), queues it, and returns a future that is ready once the batch
  // is durable or failed. Batches queued by one thread are appended in the order of the calls,
  // so one thread can keep several in flight and the sequencer writes one while the disk syncs
  // another.
  std::future<absl::StatusOr<AppendResult>> AppendAsync(std::vector<std::string> entries,
                                                        BatchId batch = {});
  // The result of the batch with this id if it is durable in the log (replayed), nullopt if it
  // is not; FAILED_PRECONDITION if it is but with another digest. For a caller that checks
  // before work that only a new batch needs; Append decides in the end.
  absl::StatusOr<std::optional<AppendResult>> FindBatch(const BatchId& batch) const;
  // OK while the ledger takes appends; after a failed write or fsync, why it stopped.
  absl::Status stopped() const;

  LogHead Head() const;
  // Whether the log is in format v2 (LedgerOptions::secrets).
  bool sealed() const { return persons_ != nullptr; }
  // v2: the person map, as of the last batch the mapper folded (specs/log-format-v2.md,
  // section 5); every checkpoint signed after that batch carries its head. Null for v1.
  const Mapper* mapper() const { return mapper_.get(); }
  // v2: waits until the map covers at least `size` leaves (at most the log's size), asking the
  // mapper to fold at once. OUT_OF_RANGE past the log's size, FAILED_PRECONDITION for v1,
  // UNAVAILABLE if the mapper has stopped (the ledger then takes no appends).
  absl::Status WaitForMap(int64_t size);
  const crypto::NoteVerifier& verifier() const { return verifier_; }
  // The storage, for rows of the ledger's owner beside the log (keys that begin with none of the
  // log's prefixes, specs/ledger.md). Those rows share the log's write-ahead log: a write made
  // before an Append is durable once that Append returns, even if made unsynced.
  Storage* storage() const { return storage_.get(); }

  // The leaf at `index` as stored: in v1 the entry, in v2 the sealed leaf.
  absl::StatusOr<std::string> GetEntry(int64_t index) const;
  // Up to kReadEntriesMax leaves from `start`, fewer at the end of the log.
  absl::StatusOr<std::vector<std::string>> GetEntries(int64_t start, int64_t count) const;
  // A person's entries in one scheme (or in every scheme when scheme_id is empty, by scheme id),
  // in log order within each scheme, read through the person index; in v2 decrypted and checked
  // against their leaves.
  absl::StatusOr<std::vector<IndexedEntry>> PersonEntries(std::string_view person_id,
                                                          std::string_view scheme_id) const;
  // The checkpoint signed when the log reached `size`; NOT_FOUND if no group ended there.
  absl::StatusOr<std::string> CheckpointAt(int64_t size) const;
  absl::StatusOr<crypto::Proof> InclusionProof(int64_t index, int64_t tree_size) const;
  absl::StatusOr<crypto::Proof> ConsistencyProof(int64_t old_size, int64_t new_size) const;
  // The inclusion proofs of several entries in one tree (a statement, a transfer package),
  // reading each stored-hash blob once. Errors as InclusionProof.
  absl::StatusOr<std::vector<crypto::Proof>> InclusionProofs(std::span<const int64_t> indexes,
                                                             int64_t tree_size) const;

  // Recomputes every hash from the entries and checks it, the checkpoints and the person index
  // (specs/ledger.md, "Verification"). DATA_LOSS naming what and where. `progress` (optional)
  // is called now and then with (entries checked, total).
  absl::Status Verify(const std::function<void(int64_t, int64_t)>& progress = nullptr) const;

 private:
  struct Request;
  class HashReaderImpl;
  // A group the sequencer wrote (not yet durable): its requests, each one's result, and the
  // head the log has once it is durable.
  // A group with no new entries (only replayed batches) has entries 0 and does not move the head.
  struct WrittenGroup {
    std::vector<std::shared_ptr<Request>> requests;
    std::vector<AppendResult> results;
    LogHead head;
    int64_t entries = 0;
  };

  Ledger(std::unique_ptr<Storage> storage, LedgerOptions options, crypto::Ed25519NoteSigner signer);
  // The size of Head() without copying its checkpoint, for the read paths.
  int64_t HeadSize() const;
  absl::Status LoadHead();
  absl::Status CreateEmptyLog();
  absl::Status CheckWriteOnce(int64_t old_size) const;
  // Entry `index` as stored; NOT_FOUND if no bundle holds it, DATA_LOSS if its bundle is bad.
  absl::StatusOr<std::string> ReadEntry(int64_t index) const;
  // Calls `fn` with each stored entry whose index is in [start, end), in log order, until it
  // returns false. Missing entries are skipped (callers check that indexes are consecutive);
  // a malformed bundle, or one overlapping the previous or crossing a multiple of
  // kBundleEntries, is DATA_LOSS naming it.
  absl::Status ScanEntries(int64_t start, int64_t end,
                           const std::function<bool(int64_t, std::string_view)>& fn) const;
  void SequencerLoop();
  // Sequencer: writes one group (unsynced) and hands it to the syncer.
  void ProcessGroup(std::vector<std::shared_ptr<Request>> group);
  // Sequencer: looks up the group's batch ids. Answers the requests it must refuse, marks the
  // replays, and returns the rest (the requests whose entries are new), in order.
  std::vector<std::shared_ptr<Request>> TakeReplays(std::vector<std::shared_ptr<Request>>* group);
  // The stored record of a batch id, if any; FAILED_PRECONDITION if its digest is not `batch`'s.
  absl::StatusOr<std::optional<AppendResult>> ReadBatch(const BatchId& batch) const;
  // Puts the new requests' entry bundles, person rows, batch rows and hash blob into `batch`,
  // appending their leaf hashes to `next` (the tree of `old_size` entries).
  void PutGroup(const std::vector<std::shared_ptr<Request>>& fresh, int64_t old_size,
                crypto::MerkleFrontier* next, StorageBatch& batch) const;
  // Sequencer: queues a written group (its new requests grew the tree from `old_size` to `head`;
  // the others are replays) for the syncer.
  void QueueWritten(const std::vector<std::shared_ptr<Request>>& group, int64_t old_size,
                    LogHead head);
  // Stops appends for good (until the ledger is opened again); the first cause is kept.
  void Stop(const absl::Status& cause);
  void SyncerLoop();
  // Open, v2: loads the map and folds the durable leaves it does not cover yet (ledger_map.cc).
  absl::Status LoadMap();
  // v2: folds the leaves up to `end` into the map (Mapper::Fold over the stored entries).
  absl::Status FoldMap(int64_t end);
  void MapperLoop();
  // Sequencer, v2: waits while the map is more than kMapLagMax leaves behind `size`; false if
  // the mapper has stopped.
  bool WaitForMapper(int64_t size);
  // Syncer: answers the groups of one fsync, moving the head forward if it succeeded.
  void AnswerGroups(std::deque<WrittenGroup>& groups, const absl::Status& synced);
  // Sequencer: waits until fewer than `limit` groups are written and not yet durable; false if a
  // sync has failed (the ledger is stopped).
  bool WaitForSyncs(size_t limit);
  absl::Status VerifyIndex(int64_t size, uint64_t expected_sum,
                           const crypto::ShortHasher& hasher) const;
  // v2: the person index rows and every content row against the leaves (ledger_verify.cc).
  absl::Status VerifySealed(int64_t size, int64_t person_leaves, uint64_t expected_sum,
                            const crypto::ShortHasher& hasher) const;
  absl::Status VerifyPersonIndex(int64_t size, int64_t person_leaves, uint64_t expected_sum,
                                 const crypto::ShortHasher& hasher) const;
  absl::Status LocateIndexDamage(int64_t size) const;

  std::unique_ptr<Storage> storage_;
  LedgerOptions options_;
  crypto::Ed25519NoteSigner signer_;
  crypto::Ed25519NoteVerifier verifier_;
  std::unique_ptr<HashReaderImpl> hash_reader_;
  std::unique_ptr<PersonStore> persons_;  // v2 only
  std::unique_ptr<Mapper> mapper_;        // v2 only

  // Owned by the sequencer thread (and by Open before it starts).
  crypto::MerkleFrontier frontier_;

  mutable std::mutex head_mu_;
  LogHead head_;  // guarded by head_mu_

  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  // Requests are shared with their callers, so the sequencer never touches one a caller has freed.
  std::deque<std::shared_ptr<Request>> queue_;  // guarded by queue_mu_
  bool stopping_ = false;                       // guarded by queue_mu_
  absl::Status stopped_;                        // guarded by queue_mu_; set once, by Stop
  std::thread sequencer_;

  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::deque<WrittenGroup> written_;  // guarded by sync_mu_; written, waiting for the syncer
  size_t in_flight_ = 0;              // guarded by sync_mu_; written and not yet acknowledged
  bool sync_failed_ = false;          // guarded by sync_mu_; once set, never cleared
  bool sync_stopping_ = false;        // guarded by sync_mu_
  std::thread syncer_;

  // v2: the mapper thread folds durable leaves into mapper_.
  std::mutex map_mu_;
  std::condition_variable map_cv_;
  int64_t map_durable_ = 0;    // guarded by map_mu_; the log's durable size
  int64_t map_wanted_ = 0;     // guarded by map_mu_; the largest size a WaitForMap waits for
  bool map_stopping_ = false;  // guarded by map_mu_
  absl::Status map_failed_;    // guarded by map_mu_; set once, when a fold fails
  std::thread mapper_thread_;
};

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_LOG_LEDGER_H_
