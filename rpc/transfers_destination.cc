// TransferDestination: starting a transfer, asking the source for its package, checking it,
// crediting with the checked package, the receipt, voiding with a signed void, answering the
// source's Resolve, and the administrator's cancel.
#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "ledger/domain/entry_body_validation.h"
#include "ledger/domain/person_id.h"
#include "ledger/domain/transfer_plan.h"
#include "rpc/log.h"
#include "rpc/metrics.h"
#include "rpc/package_check.h"
#include "rpc/proofs.h"
#include "rpc/transfer_roles.h"
#include "rpc/transfers.h"

namespace pbl::rpc {

namespace {

constexpr v1::TransferRole kRole = v1::TRANSFER_ROLE_DESTINATION;

std::string NewTransferId(std::string_view node_id, int64_t now_ms) {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}());
  std::lock_guard<std::mutex> lock(mu);
  char suffix[17];
  std::snprintf(suffix, sizeof(suffix), "%016llx", static_cast<unsigned long long>(rng()));
  return StrCat(node_id, "-", now_ms, "-", std::string_view(suffix, 8));
}

// The source node and scheme of a start request, checked against the configuration.
absl::Status CheckSource(const NodeConfig& config, const v1::StartTransferRequest& r) {
  const bool local = r.source_node_id() == config.node_id;
  const auto peer = std::find_if(config.peers.begin(), config.peers.end(),
                                 [&](const PeerConfig& p) { return p.id == r.source_node_id(); });
  if (!local && peer == config.peers.end()) {
    return absl::InvalidArgumentError(
        StrCat("source_node_id \"", r.source_node_id(), "\" is neither this node nor a peer"));
  }
  const std::vector<std::string>& source_schemes = local ? config.schemes : peer->schemes;
  if ((local || !source_schemes.empty()) &&
      std::find(source_schemes.begin(), source_schemes.end(), r.source_scheme_id()) ==
          source_schemes.end()) {
    return absl::InvalidArgumentError(StrCat("source_scheme_id ", r.source_scheme_id(),
                                             " is not hosted by node ", r.source_node_id()));
  }
  return absl::OkStatus();
}

// The checks of a start request that need no state; fills `status` (its state is the table's).
absl::Status CheckStart(const NodeConfig& config, const v1::StartTransferRequest& r, int64_t now_ms,
                        v1::TransferStatus* status) {
  PBL_RETURN_IF_ERROR(ledger::ValidatePersonId(r.person_id()));
  if (!r.transfer_id().empty()) PBL_RETURN_IF_ERROR(ledger::ValidateTransferId(r.transfer_id()));
  PBL_RETURN_IF_ERROR(ledger::ParseSchemeId(r.source_scheme_id()).status());
  PBL_RETURN_IF_ERROR(ledger::ParseSchemeId(r.destination_scheme_id()).status());
  if (!HostsScheme(config, r.destination_scheme_id())) {
    return absl::InvalidArgumentError(
        StrCat("destination_scheme_id ", r.destination_scheme_id(), " is not hosted by this node"));
  }
  PBL_RETURN_IF_ERROR(CheckSource(config, r));
  const std::string date =
      r.date().empty() ? ledger::FormatDate(ledger::DateFromUnixMs(now_ms)) : r.date();
  PBL_RETURN_IF_ERROR(ledger::ParseDate(date, "date").status());
  v1::TransferTerms& t = *status->mutable_terms();
  t.set_transfer_id(r.transfer_id().empty() ? NewTransferId(config.node_id, now_ms)
                                            : r.transfer_id());
  t.set_person_id(r.person_id());
  t.set_source_node_id(r.source_node_id());
  t.set_source_scheme_id(r.source_scheme_id());
  t.set_destination_node_id(config.node_id);
  t.set_destination_scheme_id(r.destination_scheme_id());
  t.set_date(date);
  t.set_officially_approved(r.officially_approved());
  t.set_deadline_unix_ms(now_ms + int64_t{config.transfer_deadline_seconds} * 1000);
  status->set_role(kRole);
  status->set_updated_unix_ms(now_ms);
  return absl::OkStatus();
}

}  // namespace

