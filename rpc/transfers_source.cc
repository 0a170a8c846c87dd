// TransferManager, source side: Prepare (initiate and package), Commit (check the receipt and
// record transfer_out), Abort, and resolving a transfer past its deadline.
#include <algorithm>

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

namespace {

absl::Status CheckPrepare(const NodeConfig& config, const v1::PrepareRequest& r,
                          std::string_view caller) {
  PBL_RETURN_IF_ERROR(ledger::ValidateTransferId(r.transfer_id()));
  PBL_RETURN_IF_ERROR(ledger::ValidatePersonId(r.person_id()));
  PBL_RETURN_IF_ERROR(ledger::ParseSchemeId(r.source_scheme_id()).status());
  PBL_RETURN_IF_ERROR(ledger::ParseSchemeId(r.destination_scheme_id()).status());
  PBL_RETURN_IF_ERROR(ledger::ParseDate(r.date(), "date").status());
  if (!HostsScheme(config, r.source_scheme_id())) {
    return absl::InvalidArgumentError(
        StrCat("source_scheme_id ", r.source_scheme_id(), " is not hosted by this node"));
  }
  if (r.deadline_unix_ms() <= 0) return absl::InvalidArgumentError("deadline_unix_ms is not set");
  if (r.destination_node_id() != caller) {
    return absl::PermissionDeniedError(
        StrCat("node ", caller, " may not prepare a transfer for node ", r.destination_node_id()));
  }
  return absl::OkStatus();
}

v1::TransferStatus SourceStatus(const v1::PrepareRequest& r, std::string_view self,
                                int64_t now_ms) {
  v1::TransferStatus s;
  s.set_transfer_id(r.transfer_id());
  s.set_role(v1::TRANSFER_ROLE_SOURCE);
  s.set_state(v1::TRANSFER_STATE_INITIATED);
  s.set_person_id(r.person_id());
  s.set_source_node_id(std::string(self));
  s.set_source_scheme_id(r.source_scheme_id());
  s.set_destination_node_id(r.destination_node_id());
  s.set_destination_scheme_id(r.destination_scheme_id());
  s.set_date(r.date());
  s.set_officially_approved(r.officially_approved());
  s.set_deadline_unix_ms(r.deadline_unix_ms());
  s.set_updated_unix_ms(now_ms);
  return s;
}

v1::PrepareResponse Voided(std::string reason) {
  v1::PrepareResponse r;
  r.set_voided_reason(std::move(reason));
  return r;
}

}  // namespace

v1::Entry InitiatedEntry(const v1::TransferStatus& s) {
  v1::Entry e;
  e.set_person_id(s.person_id());
  e.set_scheme_id(s.source_scheme_id());
  v1::TransferInitiated* t = e.mutable_transfer_initiated();
  t->set_transfer_id(s.transfer_id());
  t->set_destination_node_id(s.destination_node_id());
  t->set_destination_scheme_id(s.destination_scheme_id());
  t->set_date(s.date());
  t->set_officially_approved(s.officially_approved());
  t->set_deadline_unix_ms(s.deadline_unix_ms());
  *t->mutable_figures() = s.figures();
  return e;
}

v1::Entry OutEntry(const v1::TransferStatus& s) {
  v1::Entry e;
  e.set_person_id(s.person_id());
  e.set_scheme_id(s.source_scheme_id());
  v1::TransferOut* t = e.mutable_transfer_out();
  t->set_transfer_id(s.transfer_id());
  t->set_destination_node_id(s.destination_node_id());
  t->set_destination_scheme_id(s.destination_scheme_id());
  t->set_date(s.date());
  *t->mutable_figures() = s.figures();
  return e;
}

absl::StatusOr<v1::PrepareResponse> TransferManager::HandlePrepare(
    const v1::PrepareRequest& request, std::string_view caller) {
  PBL_RETURN_IF_ERROR(CheckPrepare(*node_.config, request, caller));
  std::lock_guard<std::mutex> lock(PersonLock(request.person_id()));
  PBL_ASSIGN_OR_RETURN(std::optional<v1::TransferRecord> existing,
                       node_.transfers->Get(request.transfer_id(), v1::TRANSFER_ROLE_SOURCE));
  if (!existing) return Initiate(request, caller);
  const v1::TransferStatus& s = existing->status();
  if (s.destination_node_id() != caller ||
      (!s.person_id().empty() && s.person_id() != request.person_id())) {
    return absl::InvalidArgumentError(
        StrCat("transfer id ", request.transfer_id(), " is already used for another transfer"));
  }
  if (!existing->logged()) return absl::UnavailableError("transfer is being recovered; retry");
  if (s.state() == v1::TRANSFER_STATE_VOIDED) return Voided(s.reason());
  v1::PrepareResponse response;
  PBL_ASSIGN_OR_RETURN(*response.mutable_package(), SentPackage(*existing));
  return response;
}

