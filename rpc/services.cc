#include "rpc/services.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/sha256.h"
#include "ledger/domain/corrections.h"
#include "ledger/domain/entitlement.h"
#include "ledger/domain/entry_body_validation.h"
#include "ledger/domain/person_id.h"
#include "rpc/grpc_status.h"
#include "rpc/log.h"
#include "rpc/metrics.h"
#include "rpc/proofs.h"

namespace pbl::rpc {

namespace {

// FAILED_PRECONDITION on a v2 log for what it does not serve yet: a v2 statement or transfer
// package proves completeness with the person map (specs/log-format-v2.md, section 6), which
// is not built yet, and the v1 forms would need the entries in the clear.
absl::Status NotYetSealed(const ledger::Ledger& ledger, std::string_view what) {
  if (!ledger.sealed()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      StrCat("this node's log is in format v2 ([node] master_key), which does not serve ", what,
             " yet: they come with the person map of specs/log-format-v2.md (section 6); a v2 "
             "node serves appends, imports, histories, entitlements and audits"));
}

constexpr auto kAdmin = Role::kAdministrator;
constexpr auto kAuditor = Role::kAuditor;
constexpr auto kPeer = Role::kPeer;
constexpr auto kWorker = Role::kWorker;
constexpr uint32_t kStreamChunkEntries = 1000;

// Identify, check the role, run, count, convert.
template <typename Fn>
grpc::Status Serve(const ServiceContext* c, const grpc::ServerContext* context,
                   std::string_view method, std::initializer_list<Role> roles, Fn fn) {
  absl::StatusOr<Caller> caller = c->authorizer->Identify(*context, c->listener);
  absl::Status status = caller.status();
  if (status.ok()) status = RequireRole(*caller, roles, method);
  if (status.ok()) status = fn(*caller);
  if (c->node.metrics != nullptr) c->node.metrics->Request(method, static_cast<int>(status.code()));
  return ToGrpc(status);
}

absl::Status CheckHosted(const NodeConfig& config, std::string_view scheme_id,
                         std::string_view field) {
  PBL_RETURN_IF_ERROR(ledger::ParseSchemeId(scheme_id).status());
  if (!HostsScheme(config, scheme_id)) {
    return absl::InvalidArgumentError(StrCat(field, " ", scheme_id, " is not hosted by this node"));
  }
  return absl::OkStatus();
}

void AddHashes(const crypto::Proof& proof, google::protobuf::RepeatedPtrField<std::string>* out) {
  for (const crypto::Hash& h : proof) out->Add(std::string(h.begin(), h.end()));
}

// Batches with corrections are checked and appended one at a time, so that two corrections of
// one entry, each fine alone, cannot together take its amounts below zero. Other batches cannot
// change what a correction may do (they add entries; none changes), and never wait for it.
std::mutex& CorrectionsMutex() {
  static std::mutex mu;
  return mu;
}

// Each correction of the batch against the person's history in its scheme and the corrections
// before it in the batch (ledger::CheckCorrection). Call with CorrectionsMutex held.
absl::Status CheckCorrections(const NodeContext& node, const v1::AppendEntriesRequest& request) {
  std::map<std::pair<std::string, std::string>, ledger::History> histories;
  const uint64_t size = static_cast<uint64_t>(node.ledger->Head().size);
  for (int i = 0; i < request.entries_size(); ++i) {
    const v1::Entry& e = request.entries(i);
    if (!e.has_correction()) continue;
    const auto key = std::pair(e.person_id(), e.scheme_id());
    auto it = histories.find(key);
    if (it == histories.end()) {
      PBL_ASSIGN_OR_RETURN(ledger::History history,
                           ReadHistory(node, e.person_id(), e.scheme_id()));
      it = histories.emplace(key, std::move(history)).first;
    }
    if (absl::Status s = ledger::CheckCorrection(it->second, e); !s.ok()) {
      return absl::InvalidArgumentError(StrCat("entries[", i, "]: ", ToStd(s.message())));
    }
    // Where it will be: after every entry now in the log (a correction is never a target).
    it->second.push_back(ledger::HistoryEntry{size + static_cast<uint64_t>(i), e, 0});
  }
  return absl::OkStatus();
}

// The batch id of a request, with the digest of its entries as the caller sent them (before the
// node's time is set): each entry's deterministic serialization, length-prefixed.
ledger::BatchId RequestBatchId(const v1::AppendEntriesRequest& request) {
  if (request.batch_id().empty()) return {};
  crypto::Sha256Hasher hasher;
  std::string bytes;
  for (const v1::Entry& e : request.entries()) {
    bytes.clear();
    google::protobuf::io::StringOutputStream stream(&bytes);
    {
      google::protobuf::io::CodedOutputStream out(&stream);
      out.SetSerializationDeterministic(true);
      e.SerializeToCodedStream(&out);
    }
    const uint64_t n = bytes.size();
    for (int shift = 56; shift >= 0; shift -= 8) hasher.Update(static_cast<uint8_t>(n >> shift));
    hasher.Update(bytes);
  }
  return ledger::BatchId{request.batch_id(), hasher.Finish()};
}

void SetResponse(const ledger::AppendResult& result, v1::AppendEntriesResponse* response) {
  response->set_first_index(static_cast<uint64_t>(result.first_index));
  response->set_count(static_cast<uint64_t>(result.count));
  response->set_tree_size(static_cast<uint64_t>(result.tree_size));
  response->set_checkpoint(result.checkpoint);
  response->set_replayed(result.replayed);
}

// `request` is the call's own message, dropped when the call ends: each entry gets the node's
// time in place, which spares a deep copy of every entry on the import's hot path.
absl::Status Append(const ServiceContext* c, v1::AppendEntriesRequest& request,
                    v1::AppendEntriesResponse* response) {
  const NodeConfig& config = *c->node.config;
  if (request.entries().empty()) return absl::InvalidArgumentError("entries is empty");
  if (request.entries_size() > config.max_batch_entries) {
    return absl::InvalidArgumentError(StrCat("entries has ", request.entries_size(),
                                             " entries; the limit is ", config.max_batch_entries));
  }
  const auto start = std::chrono::steady_clock::now();
  ledger::BatchId batch_id = RequestBatchId(request);
  if (!batch_id.id.empty()) {
    // A resend of a durable batch is answered before any check that only a new batch needs (a
    // correction applied once may not apply twice).
    PBL_ASSIGN_OR_RETURN(const std::optional<ledger::AppendResult> found,
                         c->node.ledger->FindBatch(batch_id));
    if (found) {
      SetResponse(*found, response);
      return absl::OkStatus();
    }
  }
  std::unique_lock<std::mutex> corrections(CorrectionsMutex(), std::defer_lock);
  if (std::any_of(request.entries().begin(), request.entries().end(),
                  [](const v1::Entry& e) { return e.has_correction(); })) {
    corrections.lock();
    PBL_RETURN_IF_ERROR(CheckCorrections(c->node, request));
  }
  const int64_t now_ms = c->node.now_ms();
  std::vector<std::string> batch;
  batch.reserve(static_cast<size_t>(request.entries_size()));
  for (int i = 0; i < request.entries_size(); ++i) {
    v1::Entry& entry = *request.mutable_entries(i);
    if (absl::Status s = CheckHosted(config, entry.scheme_id(), "scheme_id"); !s.ok()) {
      return absl::InvalidArgumentError(StrCat("entries[", i, "]: ", ToStd(s.message())));
    }
    // Transfer entries are written by the node's own protocol, never by a caller.
    if (entry.body_case() >= v1::Entry::kTransferRequested) {
      return absl::InvalidArgumentError(
          StrCat("entries[", i, "]: transfer entries are recorded by the transfer protocol"));
    }
    entry.set_node_time_unix_ms(now_ms);
    batch.push_back(entry.SerializeAsString());
  }
  PBL_ASSIGN_OR_RETURN(const ledger::AppendResult result,
                       c->node.ledger->Append(std::move(batch), std::move(batch_id)));
  SetResponse(result, response);
  if (c->node.metrics != nullptr && !result.replayed) {
    c->node.metrics->Append(
        result.count,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return absl::OkStatus();
}

}  // namespace

// --- LedgerService ----------------------------------------------------------------------------

grpc::Status LedgerServiceImpl::AppendEntries(grpc::ServerContext* context,
                                              const v1::AppendEntriesRequest* request,
                                              v1::AppendEntriesResponse* response) {
  return Serve(c_, context, "AppendEntries", {kAdmin}, [&](const Caller&) {
    // gRPC hands the handler a const view of a message it owns for this call only.
    return Append(c_, const_cast<v1::AppendEntriesRequest&>(*request), response);
  });
}

grpc::Status LedgerServiceImpl::GetEntries(grpc::ServerContext* context,
                                           const v1::GetEntriesRequest* request,
                                           v1::GetEntriesResponse* response) {
  return Serve(c_, context, "GetEntries", {kAdmin, kAuditor, kPeer}, [&](const Caller&) {
    if (request->count() == 0 || request->count() > ledger::kReadEntriesMax) {
      return absl::InvalidArgumentError(StrCat("count must be 1..", ledger::kReadEntriesMax));
    }
    PBL_ASSIGN_OR_RETURN(
        std::vector<std::string> entries,
        c_->node.ledger->GetEntries(static_cast<int64_t>(request->start()), request->count()));
    for (std::string& e : entries) response->add_entries(std::move(e));
    return absl::OkStatus();
  });
}

grpc::Status LedgerServiceImpl::GetCheckpoint(grpc::ServerContext* context,
                                              const v1::GetCheckpointRequest* request,
                                              v1::GetCheckpointResponse* response) {
  return Serve(c_, context, "GetCheckpoint", {kAdmin, kAuditor, kPeer, kWorker},
               [&](const Caller&) -> absl::Status {
                 if (request->tree_size() == 0) {
                   response->set_checkpoint(c_->node.ledger->Head().checkpoint);
                   return absl::OkStatus();
                 }
                 PBL_ASSIGN_OR_RETURN(
                     *response->mutable_checkpoint(),
                     c_->node.ledger->CheckpointAt(static_cast<int64_t>(request->tree_size())));
                 return absl::OkStatus();
               });
}

grpc::Status LedgerServiceImpl::GetInclusionProof(grpc::ServerContext* context,
                                                  const v1::GetInclusionProofRequest* request,
                                                  v1::GetInclusionProofResponse* response) {
  return Serve(c_, context, "GetInclusionProof", {kAdmin, kAuditor, kPeer, kWorker},
               [&](const Caller&) -> absl::Status {
                 PBL_ASSIGN_OR_RETURN(
                     const crypto::Proof proof,
                     c_->node.ledger->InclusionProof(static_cast<int64_t>(request->index()),
                                                     static_cast<int64_t>(request->tree_size())));
                 AddHashes(proof, response->mutable_hashes());
                 return absl::OkStatus();
               });
}

grpc::Status LedgerServiceImpl::GetConsistencyProof(grpc::ServerContext* context,
                                                    const v1::GetConsistencyProofRequest* request,
                                                    v1::GetConsistencyProofResponse* response) {
  return Serve(c_, context, "GetConsistencyProof", {kAdmin, kAuditor, kPeer, kWorker},
               [&](const Caller&) -> absl::Status {
                 PBL_ASSIGN_OR_RETURN(
                     const crypto::Proof proof,
                     c_->node.ledger->ConsistencyProof(static_cast<int64_t>(request->old_size()),
                                                       static_cast<int64_t>(request->new_size())));
                 AddHashes(proof, response->mutable_hashes());
                 return absl::OkStatus();
               });
}

grpc::Status LedgerServiceImpl::StreamEntries(
    grpc::ServerContext* context, const v1::StreamEntriesRequest* request,
    grpc::ServerWriter<v1::StreamEntriesResponse>* writer) {
  return Serve(c_, context, "StreamEntries", {kAdmin, kAuditor, kPeer}, [&](const Caller&) {
    const ledger::LogHead head = c_->node.ledger->Head();
    if (request->start() > static_cast<uint64_t>(head.size)) {
      return absl::OutOfRangeError(StrCat("start is past the log's size ", head.size));
    }
    int64_t next = static_cast<int64_t>(request->start());
    do {
      if (context->IsCancelled()) return absl::CancelledError("the client went away");
      const int64_t count = std::min<int64_t>(kStreamChunkEntries, head.size - next);
      v1::StreamEntriesResponse chunk;
      chunk.set_first_index(static_cast<uint64_t>(next));
      if (count > 0) {
        PBL_ASSIGN_OR_RETURN(std::vector<std::string> entries,
                             c_->node.ledger->GetEntries(next, count));
        for (std::string& e : entries) chunk.add_entries(std::move(e));
      }
      next += count;
      if (next == head.size) chunk.set_checkpoint(head.checkpoint);
      if (!writer->Write(chunk)) return absl::CancelledError("the client went away");
    } while (next < head.size);
    return absl::OkStatus();
  });
}

// --- PersonService ----------------------------------------------------------------------------

namespace {

absl::Status CheckPersonRequest(const ServiceContext* c, const Caller& caller,
                                std::string_view person_id, std::string_view scheme_id) {
  PBL_RETURN_IF_ERROR(ledger::ValidatePersonId(person_id));
  if (!scheme_id.empty()) PBL_RETURN_IF_ERROR(CheckHosted(*c->node.config, scheme_id, "scheme_id"));
  return RequirePersonAccess(caller, person_id);
}

}  // namespace

grpc::Status PersonServiceImpl::GetHistory(grpc::ServerContext* context,
                                           const v1::GetHistoryRequest* request,
                                           v1::GetHistoryResponse* response) {
  return Serve(c_, context, "GetHistory", {kAdmin, kAuditor, kWorker}, [&](const Caller& caller) {
    PBL_RETURN_IF_ERROR(CheckPersonRequest(c_, caller, request->person_id(), request->scheme_id()));
    const int64_t size = c_->node.ledger->Head().size;
    PBL_ASSIGN_OR_RETURN(
        std::vector<ledger::IndexedEntry> entries,
        c_->node.ledger->PersonEntries(request->person_id(), request->scheme_id()));
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.index < b.index; });
    for (ledger::IndexedEntry& e : entries) {
      if (e.index >= size) continue;
      v1::IndexedEntryBytes* out = response->add_entries();
      out->set_index(static_cast<uint64_t>(e.index));
      out->set_entry(std::move(e.bytes));
    }
    response->set_tree_size(static_cast<uint64_t>(size));
    return absl::OkStatus();
  });
}

namespace {

void FillEntitlement(const ledger::Entitlement& e, v1::GetEntitlementResponse* r) {
  r->set_person_id(e.person_id);
  r->set_scheme_id(e.scheme.ToString());
  r->set_as_of(ledger::FormatDate(e.as_of));
  r->set_months_own(e.months_own);
  for (const ledger::TransferredMonths& t : e.months_transferred_in) {
    v1::TransferredMonthsSummary* s = r->add_months_transferred_in();
    s->set_transfer_id(t.transfer_id);
    s->set_source_scheme_id(t.source_scheme_id);
    s->set_months(t.months);
  }
  r->set_months_transferred_out(e.months_transferred_out);
  r->set_months_total(e.months_total);
  r->set_months_rule_id(e.months_rule_id);
  r->set_account_principal_fen(e.account_principal_fen);
  r->set_account_interest_fen(e.account_interest_fen);
  r->set_account_balance_fen(e.account_balance_fen);
  r->set_account_rule_id(e.account_rule_id);
  r->set_pooled_transferred_in_fen(e.pooled_transferred_in_fen);
  r->set_refunds_fen(e.refunds_fen);
  if (e.retirement_month != 0) r->set_retirement_month(ledger::FormatMonth(e.retirement_month));
  r->set_retirement_rule_id(e.retirement_rule_id);
  r->set_minimum_months(e.minimum_months);
  r->set_minimum_met(e.minimum_met);
  r->set_minimum_rule_id(e.minimum_rule_id);
  r->set_drawing_benefit(e.drawing_benefit);
  r->set_pending_transfer_id(e.pending_transfer_id);
}

}  // namespace

grpc::Status PersonServiceImpl::GetEntitlement(grpc::ServerContext* context,
                                               const v1::GetEntitlementRequest* request,
                                               v1::GetEntitlementResponse* response) {
  return Serve(
      c_, context, "GetEntitlement", {kAdmin, kAuditor, kWorker}, [&](const Caller& caller) {
        if (request->scheme_id().empty()) {
          return absl::InvalidArgumentError("scheme_id is required");
        }
        PBL_RETURN_IF_ERROR(
            CheckPersonRequest(c_, caller, request->person_id(), request->scheme_id()));
        const ledger::Date today = ledger::DateFromUnixMs(c_->node.now_ms());
        PBL_ASSIGN_OR_RETURN(const ledger::Date as_of,
                             request->as_of().empty()
                                 ? absl::StatusOr<ledger::Date>(today)
                                 : ledger::ParseDate(request->as_of(), "as_of"));
        PBL_ASSIGN_OR_RETURN(const ledger::History history,
                             ReadHistory(c_->node, request->person_id(), ""));
        PBL_ASSIGN_OR_RETURN(
            const ledger::Entitlement e,
            ledger::ComputeEntitlement(*c_->node.rules, request->person_id(), history,
                                       *ledger::ParseSchemeId(request->scheme_id()), as_of));
        FillEntitlement(e, response);
        return absl::OkStatus();
      });
}

grpc::Status PersonServiceImpl::GetStatement(grpc::ServerContext* context,
                                             const v1::GetStatementRequest* request,
                                             v1::Statement* response) {
  return Serve(c_, context, "GetStatement", {kAdmin, kAuditor, kWorker}, [&](const Caller& caller) {
    PBL_RETURN_IF_ERROR(CheckPersonRequest(c_, caller, request->person_id(), request->scheme_id()));
    PBL_RETURN_IF_ERROR(NotYetSealed(*c_->node.ledger, "statements"));
    const ledger::LogHead head = c_->node.ledger->Head();
    PBL_ASSIGN_OR_RETURN(
        std::vector<ledger::IndexedEntry> entries,
        c_->node.ledger->PersonEntries(request->person_id(), request->scheme_id()));
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.index < b.index; });
    response->set_person_id(request->person_id());
    response->set_node_id(c_->node.config->node_id);
    response->set_checkpoint(head.checkpoint);
    std::erase_if(entries, [&](const ledger::IndexedEntry& e) { return e.index >= head.size; });
    PBL_ASSIGN_OR_RETURN(std::vector<v1::ProvenEntry> proven,
                         ProveEntries(*c_->node.ledger, std::move(entries), head.size));
    for (v1::ProvenEntry& e : proven) *response->add_entries() = std::move(e);
    return absl::OkStatus();
  });
}

