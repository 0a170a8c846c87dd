#include "tests/fuzz/fuzz_fixtures.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>
#include <utility>

#include "crypto/encoding.h"
#include "ledger/domain/calendar.h"
#include "ledger/domain/entitlement.h"
#include "ledger/domain/person_id.h"
#include "ledger/domain/rules.h"
#include "ledger/domain/scheme.h"
#include "ledger/domain/transfer_plan.h"
#include "rpc/peers.h"
#include "rpc/transfers.h"
#include "tests/fuzz/fuzz_check.h"

namespace pbl::fuzz {

namespace {

constexpr std::string_view kTransferId = "t-fuzz-1";
constexpr std::string_view kSourceScheme = "UEBPI-340000";
constexpr std::string_view kDestinationScheme = "UEBPI-310000";
constexpr std::string_view kTransferDate = "2024-06-01";
constexpr int64_t kDeadlineUnixMs = 1'717'900'000'000;
constexpr int64_t kNodeTimeUnixMs = 1'717'000'000'000;

crypto::SigningKey KeyFromSeedByte(uint8_t seed_byte) {
  crypto::InitCrypto();
  std::array<uint8_t, crypto::kEd25519SeedBytes> seed{};
  seed.fill(seed_byte);
  absl::StatusOr<crypto::SigningKey> key = crypto::SigningKey::FromSeed(seed);
  PBL_FUZZ_CHECK(key.ok(), "a key from a fixed seed");
  return *std::move(key);
}

// A GB 11643 number: region, birth date and sequence, with its check character.
std::string MakePersonId(std::string_view region, std::string_view birth, std::string_view seq) {
  std::string id = std::string(region) + std::string(birth) + std::string(seq);
  id.push_back(ledger::PersonIdCheckCharacter(id));
  return id;
}

std::string OtherPersonId(int n) {
  char seq[8];
  std::snprintf(seq, sizeof(seq), "%03d", n % 1000);
  return MakePersonId("310104", "19751203", seq);
}

v1::Entry Contribution(const std::string& person, std::string_view scheme, std::string_view month,
                       int64_t base_fen) {
  v1::Entry e;
  e.set_scheme_id(std::string(scheme));
  e.set_person_id(person);
  v1::MonthlyContribution* c = e.mutable_monthly_contribution();
  c->set_period(std::string(month));
  c->set_base_fen(base_fen);
  c->set_personal_fen(base_fen * 8 / 100);
  c->set_employer_fen(base_fen * 16 / 100);
  return e;
}

int64_t AppendEntry(FuzzLog* log, v1::Entry entry) {
  entry.set_node_time_unix_ms(kNodeTimeUnixMs + log->size());
  return log->Append(entry.SerializeAsString());
}

// The person's entries in the source log before the transfer: enrolment, two years of
// contributions, a correction, with other persons' entries in between.
void FillSourceHistory(FuzzWorld* w) {
  const std::string person = FuzzPersonId();
  AppendEntry(&w->source_log, Contribution(OtherPersonId(1), kSourceScheme, "2022-12", 700'000));
  v1::Entry enrol;
  enrol.set_scheme_id(std::string(kSourceScheme));
  enrol.set_person_id(person);
  enrol.mutable_enrolment()->set_date("2022-01-01");
  enrol.mutable_enrolment()->set_hukou_region("340100");
  enrol.mutable_enrolment()->set_retirement_category(v1::RETIREMENT_CATEGORY_MALE);
  w->person_indexes.push_back(AppendEntry(&w->source_log, enrol));
  for (int m = 0; m < 24; ++m) {
    const std::string month = ledger::FormatMonth(ledger::MonthIndex(2022, 1) + m);
    w->person_indexes.push_back(
        AppendEntry(&w->source_log, Contribution(person, kSourceScheme, month, 800'000 + m)));
    if (m % 7 == 3) {
      AppendEntry(&w->source_log, Contribution(OtherPersonId(m), kSourceScheme, month, 650'000));
    }
  }
  v1::Entry correction;
  correction.set_scheme_id(std::string(kSourceScheme));
  correction.set_person_id(person);
  correction.mutable_correction()->set_corrects_index(static_cast<uint64_t>(w->person_indexes[3]));
  correction.mutable_correction()->set_reason("base reported twice");
  correction.mutable_correction()->set_base_delta_fen(-2);
  w->person_indexes.push_back(AppendEntry(&w->source_log, correction));
}

// What the source's rules give for the transfer, from the person's source history.
v1::TransferFigures PlanFigures(const FuzzWorld& w) {
  ledger::History history;
  for (int64_t index : w.person_indexes) {
    ledger::HistoryEntry h;
    h.index = static_cast<uint64_t>(index);
    PBL_FUZZ_CHECK(h.entry.ParseFromString(w.source_log.entry(index)), "a world entry parses");
    history.push_back(std::move(h));
  }
  ledger::TransferRequest request;
  request.source = *ledger::ParseSchemeId(kSourceScheme);
  request.destination = *ledger::ParseSchemeId(kDestinationScheme);
  request.date = *ledger::ParseDate(kTransferDate);
  request.transfer_id = std::string(kTransferId);
  absl::StatusOr<v1::TransferFigures> figures =
      ledger::PlanTransfer(ledger::DefaultRules(), FuzzPersonId(), history, request);
  PBL_FUZZ_CHECK(figures.ok(), "the world's transfer is one the rules allow");
  return *std::move(figures);
}

v1::TransferPackage PackageFields(const v1::TransferStatus& s) {
  v1::TransferPackage p;
  p.mutable_terms()->set_transfer_id(s.terms().transfer_id());
  p.mutable_terms()->set_source_node_id(s.terms().source_node_id());
  p.mutable_terms()->set_destination_node_id(s.terms().destination_node_id());
  p.mutable_terms()->set_person_id(s.terms().person_id());
  p.mutable_terms()->set_source_scheme_id(s.terms().source_scheme_id());
  p.mutable_terms()->set_destination_scheme_id(s.terms().destination_scheme_id());
  p.mutable_terms()->set_date(s.terms().date());
  p.mutable_terms()->set_officially_approved(s.terms().officially_approved());
  p.mutable_terms()->set_deadline_unix_ms(s.terms().deadline_unix_ms());
  *p.mutable_figures() = s.figures();
  return p;
}

// The source initiates: transfer_initiated, then the package proved against the head.
void Initiate(FuzzWorld* w) {
  const v1::TransferStatus s = SourceStatus();
  w->person_indexes.push_back(AppendEntry(&w->source_log, rpc::InitiatedEntry(s)));
  v1::TransferPackage package = PackageFields(s);
  package.set_checkpoint(w->source_log.SignedCheckpoint());
  for (int64_t index : w->person_indexes) *package.add_entries() = w->source_log.Prove(index);
  w->package =
      rpc::SignMessage(SourceNode().key(), rpc::kPackageContext, package.SerializeAsString());
}

// The destination credits: transfer_requested (recorded at the start) and transfer_in, then
// the receipt proved against the head.
void Credit(FuzzWorld* w) {
  const v1::TransferStatus s = DestinationStatus();
  const v1::TransferFigures figures = SourceStatus().figures();
  AppendEntry(&w->destination_log,
              Contribution(OtherPersonId(40), kDestinationScheme, "2024-05", 900'000));
  AppendEntry(&w->destination_log, rpc::RequestedEntry(s));
  v1::Entry in;
  in.set_person_id(s.terms().person_id());
  in.set_scheme_id(s.terms().destination_scheme_id());
  v1::TransferIn* t = in.mutable_transfer_in();
  t->set_transfer_id(s.terms().transfer_id());
  t->set_source_node_id(s.terms().source_node_id());
  t->set_source_scheme_id(s.terms().source_scheme_id());
  t->set_date(s.terms().date());
  *t->mutable_figures() = figures;
  t->set_source_tree_size(static_cast<uint64_t>(w->source_log.size()));
  const crypto::Hash source_root = w->source_log.root();
  t->set_source_root_hash(std::string(source_root.begin(), source_root.end()));
  t->set_source_entry_count(static_cast<uint32_t>(w->person_indexes.size()));
  const int64_t in_index = AppendEntry(&w->destination_log, in);
  v1::TransferReceipt receipt;
  receipt.set_transfer_id(s.terms().transfer_id());
  receipt.set_destination_node_id(s.terms().destination_node_id());
  *receipt.mutable_figures() = figures;
  receipt.set_checkpoint(w->destination_log.SignedCheckpoint());
  *receipt.mutable_transfer_in() = w->destination_log.Prove(in_index);
  w->receipt =
      rpc::SignMessage(DestinationNode().key(), rpc::kReceiptContext, receipt.SerializeAsString());
}

// The same transfer voided at the destination instead, in a log of its own: transfer_requested,
// then transfer_voided, and the signed void proved against the head.
void Void(FuzzWorld* w) {
  v1::TransferStatus s = DestinationStatus();
  AppendEntry(&w->void_log,
              Contribution(OtherPersonId(42), kDestinationScheme, "2024-05", 800'000));
  AppendEntry(&w->void_log, rpc::RequestedEntry(s));
  s.set_reason("package refused: the source's figures differ");
  const int64_t voided = AppendEntry(&w->void_log, rpc::VoidedEntry(s, /*at_source=*/false));
  AppendEntry(&w->void_log,
              Contribution(OtherPersonId(43), kDestinationScheme, "2024-06", 800'000));
  v1::TransferVoid v;
  v.set_transfer_id(s.terms().transfer_id());
  v.set_destination_node_id(s.terms().destination_node_id());
  v.set_checkpoint(w->void_log.SignedCheckpoint());
  *v.mutable_transfer_voided() = w->void_log.Prove(voided);
  w->signed_void =
      rpc::SignMessage(DestinationNode().key(), rpc::kVoidContext, v.SerializeAsString());
}

// The source ends the transfer (transfer_out), and later the person asks for a statement; a
// witness cosigns the checkpoint it is proved against.
void Statements(FuzzWorld* w) {
  const v1::TransferStatus s = SourceStatus();
  w->person_indexes.push_back(AppendEntry(&w->source_log, rpc::OutEntry(s)));
  AppendEntry(&w->source_log, Contribution(OtherPersonId(41), kSourceScheme, "2024-06", 660'000));
  w->statement.set_person_id(s.terms().person_id());
  w->statement.set_checkpoint(w->source_log.SignedCheckpoint());
  for (int64_t index : w->person_indexes) *w->statement.add_entries() = w->source_log.Prove(index);

  // The witness's line is the last of a note both signed.
  absl::StatusOr<crypto::Note> note = crypto::ParseNote(w->statement.checkpoint());
  PBL_FUZZ_CHECK(note.ok(), "the world's checkpoint parses");
  const crypto::NoteSigner* signers[] = {&SourceNode().signer(), &WitnessNode().cosigner()};
  absl::StatusOr<std::string> both = crypto::SignNote(note->text, signers);
  PBL_FUZZ_CHECK(both.ok(), "SignNote with the node and the witness");
  const size_t last_line = both->rfind('\n', both->size() - 2) + 1;
  w->cosigned_statement = w->statement;
  w->cosigned_statement.set_checkpoint(both->substr(0, last_line));
  w->cosigned_statement.add_cosignatures(both->substr(last_line, both->size() - last_line - 1));
}

}  // namespace

FuzzNode::FuzzNode(std::string id, std::string origin, uint8_t seed_byte)
    : id_(std::move(id)),
      origin_(std::move(origin)),
      key_(KeyFromSeedByte(seed_byte)),
      verifier_(origin_, key_.public_key()),
      cosignature_verifier_(origin_, key_.public_key()) {
  absl::StatusOr<crypto::Ed25519NoteSigner> signer =
      crypto::Ed25519NoteSigner::Create(origin_, &key_);
  PBL_FUZZ_CHECK(signer.ok(), "a note signer for a fixed name");
  signer_.emplace(*std::move(signer));
  absl::StatusOr<crypto::CosignatureSigner> cosigner =
      crypto::CosignatureSigner::Create(origin_, &key_, [] { return kCosignatureTime; });
  PBL_FUZZ_CHECK(cosigner.ok(), "a cosigner for a fixed name");
  cosigner_.emplace(*std::move(cosigner));
}

const FuzzNode& SourceNode() {
  static const FuzzNode* const node = new FuzzNode("anhui", "pbl.example/anhui", 0x21);
  return *node;
}

const FuzzNode& DestinationNode() {
  static const FuzzNode* const node = new FuzzNode("shanghai", "pbl.example/shanghai", 0x22);
  return *node;
}

const FuzzNode& WitnessNode() {
  static const FuzzNode* const node = new FuzzNode("witness", "witness.example/w1", 0x23);
  return *node;
}

int64_t FuzzLog::Append(std::string bytes) {
  store_.Append(crypto::AsBytes(bytes));
  entries_.push_back(std::move(bytes));
  return size() - 1;
}

std::string FuzzLog::SignedCheckpoint() const {
  crypto::Checkpoint checkpoint;
  checkpoint.origin = node_->origin();
  checkpoint.size = size();
  checkpoint.root = root();
  const crypto::NoteSigner* signers[] = {&node_->signer()};
  absl::StatusOr<std::string> note = crypto::SignCheckpoint(checkpoint, signers);
  PBL_FUZZ_CHECK(note.ok(), "SignCheckpoint of a log");
  return *std::move(note);
}

v1::ProvenEntry FuzzLog::Prove(int64_t index) const {
  absl::StatusOr<crypto::Proof> proof = crypto::ProveInclusion(index, size(), store_);
  PBL_FUZZ_CHECK(proof.ok(), "ProveInclusion within a log");
  v1::ProvenEntry out;
  out.set_index(static_cast<uint64_t>(index));
  out.set_entry(entry(index));
  for (const crypto::Hash& h : *proof) out.add_inclusion_proof(std::string(h.begin(), h.end()));
  return out;
}

std::string FuzzPersonId() { return MakePersonId("340104", "19800315", "051"); }

v1::TransferStatus DestinationStatus() {
  v1::TransferStatus s;
  s.mutable_terms()->set_transfer_id(std::string(kTransferId));
  s.set_role(v1::TRANSFER_ROLE_DESTINATION);
  s.set_state(v1::TRANSFER_STATE_REQUESTED);
  s.mutable_terms()->set_person_id(FuzzPersonId());
  s.mutable_terms()->set_source_node_id(SourceNode().id());
  s.mutable_terms()->set_source_scheme_id(std::string(kSourceScheme));
  s.mutable_terms()->set_destination_node_id(DestinationNode().id());
  s.mutable_terms()->set_destination_scheme_id(std::string(kDestinationScheme));
  s.mutable_terms()->set_date(std::string(kTransferDate));
  s.mutable_terms()->set_deadline_unix_ms(kDeadlineUnixMs);
  return s;
}

v1::TransferStatus SourceStatus() {
  static const v1::TransferStatus* const status = [] {
    FuzzWorld history;
    FillSourceHistory(&history);
    auto* s = new v1::TransferStatus(DestinationStatus());
    s->set_role(v1::TRANSFER_ROLE_SOURCE);
    s->set_state(v1::TRANSFER_STATE_INITIATED);
    *s->mutable_figures() = PlanFigures(history);
    return s;
  }();
  return *status;
}

const FuzzWorld& World() {
  static const FuzzWorld* const world = [] {
    auto* w = new FuzzWorld();
    FillSourceHistory(w);
    Initiate(w);
    Credit(w);
    Statements(w);
    Void(w);
    return w;
  }();
  return *world;
}

std::vector<v1::Entry> SampleEntries() {
  std::vector<v1::Entry> out;
  const FuzzWorld& w = World();
  for (const FuzzLog* log : {&w.source_log, &w.destination_log}) {
    for (int64_t i = 0; i < log->size(); ++i) {
      v1::Entry e;
      PBL_FUZZ_CHECK(e.ParseFromString(log->entry(i)), "a world entry parses");
      const bool seen = std::any_of(out.begin(), out.end(), [&](const v1::Entry& o) {
        return o.body_case() == e.body_case();
      });
      if (!seen) out.push_back(std::move(e));
    }
  }
  // The kinds the transfer does not make.
  const std::string person = FuzzPersonId();
  v1::Entry e;
  e.set_person_id(person);
  e.set_node_time_unix_ms(kNodeTimeUnixMs);
  e.set_scheme_id("URRBPI-340000");
  e.mutable_annual_premium()->set_year(2023);
  e.mutable_annual_premium()->set_personal_fen(50'000);
  e.mutable_annual_premium()->set_collective_subsidy_fen(3'000);
  e.mutable_annual_premium()->set_government_subsidy_fen(10'000);
  out.push_back(e);
  e.set_scheme_id("MLG-340000");
  e.mutable_mlg_payment()->set_month("2024-02");
  e.mutable_mlg_payment()->set_amount_fen(80'000);
  out.push_back(e);
  e.set_scheme_id(std::string(kSourceScheme));
  e.mutable_benefit_payment()->set_month("2045-04");
  e.mutable_benefit_payment()->set_amount_fen(350'000);
  out.push_back(e);
  e.mutable_refund()->set_transfer_id(std::string(kTransferId));
  e.mutable_refund()->set_amount_fen(12'345);
  e.mutable_refund()->set_rule_id("renshebufa-2014-17-overlap");
  e.mutable_refund()->set_reason("months paid in both schemes");
  out.push_back(e);
  e.mutable_transfer_voided()->set_transfer_id(std::string(kTransferId));
  e.mutable_transfer_voided()->set_reason("the deadline passed");
  out.push_back(e);
  return out;
}

}  // namespace pbl::fuzz
