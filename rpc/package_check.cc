#include "rpc/package_check.h"

#include <string_view>
#include <utility>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "ledger/domain/entry_validation.h"
#include "rpc/peers.h"
#include "rpc/proofs.h"

namespace pbl::rpc {

namespace {

// The fields of the package that must equal the destination's own record of the request.
absl::Status MatchRequest(const v1::TransferPackage& package, const v1::TransferStatus& status) {
  const auto mismatch = [](std::string_view field) {
    return absl::InvalidArgumentError(StrCat("package ", field, " differs from the request"));
  };
  const v1::TransferTerms& p = package.terms();
  const v1::TransferTerms& s = status.terms();
  if (p.transfer_id() != s.transfer_id()) return mismatch("transfer_id");
  if (p.source_node_id() != s.source_node_id()) return mismatch("source_node_id");
  if (p.destination_node_id() != s.destination_node_id()) return mismatch("destination_node_id");
  if (p.person_id() != s.person_id()) return mismatch("person_id");
  if (p.source_scheme_id() != s.source_scheme_id()) return mismatch("source_scheme_id");
  if (p.destination_scheme_id() != s.destination_scheme_id()) {
    return mismatch("destination_scheme_id");
  }
  if (p.date() != s.date()) return mismatch("date");
  if (p.officially_approved() != s.officially_approved()) return mismatch("officially_approved");
  if (p.deadline_unix_ms() != s.deadline_unix_ms()) return mismatch("deadline_unix_ms");
  return absl::OkStatus();
}

// Every entry proved, of the person and the source scheme, in log order, ending with the
// transfer_initiated entry of this transfer that carries the package's figures. Fills the
// history (log 1) the destination plans with.
absl::Status CheckPackageEntries(const v1::TransferPackage& p, const crypto::Checkpoint& cp,
                                 ledger::History* history) {
  if (p.entries().empty()) return absl::InvalidArgumentError("package has no entries");
  uint64_t previous = 0;
  for (int i = 0; i < p.entries_size(); ++i) {
    const v1::ProvenEntry& proven = p.entries(i);
    if (i > 0 && proven.index() <= previous) {
      return absl::InvalidArgumentError("package entries are not in log order");
    }
    previous = proven.index();
    PBL_RETURN_IF_ERROR(VerifyProvenEntry(proven, cp));
    PBL_RETURN_IF_ERROR(ledger::ValidateEntry(proven.entry()).status());
    ledger::HistoryEntry h;
    h.index = proven.index();
    h.log = 1;
    h.entry.ParseFromString(proven.entry());
    if (h.entry.person_id() != p.terms().person_id() ||
        h.entry.scheme_id() != p.terms().source_scheme_id()) {
      return absl::InvalidArgumentError(
          StrCat("package entry ", proven.index(), " is not the person's in the source scheme"));
    }
    history->push_back(std::move(h));
  }
  const v1::Entry& last = history->back().entry;
  if (!last.has_transfer_initiated() ||
      last.transfer_initiated().transfer_id() != p.terms().transfer_id() ||
      last.transfer_initiated().figures().SerializeAsString() != p.figures().SerializeAsString()) {
    return absl::InvalidArgumentError(
        "package does not end with this transfer's transfer_initiated entry and its figures");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CheckedPackage> CheckTransferPackage(const v1::TransferStatus& s,
                                                    const crypto::Ed25519PublicKey& source_key,
                                                    const crypto::NoteVerifier& source_log,
                                                    const v1::SignedMessage& signed_package) {
  PBL_RETURN_IF_ERROR(VerifySignedMessage(source_key, kPackageContext, signed_package));
  CheckedPackage out;
  if (!out.package.ParseFromString(signed_package.body())) {
    return absl::InvalidArgumentError("package does not parse");
  }
  PBL_RETURN_IF_ERROR(MatchRequest(out.package, s));
  PBL_ASSIGN_OR_RETURN(
      out.checkpoint, OpenCheckpointAs(out.package.checkpoint(), source_log, "package checkpoint"));
  PBL_RETURN_IF_ERROR(CheckPackageEntries(out.package, out.checkpoint, &out.history));
  return out;
}

absl::StatusOr<CheckedReceipt> CheckTransferReceipt(const v1::TransferStatus& s,
                                                    const crypto::Ed25519PublicKey& destination_key,
                                                    const crypto::NoteVerifier& destination_log,
                                                    const v1::SignedMessage& signed_receipt) {
  PBL_RETURN_IF_ERROR(VerifySignedMessage(destination_key, kReceiptContext, signed_receipt));
  CheckedReceipt out;
  const v1::TransferReceipt& receipt = out.receipt;
  if (!out.receipt.ParseFromString(signed_receipt.body())) {
    return absl::InvalidArgumentError("receipt does not parse");
  }
  if (receipt.transfer_id() != s.terms().transfer_id() ||
      receipt.destination_node_id() != s.terms().destination_node_id()) {
    return absl::InvalidArgumentError("receipt is for another transfer");
  }
  PBL_ASSIGN_OR_RETURN(out.checkpoint, OpenCheckpointAs(receipt.checkpoint(), destination_log,
                                                        "receipt checkpoint"));
  PBL_RETURN_IF_ERROR(VerifyProvenEntry(receipt.transfer_in(), out.checkpoint));
  const v1::Entry& in = out.transfer_in;
  if (!out.transfer_in.ParseFromString(receipt.transfer_in().entry()) || !in.has_transfer_in() ||
      in.transfer_in().transfer_id() != s.terms().transfer_id() ||
      in.person_id() != s.terms().person_id() ||
      in.scheme_id() != s.terms().destination_scheme_id() ||
      in.transfer_in().figures().SerializeAsString() != receipt.figures().SerializeAsString()) {
    return absl::InvalidArgumentError("receipt's transfer_in entry does not match the receipt");
  }
  if (receipt.figures().SerializeAsString() != s.figures().SerializeAsString()) {
    return absl::FailedPreconditionError(
        "the destination credited figures that differ from the source's");
  }
  return out;
}

absl::StatusOr<CheckedVoid> CheckTransferVoid(const v1::TransferStatus& s,
                                              const crypto::Ed25519PublicKey& destination_key,
                                              const crypto::NoteVerifier& destination_log,
                                              const v1::SignedMessage& signed_void) {
  PBL_RETURN_IF_ERROR(VerifySignedMessage(destination_key, kVoidContext, signed_void));
  CheckedVoid out;
  const v1::TransferVoid& v = out.signed_void;
  if (!out.signed_void.ParseFromString(signed_void.body())) {
    return absl::InvalidArgumentError("void does not parse");
  }
  if (v.transfer_id() != s.terms().transfer_id() ||
      v.destination_node_id() != s.terms().destination_node_id()) {
    return absl::InvalidArgumentError("void is for another transfer");
  }
  PBL_ASSIGN_OR_RETURN(out.checkpoint,
                       OpenCheckpointAs(v.checkpoint(), destination_log, "void checkpoint"));
  PBL_RETURN_IF_ERROR(VerifyProvenEntry(v.transfer_voided(), out.checkpoint));
  const v1::Entry& e = out.transfer_voided;
  if (!out.transfer_voided.ParseFromString(v.transfer_voided().entry()) ||
      !e.has_transfer_voided() || e.transfer_voided().transfer_id() != s.terms().transfer_id() ||
      e.person_id() != s.terms().person_id() ||
      e.scheme_id() != s.terms().destination_scheme_id()) {
    return absl::InvalidArgumentError(
        "void's entry is not this transfer's transfer_voided at the destination");
  }
  return out;
}

}  // namespace pbl::rpc
