// TransferManager: shared parts, the worker, and the destination's side.
#include "rpc/transfers.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/short_hash.h"
#include "ledger/domain/entry_body_validation.h"
#include "ledger/domain/person_id.h"
#include "ledger/domain/transfer_plan.h"
#include "rpc/log.h"
#include "rpc/metrics.h"

namespace pbl::rpc {

namespace {

bool Terminal(v1::TransferState s) {
  return s == v1::TRANSFER_STATE_COMPLETED || s == v1::TRANSFER_STATE_VOIDED;
}

std::string NewTransferId(std::string_view node_id, int64_t now_ms) {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}());
  std::lock_guard<std::mutex> lock(mu);
  char suffix[17];
  std::snprintf(suffix, sizeof(suffix), "%016llx", static_cast<unsigned long long>(rng()));
  return StrCat(node_id, "-", now_ms, "-", std::string_view(suffix, 8));
}

}  // namespace

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

TransferManager::TransferManager(NodeContext node, std::map<std::string, Peer, std::less<>>* peers)
    : node_(std::move(node)),
      peers_(peers),
      local_(std::make_unique<LocalChannel>(this, node_.config->node_id)),
      person_locks_(std::make_unique<std::array<std::mutex, 256>>()) {}

TransferManager::~TransferManager() { StopWorker(); }

std::mutex& TransferManager::PersonLock(std::string_view person_id) {
  size_t h = 1469598103934665603ULL;
  for (char c : person_id) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return (*person_locks_)[h % person_locks_->size()];
}

PeerChannel* TransferManager::ChannelTo(std::string_view node_id) {
  if (node_id == node_.config->node_id) return local_.get();
  const auto it = peers_->find(node_id);
  return it == peers_->end() ? nullptr : it->second.channel.get();
}

