#include "rpc/node.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>

#include "crypto/base/private_file.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/key_file.h"
#include "crypto/note_verifiers.h"
#include "ledger/domain/rules.h"
#include "ledger/log/ledger.h"
#include "ledger/log/node_secrets.h"
#include "rpc/auth.h"
#include "rpc/log.h"
#include "rpc/metrics.h"
#include "rpc/peers.h"
#include "rpc/services.h"
#include "rpc/tls.h"
#include "rpc/transfer_lanes.h"
#include "rpc/transfer_store.h"
#include "rpc/transfers.h"
#include "rpc/worker_token.h"

namespace pbl::rpc {

namespace {

constexpr int64_t kPeerCallTimeoutMs = 10'000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct Node::State {
  NodeConfig config;
  NodeSeams seams;  // NodeContext points at it
  std::unique_ptr<crypto::NamedKey> key;
  std::unique_ptr<ledger::NodeSecrets> secrets;  // [node] master_key: a v2 log; declared before
                                                 // the ledger, which uses it
  std::unique_ptr<ledger::RuleSet> own_rules;
  const ledger::RuleSet* rules = nullptr;
  std::unique_ptr<Metrics> metrics = std::make_unique<Metrics>();
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<TransferStore> transfers;
  std::unique_ptr<TokenRevocations> revocations;
  std::unique_ptr<WorkerTokens> tokens;
  std::unique_ptr<Authorizer> authorizer;
  std::map<std::string, Peer, std::less<>> peers;
  std::unique_ptr<TransferManager> manager;
  ServiceContext context;         // the main listener's services
  ServiceContext worker_context;  // the workers' listener's
  std::vector<std::unique_ptr<grpc::Service>> services;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<grpc::Server> worker_server;  // null without [node] worker_listen
  int port = 0;
  int worker_port = 0;

  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;  // guarded by mu

  // Health: NOT_SERVING on both listeners once a failed write stops the log's appends. The
  // ledger's threads report it, maybe while Start builds the servers or the state closes.
  std::mutex health_mu;
  bool log_stopped = false;    // guarded by health_mu
  bool health_closed = false;  // guarded by health_mu

  ~State() {
    std::lock_guard lock(health_mu);
    health_closed = true;
  }
  // Sets both servers' health from log_stopped. Call with health_mu held.
  void UpdateHealth() {
    if (health_closed) return;
    for (grpc::Server* s : {server.get(), worker_server.get()}) {
      if (s != nullptr && s->GetHealthCheckService() != nullptr) {
        s->GetHealthCheckService()->SetServingStatus(!log_stopped);
      }
    }
  }
  void OnLogStopped(const absl::Status& cause) {
    metrics->LogStopped();
    LogWarning("log_appends_stopped",
               StrCat("cause=\"", ToStd(cause.message()),
                      "\" health=NOT_SERVING action=\"restart pbld to recover the durable log\""));
    std::lock_guard lock(health_mu);
    log_stopped = true;
    UpdateHealth();
  }