absl::StatusOr<v1::PrepareResponse> TransferManager::Initiate(const v1::PrepareRequest& request,
                                                              std::string_view caller) {
  v1::TransferRecord record;
  *record.mutable_status() = SourceStatus(request, node_.config->node_id, node_.now_ms());
  v1::TransferStatus& s = *record.mutable_status();
  absl::StatusOr<v1::TransferFigures> figures =
      absl::FailedPreconditionError("the deadline passed before the source was asked");
  if (node_.now_ms() <= request.deadline_unix_ms()) {
    PBL_ASSIGN_OR_RETURN(const ledger::History history,
                         ReadHistory(node_, request.person_id(), ""));
    ledger::TransferRequest plan;
    plan.source = *ledger::ParseSchemeId(request.source_scheme_id());
    plan.destination = *ledger::ParseSchemeId(request.destination_scheme_id());
    plan.date = *ledger::ParseDate(request.date());
    plan.officially_approved = request.officially_approved();
    plan.transfer_id = request.transfer_id();
    figures = ledger::PlanTransfer(*node_.rules, request.person_id(), history, plan);
  }
  if (!figures.ok()) {
    if (!absl::IsFailedPrecondition(figures.status()) &&
        !absl::IsInvalidArgument(figures.status())) {
      return figures.status();
    }
    // A refusal is remembered, so that a retried or duplicated Prepare gets the same answer.
    s.set_state(v1::TRANSFER_STATE_VOIDED);
    s.set_reason(std::string(ToStd(figures.status().message())));
    record.set_logged(true);
    PBL_RETURN_IF_ERROR(Save(record));
    LogInfo("transfer_refused",
            StrCat("transfer=", s.transfer_id(), " reason=\"", s.reason(), "\""));
    return Voided(s.reason());
  }
  *s.mutable_figures() = *figures;
  PBL_RETURN_IF_ERROR(SaveBeforeEntry(record));
  PBL_ASSIGN_OR_RETURN(const ledger::AppendResult appended, AppendEntry(node_, InitiatedEntry(s)));
  v1::PrepareResponse response;
  PBL_ASSIGN_OR_RETURN(
      *response.mutable_package(),
      MakePackage(s, appended.first_index, appended.tree_size, appended.checkpoint));
  record.set_logged(true);
  record.set_initiated_index(static_cast<uint64_t>(appended.first_index));
  record.set_initiated_tree_size(static_cast<uint64_t>(appended.tree_size));
  PBL_RETURN_IF_ERROR(SaveLogged(record));
  NoteState(v1::TRANSFER_STATE_UNSPECIFIED, v1::TRANSFER_STATE_INITIATED);
  LogInfo("transfer_initiated", StrCat("transfer=", s.transfer_id(), " person=",
                                       ledger::MaskPersonId(s.person_id()), " to=", caller));
  return response;
}

absl::StatusOr<v1::SignedMessage> TransferManager::SentPackage(const v1::TransferRecord& record) {
  const v1::TransferStatus& s = record.status();
  const auto tree_size = static_cast<int64_t>(record.initiated_tree_size());
  PBL_ASSIGN_OR_RETURN(const std::string checkpoint, node_.ledger->CheckpointAt(tree_size));
  return MakePackage(s, static_cast<int64_t>(record.initiated_index()), tree_size, checkpoint);
}