v1::Entry RequestedEntry(const v1::TransferStatus& s) {
  v1::Entry e;
  e.set_person_id(s.terms().person_id());
  e.set_scheme_id(s.terms().destination_scheme_id());
  v1::TransferRequested* t = e.mutable_transfer_requested();
  t->set_transfer_id(s.terms().transfer_id());
  t->set_source_node_id(s.terms().source_node_id());
  t->set_source_scheme_id(s.terms().source_scheme_id());
  t->set_destination_node_id(s.terms().destination_node_id());
  t->set_destination_scheme_id(s.terms().destination_scheme_id());
  t->set_date(s.terms().date());
  t->set_officially_approved(s.terms().officially_approved());
  t->set_deadline_unix_ms(s.terms().deadline_unix_ms());
  return e;
}

v1::PrepareRequest PrepareFor(const v1::TransferStatus& s) {
  v1::PrepareRequest prepare;
  *prepare.mutable_terms() = s.terms();
  return prepare;
}

absl::StatusOr<v1::TransferStatus> TransferDestination::Start(
    const v1::StartTransferRequest& request, int64_t wait_until_ms) {
  v1::TransferStatus status;
  PBL_RETURN_IF_ERROR(CheckStart(*node_.config, request, node_.now_ms(), &status));
  const std::string id = status.terms().transfer_id();
  PBL_RETURN_IF_ERROR(Request(status));
  if (const absl::Status s = Advance(id); !s.ok()) {
    LogInfo("transfer_retry_later",
            StrCat("transfer=", id, " reason=\"", ToStd(s.message()), "\""));
  }
  for (;;) {
    PBL_ASSIGN_OR_RETURN(v1::TransferRecord record, records_.Load(id, kRole));
    if (IsTerminal(record.status().state()) || node_.now_ms() >= wait_until_ms) {
      return record.status();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

absl::Status TransferDestination::Request(const v1::TransferStatus& status) {
  PBL_ASSIGN_OR_RETURN(
      HeldRecord held,
      records_.HoldForPerson(status.terms().person_id(), status.terms().transfer_id(), kRole));
  if (held.exists()) {
    if (held.record.status().terms().person_id() != status.terms().person_id()) {
      return absl::AlreadyExistsError(
          StrCat("transfer ", status.terms().transfer_id(), " exists for another person"));
    }
    return records_.Apply(held, TransferEvent::kStart).status();  // a repeat
  }
  PBL_ASSIGN_OR_RETURN(const ledger::History history,
                       ReadHistory(node_, status.terms().person_id(), ""));
  PBL_ASSIGN_OR_RETURN(
      const ledger::Entitlement mine,
      ledger::ComputeEntitlement(*node_.rules, status.terms().person_id(), history,
                                 *ledger::ParseSchemeId(status.terms().destination_scheme_id()),
                                 *ledger::ParseDate(status.terms().date())));
  if (!mine.pending_transfer_id.empty()) {
    return absl::FailedPreconditionError(StrCat("transfer ", mine.pending_transfer_id,
                                                " is already pending for this person in ",
                                                status.terms().destination_scheme_id()));
  }
  *held.record.mutable_status() = status;
  PBL_ASSIGN_OR_RETURN(const TransferTransition start, records_.Apply(held, TransferEvent::kStart));
  PBL_RETURN_IF_ERROR(records_.RecordStep(held, start, RequestedEntry(status)).status());
  LogInfo("transfer_requested", StrCat("transfer=", status.terms().transfer_id(), " person=",
                                       ledger::MaskPersonId(status.terms().person_id())));
  return absl::OkStatus();
}

absl::Status TransferDestination::Advance(const std::string& transfer_id) {
  PBL_ASSIGN_OR_RETURN(v1::TransferRecord record, records_.Load(transfer_id, kRole));
  const v1::TransferStatus& s = record.status();
  PeerChannel* source = records_.ChannelTo(s.terms().source_node_id());
  if (source == nullptr) return absl::FailedPreconditionError("source node is not a peer");
  // Waiting for the package: ask for it, or void past the deadline.
  if (record.logged() && TransferEventMoves(s.state(), TransferEvent::kPackageCredited)) {
    if (node_.now_ms() > s.terms().deadline_unix_ms()) {
      PBL_ASSIGN_OR_RETURN(HeldRecord held, records_.Hold(transfer_id, kRole));
      if (TransferEventMoves(held.state(), TransferEvent::kDeadlinePassed)) {
        PBL_RETURN_IF_ERROR(
            RecordVoid(held, TransferEvent::kDeadlinePassed,
                       "the deadline passed before the source's package was credited", true));
      }
    } else {
      PBL_ASSIGN_OR_RETURN(const v1::PrepareResponse answer, source->Prepare(PrepareFor(s)));
      PBL_RETURN_IF_ERROR(CreditOrReject(transfer_id, answer));
    }
    PBL_ASSIGN_OR_RETURN(record, records_.Load(transfer_id, kRole));
  }
  if (record.abort_pending()) return TellSourceVoided(record, *source);
  // `s` referred to the record before it was loaded again: read the state from the new one.
  if (record.logged() &&
      TransferEventMoves(record.status().state(), TransferEvent::kReceiptTaken)) {
    return CommitCredited(record, *source);
  }
  return absl::OkStatus();
}

absl::Status TransferDestination::TellSourceVoided(const v1::TransferRecord& record,
                                                   PeerChannel& source) {
  // Tell the source, so that it releases the account before its deadline.
  const std::string& id = record.status().terms().transfer_id();
  v1::AbortRequest abort;
  abort.set_transfer_id(id);
  abort.set_reason(record.status().reason());
  PBL_ASSIGN_OR_RETURN(*abort.mutable_signed_void(), MakeVoid(record));
  PBL_RETURN_IF_ERROR(source.Abort(abort));
  PBL_ASSIGN_OR_RETURN(HeldRecord held, records_.Hold(id, kRole));
  PBL_RETURN_IF_ERROR(records_.Apply(held, TransferEvent::kAbortDelivered).status());
  held.record.set_abort_pending(false);
  return records_.SaveLogged(held);
}

absl::Status TransferDestination::CommitCredited(const v1::TransferRecord& record,
                                                 PeerChannel& source) {
  const std::string& id = record.status().terms().transfer_id();
  v1::CommitRequest commit;
  commit.set_transfer_id(id);
  *commit.mutable_receipt() = record.receipt();
  PBL_RETURN_IF_ERROR(source.Commit(commit).status());
  PBL_ASSIGN_OR_RETURN(HeldRecord held, records_.Hold(id, kRole));
  if (!TransferEventMoves(held.state(), TransferEvent::kReceiptTaken)) return absl::OkStatus();
  const v1::TransferState from = held.state();
  PBL_RETURN_IF_ERROR(records_.Apply(held, TransferEvent::kReceiptTaken).status());
  held.status().set_updated_unix_ms(node_.now_ms());
  PBL_RETURN_IF_ERROR(records_.SaveLogged(held));
  if (node_.metrics != nullptr) node_.metrics->TransferState(from, held.state());
  LogInfo("transfer_completed", StrCat("transfer=", id));
  return absl::OkStatus();
}

absl::Status TransferDestination::RecordVoid(HeldRecord& held, TransferEvent event,
                                             std::string reason, bool tell_source) {
  PBL_ASSIGN_OR_RETURN(const TransferTransition transition, records_.Apply(held, event));
  held.status().set_reason(std::string(Utf8Prefix(reason, ledger::kReasonBytesMax)));
  held.status().set_updated_unix_ms(node_.now_ms());
  held.record.set_abort_pending(tell_source);
  PBL_RETURN_IF_ERROR(
      records_.RecordStep(held, transition, VoidedEntry(held.record.status(), false)).status());
  // The cause, not the reason's text, which may hold the person's facts (ReasonCodeField).
  LogInfo("transfer_voided", StrCat("transfer=", held.record.status().terms().transfer_id(),
                                    " role=destination cause=", TransferEventName(event)));
  return absl::OkStatus();
}

absl::StatusOr<v1::SignedMessage> TransferDestination::MakeVoid(
    const v1::TransferRecord& record) const {
  const v1::TransferStatus& s = record.status();
  if (s.state() != v1::TRANSFER_STATE_VOIDED || s.terms().person_id().empty()) {
    return absl::FailedPreconditionError(
        StrCat("transfer ", s.terms().transfer_id(), " has no transfer_voided entry here"));
  }
  const auto index = static_cast<int64_t>(record.end_index());
  PBL_ASSIGN_OR_RETURN(std::string bytes, node_.ledger->GetEntry(index));
  v1::Entry entry;
  if (!entry.ParseFromString(bytes) || !entry.has_transfer_voided() ||
      entry.transfer_voided().transfer_id() != s.terms().transfer_id()) {
    return absl::InternalError(StrCat("entry ", index, " is not transfer ", s.terms().transfer_id(),
                                      "'s transfer_voided"));
  }
  const ledger::LogHead head = node_.ledger->Head();
  v1::TransferVoid v;
  v.set_transfer_id(s.terms().transfer_id());
  v.set_destination_node_id(node_.config->node_id);
  v.set_checkpoint(head.checkpoint);
  PBL_ASSIGN_OR_RETURN(*v.mutable_transfer_voided(),
                       ProveEntry(*node_.ledger, index, std::move(bytes), head.size));
  return SignMessage(*node_.key, kVoidContext, v.SerializeAsString());
}

absl::StatusOr<v1::TransferStatus> TransferDestination::Cancel(const std::string& transfer_id,
                                                               std::string_view reason) {
  {
    PBL_ASSIGN_OR_RETURN(HeldRecord held, records_.Hold(transfer_id, kRole));
    if (!held.record.logged()) return absl::UnavailableError("transfer is being recovered; retry");
    if (TransferEventMoves(held.state(), TransferEvent::kCancelAtDestination)) {
      PBL_RETURN_IF_ERROR(
          RecordVoid(held, TransferEvent::kCancelAtDestination,
                     StrCat("cancelled by the destination's administrator: ", reason),
                     /*tell_source=*/true));
    } else if (!records_.Apply(held, TransferEvent::kCancelAtDestination).ok()) {
      return absl::FailedPreconditionError(
          StrCat("transfer ", transfer_id, " is already credited here (",
                 v1::TransferState_Name(held.state()), "); it cannot be cancelled"));
    }
  }
  // Tell the source now; the worker retries if it cannot be reached.
  if (const absl::Status told = Advance(transfer_id); !told.ok()) {
    LogInfo("transfer_retry_later",
            StrCat("transfer=", transfer_id, " reason=\"", ToStd(told.message()), "\""));
  }
  PBL_ASSIGN_OR_RETURN(const v1::TransferRecord record, records_.Load(transfer_id, kRole));
  return record.status();
}

absl::Status TransferDestination::CreditOrReject(const std::string& transfer_id,
                                                 const v1::PrepareResponse& answer) {
  PBL_ASSIGN_OR_RETURN(HeldRecord held, records_.Hold(transfer_id, kRole));
  if (!held.record.logged() || !TransferEventMoves(held.state(), TransferEvent::kPackageCredited)) {
    return absl::OkStatus();  // another caller moved it on
  }
  const v1::TransferStatus s = held.record.status();
  if (answer.has_voided_reason()) {
    return RecordVoid(held, TransferEvent::kSourceRefused,
                      StrCat("the source refused: ", answer.voided_reason()), false);
  }
  if (node_.now_ms() > s.terms().deadline_unix_ms()) {
    return RecordVoid(held, TransferEvent::kDeadlinePassed,
                      "the deadline passed before the package was credited", true);
  }
  absl::StatusOr<CheckedPackage> checked = CheckPackage(s, answer.package());
  if (!checked.ok()) {
    LogWarning("transfer_package_refused",
               StrCat("transfer=", transfer_id, " ", ReasonCodeField(checked.status())));
    return RecordVoid(held, TransferEvent::kPackageRefused,
                      StrCat("package refused: ", ToStd(checked.status().message())), true);
  }
  absl::StatusOr<v1::TransferFigures> figures = PlanWithPackage(s, std::move(checked->history));
  if (!figures.ok()) {
    return RecordVoid(held, TransferEvent::kPackageRefused,
                      StrCat("the rules refuse: ", ToStd(figures.status().message())), true);
  }
  if (figures->SerializeAsString() != checked->package.figures().SerializeAsString()) {
    return RecordVoid(held, TransferEvent::kPackageRefused,
                      "the source's figures differ from what the rules give for its entries", true);
  }
  return Credit(held, answer.package(), *figures, *checked);
}

absl::StatusOr<CheckedPackage> TransferDestination::CheckPackage(
    const v1::TransferStatus& s, const v1::SignedMessage& signed_package) const {
  const crypto::Ed25519PublicKey* key = nullptr;
  const crypto::NoteVerifier* verifier = nullptr;
  PBL_RETURN_IF_ERROR(records_.VerifierFor(s.terms().source_node_id(), &key, &verifier));
  return CheckTransferPackage(s, *key, *verifier, signed_package);
}

absl::StatusOr<v1::TransferFigures> TransferDestination::PlanWithPackage(
    const v1::TransferStatus& s, ledger::History package) {
  // The destination's own entries of the person, but not those of the source scheme (a
  // transfer within this node: the package holds them).
  PBL_ASSIGN_OR_RETURN(ledger::History own, ReadHistory(node_, s.terms().person_id(), ""));
  ledger::History history;
  for (ledger::HistoryEntry& h : own) {
    if (h.entry.scheme_id() != s.terms().source_scheme_id()) history.push_back(std::move(h));
  }
  for (ledger::HistoryEntry& h : package) history.push_back(std::move(h));
  ledger::TransferRequest request;
  request.source = *ledger::ParseSchemeId(s.terms().source_scheme_id());
  request.destination = *ledger::ParseSchemeId(s.terms().destination_scheme_id());
  PBL_ASSIGN_OR_RETURN(request.date, ledger::ParseDate(s.terms().date()));
  request.officially_approved = s.terms().officially_approved();
  request.transfer_id = s.terms().transfer_id();
  return ledger::PlanTransfer(*node_.rules, s.terms().person_id(), history, request);
}

absl::Status TransferDestination::Credit(HeldRecord& held, const v1::SignedMessage& signed_package,
                                         const v1::TransferFigures& figures,
                                         const CheckedPackage& checked) {
  PBL_ASSIGN_OR_RETURN(const TransferTransition transition,
                       records_.Apply(held, TransferEvent::kPackageCredited));
  *held.status().mutable_figures() = figures;
  held.status().set_updated_unix_ms(node_.now_ms());
  const v1::TransferStatus s = held.record.status();
  v1::Entry e;
  e.set_person_id(s.terms().person_id());
  e.set_scheme_id(s.terms().destination_scheme_id());
  v1::TransferIn* in = e.mutable_transfer_in();
  in->set_transfer_id(s.terms().transfer_id());
  in->set_source_node_id(s.terms().source_node_id());
  in->set_source_scheme_id(s.terms().source_scheme_id());
  in->set_date(s.terms().date());
  *in->mutable_figures() = figures;
  // The checkpoint the package's proofs were checked against, as the check opened it.
  in->set_source_tree_size(static_cast<uint64_t>(checked.checkpoint.size));
  in->set_source_root_hash(
      std::string(checked.checkpoint.root.begin(), checked.checkpoint.root.end()));
  in->set_source_entry_count(static_cast<uint32_t>(checked.package.entries_size()));
  const auto receipt = [&](const ledger::AppendResult& appended,
                           v1::TransferRecord& record) -> absl::Status {
    PBL_ASSIGN_OR_RETURN(*record.mutable_receipt(),
                         MakeReceipt(s, figures, appended.first_index, appended));
    return absl::OkStatus();
  };
  PBL_ASSIGN_OR_RETURN(
      const ledger::AppendResult appended,
      records_.RecordStep(held, transition, std::move(e), &signed_package, receipt));
  LogInfo("transfer_credited", StrCat("transfer=", s.terms().transfer_id(),
                                      " person=", ledger::MaskPersonId(s.terms().person_id()),
                                      " index=", appended.first_index));
  return absl::OkStatus();
}

absl::StatusOr<v1::SignedMessage> TransferDestination::MakeReceipt(
    const v1::TransferStatus& s, const v1::TransferFigures& figures, int64_t transfer_in_index,
    const ledger::AppendResult& head) {
  v1::TransferReceipt receipt;
  receipt.set_transfer_id(s.terms().transfer_id());
  receipt.set_destination_node_id(node_.config->node_id);
  *receipt.mutable_figures() = figures;
  receipt.set_checkpoint(head.checkpoint);
  PBL_ASSIGN_OR_RETURN(std::string bytes, node_.ledger->GetEntry(transfer_in_index));
  PBL_ASSIGN_OR_RETURN(
      *receipt.mutable_transfer_in(),
      ProveEntry(*node_.ledger, transfer_in_index, std::move(bytes), head.tree_size));
  return SignMessage(*node_.key, kReceiptContext, receipt.SerializeAsString());
}

absl::StatusOr<v1::ResolveResponse> TransferDestination::HandleResolve(
    const v1::ResolveRequest& request, std::string_view caller) {
  PBL_RETURN_IF_ERROR(ledger::ValidateTransferId(request.transfer_id()));
  v1::ResolveResponse response;
  absl::StatusOr<HeldRecord> held = records_.Hold(request.transfer_id(), kRole);
  if (absl::IsNotFound(held.status())) {
    // Never requested here (or the request was lost): a tombstone makes sure it never will be.
    HeldRecord tombstone;
    tombstone.status().mutable_terms()->set_transfer_id(request.transfer_id());
    tombstone.status().set_role(kRole);
    PBL_RETURN_IF_ERROR(records_.Apply(tombstone, TransferEvent::kResolveAsked).status());
    tombstone.status().mutable_terms()->set_source_node_id(std::string(caller));
    tombstone.status().set_reason("unknown at the destination when the source asked");
    tombstone.record.set_logged(true);
    PBL_RETURN_IF_ERROR(records_.Save(tombstone));
    response.set_voided_reason(tombstone.record.status().reason());
    return response;
  }
  PBL_RETURN_IF_ERROR(held.status());
  if (held->record.status().terms().source_node_id() != caller) {
    return absl::PermissionDeniedError("only the transfer's source may resolve it");
  }
  if (!held->record.logged()) return absl::UnavailableError("transfer is being recovered; retry");
  if (TransferEventMoves(held->state(), TransferEvent::kResolveAsked)) {
    const std::string reason = "the source asked after the deadline; never credited";
    PBL_RETURN_IF_ERROR(RecordVoid(*held, TransferEvent::kResolveAsked, reason, false));
  } else {
    PBL_RETURN_IF_ERROR(records_.Apply(*held, TransferEvent::kResolveAsked).status());  // a repeat
  }
  // Credited (and perhaps completed): the receipt; voided: the signed void.
  if (held->record.has_receipt()) {
    *response.mutable_receipt() = held->record.receipt();
  } else if (held->record.status().terms().person_id().empty()) {
    response.set_voided_reason(held->record.status().reason());  // a tombstone: nothing to sign
  } else {
    PBL_ASSIGN_OR_RETURN(*response.mutable_signed_void(), MakeVoid(held->record));
  }
  return response;
}

}  // namespace pbl::rpc
