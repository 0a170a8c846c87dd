// TransferManager: finishing, from the log, the steps a crash interrupted. A record with
// logged = false was written just before its step's log entry; the log says whether the entry
// made it.
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "rpc/log.h"
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
  PBL_RETURN_IF_ERROR(node_.transfers->ForEach([&](const v1::TransferRecord& r) {
    if (!r.logged()) unfinished.push_back(r);
    return true;
  }));
  for (const v1::TransferRecord& r : unfinished) PBL_RETURN_IF_ERROR(RecoverRecord(r));
  if (!unfinished.empty()) {
    LogInfo("transfers_recovered", StrCat("count=", unfinished.size()));
  }
  return absl::OkStatus();
}

absl::Status TransferManager::RecoverRecord(v1::TransferRecord peek) {
  std::lock_guard<std::mutex> lock(PersonLock(peek.status().person_id()));
  PBL_ASSIGN_OR_RETURN(v1::TransferRecord record,
                       Load(peek.status().transfer_id(), peek.status().role()));
  if (record.logged()) return absl::OkStatus();
  v1::TransferStatus& s = *record.mutable_status();
  const bool destination = s.role() == v1::TRANSFER_ROLE_DESTINATION;
  PBL_ASSIGN_OR_RETURN(const ledger::History history,
                       ReadHistory(node_, s.person_id(),
                                   destination ? s.destination_scheme_id() : s.source_scheme_id()));
  const ledger::HistoryEntry* last = LastTransferEntry(history, s.transfer_id());
  const ledger::LogHead head = node_.ledger->Head();
  ledger::AppendResult at_head;
  at_head.tree_size = head.size;
  at_head.checkpoint = head.checkpoint;
  std::optional<v1::Entry> append;  // the step's entry, when the crash came before it
  switch (s.state()) {
    case v1::TRANSFER_STATE_REQUESTED:            // destination
      if (last == nullptr) append = v1::Entry();  // filled below
      break;
    case v1::TRANSFER_STATE_CREDITED:  // destination
      if (last != nullptr && last->entry.has_transfer_in()) {
        PBL_ASSIGN_OR_RETURN(
            *record.mutable_receipt(),
            MakeReceipt(s, s.figures(), static_cast<int64_t>(last->index), at_head));
        record.set_end_index(last->index);
      } else {
        s.set_state(v1::TRANSFER_STATE_REQUESTED);  // credit again from the source's package
      }
      break;
    case v1::TRANSFER_STATE_INITIATED:  // source
      if (last != nullptr && last->entry.has_transfer_initiated()) {
        // The package is made when asked (SentPackage), covering the log up to its head now.
        record.set_initiated_index(last->index);
        record.set_initiated_tree_size(static_cast<uint64_t>(head.size));
      } else {
        // Nothing was promised: the destination will be told it is void.
        s.set_state(v1::TRANSFER_STATE_VOIDED);
        s.set_reason("the source crashed before recording the initiation");
      }
      break;
    case v1::TRANSFER_STATE_COMPLETED:  // source
      if (last == nullptr || !last->entry.has_transfer_out()) append = v1::Entry();
      break;
    case v1::TRANSFER_STATE_VOIDED:
      if (last != nullptr && !last->entry.has_transfer_voided()) append = v1::Entry();
      break;
    default:
      return absl::DataLossError(StrCat("transfer ", s.transfer_id(), " has no state"));
  }
  if (append) {
    PBL_RETURN_IF_ERROR(RecoverAppend(&record));
  } else if (last != nullptr && s.state() != v1::TRANSFER_STATE_INITIATED &&
             s.state() != v1::TRANSFER_STATE_REQUESTED) {
    record.set_end_index(last->index);
  }
  record.set_logged(true);
  LogInfo("transfer_recovered",
          StrCat("transfer=", s.transfer_id(), " state=", v1::TransferState_Name(s.state())));
  return Save(record);
}

absl::Status TransferManager::RecoverAppend(v1::TransferRecord* record) {
  const v1::TransferStatus& s = record->status();
  v1::Entry entry;
  switch (s.state()) {
    case v1::TRANSFER_STATE_REQUESTED:
      entry = RequestedEntry(s);
      break;
    case v1::TRANSFER_STATE_COMPLETED:
      entry = OutEntry(s);
      break;
    default:
      entry = VoidedEntry(s, s.role() == v1::TRANSFER_ROLE_SOURCE);
      break;
  }
  PBL_ASSIGN_OR_RETURN(const ledger::AppendResult appended, AppendEntry(node_, std::move(entry)));
  if (s.state() != v1::TRANSFER_STATE_REQUESTED) {
    record->set_end_index(static_cast<uint64_t>(appended.first_index));
  }
  return absl::OkStatus();
}

}  // namespace pbl::rpc
