// The transfer protocol as a state machine (specs/node.md, "Transfers"): one pure table of what
// each event does to a transfer record in each state, (state, event) -> (next state, entry to
// append). The source's and the destination's code ask it for every change of state; what they
// do around it (checking packages, appending, saving, calling the other node) is theirs. A pair
// the table does not list is refused, so an event that does not fit the state is a named
// FAILED_PRECONDITION, never a fall-through. No I/O, no clock, no state of its own: thread-safe.
//
// A record's state is v1::TransferState; TRANSFER_STATE_UNSPECIFIED stands for "no record yet".
// A transition back to the same state with no entry is an idempotent repeat: the event has
// already had its effect (a retried or duplicated call), and the caller answers from the record.
#ifndef PBL_RPC_TRANSFER_STATE_H_
#define PBL_RPC_TRANSFER_STATE_H_

#include <array>
#include <string_view>

#include "absl/status/statusor.h"
#include "pbl/v1/node.pb.h"

namespace pbl::rpc {

// What happens to a transfer. Each event belongs to one role, but kStepLogged and kStepLost.
enum class TransferEvent {
  // Destination.
  kStart,                // the administrator starts the transfer (StartTransfer)
  kSourceRefused,        // the source answered Prepare with a void
  kPackageRefused,       // the package failed a check, or the rules refuse, or the figures differ
  kPackageCredited,      // the package passed every check and the figures agree: credit it
  kDeadlinePassed,       // the deadline passed before the destination credited
  kResolveAsked,         // the source asks, past the deadline, how the transfer ended
  kReceiptTaken,         // the source accepted the receipt (Commit answered)
  kAbortDelivered,       // the source was told of the destination's void (Abort answered)
  kCancelAtDestination,  // the destination's administrator cancels a transfer not yet credited
  // Source.
  kPrepareReceived,    // the destination asks for the package (Prepare)
  kPrepareRefused,     // the rules or the deadline refuse the transfer asked for
  kAbortReceived,      // the destination voided the transfer (Abort)
  kReceiptChecked,     // a receipt (from Commit or Resolve) passed every check
  kDestinationVoided,  // the destination answered Resolve with a void
  kCancelAtSource,     // the source's administrator cancels a transfer whose package never left
  // Recovery after a crash, either role: the entry of the step the record was written for is
  // in the log, or it is not.
  kStepLogged,
  kStepLost,
};

inline constexpr std::array<TransferEvent, 17> kTransferEvents = {
    TransferEvent::kStart,
    TransferEvent::kSourceRefused,
    TransferEvent::kPackageRefused,
    TransferEvent::kPackageCredited,
    TransferEvent::kDeadlinePassed,
    TransferEvent::kResolveAsked,
    TransferEvent::kReceiptTaken,
    TransferEvent::kAbortDelivered,
    TransferEvent::kCancelAtDestination,
    TransferEvent::kPrepareReceived,
    TransferEvent::kPrepareRefused,
    TransferEvent::kAbortReceived,
    TransferEvent::kReceiptChecked,
    TransferEvent::kDestinationVoided,
    TransferEvent::kCancelAtSource,
    TransferEvent::kStepLogged,
    TransferEvent::kStepLost,
};

// The log entry a transition appends (the Entry body of that name), or none.
enum class TransferEntry { kNone, kRequested, kInitiated, kIn, kOut, kVoided };

struct TransferTransition {
  v1::TransferState next = v1::TRANSFER_STATE_UNSPECIFIED;
  TransferEntry entry = TransferEntry::kNone;
  // The event already had its effect: nothing changes and nothing is appended.
  bool repeat(v1::TransferState from) const {
    return next == from && entry == TransferEntry::kNone;
  }
};

// The transition of `event` in `state`, or FAILED_PRECONDITION naming both when the protocol
// does not allow it there.
absl::StatusOr<TransferTransition> NextTransferState(v1::TransferState state, TransferEvent event);

// Whether `event` in `state` is a transition that changes something (not refused, not a repeat).
bool TransferEventMoves(v1::TransferState state, TransferEvent event);

// Whether some event (or none: a record saved again in its state) takes a record from `from`
// to `to`. Every saved change of state must be one (PBL_CHECK in the record store helpers).
bool LegalTransferChange(v1::TransferState from, v1::TransferState to);

// The role whose records `event` happens to; UNSPECIFIED for the recovery events (either).
v1::TransferRole TransferEventRole(TransferEvent event);

// Whether a record of `role` may be in `state` (the source is never REQUESTED or CREDITED, the
// destination never INITIATED; neither is UNSPECIFIED once saved).
bool StateOfRole(v1::TransferState state, v1::TransferRole role);

// COMPLETED and VOIDED: nothing more happens to the transfer, but repeats.
bool IsTerminal(v1::TransferState state);

// The kind of `entry`'s body, kNone for an entry that is not a transfer's.
TransferEntry TransferEntryOf(const v1::Entry& entry);

// After a crash: whether the entry of the step into `state` is in the log, given the kind of the
// transfer's last entry in the record's scheme (kNone: no entry of the transfer at all).
bool StepInLog(v1::TransferState state, TransferEntry last);

std::string_view TransferEventName(TransferEvent event);

}  // namespace pbl::rpc

#endif  // PBL_RPC_TRANSFER_STATE_H_