  absl::Status OpenStores();
  absl::Status ConnectPeers();
  absl::Status StartMain();
  absl::Status StartWorkers();
};

absl::Status Node::State::OpenStores() {
  // The data directory is the node's alone (0700), whatever it was made with.
  PBL_RETURN_IF_ERROR(MakePrivateDirectory(config.data_dir));
  PBL_ASSIGN_OR_RETURN(crypto::NamedKey named, crypto::ReadKeyFile(config.signing_key_file));
  if (named.name != config.origin) {
    return absl::InvalidArgumentError(StrCat("signing key ", config.signing_key_file,
                                             " is named \"", named.name, "\" but the origin is \"",
                                             config.origin, "\""));
  }
  key = std::make_unique<crypto::NamedKey>(std::move(named));
  if (!config.master_key_file.empty()) {
    PBL_ASSIGN_OR_RETURN(crypto::SecretKey master,
                         crypto::ReadMasterKeyFile(config.master_key_file));
    secrets = std::make_unique<ledger::NodeSecrets>(std::move(master));
  }
  if (config.rules_dir.empty()) {
    rules = &ledger::DefaultRules();
  } else {
    PBL_ASSIGN_OR_RETURN(ledger::RuleSet loaded, ledger::LoadRulesDirectory(config.rules_dir));
    own_rules = std::make_unique<ledger::RuleSet>(std::move(loaded));
    rules = own_rules.get();
  }
  const std::string log_dir = config.data_dir + "/log";
  PBL_ASSIGN_OR_RETURN(std::unique_ptr<ledger::Storage> storage, ledger::OpenRocksStorage(log_dir));
  if (seams.wrap_storage) storage = seams.wrap_storage(log_dir, std::move(storage));
  ledger::LedgerOptions options;
  options.origin = config.origin;
  options.key = &key->key;
  options.secrets = secrets.get();
  Metrics* m = metrics.get();
  options.on_group = [m](size_t appends, int64_t entries) { m->Group(appends, entries); };
  options.on_stop = [this](const absl::Status& cause) { OnLogStopped(cause); };
  PBL_ASSIGN_OR_RETURN(ledger, ledger::Ledger::Open(std::move(storage), std::move(options)));
  // Transfer records live beside the log, sharing its write-ahead log (specs/node.md).
  transfers = std::make_unique<TransferStore>(ledger->storage());
  return absl::OkStatus();
}

absl::Status Node::State::ConnectPeers() {
  for (const PeerConfig& p : config.peers) {
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    if (config.tls) {
      PBL_ASSIGN_OR_RETURN(credentials,
                           PeerChannelCredentials(*config.tls, p.id, p.certificate_key));
    }
    PBL_ASSIGN_OR_RETURN(const crypto::VerifierKey vkey, crypto::ParseVerifierKey(p.verifier_key));
    Peer peer;
    peer.id = p.id;
    peer.public_key = vkey.public_key;
    peer.verifier = crypto::MakeNoteVerifier(vkey);
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(config.max_message_bytes);
    args.SetMaxSendMessageSize(config.max_message_bytes);
    // A peer that comes back is reached again within the transfer worker's longest pause
    // (rpc/transfer_lanes.h), not after gRPC's default of up to two minutes. (Not
    // GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: gRPC takes it as the connect timeout, and a TLS
    // handshake across provinces may take longer than a pause.)
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, int{TransferLanes::kPauseFirstMs});
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, int{TransferLanes::kPauseMaxMs});
    peer.channel = MakeGrpcPeerChannel(grpc::CreateCustomChannel(p.address, credentials, args),
                                       kPeerCallTimeoutMs);
    if (seams.wrap_peer_channel) {
      peer.channel = seams.wrap_peer_channel(p.id, std::move(peer.channel));
    }
    peers.emplace(p.id, std::move(peer));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Node>> Node::Create(NodeConfig config, NodeSeams seams) {
  crypto::InitCrypto();
  auto state = std::make_unique<State>();
  state->config = std::move(config);
  state->seams = std::move(seams);
  PBL_RETURN_IF_ERROR(state->OpenStores());
  PBL_RETURN_IF_ERROR(state->ConnectPeers());
  const NodeConfig& c = state->config;
  PBL_ASSIGN_OR_RETURN(state->revocations, TokenRevocations::Load(state->ledger->storage()));
  state->tokens = std::make_unique<WorkerTokens>(&state->key->key, c.node_id, c.origin,
                                                 int64_t{c.worker_token_max_seconds} * 1000,
                                                 state->revocations.get());
  state->authorizer = std::make_unique<Authorizer>(c, state->tokens.get(), NowMs);
  NodeContext node{&state->config, &state->key->key,       state->ledger.get(),
                   state->rules,   state->transfers.get(), state->metrics.get(),
                   NowMs,          &state->seams};
  state->manager = std::make_unique<TransferManager>(node, &state->peers);
  PBL_RETURN_IF_ERROR(state->manager->Recover());
  std::vector<std::string> unreadable;
  state->transfers
      ->ForEach(
          [&](const v1::TransferRecord& r) {
            state->metrics->TransferState(v1::TRANSFER_STATE_UNSPECIFIED, r.status().state());
            return true;
          },
          &unreadable)
      .IgnoreError();
  // Quarantined: the node starts and serves; no step acts on them (TransferStore::ForEach).
  for (const std::string& name : unreadable) {
    LogWarning("transfer_record_unreadable", StrCat("record=", name, " quarantined=true"));
  }
  state->metrics->UnreadableTransferRecords(static_cast<int64_t>(unreadable.size()));
  state->context = ServiceContext{node,
                                  state->authorizer.get(),
                                  state->manager.get(),
                                  state->tokens.get(),
                                  state->revocations.get(),
                                  Listener::kMain};
  state->worker_context = state->context;
  state->worker_context.listener = Listener::kWorker;
  return std::unique_ptr<Node>(new Node(std::move(state)));
}

Node::Node(std::unique_ptr<State> state) : state_(std::move(state)) {}

Node::~Node() { Shutdown(); }

namespace {

// Memory and threads for one listener's calls. gRPC 1.51 reads a whole message before it checks
// its size against the listener's maximum (a 60 MB request costs about 90 MB), so the quota is
// what bounds a flood: under its pressure gRPC cancels calls and closes connections
// (RESOURCE_EXHAUSTED, UNAVAILABLE) instead of growing. 16 calls of 60 MB at once with a 16 MiB
// quota raised the node's peak by 33 MB; with 64 MiB, one call raised it by 90 MB.
void SetQuota(grpc::ServerBuilder* builder, const std::string& name, int32_t bytes,
              int32_t threads) {
  grpc::ResourceQuota quota(name);
  quota.Resize(static_cast<size_t>(bytes));
  quota.SetMaxThreads(threads);
  builder->SetResourceQuota(quota);  // the builder keeps its own reference
}

}  // namespace

absl::Status Node::State::StartMain() {
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (config.tls) {
    PBL_ASSIGN_OR_RETURN(credentials, ServerCredentials(*config.tls, Listener::kMain));
  }
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen, credentials, &port);
  builder.SetMaxReceiveMessageSize(config.max_message_bytes);
  builder.SetMaxSendMessageSize(config.max_message_bytes);
  SetQuota(&builder, "pbl-main", config.listen_memory_bytes, config.listen_threads_max);
  services.push_back(std::make_unique<LedgerServiceImpl>(&context));
  services.push_back(std::make_unique<PersonServiceImpl>(&context));
  services.push_back(std::make_unique<TransferServiceImpl>(&context));
  services.push_back(std::make_unique<PeerServiceImpl>(&context));
  services.push_back(std::make_unique<TokenServiceImpl>(&context));
  for (const auto& service : services) builder.RegisterService(service.get());
  {
    std::lock_guard lock(health_mu);
    server = builder.BuildAndStart();
    UpdateHealth();
  }
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(StrCat("cannot listen on ", config.listen));
  }
  return absl::OkStatus();
}