// --- TransferService --------------------------------------------------------------------------

grpc::Status TransferServiceImpl::StartTransfer(grpc::ServerContext* context,
                                                const v1::StartTransferRequest* request,
                                                v1::TransferStatus* response) {
  return Serve(c_, context, "StartTransfer", {kAdmin}, [&](const Caller&) -> absl::Status {
    PBL_RETURN_IF_ERROR(NotYetSealed(*c_->node.ledger, "transfers"));
    int64_t wait_until_ms = 0;
    if (request->wait()) {
      const auto remaining = context->deadline() - std::chrono::system_clock::now();
      const int64_t remaining_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(remaining).count() - 200;
      wait_until_ms = c_->node.now_ms() + std::clamp<int64_t>(remaining_ms, 0, 60'000);
    }
    PBL_ASSIGN_OR_RETURN(*response, c_->transfers->Start(*request, wait_until_ms));
    return absl::OkStatus();
  });
}

grpc::Status TransferServiceImpl::GetTransfer(grpc::ServerContext* context,
                                              const v1::GetTransferRequest* request,
                                              v1::TransferStatus* response) {
  return Serve(c_, context, "GetTransfer", {kAdmin, kAuditor}, [&](const Caller&) -> absl::Status {
    PBL_RETURN_IF_ERROR(ledger::ValidateTransferId(request->transfer_id()));
    PBL_ASSIGN_OR_RETURN(*response, c_->transfers->Status(request->transfer_id()));
    return absl::OkStatus();
  });
}

grpc::Status TransferServiceImpl::ListTransfers(grpc::ServerContext* context,
                                                const v1::ListTransfersRequest* request,
                                                v1::ListTransfersResponse* response) {
  return Serve(c_, context, "ListTransfers", {kAdmin, kAuditor}, [&](const Caller&) {
    if (request->limit() > 10'000) return absl::InvalidArgumentError("limit must be <= 10000");
    PBL_ASSIGN_OR_RETURN(*response, c_->transfers->List(*request));
    return absl::OkStatus();
  });
}

grpc::Status TransferServiceImpl::CancelTransfer(grpc::ServerContext* context,
                                                 const v1::CancelTransferRequest* request,
                                                 v1::TransferStatus* response) {
  return Serve(c_, context, "CancelTransfer", {kAdmin}, [&](const Caller&) -> absl::Status {
    PBL_RETURN_IF_ERROR(ledger::ValidateTransferId(request->transfer_id()));
    if (request->reason().size() > ledger::kReasonBytesMax) {
      return absl::InvalidArgumentError(StrCat("reason is ", request->reason().size(),
                                               " bytes; at most ", ledger::kReasonBytesMax));
    }
    PBL_ASSIGN_OR_RETURN(*response,
                         c_->transfers->Cancel(request->transfer_id(), request->reason()));
    return absl::OkStatus();
  });
}

// --- PeerService ------------------------------------------------------------------------------

grpc::Status PeerServiceImpl::Prepare(grpc::ServerContext* context,
                                      const v1::PrepareRequest* request,
                                      v1::PrepareResponse* response) {
  return Serve(c_, context, "Prepare", {kPeer}, [&](const Caller& caller) -> absl::Status {
    PBL_RETURN_IF_ERROR(NotYetSealed(*c_->node.ledger, "transfers"));
    PBL_ASSIGN_OR_RETURN(*response, c_->transfers->HandlePrepare(*request, caller.peer_node_id));
    return absl::OkStatus();
  });
}

grpc::Status PeerServiceImpl::Commit(grpc::ServerContext* context, const v1::CommitRequest* request,
                                     v1::CommitResponse* response) {
  return Serve(c_, context, "Commit", {kPeer}, [&](const Caller& caller) -> absl::Status {
    PBL_RETURN_IF_ERROR(NotYetSealed(*c_->node.ledger, "transfers"));
    PBL_ASSIGN_OR_RETURN(*response, c_->transfers->HandleCommit(*request, caller.peer_node_id));
    return absl::OkStatus();
  });
}

grpc::Status PeerServiceImpl::Abort(grpc::ServerContext* context, const v1::AbortRequest* request,
                                    v1::AbortResponse*) {
  return Serve(c_, context, "Abort", {kPeer}, [&](const Caller& caller) {
    return c_->transfers->HandleAbort(*request, caller.peer_node_id);
  });
}

grpc::Status PeerServiceImpl::Resolve(grpc::ServerContext* context,
                                      const v1::ResolveRequest* request,
                                      v1::ResolveResponse* response) {
  return Serve(c_, context, "Resolve", {kPeer}, [&](const Caller& caller) -> absl::Status {
    PBL_ASSIGN_OR_RETURN(*response, c_->transfers->HandleResolve(*request, caller.peer_node_id));
    return absl::OkStatus();
  });
}

// --- TokenService -----------------------------------------------------------------------------

grpc::Status TokenServiceImpl::IssueWorkerToken(grpc::ServerContext* context,
                                                const v1::IssueWorkerTokenRequest* request,
                                                v1::IssueWorkerTokenResponse* response) {
  return Serve(
      c_, context, "IssueWorkerToken", {kAdmin}, [&](const Caller& caller) -> absl::Status {
        const int64_t max_s = c_->node.config->worker_token_max_seconds;
        const int64_t ttl_s = request->ttl_seconds() == 0 ? 86'400 : request->ttl_seconds();
        if (ttl_s > max_s) {
          return absl::InvalidArgumentError(StrCat("ttl_seconds must be at most ", max_s));
        }
        const int64_t now = c_->node.now_ms();
        PBL_ASSIGN_OR_RETURN(*response->mutable_token(),
                             c_->tokens->Issue(request->person_id(), now, ttl_s * 1000));
        response->set_expires_unix_ms(now + ttl_s * 1000);
        LogInfo("worker_token_issued", StrCat("person=", ledger::MaskPersonId(request->person_id()),
                                              " by=", caller.identity, " ttl_s=", ttl_s));
        return absl::OkStatus();
      });
}

grpc::Status TokenServiceImpl::RevokeWorkerTokens(grpc::ServerContext* context,
                                                  const v1::RevokeWorkerTokensRequest* request,
                                                  v1::RevokeWorkerTokensResponse* response) {
  return Serve(
      c_, context, "RevokeWorkerTokens", {kAdmin}, [&](const Caller& caller) -> absl::Status {
        if (request->reason().size() > ledger::kReasonBytesMax) {
          return absl::InvalidArgumentError(
              StrCat("reason is longer than ", ledger::kReasonBytesMax, " bytes"));
        }
        PBL_ASSIGN_OR_RETURN(const int64_t before,
                             c_->revocations->Revoke(request->person_id(), c_->node.now_ms()));
        response->set_revoked_before_unix_ms(before);
        LogWarning(
            "worker_tokens_revoked",
            StrCat("person=", ledger::MaskPersonId(request->person_id()), " by=", caller.identity,
                   " before_ms=", before, " reason=\"", request->reason(), "\""));
        return absl::OkStatus();
      });
}

}  // namespace pbl::rpc
