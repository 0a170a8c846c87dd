// TransferManager, destination side: verifying the source's package, crediting, the receipt,
// and answering the source's Resolve.
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "ledger/domain/entry_body_validation.h"
#include "ledger/domain/person_id.h"
#include "ledger/domain/transfer_plan.h"
#include "rpc/log.h"
#include "rpc/package_check.h"
#include "rpc/proofs.h"
#include "rpc/transfers.h"

namespace pbl::rpc {

absl::Status TransferManager::CreditOrReject(const std::string& transfer_id,
                                             const v1::PrepareResponse& answer) {
  PBL_ASSIGN_OR_RETURN(v1::TransferRecord peek, Load(transfer_id, v1::TRANSFER_ROLE_DESTINATION));
  std::lock_guard<std::mutex> lock(PersonLock(peek.status().person_id()));
  PBL_ASSIGN_OR_RETURN(v1::TransferRecord record, Load(transfer_id, v1::TRANSFER_ROLE_DESTINATION));
  const v1::TransferStatus& s = record.status();
  if (s.state() != v1::TRANSFER_STATE_REQUESTED || !record.logged()) return absl::OkStatus();
  if (answer.has_voided_reason()) {
    return RecordDestinationVoid(record, StrCat("the source refused: ", answer.voided_reason()),
                                 false);
  }
  if (node_.now_ms() > s.deadline_unix_ms()) {
    return RecordDestinationVoid(record, "the deadline passed before the package was credited",
                                 true);
  }
  ledger::History history;
  v1::TransferPackage package;
  if (absl::Status bad = VerifyPackage(s, answer.package(), &package, &history); !bad.ok()) {
    LogWarning("transfer_package_refused",
               StrCat("transfer=", transfer_id, " reason=\"", ToStd(bad.message()), "\""));
    return RecordDestinationVoid(record, StrCat("package refused: ", ToStd(bad.message())), true);
  }
  absl::StatusOr<v1::TransferFigures> figures = PlanWithPackage(s, std::move(history));
  if (!figures.ok()) {
    return RecordDestinationVoid(
        record, StrCat("the rules refuse: ", ToStd(figures.status().message())), true);
  }
  if (figures->SerializeAsString() != package.figures().SerializeAsString()) {
    return RecordDestinationVoid(
        record, "the source's figures differ from what the rules give for its entries", true);
  }
  return Credit(std::move(record), answer.package(), *figures, package);
}

absl::Status TransferManager::VerifyPackage(const v1::TransferStatus& s,
                                            const v1::SignedMessage& signed_package,
                                            v1::TransferPackage* package,
                                            ledger::History* history) const {
  const crypto::Ed25519PublicKey* key = nullptr;
  const crypto::NoteVerifier* verifier = nullptr;
  PBL_RETURN_IF_ERROR(VerifierFor(s.source_node_id(), &key, &verifier));
  PBL_ASSIGN_OR_RETURN(CheckedPackage checked,
                       CheckTransferPackage(s, *key, *verifier, signed_package));
  *package = std::move(checked.package);
  *history = std::move(checked.history);
  return absl::OkStatus();
}

absl::StatusOr<v1::TransferFigures> TransferManager::PlanWithPackage(const v1::TransferStatus& s,
                                                                     ledger::History package) {
  // The destination's own entries of the person, but not those of the source scheme (a
  // transfer within this node: the package holds them).
  PBL_ASSIGN_OR_RETURN(ledger::History own, ReadHistory(node_, s.person_id(), ""));
  ledger::History history;
  for (ledger::HistoryEntry& h : own) {
    if (h.entry.scheme_id() != s.source_scheme_id()) history.push_back(std::move(h));
  }
  for (ledger::HistoryEntry& h : package) history.push_back(std::move(h));
  ledger::TransferRequest request;
  request.source = *ledger::ParseSchemeId(s.source_scheme_id());
  request.destination = *ledger::ParseSchemeId(s.destination_scheme_id());
  PBL_ASSIGN_OR_RETURN(request.date, ledger::ParseDate(s.date()));
  request.officially_approved = s.officially_approved();
  request.transfer_id = s.transfer_id();
  return ledger::PlanTransfer(*node_.rules, s.person_id(), history, request);
}

absl::Status TransferManager::Credit(v1::TransferRecord record,
                                     const v1::SignedMessage& signed_package,
                                     const v1::TransferFigures& figures,
                                     const v1::TransferPackage& package) {
  *record.mutable_status()->mutable_figures() = figures;
  record.mutable_status()->set_state(v1::TRANSFER_STATE_CREDITED);
  record.mutable_status()->set_updated_unix_ms(node_.now_ms());
  record.set_logged(false);
  PBL_RETURN_IF_ERROR(SaveBeforeEntry(record, &signed_package));
  const v1::TransferStatus& s = record.status();
  v1::Entry e;
  e.set_person_id(s.person_id());
  e.set_scheme_id(s.destination_scheme_id());
  v1::TransferIn* in = e.mutable_transfer_in();
  in->set_transfer_id(s.transfer_id());
  in->set_source_node_id(s.source_node_id());
  in->set_source_scheme_id(s.source_scheme_id());
  in->set_date(s.date());
  *in->mutable_figures() = figures;
  PBL_ASSIGN_OR_RETURN(const crypto::Checkpoint source_checkpoint,
                       crypto::ParseCheckpoint(crypto::ParseNote(package.checkpoint())->text));
  in->set_source_tree_size(static_cast<uint64_t>(source_checkpoint.size));
  in->set_source_root_hash(
      std::string(source_checkpoint.root.begin(), source_checkpoint.root.end()));
  in->set_source_entry_count(static_cast<uint32_t>(package.entries_size()));
  PBL_ASSIGN_OR_RETURN(const ledger::AppendResult appended, AppendEntry(node_, std::move(e)));
  PBL_ASSIGN_OR_RETURN(*record.mutable_receipt(),
                       MakeReceipt(s, figures, appended.first_index, appended));
  record.set_logged(true);
  record.set_end_index(static_cast<uint64_t>(appended.first_index));
  PBL_RETURN_IF_ERROR(SaveLogged(record));
  NoteState(v1::TRANSFER_STATE_REQUESTED, v1::TRANSFER_STATE_CREDITED);
  LogInfo("transfer_credited",
          StrCat("transfer=", s.transfer_id(), " person=", ledger::MaskPersonId(s.person_id()),
                 " index=", appended.first_index));
  return absl::OkStatus();
}

absl::StatusOr<v1::SignedMessage> TransferManager::MakeReceipt(const v1::TransferStatus& s,
                                                               const v1::TransferFigures& figures,
                                                               int64_t transfer_in_index,
                                                               const ledger::AppendResult& head) {
  v1::TransferReceipt receipt;
  receipt.set_transfer_id(s.transfer_id());
  receipt.set_destination_node_id(node_.config->node_id);
  *receipt.mutable_figures() = figures;
  receipt.set_checkpoint(head.checkpoint);
  PBL_ASSIGN_OR_RETURN(std::string bytes, node_.ledger->GetEntry(transfer_in_index));
  PBL_ASSIGN_OR_RETURN(
      *receipt.mutable_transfer_in(),
      ProveEntry(*node_.ledger, transfer_in_index, std::move(bytes), head.tree_size));
  return SignMessage(*node_.key, kReceiptContext, receipt.SerializeAsString());
}

absl::StatusOr<v1::ResolveResponse> TransferManager::HandleResolve(
    const v1::ResolveRequest& request, std::string_view caller) {
  PBL_RETURN_IF_ERROR(ledger::ValidateTransferId(request.transfer_id()));
  v1::ResolveResponse response;
  absl::StatusOr<v1::TransferRecord> peek =
      Load(request.transfer_id(), v1::TRANSFER_ROLE_DESTINATION);
  if (absl::IsNotFound(peek.status())) {
    // Never requested here (or the request was lost): a tombstone makes sure it never will be.
    v1::TransferRecord tombstone;
    tombstone.mutable_status()->set_transfer_id(request.transfer_id());
    tombstone.mutable_status()->set_role(v1::TRANSFER_ROLE_DESTINATION);
    tombstone.mutable_status()->set_state(v1::TRANSFER_STATE_VOIDED);
    tombstone.mutable_status()->set_source_node_id(std::string(caller));
    tombstone.mutable_status()->set_reason("unknown at the destination when the source asked");
    tombstone.set_logged(true);
    PBL_RETURN_IF_ERROR(Save(tombstone));
    response.set_voided_reason(tombstone.status().reason());
    return response;
  }
  PBL_RETURN_IF_ERROR(peek.status());
  if (peek->status().source_node_id() != caller) {
    return absl::PermissionDeniedError("only the transfer's source may resolve it");
  }
  std::lock_guard<std::mutex> lock(PersonLock(peek->status().person_id()));
  PBL_ASSIGN_OR_RETURN(v1::TransferRecord record,
                       Load(request.transfer_id(), v1::TRANSFER_ROLE_DESTINATION));
  if (!record.logged()) return absl::UnavailableError("transfer is being recovered; retry");
  switch (record.status().state()) {
    case v1::TRANSFER_STATE_REQUESTED:
      PBL_RETURN_IF_ERROR(RecordDestinationVoid(
          record, "the source asked after the deadline; never credited", false));
      response.set_voided_reason("the source asked after the deadline; never credited");
      return response;
    case v1::TRANSFER_STATE_CREDITED:
    case v1::TRANSFER_STATE_COMPLETED:
      *response.mutable_receipt() = record.receipt();
      return response;
    default:
      response.set_voided_reason(record.status().reason());
      return response;
  }
}

}  // namespace pbl::rpc
