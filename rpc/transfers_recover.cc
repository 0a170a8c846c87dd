// TransferManager: finishing, from the log, the steps a crash interrupted. A record with
// logged = false was written just before its step's log entry; the log says whether the entry
// made it.
#include "crypto/base/check.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "rpc/log.h"
#include "rpc/transfer_roles.h"
#include "rpc/transfers.h"

namespace pbl::rpc {

namespace {

// The last entry of this transfer in the history, if any.
const ledger::HistoryEntry* LastTransferEntry(const ledger::History& history, std::string_view id) {
  const ledger::HistoryEntry* last = nullptr;
  for (const ledger::HistoryEntry& h : history) {
    const v1::Entry& e = h.entry;
    const bool match = (e.has_transfer_requested() && e.transfer_requested().transfer_id() == id) ||
                       (e.has_transfer_initiated() && e.transfer_initiated().transfer_id() == id) ||
                       (e.has_transfer_in() && e.transfer_in().transfer_id() == id) ||
                       (e.has_transfer_out() && e.transfer_out().transfer_id() == id) ||
                       (e.has_transfer_voided() && e.transfer_voided().transfer_id() == id);
    if (match) last = &h;
  }
  return last;
}

}  // namespace

absl::Status TransferManager::Recover() {
  std::vector<v1::TransferRecord> unfinished;
  PBL_RETURN_IF_ERROR(records_->node().transfers->ForEach([&](const v1::TransferRecord& r) {
    records_->TrackStored(r);
    if (!r.logged()) unfinished.push_back(r);
    return true;
  }));
  for (const v1::TransferRecord& r : unfinished) PBL_RETURN_IF_ERROR(RecoverRecord(r));
  if (!unfinished.empty()) {
    LogInfo("transfers_recovered", StrCat("count=", unfinished.size()));
  }
  return absl::OkStatus();
}

namespace {

// The entry a lost step appends again.
v1::Entry RedoneEntry(TransferEntry kind, const v1::TransferStatus& s) {
  switch (kind) {
    case TransferEntry::kRequested:
      return RequestedEntry(s);
    case TransferEntry::kOut:
      return OutEntry(s);
    case TransferEntry::kVoided:
      return VoidedEntry(s, s.role() == v1::TRANSFER_ROLE_SOURCE);
    default:
      PBL_CHECK(false, "recovery redoes only a requested, out or voided step");
  }
  return v1::Entry();
}

}  // namespace

absl::Status TransferManager::RecoverRecord(const v1::TransferRecord& peek) {
  PBL_ASSIGN_OR_RETURN(HeldRecord held,
                       records_->Hold(peek.status().terms().transfer_id(), peek.status().role()));
  if (held.record.logged()) return absl::OkStatus();
  const NodeContext& node = records_->node();
  v1::TransferStatus& s = held.status();
  const v1::TransferState was = s.state();
  const bool destination = s.role() == v1::TRANSFER_ROLE_DESTINATION;
  PBL_ASSIGN_OR_RETURN(
      const ledger::History history,
      ReadHistory(node, s.terms().person_id(),
                  destination ? s.terms().destination_scheme_id() : s.terms().source_scheme_id()));
  const ledger::HistoryEntry* last = LastTransferEntry(history, s.terms().transfer_id());
  const TransferEntry last_kind =
      last == nullptr ? TransferEntry::kNone : TransferEntryOf(last->entry);
  const bool logged = StepInLog(was, last_kind);
  PBL_ASSIGN_OR_RETURN(
      const TransferTransition transition,
      records_->Apply(held, logged ? TransferEvent::kStepLogged : TransferEvent::kStepLost));
  const ledger::LogHead head = node.ledger->Head();
  if (logged && last_kind == TransferEntry::kIn) {  // credited: the receipt is made again
    ledger::AppendResult at_head;
    at_head.tree_size = head.size;
    at_head.checkpoint = head.checkpoint;
    PBL_ASSIGN_OR_RETURN(
        *held.record.mutable_receipt(),
        destination_->MakeReceipt(s, s.figures(), static_cast<int64_t>(last->index), at_head));
  }
  if (logged && last_kind == TransferEntry::kInitiated) {
    // The package is made when asked (SentPackage), covering the log up to its head now.
    held.record.set_initiated_index(last->index);
    held.record.set_initiated_tree_size(static_cast<uint64_t>(head.size));
  }
  if (logged && (last_kind == TransferEntry::kIn || last_kind == TransferEntry::kOut ||
                 last_kind == TransferEntry::kVoided)) {
    held.record.set_end_index(last->index);  // the entry that ended the transfer on this side
  }
  if (!logged && was == v1::TRANSFER_STATE_INITIATED) {
    s.set_reason("the source crashed before recording the initiation");  // nothing was promised
  }
  if (transition.entry != TransferEntry::kNone) {
    PBL_CHECK(transition.entry != TransferEntry::kOut || !destination,
              "only a source records transfer_out");
    PBL_ASSIGN_OR_RETURN(const ledger::AppendResult appended,
                         AppendEntry(node, RedoneEntry(transition.entry, s)));
    if (transition.entry != TransferEntry::kRequested) {
      held.record.set_end_index(static_cast<uint64_t>(appended.first_index));
    }
  }
  held.record.set_logged(true);
  LogInfo("transfer_recovered", StrCat("transfer=", s.terms().transfer_id(),
                                       " state=", v1::TransferState_Name(s.state())));
  return records_->Save(held);
}

}  // namespace pbl::rpc
