// The two roles of the transfer protocol (rpc/transfers.h), and what they share. Internal to the
// transfers files: TransferManager is the interface. Each role asks the table of
// rpc/transfer_state.h for every change of state (TransferRecords::Apply), and saves a record
// only through TransferRecords, which checks (PBL_CHECK) that the change is one the table
// defines and that the state belongs to the record's role. Thread-safe: a record changes only
// under its person's lock (HeldRecord), and no lock is held across a call to another node.
#ifndef PBL_RPC_TRANSFER_ROLES_H_
#define PBL_RPC_TRANSFER_ROLES_H_

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/checkpoint.h"
#include "ledger/log/ledger.h"
#include "pbl/v1/node.pb.h"
#include "rpc/node_context.h"
#include "rpc/package_check.h"
#include "rpc/peers.h"
#include "rpc/transfer_lanes.h"
#include "rpc/transfer_state.h"

namespace pbl::rpc {

// A transfer record held under its person's lock, with the state it was stored in, so that a
// save can check the change (TransferRecords). Move-only: the lock goes with it.
// When the worker should next drive `record`, now being `now_ms`; nullopt when it needs nothing
// (terminal, logged, no void to tell). An open source record waits for its deadline (and a
// grace for clocks) and is then resolved; anything else is due `retry_after_ms` from now, a
// net under the caller that is driving it already (or due at once after a restart).
inline constexpr int64_t kResolveGraceMs = 2'000;
// How long after a save the worker looks again at a record still open, in case whoever was
// driving it (an administrator's call, a peer's) stopped halfway.
inline constexpr int64_t kDriveNetMs = 1'000;
std::optional<int64_t> DueOf(const v1::TransferRecord& record, int64_t now_ms,
                             int64_t retry_after_ms);
// The node at the other end of the record's transfer, whose lane drives it.
const std::string& PeerOf(const v1::TransferRecord& record);

struct HeldRecord {
  v1::TransferRecord record;
  v1::TransferState stored = v1::TRANSFER_STATE_UNSPECIFIED;  // UNSPECIFIED: not stored yet
  std::unique_lock<std::mutex> lock;  // empty for a record written without one (a tombstone)

  v1::TransferStatus& status() { return *record.mutable_status(); }
  v1::TransferState state() const { return record.status().state(); }
  bool exists() const { return stored != v1::TRANSFER_STATE_UNSPECIFIED; }
};

// What both roles share: the node, its peers, the record store and the per-person locks.
class TransferRecords {
 public:
  using Peers = std::map<std::string, Peer, std::less<>>;
  // What a step does between its entry's append and the record's second save.
  using AfterAppend = std::function<absl::Status(const ledger::AppendResult&, v1::TransferRecord&)>;

  // `local` answers this node's own calls (a transfer between two of its schemes); every save
  // of a record the worker must drive schedules it in `lanes`, which must outlive this.
  TransferRecords(NodeContext node, Peers* peers, PeerChannel* local, TransferLanes* lanes);

  const NodeContext& node() const { return node_; }
  int64_t now_ms() const { return node_.now_ms(); }

  // The stored record; NOT_FOUND if there is none.
  absl::StatusOr<v1::TransferRecord> Load(std::string_view id, v1::TransferRole role) const;
  // Load, lock, reload: the record loaded again under its person's lock (NOT_FOUND if none).
  absl::StatusOr<HeldRecord> Hold(std::string_view id, v1::TransferRole role);
  // The record under `person_id`'s lock, or a new one (id and role set) if there is none.
  absl::StatusOr<HeldRecord> HoldForPerson(std::string_view person_id, std::string_view id,
                                           v1::TransferRole role);

  // Moves the held record by `event` as the table says (rpc/transfer_state.h); FAILED_PRECONDITION
  // when the table refuses, the record unchanged.
  absl::StatusOr<TransferTransition> Apply(HeldRecord& held, TransferEvent event) const;

