#include "rpc/transfer_state.h"

#include "crypto/base/strings.h"

namespace pbl::rpc {

namespace {

using E = TransferEvent;
using N = TransferEntry;
constexpr v1::TransferState kNoRecord = v1::TRANSFER_STATE_UNSPECIFIED;
constexpr v1::TransferState kRequested = v1::TRANSFER_STATE_REQUESTED;
constexpr v1::TransferState kInitiated = v1::TRANSFER_STATE_INITIATED;
constexpr v1::TransferState kCredited = v1::TRANSFER_STATE_CREDITED;
constexpr v1::TransferState kCompleted = v1::TRANSFER_STATE_COMPLETED;
constexpr v1::TransferState kVoided = v1::TRANSFER_STATE_VOIDED;

struct Row {
  v1::TransferState from;
  TransferEvent event;
  v1::TransferState next;
  TransferEntry entry;
};

// Every transition of the protocol; any other (state, event) is refused. specs/node.md draws
// the same machine.
constexpr Row kTable[] = {
    // Destination.
    {kNoRecord, E::kStart, kRequested, N::kRequested},
    {kRequested, E::kStart, kRequested, N::kNone},  // a repeated start returns the record
    {kCredited, E::kStart, kCredited, N::kNone},
    {kCompleted, E::kStart, kCompleted, N::kNone},
    {kVoided, E::kStart, kVoided, N::kNone},
    {kRequested, E::kSourceRefused, kVoided, N::kVoided},
    {kRequested, E::kPackageRefused, kVoided, N::kVoided},
    {kRequested, E::kDeadlinePassed, kVoided, N::kVoided},
    {kRequested, E::kPackageCredited, kCredited, N::kIn},
    {kNoRecord, E::kResolveAsked, kVoided, N::kNone},  // a tombstone: never requested here
    {kRequested, E::kResolveAsked, kVoided, N::kVoided},
    {kCredited, E::kResolveAsked, kCredited, N::kNone},  // answered with the receipt
    {kCompleted, E::kResolveAsked, kCompleted, N::kNone},
    {kVoided, E::kResolveAsked, kVoided, N::kNone},
    {kCredited, E::kReceiptTaken, kCompleted, N::kNone},  // transfer_in is already logged
    {kCompleted, E::kReceiptTaken, kCompleted, N::kNone},
    {kVoided, E::kAbortDelivered, kVoided, N::kNone},
    {kRequested, E::kCancelAtDestination, kVoided, N::kVoided},
    {kVoided, E::kCancelAtDestination, kVoided, N::kNone},
    // Source.
    {kNoRecord, E::kPrepareReceived, kInitiated, N::kInitiated},
    {kInitiated, E::kPrepareReceived, kInitiated, N::kNone},  // the same package again
    {kCompleted, E::kPrepareReceived, kCompleted, N::kNone},
    {kVoided, E::kPrepareReceived, kVoided, N::kNone},   // the same void again
    {kNoRecord, E::kPrepareRefused, kVoided, N::kNone},  // nothing was logged, nothing pends
    {kNoRecord, E::kAbortReceived, kVoided, N::kNone},   // a tombstone for a late Prepare
    {kInitiated, E::kAbortReceived, kVoided, N::kVoided},
    {kVoided, E::kAbortReceived, kVoided, N::kNone},
    {kInitiated, E::kReceiptChecked, kCompleted, N::kOut},
    {kCompleted, E::kReceiptChecked, kCompleted, N::kNone},  // the same transfer_out index
    {kInitiated, E::kDestinationVoided, kVoided, N::kVoided},
    // Only while the package has not left (TransferStatus.package_sent; the handler checks it).
    {kInitiated, E::kCancelAtSource, kVoided, N::kVoided},
    {kVoided, E::kCancelAtSource, kVoided, N::kNone},
    // Recovery: a step whose entry is in the log stays; one whose entry is not is redone (its
    // entry appended now) or, where redoing would need the other node, undone.
    {kRequested, E::kStepLogged, kRequested, N::kNone},
    {kInitiated, E::kStepLogged, kInitiated, N::kNone},
    {kCredited, E::kStepLogged, kCredited, N::kNone},
    {kCompleted, E::kStepLogged, kCompleted, N::kNone},
    {kVoided, E::kStepLogged, kVoided, N::kNone},
    {kRequested, E::kStepLost, kRequested, N::kRequested},
    {kInitiated, E::kStepLost, kVoided, N::kNone},    // nothing was promised
    {kCredited, E::kStepLost, kRequested, N::kNone},  // credit again from the package
    {kCompleted, E::kStepLost, kCompleted, N::kOut},  // the source held the receipt
    {kVoided, E::kStepLost, kVoided, N::kVoided},
};

const Row* Find(v1::TransferState state, TransferEvent event) {
  for (const Row& row : kTable) {
    if (row.from == state && row.event == event) return &row;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<TransferTransition> NextTransferState(v1::TransferState state, TransferEvent event) {
  const Row* row = Find(state, event);
  if (row == nullptr) {
    const std::string name = v1::TransferState_IsValid(state)
                                 ? v1::TransferState_Name(state)
                                 : StrCat("TransferState(", static_cast<int>(state), ")");
    return absl::FailedPreconditionError(
        StrCat("transfer protocol: event ", TransferEventName(event), " is not allowed in ",
               name == "TRANSFER_STATE_UNSPECIFIED" ? std::string("a transfer with no record")
                                                    : StrCat("state ", name)));
  }
  return TransferTransition{row->next, row->entry};
}

bool TransferEventMoves(v1::TransferState state, TransferEvent event) {
  const Row* row = Find(state, event);
  return row != nullptr && !TransferTransition{row->next, row->entry}.repeat(state);
}

bool LegalTransferChange(v1::TransferState from, v1::TransferState to) {
  if (from == to) return from != kNoRecord && v1::TransferState_IsValid(from);
  for (const Row& row : kTable) {
    if (row.from == from && row.next == to) return true;
  }
  return false;
}

v1::TransferRole TransferEventRole(TransferEvent event) {
  switch (event) {
    case E::kStart:
    case E::kSourceRefused:
    case E::kPackageRefused:
    case E::kPackageCredited:
    case E::kDeadlinePassed:
    case E::kResolveAsked:
    case E::kReceiptTaken:
    case E::kAbortDelivered:
    case E::kCancelAtDestination:
      return v1::TRANSFER_ROLE_DESTINATION;
    case E::kPrepareReceived:
    case E::kPrepareRefused:
    case E::kAbortReceived:
    case E::kReceiptChecked:
    case E::kDestinationVoided:
    case E::kCancelAtSource:
      return v1::TRANSFER_ROLE_SOURCE;
    case E::kStepLogged:
    case E::kStepLost:
      break;
  }
  return v1::TRANSFER_ROLE_UNSPECIFIED;
}

bool StateOfRole(v1::TransferState state, v1::TransferRole role) {
  switch (state) {
    case kRequested:
    case kCredited:
      return role == v1::TRANSFER_ROLE_DESTINATION;
    case kInitiated:
      return role == v1::TRANSFER_ROLE_SOURCE;
    case kCompleted:
    case kVoided:
      return role == v1::TRANSFER_ROLE_DESTINATION || role == v1::TRANSFER_ROLE_SOURCE;
    default:
      return false;
  }
}

bool IsTerminal(v1::TransferState state) { return state == kCompleted || state == kVoided; }

TransferEntry TransferEntryOf(const v1::Entry& entry) {
  switch (entry.body_case()) {
    case v1::Entry::kTransferRequested:
      return N::kRequested;
    case v1::Entry::kTransferInitiated:
      return N::kInitiated;
    case v1::Entry::kTransferIn:
      return N::kIn;
    case v1::Entry::kTransferOut:
      return N::kOut;
    case v1::Entry::kTransferVoided:
      return N::kVoided;
    default:
      return N::kNone;
  }
}

bool StepInLog(v1::TransferState state, TransferEntry last) {
  switch (state) {
    case kRequested:  // the first entry of the transfer here: any entry means it is there
      return last != N::kNone;
    case kInitiated:
      return last == N::kInitiated;
    case kCredited:
      return last == N::kIn;
    case kCompleted:
      return last == N::kOut;
    case kVoided:  // with no entry of the transfer at all, nothing pends and nothing is voided
      return last == N::kNone || last == N::kVoided;
    default:
      return false;
  }
}

std::string_view TransferEventName(TransferEvent event) {
  switch (event) {
    case E::kStart:
      return "start";
    case E::kSourceRefused:
      return "source_refused";
    case E::kPackageRefused:
      return "package_refused";
    case E::kPackageCredited:
      return "package_credited";
    case E::kDeadlinePassed:
      return "deadline_passed";
    case E::kResolveAsked:
      return "resolve_asked";
    case E::kReceiptTaken:
      return "receipt_taken";
    case E::kAbortDelivered:
      return "abort_delivered";
    case E::kCancelAtDestination:
      return "cancel_at_destination";
    case E::kPrepareReceived:
      return "prepare_received";
    case E::kPrepareRefused:
      return "prepare_refused";
    case E::kAbortReceived:
      return "abort_received";
    case E::kReceiptChecked:
      return "receipt_checked";
    case E::kDestinationVoided:
      return "destination_voided";
    case E::kCancelAtSource:
      return "cancel_at_source";
    case E::kStepLogged:
      return "step_logged";
    case E::kStepLost:
      return "step_lost";
  }
  return "unknown";
}

}  // namespace pbl::rpc
