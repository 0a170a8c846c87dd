// TransferManager (the facade over both roles, the worker) and TransferRecords (what the roles
// share: the record store helpers, the per-person locks, the channels).
#include "rpc/transfers.h"

#include <algorithm>
#include <chrono>

#include "crypto/base/check.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "ledger/domain/entry_body_validation.h"
#include "rpc/log.h"
#include "rpc/metrics.h"
#include "rpc/transfer_roles.h"

namespace pbl::rpc {

// A transfer between two schemes of this node calls its own handlers directly.
class TransferManager::LocalChannel : public PeerChannel {
 public:
  LocalChannel(TransferManager* manager, std::string self) : m_(manager), self_(std::move(self)) {}
  absl::StatusOr<v1::PrepareResponse> Prepare(const v1::PrepareRequest& r) override {
    return m_->HandlePrepare(r, self_);
  }
  absl::StatusOr<v1::CommitResponse> Commit(const v1::CommitRequest& r) override {
    return m_->HandleCommit(r, self_);
  }
  absl::Status Abort(const v1::AbortRequest& r) override { return m_->HandleAbort(r, self_); }
  absl::StatusOr<v1::ResolveResponse> Resolve(const v1::ResolveRequest& r) override {
    return m_->HandleResolve(r, self_);
  }