  // Saves the held record, synced (a step with no entry of its own).
  absl::Status Save(HeldRecord& held);
  // Saves it unsynced: a change recovery can redo from the log (specs/node.md, "Crashes").
  absl::Status SaveLogged(HeldRecord& held);
  // The step `transition` the held record was just moved by: saved with logged = false (with
  // `package`, if given, in the same write), `entry` appended, `after` run, saved again logged.
  absl::StatusOr<ledger::AppendResult> RecordStep(HeldRecord& held,
                                                  const TransferTransition& transition,
                                                  v1::Entry entry,
                                                  const v1::SignedMessage* package = nullptr,
                                                  const AfterAppend& after = nullptr);

  // Counts the open (not terminal) source records by destination, and schedules the records
  // the worker must drive (DueOf): once at start, from the store; every save keeps both (Put).
  void TrackStored(const v1::TransferRecord& record);
  // How many transfers `destination` has open here as this node's source.
  int64_t OpenAsSourceFor(std::string_view destination) const;

  // The channel to `node_id` (this node's own for itself); null if it is not a peer.
  PeerChannel* ChannelTo(std::string_view node_id);
  // The key and log verifier of `node_id` (this node's own for itself).
  absl::Status VerifierFor(std::string_view node_id, const crypto::Ed25519PublicKey** key,
                           const crypto::NoteVerifier** verifier) const;

 private:
  std::mutex& PersonLock(std::string_view person_id);
  // The invariants of every save: a change the table defines, a state of the record's role.
  static void CheckSave(const HeldRecord& held);
  absl::Status Put(HeldRecord& held, bool sync, const v1::SignedMessage* package = nullptr);

  NodeContext node_;
  Peers* peers_;
  PeerChannel* local_;
  std::unique_ptr<std::array<std::mutex, 256>> person_locks_;
  TransferLanes* lanes_;
  // Schedules the record in its peer's lane (DueOf, `retry_after_ms`) or forgets it.
  void Track(const v1::TransferRecord& record, int64_t retry_after_ms);

  mutable std::mutex open_mu_;
  std::map<std::string, int64_t, std::less<>> open_as_source_;  // by destination; open_mu_
};

// The source's side: Prepare (initiate and package), Commit (check the receipt and record
// transfer_out), Abort, and resolving a transfer past its deadline.
class TransferSource {
 public:
  explicit TransferSource(TransferRecords* records) : records_(*records), node_(records->node()) {}

  absl::StatusOr<v1::PrepareResponse> HandlePrepare(const v1::PrepareRequest& request,
                                                    std::string_view caller);
  absl::StatusOr<v1::CommitResponse> HandleCommit(const v1::CommitRequest& request,
                                                  std::string_view caller);
  absl::Status HandleAbort(const v1::AbortRequest& request, std::string_view caller);
  // Past the deadline: asks the destination how the transfer ended and ends it the same way.
  absl::Status Resolve(const std::string& transfer_id);
  // The administrator's cancel: voids an initiated transfer whose package never left
  // (FAILED_PRECONDITION once it has).
  absl::StatusOr<v1::TransferStatus> Cancel(const std::string& transfer_id,
                                            std::string_view reason);

