// libFuzzer target for what the two sides of a transfer check of each other's signed messages
// (rpc/package_check.h): the destination's CheckTransferPackage and the source's
// CheckTransferReceipt and CheckTransferVoid, with the fixed nodes and transfer of
// tests/fuzz/fuzz_fixtures.h.
//
// The first byte of an input says what the rest is and how much the harness does for it, so
// that the fuzzer gets past the signatures it cannot forge (bit 3: a void; else bit 0: a
// receipt, else a package):
//   mode 0 (byte 0/1): a serialized SignedMessage, checked as it is;
//   mode 1 (byte 2/3): a message body, which the harness signs with the sender's node key (a
//                      sender that signs anything: a buggy or dishonest node);
//   mode 2 (byte 4/5): a body whose checkpoint note the harness also re-signs with the node's
//                      log key, so that the fuzzer reaches the inclusion proofs;
//   mode 3 (byte 6/7): a body whose entries the harness puts in a fresh log of the node, with
//                      their real inclusion proofs and the log's signed checkpoint, so that the
//                      fuzzer reaches what the entries say.
// make_fuzz_seeds writes the real package, receipt and void of the fixture in every mode.
//
// The properties checked, besides "never crash":
//  - errors carry only the documented codes (INVALID_ARGUMENT, DATA_LOSS, UNAUTHENTICATED; and
//    FAILED_PRECONDITION for a receipt whose figures differ from the source's);
//  - nothing is forged: in mode 0 only the fixture's genuine message is accepted;
//  - an accepted package is of this transfer (every request field equal to the destination's
//    record), its entries valid entries of the person in the source scheme in increasing log
//    order, within the checkpoint, the last this transfer's transfer_initiated with the
//    package's figures; an accepted receipt's transfer_in is of this transfer with its figures;
//  - in mode 3, where proofs and signatures are real, the check accepts exactly what an
//    independent restatement of the content rules accepts, and refuses only with
//    INVALID_ARGUMENT (or FAILED_PRECONDITION for a receipt's figures);
//  - what the destination does next with an accepted package (mode 3): planning the transfer
//    with the default rules fails only as documented, gives the package's own figures for the
//    fixture's genuine entries, and never gives figures that its own ledger would refuse to
//    record in transfer_in (ledger::ValidateEntry).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "crypto/note.h"
#include "google/protobuf/stubs/logging.h"
#include "ledger/domain/calendar.h"
#include "ledger/domain/entry_validation.h"
#include "ledger/domain/rules.h"
#include "ledger/domain/scheme.h"
#include "ledger/domain/transfer_plan.h"
#include "pbl/v1/node.pb.h"
#include "rpc/package_check.h"
#include "rpc/peers.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_fixtures.h"