absl::Status TransferManager::VerifierFor(std::string_view node_id,
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

absl::StatusOr<v1::TransferRecord> TransferManager::Load(std::string_view id,
                                                         v1::TransferRole role) const {
  PBL_ASSIGN_OR_RETURN(std::optional<v1::TransferRecord> record, node_.transfers->Get(id, role));
  if (!record) return absl::NotFoundError(StrCat("no transfer \"", id, "\""));
  return *std::move(record);
}

absl::Status TransferManager::Save(const v1::TransferRecord& record) {
  return node_.transfers->Put(record);
}

absl::Status TransferManager::SaveBeforeEntry(const v1::TransferRecord& record,
                                              const v1::SignedMessage* package) {
  const bool shared = node_.transfers->storage() == node_.ledger->storage();
  return node_.transfers->Put(record, /*sync=*/!shared, package);
}

absl::Status TransferManager::SaveLogged(const v1::TransferRecord& record) {
  // Recovery redoes this from the log if a crash loses it (specs/node.md, "Crashes").
  return node_.transfers->Put(record, /*sync=*/false);
}

void TransferManager::NoteState(v1::TransferState from, v1::TransferState to) {
  if (node_.metrics != nullptr) node_.metrics->TransferState(from, to);
}

absl::StatusOr<v1::TransferStatus> TransferManager::Status(std::string_view transfer_id) const {
  PBL_ASSIGN_OR_RETURN(std::optional<v1::TransferRecord> d,
                       node_.transfers->Get(transfer_id, v1::TRANSFER_ROLE_DESTINATION));
  if (d) return d->status();
  PBL_ASSIGN_OR_RETURN(v1::TransferRecord s, Load(transfer_id, v1::TRANSFER_ROLE_SOURCE));
  return s.status();
}

absl::StatusOr<std::vector<v1::TransferStatus>> TransferManager::List(
    const v1::ListTransfersRequest& request) const {
  const size_t limit = request.limit() == 0 ? 1000 : std::min<size_t>(request.limit(), 10'000);
  PBL_ASSIGN_OR_RETURN(std::vector<v1::TransferRecord> records,
                       node_.transfers->List(request.after_transfer_id(), request.state(), limit));
  std::vector<v1::TransferStatus> out;
  for (v1::TransferRecord& r : records) out.push_back(std::move(*r.mutable_status()));
  return out;
}

// --- Destination ------------------------------------------------------------------------------

namespace {

// The checks of a start request that need no state; fills `status`.
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
  const std::string date =
      r.date().empty() ? ledger::FormatDate(ledger::DateFromUnixMs(now_ms)) : r.date();
  PBL_RETURN_IF_ERROR(ledger::ParseDate(date, "date").status());
  status->set_transfer_id(r.transfer_id().empty() ? NewTransferId(config.node_id, now_ms)
                                                  : r.transfer_id());
  status->set_role(v1::TRANSFER_ROLE_DESTINATION);
  status->set_state(v1::TRANSFER_STATE_REQUESTED);
  status->set_person_id(r.person_id());
  status->set_source_node_id(r.source_node_id());
  status->set_source_scheme_id(r.source_scheme_id());
  status->set_destination_node_id(config.node_id);
  status->set_destination_scheme_id(r.destination_scheme_id());
  status->set_date(date);
  status->set_officially_approved(r.officially_approved());
  status->set_deadline_unix_ms(now_ms + int64_t{config.transfer_deadline_seconds} * 1000);
  status->set_updated_unix_ms(now_ms);
  return absl::OkStatus();
}

}  // namespace

v1::Entry RequestedEntry(const v1::TransferStatus& s) {
  v1::Entry e;
  e.set_person_id(s.person_id());
  e.set_scheme_id(s.destination_scheme_id());
  v1::TransferRequested* t = e.mutable_transfer_requested();
  t->set_transfer_id(s.transfer_id());
  t->set_source_node_id(s.source_node_id());
  t->set_source_scheme_id(s.source_scheme_id());
  t->set_destination_node_id(s.destination_node_id());
  t->set_destination_scheme_id(s.destination_scheme_id());
  t->set_date(s.date());
  t->set_officially_approved(s.officially_approved());
  t->set_deadline_unix_ms(s.deadline_unix_ms());
  return e;
}

v1::PrepareRequest PrepareFor(const v1::TransferStatus& s) {
  v1::PrepareRequest prepare;
  prepare.set_transfer_id(s.transfer_id());
  prepare.set_person_id(s.person_id());
  prepare.set_source_scheme_id(s.source_scheme_id());
  prepare.set_destination_node_id(s.destination_node_id());
  prepare.set_destination_scheme_id(s.destination_scheme_id());
  prepare.set_date(s.date());
  prepare.set_officially_approved(s.officially_approved());
  prepare.set_deadline_unix_ms(s.deadline_unix_ms());
  return prepare;
}

v1::Entry VoidedEntry(const v1::TransferStatus& s, bool at_source) {
  v1::Entry e;
  e.set_person_id(s.person_id());
  e.set_scheme_id(at_source ? s.source_scheme_id() : s.destination_scheme_id());
  e.mutable_transfer_voided()->set_transfer_id(s.transfer_id());
  e.mutable_transfer_voided()->set_reason(
      s.reason().empty() ? "voided" : s.reason().substr(0, ledger::kReasonBytesMax));
  return e;
}

absl::StatusOr<v1::TransferStatus> TransferManager::Start(const v1::StartTransferRequest& request,
                                                          int64_t wait_until_ms) {
  v1::TransferStatus status;
  PBL_RETURN_IF_ERROR(CheckStart(*node_.config, request, node_.now_ms(), &status));
  const std::string id = status.transfer_id();
  {
    std::lock_guard<std::mutex> lock(PersonLock(status.person_id()));
    PBL_ASSIGN_OR_RETURN(std::optional<v1::TransferRecord> existing,
                         node_.transfers->Get(id, v1::TRANSFER_ROLE_DESTINATION));
    if (existing && existing->status().person_id() != status.person_id()) {
      return absl::AlreadyExistsError(StrCat("transfer ", id, " exists for another person"));
    }
    if (!existing) {
      PBL_ASSIGN_OR_RETURN(const ledger::History history,
                           ReadHistory(node_, status.person_id(), ""));
      PBL_ASSIGN_OR_RETURN(
          const ledger::Entitlement mine,
          ledger::ComputeEntitlement(*node_.rules, status.person_id(), history,
                                     *ledger::ParseSchemeId(status.destination_scheme_id()),
                                     *ledger::ParseDate(status.date())));
      if (!mine.pending_transfer_id.empty()) {
        return absl::FailedPreconditionError(StrCat("transfer ", mine.pending_transfer_id,
                                                    " is already pending for this person in ",
                                                    status.destination_scheme_id()));
      }
      v1::TransferRecord record;
      *record.mutable_status() = status;
      PBL_RETURN_IF_ERROR(SaveBeforeEntry(record));
      PBL_RETURN_IF_ERROR(AppendEntry(node_, RequestedEntry(status)).status());
      record.set_logged(true);
      PBL_RETURN_IF_ERROR(SaveLogged(record));
      NoteState(v1::TRANSFER_STATE_UNSPECIFIED, v1::TRANSFER_STATE_REQUESTED);
      LogInfo("transfer_requested",
              StrCat("transfer=", id, " person=", ledger::MaskPersonId(status.person_id())));
    }
  }
  if (const absl::Status s = AdvanceDestination(id); !s.ok()) {
    LogInfo("transfer_retry_later",
            StrCat("transfer=", id, " reason=\"", ToStd(s.message()), "\""));
  }
  for (;;) {
    PBL_ASSIGN_OR_RETURN(v1::TransferRecord record, Load(id, v1::TRANSFER_ROLE_DESTINATION));
    if (Terminal(record.status().state()) || node_.now_ms() >= wait_until_ms) {
      return record.status();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

absl::Status TransferManager::AdvanceDestination(const std::string& transfer_id) {
  PBL_ASSIGN_OR_RETURN(v1::TransferRecord record, Load(transfer_id, v1::TRANSFER_ROLE_DESTINATION));
  const v1::TransferStatus& s = record.status();
  PeerChannel* source = ChannelTo(s.source_node_id());
  if (source == nullptr) return absl::FailedPreconditionError("source node is not a peer");
  if (s.state() == v1::TRANSFER_STATE_REQUESTED && record.logged()) {
    if (node_.now_ms() > s.deadline_unix_ms()) {
      std::lock_guard<std::mutex> lock(PersonLock(s.person_id()));
      PBL_ASSIGN_OR_RETURN(record, Load(transfer_id, v1::TRANSFER_ROLE_DESTINATION));
      if (record.status().state() == v1::TRANSFER_STATE_REQUESTED) {
        PBL_RETURN_IF_ERROR(RecordDestinationVoid(
            record, "the deadline passed before the source's package was credited", true));
      }
    } else {
      PBL_ASSIGN_OR_RETURN(const v1::PrepareResponse answer, source->Prepare(PrepareFor(s)));
      PBL_RETURN_IF_ERROR(CreditOrReject(transfer_id, answer));
    }
    PBL_ASSIGN_OR_RETURN(record, Load(transfer_id, v1::TRANSFER_ROLE_DESTINATION));
  }
  if (record.status().state() == v1::TRANSFER_STATE_VOIDED && record.abort_pending()) {
    // Tell the source, so that it releases the account before its deadline.
    v1::AbortRequest abort;
    abort.set_transfer_id(transfer_id);
    abort.set_reason(record.status().reason());
    PBL_RETURN_IF_ERROR(source->Abort(abort));
    std::lock_guard<std::mutex> lock(PersonLock(record.status().person_id()));
    PBL_ASSIGN_OR_RETURN(record, Load(transfer_id, v1::TRANSFER_ROLE_DESTINATION));
    record.set_abort_pending(false);
    return SaveLogged(record);
  }
  if (record.status().state() != v1::TRANSFER_STATE_CREDITED || !record.logged()) {
    return absl::OkStatus();
  }
  v1::CommitRequest commit;
  commit.set_transfer_id(transfer_id);
  *commit.mutable_receipt() = record.receipt();
  PBL_RETURN_IF_ERROR(source->Commit(commit).status());
  std::lock_guard<std::mutex> lock(PersonLock(record.status().person_id()));
  PBL_ASSIGN_OR_RETURN(record, Load(transfer_id, v1::TRANSFER_ROLE_DESTINATION));
  if (record.status().state() != v1::TRANSFER_STATE_CREDITED) return absl::OkStatus();
  record.mutable_status()->set_state(v1::TRANSFER_STATE_COMPLETED);
  record.mutable_status()->set_updated_unix_ms(node_.now_ms());
  PBL_RETURN_IF_ERROR(SaveLogged(record));
  NoteState(v1::TRANSFER_STATE_CREDITED, v1::TRANSFER_STATE_COMPLETED);
  LogInfo("transfer_completed", StrCat("transfer=", transfer_id));
  return absl::OkStatus();
}

absl::Status TransferManager::RecordDestinationVoid(v1::TransferRecord record, std::string reason,
                                                    bool tell_source) {
  const v1::TransferState from = record.status().state();
  record.mutable_status()->set_state(v1::TRANSFER_STATE_VOIDED);
  record.mutable_status()->set_reason(reason);
  record.mutable_status()->set_updated_unix_ms(node_.now_ms());
  record.set_abort_pending(tell_source);
  record.set_logged(false);
  PBL_RETURN_IF_ERROR(SaveBeforeEntry(record));
  PBL_ASSIGN_OR_RETURN(const ledger::AppendResult appended,
                       AppendEntry(node_, VoidedEntry(record.status(), false)));
  record.set_logged(true);
  record.set_end_index(static_cast<uint64_t>(appended.first_index));
  PBL_RETURN_IF_ERROR(SaveLogged(record));
  NoteState(from, v1::TRANSFER_STATE_VOIDED);
  LogInfo("transfer_voided", StrCat("transfer=", record.status().transfer_id(), " role=destination",
                                    " reason=\"", reason, "\""));
  return absl::OkStatus();
}

void TransferManager::StartWorker(int64_t tick_ms) {
  worker_ = std::thread([this, tick_ms] {
    std::unique_lock<std::mutex> lock(worker_mu_);
    while (!worker_stop_) {
      lock.unlock();
      DriveAll();
      lock.lock();
      worker_cv_.wait_for(lock, std::chrono::milliseconds(tick_ms),
                          [this] { return worker_stop_; });
    }
  });
}

void TransferManager::StopWorker() {
  {
    std::lock_guard<std::mutex> lock(worker_mu_);
    worker_stop_ = true;
  }
  worker_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void TransferManager::DriveAll() {
  std::vector<v1::TransferRecord> open;
  node_.transfers
      ->ForEach([&](const v1::TransferRecord& r) {
        if (!Terminal(r.status().state()) || !r.logged() || r.abort_pending()) {
          open.push_back(r);
        }
        return true;
      })
      .IgnoreError();
  const int64_t grace_ms = 2'000;
  for (const v1::TransferRecord& r : open) {
    absl::Status s;
    if (!r.logged()) {
      s = RecoverRecord(r);
    } else if (r.status().role() == v1::TRANSFER_ROLE_DESTINATION) {
      s = AdvanceDestination(r.status().transfer_id());
    } else if (node_.now_ms() > r.status().deadline_unix_ms() + grace_ms) {
      s = ResolveSource(r.status().transfer_id());
    }
    {
      std::lock_guard<std::mutex> lock(worker_mu_);
      if (worker_stop_) return;
    }
    (void)s;
  }
}

}  // namespace pbl::rpc