 private:
  absl::StatusOr<v1::PrepareResponse> Initiate(HeldRecord held, const v1::PrepareRequest& request,
                                               std::string_view caller);
  // The package of an initiated transfer: the person's source-scheme entries up to
  // `initiated_index`, proved against `checkpoint` (of size `tree_size`), signed through the
  // node's send_package seam (rpc/seams.h) if it has one.
  absl::StatusOr<v1::SignedMessage> MakePackage(const v1::TransferStatus& status,
                                                int64_t initiated_index, int64_t tree_size,
                                                const std::string& checkpoint);
  // The package an initiated transfer's source sent (the same bytes: MakePackage is a function
  // of the log up to the initiation, and Ed25519 signatures are deterministic).
  absl::StatusOr<v1::SignedMessage> SentPackage(const v1::TransferRecord& record);
  absl::Status CheckReceipt(const v1::TransferRecord& record,
                            const v1::SignedMessage& receipt) const;
  // CheckTransferVoid with the destination's keys (a log line if it fails); `reason` becomes the
  // void's own.
  absl::Status CheckVoid(const v1::TransferRecord& record, const v1::SignedMessage& signed_void,
                         std::string* reason) const;
  // OK while the package has not left; once it has, FAILED_PRECONDITION: nothing but the
  // destination's signed void (or receipt) may end the transfer.
  static absl::Status NeedSignedVoid(const v1::TransferRecord& record);
  // Records, synced, that the package is about to be sent again (TransferStatus.package_sent)
  // if the record does not say so yet (a first attempt that failed before answering).
  absl::Status MarkPackageSent(HeldRecord& held);
  // Ends the held initiated transfer: transfer_out with the receipt `evidence`, or
  // transfer_voided (with the destination's signed void `evidence`, if it sent one).
  absl::Status RecordEnd(HeldRecord& held, TransferEvent event, const v1::SignedMessage* evidence,
                         std::string reason);

  TransferRecords& records_;
  const NodeContext& node_;
};

// The destination's side: starting a transfer, asking the source for the package, checking
// it, crediting, the receipt, voiding (with a signed void for the source), answering the
// source's Resolve, and the administrator's cancel.
class TransferDestination {
 public:
  explicit TransferDestination(TransferRecords* records)
      : records_(*records), node_(records->node()) {}

  absl::StatusOr<v1::TransferStatus> Start(const v1::StartTransferRequest& request,
                                           int64_t wait_until_ms);
  // Takes the transfer one step further: Prepare (or void past the deadline), then Commit, or
  // Abort for a void the source has not heard of.
  absl::Status Advance(const std::string& transfer_id);
  absl::StatusOr<v1::ResolveResponse> HandleResolve(const v1::ResolveRequest& request,
                                                    std::string_view caller);
  // The administrator's cancel of a transfer not yet credited: voided, the source told.
  absl::StatusOr<v1::TransferStatus> Cancel(const std::string& transfer_id,
                                            std::string_view reason);
  // The signed receipt of a transfer_in entry at `transfer_in_index`, proved against `head`.
  absl::StatusOr<v1::SignedMessage> MakeReceipt(const v1::TransferStatus& status,
                                                const v1::TransferFigures& figures,
                                                int64_t transfer_in_index,
                                                const ledger::AppendResult& head);

 private:
  // Records transfer_requested for a new transfer; nothing for a known one.
  absl::Status Request(const v1::TransferStatus& status);
  absl::Status CreditOrReject(const std::string& transfer_id, const v1::PrepareResponse& answer);
  absl::Status CommitCredited(const v1::TransferRecord& record, PeerChannel& source);
  absl::Status TellSourceVoided(const v1::TransferRecord& record, PeerChannel& source);
  absl::Status RecordVoid(HeldRecord& held, TransferEvent event, std::string reason,
                          bool tell_source);
  // The signed TransferVoid of a voided record: its transfer_voided entry (end_index) proved
  // against the log's head now. FAILED_PRECONDITION for a tombstone, which has no entry.
  absl::StatusOr<v1::SignedMessage> MakeVoid(const v1::TransferRecord& record) const;
  absl::StatusOr<CheckedPackage> CheckPackage(const v1::TransferStatus& status,
                                              const v1::SignedMessage& signed_package) const;
  absl::StatusOr<v1::TransferFigures> PlanWithPackage(const v1::TransferStatus& status,
                                                      ledger::History package);
  absl::Status Credit(HeldRecord& held, const v1::SignedMessage& signed_package,
                      const v1::TransferFigures& figures, const CheckedPackage& package);

  TransferRecords& records_;
  const NodeContext& node_;
};

}  // namespace pbl::rpc

#endif  // PBL_RPC_TRANSFER_ROLES_H_