absl::StatusOr<v1::SignedMessage> TransferManager::MakePackage(const v1::TransferStatus& s,
                                                               int64_t initiated_index,
                                                               int64_t tree_size,
                                                               const std::string& checkpoint) {
  PBL_ASSIGN_OR_RETURN(std::vector<ledger::IndexedEntry> entries,
                       node_.ledger->PersonEntries(s.person_id(), s.source_scheme_id()));
  v1::TransferPackage package;
  package.set_transfer_id(s.transfer_id());
  package.set_source_node_id(s.source_node_id());
  package.set_destination_node_id(s.destination_node_id());
  package.set_person_id(s.person_id());
  package.set_source_scheme_id(s.source_scheme_id());
  package.set_destination_scheme_id(s.destination_scheme_id());
  package.set_date(s.date());
  package.set_officially_approved(s.officially_approved());
  package.set_deadline_unix_ms(s.deadline_unix_ms());
  package.set_checkpoint(checkpoint);
  *package.mutable_figures() = s.figures();
  std::erase_if(entries, [&](const ledger::IndexedEntry& e) { return e.index > initiated_index; });
  PBL_ASSIGN_OR_RETURN(std::vector<v1::ProvenEntry> proven,
                       ProveEntries(*node_.ledger, std::move(entries), tree_size));
  for (v1::ProvenEntry& e : proven) *package.add_entries() = std::move(e);
  const auto sign = [this](const v1::TransferPackage& p) {
    return SignMessage(*node_.key, kPackageContext, p.SerializeAsString());
  };
  if (node_.seams != nullptr && node_.seams->send_package) {
    return node_.seams->send_package(std::move(package), sign);
  }
  return sign(package);
}

absl::Status TransferManager::CheckReceipt(const v1::TransferRecord& record,
                                           const v1::SignedMessage& signed_receipt,
                                           v1::TransferFigures* figures) const {
  const v1::TransferStatus& s = record.status();
  const crypto::Ed25519PublicKey* key = nullptr;
  const crypto::NoteVerifier* verifier = nullptr;
  PBL_RETURN_IF_ERROR(VerifierFor(s.destination_node_id(), &key, &verifier));
  PBL_ASSIGN_OR_RETURN(const CheckedReceipt checked,
                       CheckTransferReceipt(s, *key, *verifier, signed_receipt));
  *figures = checked.receipt.figures();
  return absl::OkStatus();
}

absl::Status TransferManager::RecordSourceEnd(v1::TransferRecord record,
                                              const v1::SignedMessage* receipt,
                                              std::string reason) {
  const v1::TransferState from = record.status().state();
  v1::TransferStatus& s = *record.mutable_status();
  s.set_state(receipt != nullptr ? v1::TRANSFER_STATE_COMPLETED : v1::TRANSFER_STATE_VOIDED);
  s.set_reason(std::move(reason));
  s.set_updated_unix_ms(node_.now_ms());
  if (receipt != nullptr) *record.mutable_receipt() = *receipt;
  record.set_logged(false);
  PBL_RETURN_IF_ERROR(SaveBeforeEntry(record));
  PBL_ASSIGN_OR_RETURN(
      const ledger::AppendResult appended,
      AppendEntry(node_, receipt != nullptr ? OutEntry(s) : VoidedEntry(s, /*at_source=*/true)));
  record.set_logged(true);
  record.set_end_index(static_cast<uint64_t>(appended.first_index));
  PBL_RETURN_IF_ERROR(SaveLogged(record));
  NoteState(from, s.state());
  LogInfo(receipt != nullptr ? "transfer_out" : "transfer_voided",
          StrCat("transfer=", s.transfer_id(), " role=source index=", appended.first_index));
  return absl::OkStatus();
}

absl::StatusOr<v1::CommitResponse> TransferManager::HandleCommit(const v1::CommitRequest& request,
                                                                 std::string_view caller) {
  PBL_RETURN_IF_ERROR(ledger::ValidateTransferId(request.transfer_id()));
  PBL_ASSIGN_OR_RETURN(const v1::TransferRecord peek,
                       Load(request.transfer_id(), v1::TRANSFER_ROLE_SOURCE));
  if (peek.status().destination_node_id() != caller) {
    return absl::PermissionDeniedError("only the transfer's destination may commit it");
  }
  std::lock_guard<std::mutex> lock(PersonLock(peek.status().person_id()));
  PBL_ASSIGN_OR_RETURN(v1::TransferRecord record,
                       Load(request.transfer_id(), v1::TRANSFER_ROLE_SOURCE));
  if (!record.logged()) return absl::UnavailableError("transfer is being recovered; retry");
  v1::CommitResponse response;
  switch (record.status().state()) {
    case v1::TRANSFER_STATE_COMPLETED:
      response.set_transfer_out_index(record.end_index());
      return response;
    case v1::TRANSFER_STATE_INITIATED: {
      v1::TransferFigures figures;
      PBL_RETURN_IF_ERROR(CheckReceipt(record, request.receipt(), &figures));
      PBL_RETURN_IF_ERROR(RecordSourceEnd(record, &request.receipt(), ""));
      PBL_ASSIGN_OR_RETURN(record, Load(request.transfer_id(), v1::TRANSFER_ROLE_SOURCE));
      response.set_transfer_out_index(record.end_index());
      return response;
    }
    default:
      return absl::FailedPreconditionError(
          StrCat("transfer ", request.transfer_id(),
                 " was voided at the source: ", record.status().reason()));
  }
}