namespace pbl::rpc {
namespace {

// Every input with invalid UTF-8 in a string field makes protobuf log an error; the fuzzer
// would spend its time writing them.
[[maybe_unused]] const bool kQuietProtobuf = [] {
  google::protobuf::SetLogHandler(nullptr);
  return true;
}();

enum Mode { kAsIs = 0, kSignBody = 1, kResignCheckpoint = 2, kRebuildLog = 3 };

bool Same(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

// Another person's entry, to fill a rebuilt log up to the indexes the fuzzed entries keep.
const std::string& Filler() { return fuzz::World().source_log.entry(0); }

std::string Resign(const std::string& note_text, const fuzz::FuzzNode& node) {
  absl::StatusOr<crypto::Note> note = crypto::ParseNote(note_text);
  const crypto::NoteSigner* signers[] = {&node.signer()};
  absl::StatusOr<std::string> signed_note =
      crypto::SignNote(note.ok() ? note->text : note_text, signers);
  return signed_note.ok() ? *signed_note : note_text;
}

// --- packages ---

bool PackageMatchesRequest(const v1::TransferPackage& p, const v1::TransferStatus& s) {
  return p.terms().transfer_id() == s.terms().transfer_id() &&
         p.terms().source_node_id() == s.terms().source_node_id() &&
         p.terms().destination_node_id() == s.terms().destination_node_id() &&
         p.terms().person_id() == s.terms().person_id() &&
         p.terms().source_scheme_id() == s.terms().source_scheme_id() &&
         p.terms().destination_scheme_id() == s.terms().destination_scheme_id() &&
         p.terms().date() == s.terms().date() &&
         p.terms().officially_approved() == s.terms().officially_approved() &&
         p.terms().deadline_unix_ms() == s.terms().deadline_unix_ms();
}

// What the content rules accept, restated: the package's entries, in the order given.
bool PackageContentOk(const v1::TransferPackage& p, const v1::TransferStatus& s) {
  if (!PackageMatchesRequest(p, s) || p.entries().empty()) return false;
  v1::Entry e;
  for (const v1::ProvenEntry& proven : p.entries()) {
    if (!ledger::ValidateEntry(proven.entry()).ok() || !e.ParseFromString(proven.entry()) ||
        e.person_id() != p.terms().person_id() || e.scheme_id() != p.terms().source_scheme_id()) {
      return false;
    }
  }
  return e.has_transfer_initiated() &&
         e.transfer_initiated().transfer_id() == p.terms().transfer_id() &&
         Same(e.transfer_initiated().figures(), p.figures());
}

// Entries keep their index when they can (increasing, below kRebuildIndexMax), so that what
// refers to an index (a correction's corrects_index) still means what it says; others go next.
constexpr uint64_t kRebuildIndexMax = 4096;

void RebuildPackageLog(v1::TransferPackage* p) {
  fuzz::FuzzLog log(&fuzz::SourceNode());
  std::vector<int64_t> indexes;
  for (const v1::ProvenEntry& e : p->entries()) {
    while (e.index() < kRebuildIndexMax && static_cast<uint64_t>(log.size()) < e.index()) {
      log.Append(Filler());
    }
    indexes.push_back(log.Append(e.entry()));
  }
  log.Append(Filler());
  p->set_checkpoint(log.SignedCheckpoint());
  for (size_t i = 0; i < indexes.size(); ++i) {
    *p->mutable_entries(static_cast<int>(i)) = log.Prove(indexes[i]);
  }
}

void CheckAcceptedPackage(const CheckedPackage& c, const v1::TransferStatus& s) {
  PBL_FUZZ_CHECK(PackageMatchesRequest(c.package, s), "an accepted package is of this transfer");
  PBL_FUZZ_CHECK(c.checkpoint.origin == fuzz::SourceNode().origin(), "the source's checkpoint");
  PBL_FUZZ_CHECK(
      !c.history.empty() && c.history.size() == static_cast<size_t>(c.package.entries_size()),
      "every entry is in the history");
  for (size_t i = 0; i < c.history.size(); ++i) {
    const ledger::HistoryEntry& h = c.history[i];
    PBL_FUZZ_CHECK(i == 0 || h.index > c.history[i - 1].index, "increasing log order");
    PBL_FUZZ_CHECK(h.index < static_cast<uint64_t>(c.checkpoint.size), "within the checkpoint");
    PBL_FUZZ_CHECK(h.log == 1 && h.entry.person_id() == s.terms().person_id() &&
                       h.entry.scheme_id() == s.terms().source_scheme_id(),
                   "the person's entries in the source scheme");
  }
  const v1::Entry& last = c.history.back().entry;
  PBL_FUZZ_CHECK(last.has_transfer_initiated() &&
                     last.transfer_initiated().transfer_id() == s.terms().transfer_id() &&
                     Same(last.transfer_initiated().figures(), c.package.figures()),
                 "the package ends with this transfer's transfer_initiated and its figures");
}

// What CreditOrReject does next: plan with the rules, then record transfer_in.
void CheckPlan(const CheckedPackage& c, const v1::TransferStatus& s) {
  ledger::TransferRequest request;
  request.source = *ledger::ParseSchemeId(s.terms().source_scheme_id());
  request.destination = *ledger::ParseSchemeId(s.terms().destination_scheme_id());
  request.date = *ledger::ParseDate(s.terms().date());
  request.officially_approved = s.terms().officially_approved();
  request.transfer_id = s.terms().transfer_id();
  absl::StatusOr<v1::TransferFigures> figures =
      ledger::PlanTransfer(ledger::DefaultRules(), s.terms().person_id(), c.history, request);
  if (!figures.ok()) {
    PBL_FUZZ_CHECK(figures.status().code() == absl::StatusCode::kFailedPrecondition ||
                       figures.status().code() == absl::StatusCode::kInvalidArgument,
                   "PlanTransfer fails only as documented");
    return;
  }
  v1::TransferPackage genuine;
  PBL_FUZZ_CHECK(genuine.ParseFromString(fuzz::World().package.body()), "the genuine package");
  bool genuine_entries = c.package.entries_size() == genuine.entries_size();
  for (int i = 0; genuine_entries && i < genuine.entries_size(); ++i) {
    genuine_entries = c.package.entries(i).entry() == genuine.entries(i).entry();
  }
  if (genuine_entries) {
    PBL_FUZZ_CHECK(Same(*figures, genuine.figures()), "the genuine entries plan to their figures");
  }
  v1::Entry in;
  in.set_person_id(s.terms().person_id());
  in.set_scheme_id(s.terms().destination_scheme_id());
  in.set_node_time_unix_ms(1'717'000'000'000);
  v1::TransferIn* t = in.mutable_transfer_in();
  t->set_transfer_id(s.terms().transfer_id());
  t->set_source_node_id(s.terms().source_node_id());
  t->set_source_scheme_id(s.terms().source_scheme_id());
  t->set_date(s.terms().date());
  *t->mutable_figures() = *figures;
  t->set_source_tree_size(static_cast<uint64_t>(c.checkpoint.size));
  t->set_source_root_hash(std::string(c.checkpoint.root.begin(), c.checkpoint.root.end()));
  t->set_source_entry_count(static_cast<uint32_t>(c.package.entries_size()));
  const absl::Status recorded = ledger::ValidateEntry(in.SerializeAsString()).status();
  PBL_FUZZ_CHECK(recorded.ok(), "planned figures are figures the ledger records");
}

void FuzzPackage(Mode mode, std::string_view payload) {
  const v1::TransferStatus s = fuzz::DestinationStatus();
  v1::SignedMessage message;
  v1::TransferPackage body;
  bool content_ok = false;
  bool rebuilt = false;  // a body whose proofs and signatures the harness made
  if (mode == kAsIs) {
    if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return;
  } else if (mode == kSignBody ||
             !body.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    message = SignMessage(fuzz::SourceNode().key(), kPackageContext, std::string(payload));
  } else {
    if (mode == kResignCheckpoint)
      body.set_checkpoint(Resign(body.checkpoint(), fuzz::SourceNode()));
    if (mode == kRebuildLog) RebuildPackageLog(&body);
    rebuilt = mode == kRebuildLog;
    content_ok = PackageContentOk(body, s);
    message = SignMessage(fuzz::SourceNode().key(), kPackageContext, body.SerializeAsString());
  }
  absl::StatusOr<CheckedPackage> checked = CheckTransferPackage(
      s, fuzz::SourceNode().key().public_key(), fuzz::SourceNode().verifier(), message);
  if (rebuilt) {
    PBL_FUZZ_CHECK(checked.ok() == content_ok, "with real proofs, exactly the valid content");
  }
  if (!checked.ok()) {
    const absl::StatusCode code = checked.status().code();
    PBL_FUZZ_CHECK(code == absl::StatusCode::kInvalidArgument ||
                       (!rebuilt && (code == absl::StatusCode::kDataLoss ||
                                     code == absl::StatusCode::kUnauthenticated)),
                   "CheckTransferPackage fails only with its documented codes");
    return;
  }
  if (mode == kAsIs) {
    PBL_FUZZ_CHECK(message.body() == fuzz::World().package.body(), "only the genuine package");
  }
  CheckAcceptedPackage(*checked, s);
  if (rebuilt) CheckPlan(*checked, s);
}

// --- receipts ---

bool ReceiptContentOk(const v1::TransferReceipt& r, const v1::TransferStatus& s) {
  v1::Entry in;
  return r.transfer_id() == s.terms().transfer_id() &&
         r.destination_node_id() == s.terms().destination_node_id() &&
         in.ParseFromString(r.transfer_in().entry()) && in.has_transfer_in() &&
         in.transfer_in().transfer_id() == s.terms().transfer_id() &&
         in.person_id() == s.terms().person_id() &&
         in.scheme_id() == s.terms().destination_scheme_id() &&
         Same(in.transfer_in().figures(), r.figures());
}

void RebuildReceiptLog(v1::TransferReceipt* r) {
  fuzz::FuzzLog log(&fuzz::DestinationNode());
  while (r->transfer_in().index() < kRebuildIndexMax &&
         static_cast<uint64_t>(log.size()) < r->transfer_in().index()) {
    log.Append(Filler());
  }
  const int64_t index = log.Append(r->transfer_in().entry());
  if (r->transfer_in().index() % 2 == 1) log.Append(Filler());
  r->set_checkpoint(log.SignedCheckpoint());
  *r->mutable_transfer_in() = log.Prove(index);
}

void FuzzReceipt(Mode mode, std::string_view payload) {
  const v1::TransferStatus s = fuzz::SourceStatus();
  v1::SignedMessage message;
  v1::TransferReceipt body;
  bool content_ok = false;
  bool rebuilt = false;  // a body whose proofs and signatures the harness made
  if (mode == kAsIs) {
    if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return;
  } else if (mode == kSignBody ||
             !body.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    message = SignMessage(fuzz::DestinationNode().key(), kReceiptContext, std::string(payload));
  } else {
    if (mode == kResignCheckpoint) {
      body.set_checkpoint(Resign(body.checkpoint(), fuzz::DestinationNode()));
    }
    if (mode == kRebuildLog) RebuildReceiptLog(&body);
    rebuilt = mode == kRebuildLog;
    content_ok = ReceiptContentOk(body, s);
    message = SignMessage(fuzz::DestinationNode().key(), kReceiptContext, body.SerializeAsString());
  }
  absl::StatusOr<CheckedReceipt> checked = CheckTransferReceipt(
      s, fuzz::DestinationNode().key().public_key(), fuzz::DestinationNode().verifier(), message);
  if (rebuilt) {
    const bool figures_differ = content_ok && !Same(body.figures(), s.figures());
    PBL_FUZZ_CHECK(checked.ok() == (content_ok && !figures_differ),
                   "with real proofs, exactly the valid content");
    if (figures_differ) {
      PBL_FUZZ_CHECK(checked.status().code() == absl::StatusCode::kFailedPrecondition,
                     "figures other than the source's are FAILED_PRECONDITION");
    }
  }
  if (!checked.ok()) {
    const absl::StatusCode code = checked.status().code();
    PBL_FUZZ_CHECK(code == absl::StatusCode::kInvalidArgument ||
                       code == absl::StatusCode::kFailedPrecondition ||
                       (!rebuilt && (code == absl::StatusCode::kDataLoss ||
                                     code == absl::StatusCode::kUnauthenticated)),
                   "CheckTransferReceipt fails only with its documented codes");
    return;
  }
  if (mode == kAsIs) {
    PBL_FUZZ_CHECK(message.body() == fuzz::World().receipt.body(), "only the genuine receipt");
  }
  const v1::Entry& in = checked->transfer_in;
  PBL_FUZZ_CHECK(checked->receipt.transfer_id() == s.terms().transfer_id() &&
                     in.transfer_in().transfer_id() == s.terms().transfer_id() &&
                     in.person_id() == s.terms().person_id() &&
                     in.scheme_id() == s.terms().destination_scheme_id() &&
                     Same(in.transfer_in().figures(), s.figures()) &&
                     Same(checked->receipt.figures(), s.figures()),
                 "an accepted receipt is this transfer's transfer_in with the source's figures");
  PBL_FUZZ_CHECK(checked->checkpoint.origin == fuzz::DestinationNode().origin(),
                 "the destination's checkpoint");
}

// --- voids ---

bool VoidContentOk(const v1::TransferVoid& v, const v1::TransferStatus& s) {
  v1::Entry e;
  return v.transfer_id() == s.terms().transfer_id() &&
         v.destination_node_id() == s.terms().destination_node_id() &&
         e.ParseFromString(v.transfer_voided().entry()) && e.has_transfer_voided() &&
         e.transfer_voided().transfer_id() == s.terms().transfer_id() &&
         e.person_id() == s.terms().person_id() &&
         e.scheme_id() == s.terms().destination_scheme_id();
}

void RebuildVoidLog(v1::TransferVoid* v) {
  fuzz::FuzzLog log(&fuzz::DestinationNode());
  while (v->transfer_voided().index() < kRebuildIndexMax &&
         static_cast<uint64_t>(log.size()) < v->transfer_voided().index()) {
    log.Append(Filler());
  }
  const int64_t index = log.Append(v->transfer_voided().entry());
  if (v->transfer_voided().index() % 2 == 1) log.Append(Filler());
  v->set_checkpoint(log.SignedCheckpoint());
  *v->mutable_transfer_voided() = log.Prove(index);
}

// What a source releases an account on: it must be this transfer's transfer_voided, proved in
// the destination's own signed log.
void FuzzVoid(Mode mode, std::string_view payload) {
  const v1::TransferStatus s = fuzz::SourceStatus();
  v1::SignedMessage message;
  v1::TransferVoid body;
  bool content_ok = false;
  bool rebuilt = false;
  if (mode == kAsIs) {
    if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return;
  } else if (mode == kSignBody ||
             !body.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    message = SignMessage(fuzz::DestinationNode().key(), kVoidContext, std::string(payload));
  } else {
    if (mode == kResignCheckpoint) {
      body.set_checkpoint(Resign(body.checkpoint(), fuzz::DestinationNode()));
    }
    if (mode == kRebuildLog) RebuildVoidLog(&body);
    rebuilt = mode == kRebuildLog;
    content_ok = VoidContentOk(body, s);
    message = SignMessage(fuzz::DestinationNode().key(), kVoidContext, body.SerializeAsString());
  }
  absl::StatusOr<CheckedVoid> checked = CheckTransferVoid(
      s, fuzz::DestinationNode().key().public_key(), fuzz::DestinationNode().verifier(), message);
  if (rebuilt) {
    PBL_FUZZ_CHECK(checked.ok() == content_ok, "with real proofs, exactly the valid content");
  }
  if (!checked.ok()) {
    const absl::StatusCode code = checked.status().code();
    PBL_FUZZ_CHECK(code == absl::StatusCode::kInvalidArgument ||
                       (!rebuilt && (code == absl::StatusCode::kDataLoss ||
                                     code == absl::StatusCode::kUnauthenticated)),
                   "CheckTransferVoid fails only with its documented codes");
    return;
  }
  if (mode == kAsIs) {
    PBL_FUZZ_CHECK(message.body() == fuzz::World().signed_void.body(), "only the genuine void");
  }
  const v1::Entry& e = checked->transfer_voided;
  PBL_FUZZ_CHECK(checked->signed_void.transfer_id() == s.terms().transfer_id() &&
                     e.transfer_voided().transfer_id() == s.terms().transfer_id() &&
                     e.person_id() == s.terms().person_id() &&
                     e.scheme_id() == s.terms().destination_scheme_id(),
                 "an accepted void is this transfer's transfer_voided at the destination");
  PBL_FUZZ_CHECK(checked->checkpoint.origin == fuzz::DestinationNode().origin(),
                 "the destination's checkpoint");
}

}  // namespace
}  // namespace pbl::rpc

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto mode = static_cast<pbl::rpc::Mode>((data[0] >> 1) & 3);
  const std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 8) != 0) {
    pbl::rpc::FuzzVoid(mode, payload);
  } else if ((data[0] & 1) == 0) {
    pbl::rpc::FuzzPackage(mode, payload);
  } else {
    pbl::rpc::FuzzReceipt(mode, payload);
  }
  return 0;
}