 private:
  TransferManager* m_;
  std::string self_;
};

absl::StatusOr<ledger::AppendResult> AppendEntry(const NodeContext& node, v1::Entry entry) {
  entry.set_node_time_unix_ms(node.now_ms());
  std::vector<std::string> batch;
  batch.push_back(entry.SerializeAsString());
  return node.ledger->Append(std::move(batch));
}

absl::StatusOr<ledger::History> ReadHistory(const NodeContext& node, std::string_view person_id,
                                            std::string_view scheme_id) {
  PBL_ASSIGN_OR_RETURN(std::vector<ledger::IndexedEntry> entries,
                       node.ledger->PersonEntries(person_id, scheme_id));
  std::sort(entries.begin(), entries.end(),
            [](const ledger::IndexedEntry& a, const ledger::IndexedEntry& b) {
              return a.index < b.index;
            });
  ledger::History history(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    history[i].index = static_cast<uint64_t>(entries[i].index);
    if (!history[i].entry.ParseFromString(entries[i].bytes)) {
      return absl::DataLossError(StrCat("entry ", entries[i].index, " does not parse"));
    }
  }
  return history;
}

v1::Entry VoidedEntry(const v1::TransferStatus& s, bool at_source) {
  v1::Entry e;
  e.set_person_id(s.terms().person_id());
  e.set_scheme_id(at_source ? s.terms().source_scheme_id() : s.terms().destination_scheme_id());
  e.mutable_transfer_voided()->set_transfer_id(s.terms().transfer_id());
  e.mutable_transfer_voided()->set_reason(
      s.reason().empty() ? std::string("voided")
                         : std::string(Utf8Prefix(s.reason(), ledger::kReasonBytesMax)));
  return e;
}

// --- TransferRecords ---------------------------------------------------------------------------

TransferRecords::TransferRecords(NodeContext node, Peers* peers, PeerChannel* local,
                                 TransferLanes* lanes)
    : node_(std::move(node)),
      peers_(peers),
      local_(local),
      person_locks_(std::make_unique<std::array<std::mutex, 256>>()),
      lanes_(lanes) {}

std::mutex& TransferRecords::PersonLock(std::string_view person_id) {
  size_t h = 1469598103934665603ULL;
  for (char c : person_id) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return (*person_locks_)[h % person_locks_->size()];
}

PeerChannel* TransferRecords::ChannelTo(std::string_view node_id) {
  if (node_id == node_.config->node_id) return local_;
  const auto it = peers_->find(node_id);
  return it == peers_->end() ? nullptr : it->second.channel.get();
}

absl::Status TransferRecords::VerifierFor(std::string_view node_id,
                                          const crypto::Ed25519PublicKey** key,
                                          const crypto::NoteVerifier** verifier) const {
  if (node_id == node_.config->node_id) {
    *key = &node_.key->public_key();
    *verifier = &node_.ledger->verifier();
    return absl::OkStatus();
  }
  const auto it = peers_->find(node_id);
  if (it == peers_->end()) {
    return absl::InvalidArgumentError(StrCat("node \"", node_id, "\" is not a peer of this node"));
  }
  *key = &it->second.public_key;
  *verifier = it->second.verifier.get();
  return absl::OkStatus();
}

absl::StatusOr<v1::TransferRecord> TransferRecords::Load(std::string_view id,
                                                         v1::TransferRole role) const {
  PBL_ASSIGN_OR_RETURN(std::optional<v1::TransferRecord> record, node_.transfers->Get(id, role));
  if (!record) return absl::NotFoundError(StrCat("no transfer \"", id, "\""));
  return *std::move(record);
}

absl::StatusOr<HeldRecord> TransferRecords::Hold(std::string_view id, v1::TransferRole role) {
  PBL_ASSIGN_OR_RETURN(const v1::TransferRecord peek, Load(id, role));
  // A record's person never changes, so the lock taken for the first load covers the second.
  PBL_ASSIGN_OR_RETURN(HeldRecord held, HoldForPerson(peek.status().terms().person_id(), id, role));
  if (!held.exists()) return absl::NotFoundError(StrCat("no transfer \"", id, "\""));
  return held;
}

absl::StatusOr<HeldRecord> TransferRecords::HoldForPerson(std::string_view person_id,
                                                          std::string_view id,
                                                          v1::TransferRole role) {
  HeldRecord held;
  held.lock = std::unique_lock<std::mutex>(PersonLock(person_id));
  PBL_ASSIGN_OR_RETURN(std::optional<v1::TransferRecord> record, node_.transfers->Get(id, role));
  if (record) {
    held.record = *std::move(record);
    held.stored = held.state();
    if (!held.exists()) return absl::DataLossError(StrCat("transfer ", id, " has no state"));
  } else {
    held.status().mutable_terms()->set_transfer_id(std::string(id));
    held.status().set_role(role);
  }
  return held;
}

absl::StatusOr<TransferTransition> TransferRecords::Apply(HeldRecord& held,
                                                          TransferEvent event) const {
  const v1::TransferRole role = TransferEventRole(event);
  PBL_CHECK(role == v1::TRANSFER_ROLE_UNSPECIFIED || role == held.record.status().role(),
            "a transfer event happens only to a record of its role");
  PBL_ASSIGN_OR_RETURN(const TransferTransition transition, NextTransferState(held.state(), event));
  held.status().set_state(transition.next);
  return transition;
}

void TransferRecords::CheckSave(const HeldRecord& held) {
  PBL_CHECK(LegalTransferChange(held.stored, held.state()),
            "a transfer record is saved only in a state the protocol's table moves it to");
  PBL_CHECK(StateOfRole(held.state(), held.record.status().role()),
            "a transfer record is saved only in a state of its role");
}

absl::Status TransferRecords::Put(HeldRecord& held, bool sync, const v1::SignedMessage* package) {
  CheckSave(held);
  PBL_RETURN_IF_ERROR(node_.transfers->Put(held.record, sync, package));
  const bool was_open = held.exists() && !IsTerminal(held.stored);
  held.stored = held.state();
  const bool open = !IsTerminal(held.stored);
  if (held.record.status().role() == v1::TRANSFER_ROLE_SOURCE && was_open != open) {
    std::lock_guard lock(open_mu_);
    open_as_source_[held.record.status().terms().destination_node_id()] += open ? 1 : -1;
  }
  Track(held.record, kDriveNetMs);
  return absl::OkStatus();
}

namespace {

// Whether the worker has anything to do for the record: a step to take, to finish from the log,
// or a void to tell the source.
bool NeedsDriving(const v1::TransferRecord& r) {
  return !IsTerminal(r.status().state()) || !r.logged() || r.abort_pending();
}

}  // namespace

std::optional<int64_t> DueOf(const v1::TransferRecord& r, int64_t now_ms, int64_t retry_after_ms) {
  if (!NeedsDriving(r)) return std::nullopt;
  if (r.logged() && r.status().role() == v1::TRANSFER_ROLE_SOURCE) {
    return r.status().terms().deadline_unix_ms() + kResolveGraceMs;
  }
  return now_ms + retry_after_ms;
}

const std::string& PeerOf(const v1::TransferRecord& r) {
  return r.status().role() == v1::TRANSFER_ROLE_SOURCE ? r.status().terms().destination_node_id()
                                                       : r.status().terms().source_node_id();
}

void TransferRecords::Track(const v1::TransferRecord& r, int64_t retry_after_ms) {
  TransferLanes::Key key{r.status().terms().transfer_id(), r.status().role()};
  if (const std::optional<int64_t> due = DueOf(r, now_ms(), retry_after_ms)) {
    lanes_->Schedule(PeerOf(r), key, *due);
  } else {
    lanes_->Unschedule(PeerOf(r), key);
  }
}

void TransferRecords::TrackStored(const v1::TransferRecord& record) {
  Track(record, /*retry_after_ms=*/0);
  if (record.status().role() != v1::TRANSFER_ROLE_SOURCE || IsTerminal(record.status().state())) {
    return;
  }
  std::lock_guard lock(open_mu_);
  ++open_as_source_[record.status().terms().destination_node_id()];
}

int64_t TransferRecords::OpenAsSourceFor(std::string_view destination) const {
  std::lock_guard lock(open_mu_);
  const auto it = open_as_source_.find(destination);
  return it == open_as_source_.end() ? 0 : it->second;
}

absl::Status TransferRecords::Save(HeldRecord& held) { return Put(held, /*sync=*/true); }

absl::Status TransferRecords::SaveLogged(HeldRecord& held) {
  // Recovery redoes this from the log if a crash loses it (specs/node.md, "Crashes").
  return Put(held, /*sync=*/false);
}

absl::StatusOr<ledger::AppendResult> TransferRecords::RecordStep(
    HeldRecord& held, const TransferTransition& transition, v1::Entry entry,
    const v1::SignedMessage* package, const AfterAppend& after) {
  PBL_CHECK(transition.entry != TransferEntry::kNone && TransferEntryOf(entry) == transition.entry,
            "a step appends the entry its transition names");
  PBL_CHECK(transition.next == held.state(), "a step records the state its transition names");
  const v1::TransferState from = held.stored;
  // Unsynced when the store shares the ledger's write-ahead log: the append's sync makes the
  // record durable too.
  held.record.set_logged(false);
  PBL_RETURN_IF_ERROR(
      Put(held, /*sync=*/node_.transfers->storage() != node_.ledger->storage(), package));
  PBL_ASSIGN_OR_RETURN(const ledger::AppendResult appended, AppendEntry(node_, std::move(entry)));
  if (transition.entry == TransferEntry::kIn || transition.entry == TransferEntry::kOut ||
      transition.entry == TransferEntry::kVoided) {
    held.record.set_end_index(static_cast<uint64_t>(appended.first_index));
  }
  if (after) PBL_RETURN_IF_ERROR(after(appended, held.record));
  held.record.set_logged(true);
  PBL_RETURN_IF_ERROR(SaveLogged(held));
  if (node_.metrics != nullptr) node_.metrics->TransferState(from, held.state());
  return appended;
}

// --- TransferManager ---------------------------------------------------------------------------

TransferManager::TransferManager(NodeContext node, std::map<std::string, Peer, std::less<>>* peers)
    : local_(std::make_unique<LocalChannel>(this, node.config->node_id)),
      lanes_(std::make_unique<TransferLanes>(
          [this] { return records_->now_ms(); },
          [this](const TransferLanes::Key& key) { return DriveOne(key); })),
      records_(
          std::make_unique<TransferRecords>(std::move(node), peers, local_.get(), lanes_.get())),
      source_(std::make_unique<TransferSource>(records_.get())),
      destination_(std::make_unique<TransferDestination>(records_.get())) {}

TransferManager::~TransferManager() { StopWorker(); }

absl::StatusOr<v1::TransferStatus> TransferManager::Start(const v1::StartTransferRequest& request,
                                                          int64_t wait_until_ms) {
  return destination_->Start(request, wait_until_ms);
}

absl::StatusOr<v1::PrepareResponse> TransferManager::HandlePrepare(
    const v1::PrepareRequest& request, std::string_view caller) {
  return source_->HandlePrepare(request, caller);
}

absl::StatusOr<v1::CommitResponse> TransferManager::HandleCommit(const v1::CommitRequest& request,
                                                                 std::string_view caller) {
  return source_->HandleCommit(request, caller);
}

absl::Status TransferManager::HandleAbort(const v1::AbortRequest& request,
                                          std::string_view caller) {
  return source_->HandleAbort(request, caller);
}

absl::StatusOr<v1::ResolveResponse> TransferManager::HandleResolve(
    const v1::ResolveRequest& request, std::string_view caller) {
  return destination_->HandleResolve(request, caller);
}

absl::StatusOr<v1::TransferStatus> TransferManager::Cancel(std::string_view transfer_id,
                                                           std::string_view reason) {
  const std::string id(transfer_id);
  PBL_ASSIGN_OR_RETURN(std::optional<v1::TransferRecord> d,
                       records_->node().transfers->Get(id, v1::TRANSFER_ROLE_DESTINATION));
  if (d) return destination_->Cancel(id, reason);
  return source_->Cancel(id, reason);
}

absl::StatusOr<v1::TransferStatus> TransferManager::Status(std::string_view transfer_id) const {
  PBL_ASSIGN_OR_RETURN(std::optional<v1::TransferRecord> d,
                       records_->node().transfers->Get(transfer_id, v1::TRANSFER_ROLE_DESTINATION));
  if (d) return d->status();
  PBL_ASSIGN_OR_RETURN(v1::TransferRecord s, records_->Load(transfer_id, v1::TRANSFER_ROLE_SOURCE));
  return s.status();
}

absl::StatusOr<v1::ListTransfersResponse> TransferManager::List(
    const v1::ListTransfersRequest& request) const {
  const size_t limit = request.limit() == 0 ? 1000 : std::min<size_t>(request.limit(), 10'000);
  std::vector<std::string> unreadable;
  PBL_ASSIGN_OR_RETURN(std::vector<v1::TransferRecord> records,
                       records_->node().transfers->List(request.after_transfer_id(),
                                                        request.state(), limit, &unreadable));
  v1::ListTransfersResponse out;
  for (v1::TransferRecord& r : records) *out.add_transfers() = std::move(*r.mutable_status());
  for (std::string& name : unreadable) out.add_unreadable_records(std::move(name));
  return out;
}

void TransferManager::StartWorker() { lanes_->Start(); }

void TransferManager::StopWorker() { lanes_->Stop(); }

size_t TransferManager::WorkWaiting() const { return lanes_->Waiting(); }

TransferLanes::Outcome TransferManager::DriveOne(const TransferLanes::Key& key) {
  const absl::StatusOr<v1::TransferRecord> loaded = records_->Load(key.first, key.second);
  if (!loaded.ok()) {
    // Gone, or a record that does not parse (quarantined, listed by `pbl transfer list`): nothing
    // the worker can do. A store that cannot be read now is tried again.
    if (loaded.status().code() == absl::StatusCode::kUnavailable) return {loaded.status(), 0};
    return {absl::OkStatus(), std::nullopt};
  }
  const v1::TransferRecord& r = *loaded;
  const int64_t now = records_->now_ms();
  const std::optional<int64_t> due = DueOf(r, now, 0);
  if (!due) return {absl::OkStatus(), std::nullopt};
  if (*due > now) return {absl::OkStatus(), due};  // a source record before its deadline
  absl::Status s;
  if (!r.logged()) {
    s = RecoverRecord(r);
  } else if (r.status().role() == v1::TRANSFER_ROLE_DESTINATION) {
    s = destination_->Advance(key.first);
  } else {
    s = source_->Resolve(key.first);  // past its deadline
  }
  const absl::StatusOr<v1::TransferRecord> after = records_->Load(key.first, key.second);
  if (!after.ok()) return {s, std::nullopt};
  return {s, DueOf(*after, records_->now_ms(), kDriveNetMs)};
}

}  // namespace pbl::rpc