absl::Status TransferManager::HandleAbort(const v1::AbortRequest& request,
                                          std::string_view caller) {
  PBL_RETURN_IF_ERROR(ledger::ValidateTransferId(request.transfer_id()));
  absl::StatusOr<v1::TransferRecord> peek = Load(request.transfer_id(), v1::TRANSFER_ROLE_SOURCE);
  if (absl::IsNotFound(peek.status())) {
    // A Prepare still on its way must find the transfer voided.
    v1::TransferRecord tombstone;
    v1::TransferStatus& s = *tombstone.mutable_status();
    s.set_transfer_id(request.transfer_id());
    s.set_role(v1::TRANSFER_ROLE_SOURCE);
    s.set_state(v1::TRANSFER_STATE_VOIDED);
    s.set_destination_node_id(std::string(caller));
    s.set_reason(StrCat("the destination voided it: ", request.reason()).substr(0, 500));
    tombstone.set_logged(true);
    return Save(tombstone);
  }
  PBL_RETURN_IF_ERROR(peek.status());
  if (peek->status().destination_node_id() != caller) {
    return absl::PermissionDeniedError("only the transfer's destination may abort it");
  }
  std::lock_guard<std::mutex> lock(PersonLock(peek->status().person_id()));
  PBL_ASSIGN_OR_RETURN(v1::TransferRecord record,
                       Load(request.transfer_id(), v1::TRANSFER_ROLE_SOURCE));
  if (!record.logged()) return absl::UnavailableError("transfer is being recovered; retry");
  switch (record.status().state()) {
    case v1::TRANSFER_STATE_INITIATED:
      return RecordSourceEnd(
          record, nullptr, StrCat("the destination voided it: ", request.reason()).substr(0, 500));
    case v1::TRANSFER_STATE_COMPLETED:
      return absl::FailedPreconditionError("transfer already completed at the source");
    default:
      return absl::OkStatus();
  }
}

absl::Status TransferManager::ResolveSource(const std::string& transfer_id) {
  PBL_ASSIGN_OR_RETURN(const v1::TransferRecord peek, Load(transfer_id, v1::TRANSFER_ROLE_SOURCE));
  if (peek.status().state() != v1::TRANSFER_STATE_INITIATED) return absl::OkStatus();
  PeerChannel* destination = ChannelTo(peek.status().destination_node_id());
  if (destination == nullptr) return absl::FailedPreconditionError("destination is not a peer");
  v1::ResolveRequest resolve;
  resolve.set_transfer_id(transfer_id);
  PBL_ASSIGN_OR_RETURN(const v1::ResolveResponse answer, destination->Resolve(resolve));
  std::lock_guard<std::mutex> lock(PersonLock(peek.status().person_id()));
  PBL_ASSIGN_OR_RETURN(v1::TransferRecord record, Load(transfer_id, v1::TRANSFER_ROLE_SOURCE));
  if (record.status().state() != v1::TRANSFER_STATE_INITIATED || !record.logged()) {
    return absl::OkStatus();
  }
  if (answer.has_receipt()) {
    v1::TransferFigures figures;
    if (absl::Status bad = CheckReceipt(record, answer.receipt(), &figures); !bad.ok()) {
      LogWarning("transfer_receipt_refused",
                 StrCat("transfer=", transfer_id, " reason=\"", ToStd(bad.message()), "\""));
      return bad;
    }
    return RecordSourceEnd(record, &answer.receipt(), "");
  }
  return RecordSourceEnd(
      record, nullptr,
      StrCat("the destination voided it: ", answer.voided_reason()).substr(0, 500));
}

}  // namespace pbl::rpc