// Only the services workers call (their history, entitlement and statement, and the log's
// checkpoints and proofs to check them); requests of worker_max_message_bytes at most, so that a
// client that shows nothing can make the node hold little.
absl::Status Node::State::StartWorkers() {
  if (config.worker_listen.empty()) return absl::OkStatus();
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (config.tls) {
    PBL_ASSIGN_OR_RETURN(credentials, ServerCredentials(*config.tls, Listener::kWorker));
  }
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.worker_listen, credentials, &worker_port);
  builder.SetMaxReceiveMessageSize(config.worker_max_message_bytes);
  builder.SetMaxSendMessageSize(config.max_message_bytes);
  SetQuota(&builder, "pbl-workers", config.worker_memory_bytes, config.worker_threads_max);
  services.push_back(std::make_unique<LedgerServiceImpl>(&worker_context));
  builder.RegisterService(services.back().get());
  services.push_back(std::make_unique<PersonServiceImpl>(&worker_context));
  builder.RegisterService(services.back().get());
  {
    std::lock_guard lock(health_mu);
    worker_server = builder.BuildAndStart();
    UpdateHealth();
  }
  if (worker_server == nullptr || worker_port == 0) {
    return absl::UnavailableError(StrCat("cannot listen on ", config.worker_listen));
  }
  return absl::OkStatus();
}

absl::Status Node::Start() {
  State& s = *state_;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  PBL_RETURN_IF_ERROR(s.StartMain());
  PBL_RETURN_IF_ERROR(s.StartWorkers());
  if (!s.config.metrics_listen.empty())
    PBL_RETURN_IF_ERROR(s.metrics->Serve(s.config.metrics_listen));
  s.manager->StartWorker();
  LogInfo("serving", StrCat("address=", listen_address(),
                            " worker_address=", s.worker_server ? worker_address() : "none",
                            " log_size=", s.ledger->Head().size,
                            " tls=", s.config.tls ? "mutual" : "off (development)"));
  return absl::OkStatus();
}

std::string Node::listen_address() const {
  const std::string& listen = state_->config.listen;
  return StrCat(listen.substr(0, listen.rfind(':')), ":", state_->port);
}

std::string Node::worker_address() const {
  const std::string& listen = state_->config.worker_listen;
  if (listen.empty()) return "";
  return StrCat(listen.substr(0, listen.rfind(':')), ":", state_->worker_port);
}

void Node::Wait() {
  std::unique_lock<std::mutex> lock(state_->mu);
  state_->cv.wait(lock, [this] { return state_->stopped; });
}

void Node::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->stopped) return;
    state_->stopped = true;
  }
  // In-flight calls get a few seconds to finish; appends in the ledger's queue complete before
  // the ledger closes.
  const auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(5);
  if (state_->worker_server != nullptr) state_->worker_server->Shutdown(deadline);
  if (state_->server != nullptr) state_->server->Shutdown(deadline);
  if (state_->manager != nullptr) state_->manager->StopWorker();
  state_->cv.notify_all();
  LogInfo("stopped", StrCat("log_size=", state_->ledger->Head().size));
}

}  // namespace pbl::rpc
