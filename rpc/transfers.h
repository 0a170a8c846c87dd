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

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/ed25519.h"
#include "ledger/domain/entitlement.h"
#include "ledger/domain/rules.h"
#include "ledger/log/ledger.h"
#include "pbl/v1/node.pb.h"
#include "rpc/config.h"
#include "rpc/node_context.h"
#include "rpc/peers.h"
#include "rpc/transfer_lanes.h"

namespace pbl::rpc {

// The protocol's messages and entries, shared by both roles.
v1::PrepareRequest PrepareFor(const v1::TransferStatus& status);
v1::Entry RequestedEntry(const v1::TransferStatus& status);
v1::Entry InitiatedEntry(const v1::TransferStatus& status);
v1::Entry OutEntry(const v1::TransferStatus& status);
v1::Entry VoidedEntry(const v1::TransferStatus& status, bool at_source);

class TransferRecords;
class TransferSource;
class TransferDestination;

// The node's transfers, both roles: the interface the services and the node use. The source's
// side is TransferSource (transfers_source.cc), the destination's TransferDestination
// (transfers_destination.cc), what they share TransferRecords (transfers.cc), all in
// rpc/transfer_roles.h; every change of state is one the table of rpc/transfer_state.h defines.
class TransferManager {
 public:
  // `peers` (by node id) must outlive the manager.
  TransferManager(NodeContext node, std::map<std::string, Peer, std::less<>>* peers);
  ~TransferManager();
  TransferManager(const TransferManager&) = delete;
  TransferManager& operator=(const TransferManager&) = delete;

  // Finishes every step a crash interrupted, from the log. Call before serving.
  absl::Status Recover();
  // The worker: a thread per peer that drives the unfinished transfers with that peer when
  // they fall due (rpc/transfer_lanes.h). Before it starts, saves only schedule.
  void StartWorker();
  // Stops it, waiting for calls under way (at most the peer timeout).
  void StopWorker();
  // Transfers waiting for the worker, over all peers.
  size_t WorkWaiting() const;

  // Destination administrator. With wait_until_ms > now, returns once the transfer ended or then.
  absl::StatusOr<v1::TransferStatus> Start(const v1::StartTransferRequest& request,
                                           int64_t wait_until_ms);
  // Administrator: cancels the transfer before it moved anything. The destination's record if
  // this node has one (voided unless credited; the source is told with a signed void), else the
  // source's (voided only while its package has not left). NOT_FOUND for an unknown id.
  absl::StatusOr<v1::TransferStatus> Cancel(std::string_view transfer_id, std::string_view reason);
  // The destination's record of the id if it has one, else the source's.
  absl::StatusOr<v1::TransferStatus> Status(std::string_view transfer_id) const;
  // The page the request asks for; records met that cannot be read are named in the response's
  // unreadable_records.
  absl::StatusOr<v1::ListTransfersResponse> List(const v1::ListTransfersRequest& request) const;

  // PeerService handlers; `caller` is the calling node's id.
  absl::StatusOr<v1::PrepareResponse> HandlePrepare(const v1::PrepareRequest& request,
                                                    std::string_view caller);
  absl::StatusOr<v1::CommitResponse> HandleCommit(const v1::CommitRequest& request,
                                                  std::string_view caller);
  absl::Status HandleAbort(const v1::AbortRequest& request, std::string_view caller);
  absl::StatusOr<v1::ResolveResponse> HandleResolve(const v1::ResolveRequest& request,
                                                    std::string_view caller);

 private:
  class LocalChannel;

  // Finishes from the log the step of a record written with logged = false (transfers_recover.cc).
  absl::Status RecoverRecord(const v1::TransferRecord& peek);

  // One step of the worker for one record: finish it from the log, advance it (destination),
  // or resolve it past its deadline (source); when it is due next.
  TransferLanes::Outcome DriveOne(const TransferLanes::Key& key);

  std::unique_ptr<PeerChannel> local_;
  std::unique_ptr<TransferLanes> lanes_;  // before records_, which schedules in it
  std::unique_ptr<TransferRecords> records_;
  std::unique_ptr<TransferSource> source_;
  std::unique_ptr<TransferDestination> destination_;
};

}  // namespace pbl::rpc

#endif  // PBL_RPC_TRANSFERS_H_
