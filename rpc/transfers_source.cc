// TransferSource: Prepare (initiate and package), Commit (check the receipt and record
// transfer_out), Abort (with the destination's signed void once the package has left), resolving
// a transfer past its deadline, and the administrator's cancel of one whose package never left.
#include <algorithm>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "ledger/domain/entry_body_validation.h"
#include "ledger/domain/person_id.h"
#include "ledger/domain/transfer_plan.h"
#include "rpc/log.h"
#include "rpc/package_check.h"
#include "rpc/proofs.h"
#include "rpc/transfer_roles.h"
#include "rpc/transfers.h"

namespace pbl::rpc {

namespace {

constexpr v1::TransferRole kRole = v1::TRANSFER_ROLE_SOURCE;

absl::Status CheckPrepare(const NodeConfig& config, const v1::PrepareRequest& request,
                          std::string_view caller, int64_t now_ms) {
  const v1::TransferTerms& r = request.terms();
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
  // The source's own policy, whatever the peer asks: nothing is recorded and no account is held.
  const int64_t furthest_ms = now_ms + int64_t{config.prepare_deadline_max_seconds} * 1000;
  if (r.deadline_unix_ms() > furthest_ms) {
    return absl::InvalidArgumentError(
        StrCat("deadline_unix_ms ", r.deadline_unix_ms(), " is more than ",
               config.prepare_deadline_max_seconds,
               " s away (this source's prepare_deadline_max_seconds)"));
  }
  if (r.destination_node_id() != caller) {
    return absl::PermissionDeniedError(
        StrCat("node ", caller, " may not prepare a transfer for node ", r.destination_node_id()));
  }
  return absl::OkStatus();
}

v1::TransferStatus SourceStatus(const v1::PrepareRequest& r, std::string_view self,
                                int64_t now_ms) {
  v1::TransferStatus s;
  *s.mutable_terms() = r.terms();
  s.mutable_terms()->set_source_node_id(std::string(self));
  s.set_role(kRole);
  s.set_updated_unix_ms(now_ms);
  return s;
}

// "the destination voided it: <reason>", as the source records it.
std::string DestinationVoided(std::string_view reason) {
  return std::string(Utf8Prefix(StrCat("the destination voided it: ", reason), 500));
}

v1::PrepareResponse Voided(std::string reason) {
  v1::PrepareResponse r;
  r.set_voided_reason(std::move(reason));
  return r;
}

}  // namespace

v1::Entry InitiatedEntry(const v1::TransferStatus& s) {
  v1::Entry e;
  e.set_person_id(s.terms().person_id());
  e.set_scheme_id(s.terms().source_scheme_id());
  v1::TransferInitiated* t = e.mutable_transfer_initiated();
  t->set_transfer_id(s.terms().transfer_id());
  t->set_destination_node_id(s.terms().destination_node_id());
  t->set_destination_scheme_id(s.terms().destination_scheme_id());
  t->set_date(s.terms().date());
  t->set_officially_approved(s.terms().officially_approved());
  t->set_deadline_unix_ms(s.terms().deadline_unix_ms());
  *t->mutable_figures() = s.figures();
  return e;
}

v1::Entry OutEntry(const v1::TransferStatus& s) {
  v1::Entry e;
  e.set_person_id(s.terms().person_id());
  e.set_scheme_id(s.terms().source_scheme_id());
  v1::TransferOut* t = e.mutable_transfer_out();
  t->set_transfer_id(s.terms().transfer_id());
  t->set_destination_node_id(s.terms().destination_node_id());
  t->set_destination_scheme_id(s.terms().destination_scheme_id());
  t->set_date(s.terms().date());
  *t->mutable_figures() = s.figures();
  return e;
}

absl::StatusOr<v1::PrepareResponse> TransferSource::HandlePrepare(const v1::PrepareRequest& request,
                                                                  std::string_view caller) {
  PBL_RETURN_IF_ERROR(CheckPrepare(*node_.config, request, caller, node_.now_ms()));
  PBL_ASSIGN_OR_RETURN(
      HeldRecord held,
      records_.HoldForPerson(request.terms().person_id(), request.terms().transfer_id(), kRole));
  if (!held.exists()) {
    // A peer can hold accounts here only by opening transfers: a bound on how many at once.
    const int64_t open = records_.OpenAsSourceFor(caller);
    if (open >= node_.config->open_transfers_per_peer_max) {
      return absl::ResourceExhaustedError(
          StrCat("peer ", caller, " has ", open,
                 " transfers open at this source, the most its "
                 "[limits] open_transfers_per_peer_max allows; retry when some have ended"));
    }
    return Initiate(std::move(held), request, caller);
  }
  const v1::TransferStatus& s = held.record.status();
  if (s.terms().destination_node_id() != caller ||
      (!s.terms().person_id().empty() && s.terms().person_id() != request.terms().person_id())) {
    return absl::InvalidArgumentError(StrCat("transfer id ", request.terms().transfer_id(),
                                             " is already used for another transfer"));
  }
  if (!held.record.logged()) return absl::UnavailableError("transfer is being recovered; retry");
  PBL_RETURN_IF_ERROR(records_.Apply(held, TransferEvent::kPrepareReceived).status());  // a repeat
  if (s.state() == v1::TRANSFER_STATE_VOIDED) return Voided(s.reason());
  v1::PrepareResponse response;
  PBL_ASSIGN_OR_RETURN(*response.mutable_package(), SentPackage(held.record));
  PBL_RETURN_IF_ERROR(MarkPackageSent(held));
  return response;
}

absl::Status TransferSource::MarkPackageSent(HeldRecord& held) {
  if (held.record.status().package_sent()) return absl::OkStatus();
  held.status().set_package_sent(true);
  return records_.Save(held);  // synced, before the answer: a package sent is never forgotten
}

namespace {

// The source's figures for the transfer `request` asks for, from the person's whole history
// here; FAILED_PRECONDITION past the deadline.
absl::StatusOr<v1::TransferFigures> PlanAtSource(const NodeContext& node,
                                                 const v1::PrepareRequest& request) {
  if (node.now_ms() > request.terms().deadline_unix_ms()) {
    return absl::FailedPreconditionError("the deadline passed before the source was asked");
  }
  PBL_ASSIGN_OR_RETURN(const ledger::History history,
                       ReadHistory(node, request.terms().person_id(), ""));
  ledger::TransferRequest plan;
  plan.source = *ledger::ParseSchemeId(request.terms().source_scheme_id());
  plan.destination = *ledger::ParseSchemeId(request.terms().destination_scheme_id());
  plan.date = *ledger::ParseDate(request.terms().date());
  plan.officially_approved = request.terms().officially_approved();
  plan.transfer_id = request.terms().transfer_id();
  return ledger::PlanTransfer(*node.rules, request.terms().person_id(), history, plan);
}

}  // namespace

absl::StatusOr<v1::PrepareResponse> TransferSource::Initiate(HeldRecord held,
                                                             const v1::PrepareRequest& request,
                                                             std::string_view caller) {
  *held.record.mutable_status() = SourceStatus(request, node_.config->node_id, node_.now_ms());
  const absl::StatusOr<v1::TransferFigures> figures = PlanAtSource(node_, request);
  if (!figures.ok()) {
    if (!absl::IsFailedPrecondition(figures.status()) &&
        !absl::IsInvalidArgument(figures.status())) {
      return figures.status();
    }
    // A refusal is remembered, so that a retried or duplicated Prepare gets the same answer.
    PBL_RETURN_IF_ERROR(records_.Apply(held, TransferEvent::kPrepareRefused).status());
    held.status().set_reason(std::string(ToStd(figures.status().message())));
    held.record.set_logged(true);
    PBL_RETURN_IF_ERROR(records_.Save(held));
    LogInfo("transfer_refused", StrCat("transfer=", request.terms().transfer_id(), " ",
                                       ReasonCodeField(figures.status())));
    return Voided(held.record.status().reason());
  }
  *held.status().mutable_figures() = *figures;
  PBL_ASSIGN_OR_RETURN(const TransferTransition initiate,
                       records_.Apply(held, TransferEvent::kPrepareReceived));
  v1::PrepareResponse response;
  const auto package = [&](const ledger::AppendResult& appended,
                           v1::TransferRecord& record) -> absl::Status {
    PBL_ASSIGN_OR_RETURN(*response.mutable_package(),
                         MakePackage(record.status(), appended.first_index, appended.tree_size,
                                     appended.checkpoint));
    record.set_initiated_index(static_cast<uint64_t>(appended.first_index));
    record.set_initiated_tree_size(static_cast<uint64_t>(appended.tree_size));
    return absl::OkStatus();
  };
  // The package leaves once the initiation is durable, so the record says so from its first
  // write, which that entry's fsync makes durable too: no fsync of its own. Only a step that
  // failed here, before any answer, is known not to have sent it.
  held.status().set_package_sent(true);
  if (const absl::Status failed =
          records_
              .RecordStep(held, initiate, InitiatedEntry(held.record.status()), nullptr, package)
              .status();
      !failed.ok()) {
    if (held.exists()) {  // written before it failed
      held.status().set_package_sent(false);
      records_.Save(held).IgnoreError();  // if this fails too, the record errs on "sent"
    }
    return failed;
  }
  LogInfo("transfer_initiated",
          StrCat("transfer=", request.terms().transfer_id(),
                 " person=", ledger::MaskPersonId(request.terms().person_id()), " to=", caller));
  return response;
}

absl::StatusOr<v1::SignedMessage> TransferSource::SentPackage(const v1::TransferRecord& record) {
  const v1::TransferStatus& s = record.status();
  const auto tree_size = static_cast<int64_t>(record.initiated_tree_size());
  PBL_ASSIGN_OR_RETURN(const std::string checkpoint, node_.ledger->CheckpointAt(tree_size));
  return MakePackage(s, static_cast<int64_t>(record.initiated_index()), tree_size, checkpoint);
}

absl::StatusOr<v1::SignedMessage> TransferSource::MakePackage(const v1::TransferStatus& s,
                                                              int64_t initiated_index,
                                                              int64_t tree_size,
                                                              const std::string& checkpoint) {
  PBL_ASSIGN_OR_RETURN(
      std::vector<ledger::IndexedEntry> entries,
      node_.ledger->PersonEntries(s.terms().person_id(), s.terms().source_scheme_id()));
  v1::TransferPackage package;
  *package.mutable_terms() = s.terms();
  package.set_checkpoint(checkpoint);
  *package.mutable_figures() = s.figures();
  std::erase_if(entries, [&](const ledger::IndexedEntry& e) { return e.index > initiated_index; });
  PBL_ASSIGN_OR_RETURN(std::vector<v1::ProvenEntry> proven,
                       ProveEntries(*node_.ledger, std::move(entries), tree_size));
  for (v1::ProvenEntry& e : proven) *package.add_entries() = std::move(e);
  const auto sign = [this](const v1::TransferPackage& p) {
    return SignMessage(*node_.key, kPackageContext, p.SerializeAsString());
  };
  // A test binary may play a dishonest source here (rpc/seams.h); pbld has no seam.
  if (node_.seams != nullptr && node_.seams->send_package) {
    return node_.seams->send_package(std::move(package), sign);
  }
  return sign(package);
}

absl::Status TransferSource::CheckReceipt(const v1::TransferRecord& record,
                                          const v1::SignedMessage& signed_receipt) const {
  const v1::TransferStatus& s = record.status();
  const crypto::Ed25519PublicKey* key = nullptr;
  const crypto::NoteVerifier* verifier = nullptr;
  PBL_RETURN_IF_ERROR(records_.VerifierFor(s.terms().destination_node_id(), &key, &verifier));
  return CheckTransferReceipt(s, *key, *verifier, signed_receipt).status();
}

absl::Status TransferSource::CheckVoid(const v1::TransferRecord& record,
                                       const v1::SignedMessage& signed_void,
                                       std::string* reason) const {
  const v1::TransferStatus& s = record.status();
  const crypto::Ed25519PublicKey* key = nullptr;
  const crypto::NoteVerifier* verifier = nullptr;
  PBL_RETURN_IF_ERROR(records_.VerifierFor(s.terms().destination_node_id(), &key, &verifier));
  absl::StatusOr<CheckedVoid> checked = CheckTransferVoid(s, *key, *verifier, signed_void);
  if (!checked.ok()) {
    LogWarning("transfer_void_refused", StrCat("transfer=", s.terms().transfer_id(), " reason=\"",
                                               ToStd(checked.status().message()), "\""));
    return checked.status();
  }
  *reason = DestinationVoided(checked->transfer_voided.transfer_voided().reason());
  return absl::OkStatus();
}

absl::Status TransferSource::NeedSignedVoid(const v1::TransferRecord& record) {
  if (!record.status().package_sent()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      StrCat("transfer ", record.status().terms().transfer_id(),
             ": the package has left the source, which releases the account only on the "
             "destination's signed receipt or signed void"));
}

absl::Status TransferSource::RecordEnd(HeldRecord& held, TransferEvent event,
                                       const v1::SignedMessage* evidence, std::string reason) {
  PBL_ASSIGN_OR_RETURN(const TransferTransition end, records_.Apply(held, event));
  v1::TransferStatus& s = held.status();
  s.set_reason(std::string(Utf8Prefix(reason, ledger::kReasonBytesMax)));
  s.set_updated_unix_ms(node_.now_ms());
  if (evidence != nullptr) {
    *(end.entry == TransferEntry::kOut ? held.record.mutable_receipt()
                                       : held.record.mutable_destination_void()) = *evidence;
  }
  v1::Entry entry =
      end.entry == TransferEntry::kOut ? OutEntry(s) : VoidedEntry(s, /*at_source=*/true);
  PBL_ASSIGN_OR_RETURN(const ledger::AppendResult appended,
                       records_.RecordStep(held, end, std::move(entry)));
  LogInfo(
      end.entry == TransferEntry::kOut ? "transfer_out" : "transfer_voided",
      StrCat("transfer=", s.terms().transfer_id(), " role=source index=", appended.first_index));
  return absl::OkStatus();
}

absl::StatusOr<v1::CommitResponse> TransferSource::HandleCommit(const v1::CommitRequest& request,
                                                                std::string_view caller) {
  PBL_RETURN_IF_ERROR(ledger::ValidateTransferId(request.transfer_id()));
  PBL_ASSIGN_OR_RETURN(HeldRecord held, records_.Hold(request.transfer_id(), kRole));
  if (held.record.status().terms().destination_node_id() != caller) {
    return absl::PermissionDeniedError("only the transfer's destination may commit it");
  }
  if (!held.record.logged()) return absl::UnavailableError("transfer is being recovered; retry");
  v1::CommitResponse response;
  if (TransferEventMoves(held.state(), TransferEvent::kReceiptChecked)) {
    PBL_RETURN_IF_ERROR(CheckReceipt(held.record, request.receipt()));
    PBL_RETURN_IF_ERROR(RecordEnd(held, TransferEvent::kReceiptChecked, &request.receipt(), ""));
  } else if (!records_.Apply(held, TransferEvent::kReceiptChecked).ok()) {
    return absl::FailedPreconditionError(
        StrCat("transfer ", request.transfer_id(),
               " was voided at the source: ", held.record.status().reason()));
  }
  response.set_transfer_out_index(held.record.end_index());
  return response;
}

absl::Status TransferSource::HandleAbort(const v1::AbortRequest& request, std::string_view caller) {
  PBL_RETURN_IF_ERROR(ledger::ValidateTransferId(request.transfer_id()));
  absl::StatusOr<HeldRecord> held = records_.Hold(request.transfer_id(), kRole);
  if (absl::IsNotFound(held.status())) {
    // A Prepare still on its way must find the transfer voided.
    HeldRecord tombstone;
    tombstone.status().mutable_terms()->set_transfer_id(request.transfer_id());
    tombstone.status().set_role(kRole);
    PBL_RETURN_IF_ERROR(records_.Apply(tombstone, TransferEvent::kAbortReceived).status());
    tombstone.status().mutable_terms()->set_destination_node_id(std::string(caller));
    tombstone.status().set_reason(DestinationVoided(request.reason()));
    tombstone.record.set_logged(true);
    return records_.Save(tombstone);
  }
  PBL_RETURN_IF_ERROR(held.status());
  if (held->record.status().terms().destination_node_id() != caller) {
    return absl::PermissionDeniedError("only the transfer's destination may abort it");
  }
  if (!held->record.logged()) return absl::UnavailableError("transfer is being recovered; retry");
  if (TransferEventMoves(held->state(), TransferEvent::kAbortReceived)) {
    // Once the package has left, only the destination's signed commitment releases the account.
    std::string reason = DestinationVoided(request.reason());
    if (request.has_signed_void()) {
      PBL_RETURN_IF_ERROR(CheckVoid(held->record, request.signed_void(), &reason));
    } else {
      PBL_RETURN_IF_ERROR(NeedSignedVoid(held->record));
    }
    return RecordEnd(*held, TransferEvent::kAbortReceived,
                     request.has_signed_void() ? &request.signed_void() : nullptr, reason);
  }
  if (!records_.Apply(*held, TransferEvent::kAbortReceived).ok()) {
    return absl::FailedPreconditionError("transfer already completed at the source");
  }
  return absl::OkStatus();  // a repeat
}

absl::Status TransferSource::Resolve(const std::string& transfer_id) {
  PBL_ASSIGN_OR_RETURN(const v1::TransferRecord peek, records_.Load(transfer_id, kRole));
  // Only an initiated transfer waits for the destination's word.
  if (!TransferEventMoves(peek.status().state(), TransferEvent::kDestinationVoided)) {
    return absl::OkStatus();
  }
  PeerChannel* destination = records_.ChannelTo(peek.status().terms().destination_node_id());
  if (destination == nullptr) return absl::FailedPreconditionError("destination is not a peer");
  v1::ResolveRequest resolve;
  resolve.set_transfer_id(transfer_id);
  PBL_ASSIGN_OR_RETURN(const v1::ResolveResponse answer, destination->Resolve(resolve));
  PBL_ASSIGN_OR_RETURN(HeldRecord held, records_.Hold(transfer_id, kRole));
  if (!held.record.logged() ||
      !TransferEventMoves(held.state(), TransferEvent::kDestinationVoided)) {
    return absl::OkStatus();
  }
  if (answer.has_receipt()) {
    if (absl::Status bad = CheckReceipt(held.record, answer.receipt()); !bad.ok()) {
      LogWarning("transfer_receipt_refused",
                 StrCat("transfer=", transfer_id, " reason=\"", ToStd(bad.message()), "\""));
      return bad;
    }
    return RecordEnd(held, TransferEvent::kReceiptChecked, &answer.receipt(), "");
  }
  std::string reason = DestinationVoided(answer.voided_reason());
  if (answer.has_signed_void()) {
    PBL_RETURN_IF_ERROR(CheckVoid(held.record, answer.signed_void(), &reason));
    return RecordEnd(held, TransferEvent::kDestinationVoided, &answer.signed_void(), reason);
  }
  if (const absl::Status unsigned_void = NeedSignedVoid(held.record); !unsigned_void.ok()) {
    LogWarning("transfer_void_unsigned",
               StrCat("transfer=", transfer_id,
                      " destination=", held.record.status().terms().destination_node_id(),
                      " reason=\"the destination answered a void it did not sign; the account "
                      "stays pending\""));
    return unsigned_void;
  }
  return RecordEnd(held, TransferEvent::kDestinationVoided, nullptr, reason);
}

absl::StatusOr<v1::TransferStatus> TransferSource::Cancel(const std::string& transfer_id,
                                                          std::string_view reason) {
  PBL_ASSIGN_OR_RETURN(HeldRecord held, records_.Hold(transfer_id, kRole));
  if (!held.record.logged()) return absl::UnavailableError("transfer is being recovered; retry");
  if (held.state() == v1::TRANSFER_STATE_INITIATED && held.record.status().package_sent()) {
    return absl::FailedPreconditionError(StrCat(
        "transfer ", transfer_id, ": the package has left for ",
        held.record.status().terms().destination_node_id(),
        "; only its signed receipt or signed void ends the transfer now (its administrator can "
        "cancel it there)"));
  }
  if (!TransferEventMoves(held.state(), TransferEvent::kCancelAtSource)) {
    if (!records_.Apply(held, TransferEvent::kCancelAtSource).ok()) {
      return absl::FailedPreconditionError(
          StrCat("transfer ", transfer_id, " has already completed at the source"));
    }
    return held.record.status();  // already voided
  }
  PBL_RETURN_IF_ERROR(RecordEnd(held, TransferEvent::kCancelAtSource, nullptr,
                                StrCat("cancelled by the source's administrator: ", reason)));
  return held.record.status();
}

}  // namespace pbl::rpc
