// The transfer protocol of ARCHITECTURE.md section 5, both roles.
//
// Destination D: Start records transfer_requested, then asks the source (Prepare), verifies the
// signed package (signature, checkpoint, inclusion proofs, completeness up to the initiation),
// recomputes the figures with its own rules, records transfer_in and a signed receipt (or
// transfer_voided), and hands the receipt to the source (Commit).
// Source S: Prepare records transfer_initiated (the account is pending) and answers with the
// package; Commit verifies the receipt and records transfer_out; Abort voids. Past the deadline
// the source asks the destination (Resolve), which voids the transfer unless it already credited
// it; a destination past the deadline that has not credited voids on its own and tells the
// source.
//
// Durability: a record is written before each step's log entry (logged = false) and again after
// it, so that recovery after a crash finishes the step from the log. Records live beside the log
// and share its write-ahead log, so neither write needs an fsync of its own: the entry's makes
// the first durable, and recovery redoes the second (specs/node.md, "Crashes"). Every call is
// idempotent by transfer id. No lock is held across a call to another node. Thread-safe.
#ifndef PBL_RPC_TRANSFERS_H_
#define PBL_RPC_TRANSFERS_H_

#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "crypto/ed25519.h"
#include "ledger/domain/entitlement.h"
#include "ledger/domain/rules.h"
#include "ledger/log/ledger.h"
#include "pbl/v1/node.pb.h"
#include "rpc/config.h"
#include "rpc/peers.h"
#include "rpc/seams.h"
#include "rpc/transfer_store.h"

namespace pbl::rpc {

class Metrics;

// What the node's parts share. Pointers are owned by the node and outlive every user.
struct NodeContext {
  const NodeConfig* config = nullptr;
  const crypto::SigningKey* key = nullptr;
  ledger::Ledger* ledger = nullptr;
  const ledger::RuleSet* rules = nullptr;
  TransferStore* transfers = nullptr;
  Metrics* metrics = nullptr;  // may be null
  std::function<int64_t()> now_ms;
  const NodeSeams* seams = nullptr;  // test seams (rpc/seams.h); null or empty in pbld
};

// Appends one entry (the node sets its time) and returns its index and the checkpoint.
absl::StatusOr<ledger::AppendResult> AppendEntry(const NodeContext& node, v1::Entry entry);

// The person's entries in one scheme (or all, for an empty scheme id) as a History of log 0.
absl::StatusOr<ledger::History> ReadHistory(const NodeContext& node, std::string_view person_id,
                                            std::string_view scheme_id);

// The protocol's messages and entries, shared by both roles.
v1::PrepareRequest PrepareFor(const v1::TransferStatus& status);
v1::Entry RequestedEntry(const v1::TransferStatus& status);
v1::Entry InitiatedEntry(const v1::TransferStatus& status);
v1::Entry OutEntry(const v1::TransferStatus& status);
v1::Entry VoidedEntry(const v1::TransferStatus& status, bool at_source);

class TransferManager {
 public:
  // `peers` (by node id) must outlive the manager.
  TransferManager(NodeContext node, std::map<std::string, Peer, std::less<>>* peers);
  ~TransferManager();
  TransferManager(const TransferManager&) = delete;
  TransferManager& operator=(const TransferManager&) = delete;

  // Finishes every step a crash interrupted, from the log. Call before serving.
  absl::Status Recover();
  // A background thread that drives unfinished transfers every `tick_ms`.
  void StartWorker(int64_t tick_ms);
  void StopWorker();

  // Destination administrator. With wait_until_ms > now, returns once the transfer ended or then.
  absl::StatusOr<v1::TransferStatus> Start(const v1::StartTransferRequest& request,
                                           int64_t wait_until_ms);
  // The destination's record of the id if it has one, else the source's.
  absl::StatusOr<v1::TransferStatus> Status(std::string_view transfer_id) const;
  absl::StatusOr<std::vector<v1::TransferStatus>> List(
      const v1::ListTransfersRequest& request) const;

  // PeerService handlers; `caller` is the calling node's id.
  absl::StatusOr<v1::PrepareResponse> HandlePrepare(const v1::PrepareRequest& request,
                                                    std::string_view caller);
  absl::StatusOr<v1::CommitResponse> HandleCommit(const v1::CommitRequest& request,
                                                  std::string_view caller);
  absl::Status HandleAbort(const v1::AbortRequest& request, std::string_view caller);
  absl::StatusOr<v1::ResolveResponse> HandleResolve(const v1::ResolveRequest& request,
                                                    std::string_view caller);

  // Drives every unfinished transfer once (what the worker does each tick).
  void DriveAll();

 private:
  class LocalChannel;
  struct Locks;

  // Destination steps.
  absl::Status AdvanceDestination(const std::string& transfer_id);
  absl::Status CreditOrReject(const std::string& transfer_id, const v1::PrepareResponse& answer);
  absl::Status RecordDestinationVoid(v1::TransferRecord record, std::string reason,
                                     bool tell_source);
  absl::Status VerifyPackage(const v1::TransferStatus& status,
                             const v1::SignedMessage& signed_package, v1::TransferPackage* package,
                             ledger::History* history) const;
  absl::StatusOr<v1::TransferFigures> PlanWithPackage(const v1::TransferStatus& status,
                                                      ledger::History package);
  absl::Status Credit(v1::TransferRecord record, const v1::SignedMessage& signed_package,
                      const v1::TransferFigures& figures, const v1::TransferPackage& package);
  absl::StatusOr<v1::SignedMessage> MakeReceipt(const v1::TransferStatus& status,
                                                const v1::TransferFigures& figures,
                                                int64_t transfer_in_index,
                                                const ledger::AppendResult& head);
  // Source steps.
  absl::StatusOr<v1::PrepareResponse> Initiate(const v1::PrepareRequest& request,
                                               std::string_view caller);
  // The package of an initiated transfer: the person's source-scheme entries up to
  // `initiated_index`, proved against `checkpoint` (of size `tree_size`).
  absl::StatusOr<v1::SignedMessage> MakePackage(const v1::TransferStatus& status,
                                                int64_t initiated_index, int64_t tree_size,
                                                const std::string& checkpoint);
  // The package an initiated transfer's source sent (the same bytes: MakePackage is a function
  // of the log up to the initiation, and Ed25519 signatures are deterministic).
  absl::StatusOr<v1::SignedMessage> SentPackage(const v1::TransferRecord& record);
  absl::Status ResolveSource(const std::string& transfer_id);
  absl::Status RecordSourceEnd(v1::TransferRecord record, const v1::SignedMessage* receipt,
                               std::string reason);
  absl::Status CheckReceipt(const v1::TransferRecord& record, const v1::SignedMessage& receipt,
                            v1::TransferFigures* figures) const;
  // Shared.
  absl::StatusOr<v1::TransferRecord> Load(std::string_view id, v1::TransferRole role) const;
  // Synced unless the record only marks a step whose entry is already in the log.
  absl::Status Save(const v1::TransferRecord& record);
  // The record (and `package`, if given) of a step whose entry is appended next: unsynced when
  // the store shares the ledger's write-ahead log, as that append's sync makes it durable too.
  absl::Status SaveBeforeEntry(const v1::TransferRecord& record,
                               const v1::SignedMessage* package = nullptr);
  absl::Status SaveLogged(const v1::TransferRecord& record);
  absl::Status RecoverRecord(v1::TransferRecord record);
  absl::Status RecoverAppend(v1::TransferRecord* record);
  PeerChannel* ChannelTo(std::string_view node_id);
  absl::Status VerifierFor(std::string_view node_id, const crypto::Ed25519PublicKey** key,
                           const crypto::NoteVerifier** verifier) const;
  std::mutex& PersonLock(std::string_view person_id);
  void NoteState(v1::TransferState from, v1::TransferState to);

  NodeContext node_;
  std::map<std::string, Peer, std::less<>>* peers_;
  std::unique_ptr<PeerChannel> local_;
  std::unique_ptr<std::array<std::mutex, 256>> person_locks_;

  std::mutex worker_mu_;
  std::condition_variable worker_cv_;
  bool worker_stop_ = false;  // guarded by worker_mu_
  std::thread worker_;
};

}  // namespace pbl::rpc

#endif  // PBL_RPC_TRANSFERS_H_
