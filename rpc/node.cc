#include "rpc/node.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/key_file.h"
#include "crypto/note_verifiers.h"
#include "ledger/domain/rules.h"
#include "ledger/log/ledger.h"
#include "rpc/auth.h"
#include "rpc/log.h"
#include "rpc/metrics.h"
#include "rpc/peers.h"
#include "rpc/services.h"
#include "rpc/transfer_store.h"
#include "rpc/transfers.h"
#include "rpc/worker_token.h"

namespace pbl::rpc {

namespace {

constexpr int64_t kPeerCallTimeoutMs = 10'000;
constexpr int64_t kWorkerTickMs = 250;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::StatusOr<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot read ", what, " ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

struct Node::State {
  NodeConfig config;
  NodeSeams seams;  // NodeContext points at it
  std::unique_ptr<crypto::NamedKey> key;
  std::unique_ptr<ledger::RuleSet> own_rules;
  const ledger::RuleSet* rules = nullptr;
  std::unique_ptr<Metrics> metrics = std::make_unique<Metrics>();
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<TransferStore> transfers;
  std::unique_ptr<WorkerTokens> tokens;
  std::unique_ptr<Authorizer> authorizer;
  std::map<std::string, Peer, std::less<>> peers;
  std::unique_ptr<TransferManager> manager;
  ServiceContext context;
  std::vector<std::unique_ptr<grpc::Service>> services;
  std::unique_ptr<grpc::Server> server;
  int port = 0;

  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;  // guarded by mu

  absl::Status OpenStores();
  absl::Status ConnectPeers();
};

absl::Status Node::State::OpenStores() {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec)
    return absl::UnavailableError(StrCat("cannot create ", config.data_dir, ": ", ec.message()));
  PBL_ASSIGN_OR_RETURN(crypto::NamedKey named, crypto::ReadKeyFile(config.signing_key_file));
  if (named.name != config.origin) {
    return absl::InvalidArgumentError(StrCat("signing key ", config.signing_key_file,
                                             " is named \"", named.name, "\" but the origin is \"",
                                             config.origin, "\""));
  }
  key = std::make_unique<crypto::NamedKey>(std::move(named));
  if (config.rules_dir.empty()) {
    rules = &ledger::DefaultRules();
  } else {
    PBL_ASSIGN_OR_RETURN(ledger::RuleSet loaded, ledger::LoadRulesDirectory(config.rules_dir));
    own_rules = std::make_unique<ledger::RuleSet>(std::move(loaded));
    rules = own_rules.get();
  }
  PBL_ASSIGN_OR_RETURN(std::unique_ptr<ledger::Storage> storage,
                       ledger::OpenRocksStorage(config.data_dir + "/log"));
  ledger::LedgerOptions options;
  options.origin = config.origin;
  options.key = &key->key;
  Metrics* m = metrics.get();
  options.on_group = [m](size_t appends, int64_t entries) { m->Group(appends, entries); };
  PBL_ASSIGN_OR_RETURN(ledger, ledger::Ledger::Open(std::move(storage), std::move(options)));
  // Transfer records live beside the log, sharing its write-ahead log (specs/node.md).
  transfers = std::make_unique<TransferStore>(ledger->storage());
  return absl::OkStatus();
}

absl::Status Node::State::ConnectPeers() {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (config.tls) {
    grpc::SslCredentialsOptions ssl;
    PBL_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(config.tls->client_ca_file, "client CA"));
    PBL_ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadFile(config.tls->cert_file, "certificate"));
    PBL_ASSIGN_OR_RETURN(ssl.pem_private_key,
                         crypto::ReadSecretFile(config.tls->key_file, "TLS key"));
    credentials = grpc::SslCredentials(ssl);
  }
  for (const PeerConfig& p : config.peers) {
    PBL_ASSIGN_OR_RETURN(const crypto::VerifierKey vkey, crypto::ParseVerifierKey(p.verifier_key));
    Peer peer;
    peer.id = p.id;
    peer.public_key = vkey.public_key;
    peer.verifier = crypto::MakeNoteVerifier(vkey);
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(config.max_message_bytes);
    args.SetMaxSendMessageSize(config.max_message_bytes);
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
  state->tokens = std::make_unique<WorkerTokens>(&state->key->key, c.node_id, c.origin);
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
  state->context =
      ServiceContext{node, state->authorizer.get(), state->manager.get(), state->tokens.get()};
  return std::unique_ptr<Node>(new Node(std::move(state)));
}

Node::Node(std::unique_ptr<State> state) : state_(std::move(state)) {}

Node::~Node() { Shutdown(); }

absl::Status Node::Start() {
  State& s = *state_;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (s.config.tls) {
    grpc::SslServerCredentialsOptions ssl(
        GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);  // workers come without certificates
    PBL_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(s.config.tls->client_ca_file, "client CA"));
    grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
    PBL_ASSIGN_OR_RETURN(pair.cert_chain, ReadFile(s.config.tls->cert_file, "certificate"));
    PBL_ASSIGN_OR_RETURN(pair.private_key,
                         crypto::ReadSecretFile(s.config.tls->key_file, "TLS key"));
    ssl.pem_key_cert_pairs.push_back(std::move(pair));
    credentials = grpc::SslServerCredentials(ssl);
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(s.config.listen, credentials, &s.port);
  builder.SetMaxReceiveMessageSize(s.config.max_message_bytes);
  builder.SetMaxSendMessageSize(s.config.max_message_bytes);
  s.services.push_back(std::make_unique<LedgerServiceImpl>(&s.context));
  s.services.push_back(std::make_unique<PersonServiceImpl>(&s.context));
  s.services.push_back(std::make_unique<TransferServiceImpl>(&s.context));
  s.services.push_back(std::make_unique<PeerServiceImpl>(&s.context));
  s.services.push_back(std::make_unique<TokenServiceImpl>(&s.context));
  for (const auto& service : s.services) builder.RegisterService(service.get());
  s.server = builder.BuildAndStart();
  if (s.server == nullptr || s.port == 0) {
    return absl::UnavailableError(StrCat("cannot listen on ", s.config.listen));
  }
  if (!s.config.metrics_listen.empty())
    PBL_RETURN_IF_ERROR(s.metrics->Serve(s.config.metrics_listen));
  s.manager->StartWorker(kWorkerTickMs);
  LogInfo("serving", StrCat("address=", listen_address(), " log_size=", s.ledger->Head().size,
                            " tls=", s.config.tls ? "mutual" : "off (development)"));
  return absl::OkStatus();
}

std::string Node::listen_address() const {
  const std::string& listen = state_->config.listen;
  return StrCat(listen.substr(0, listen.rfind(':')), ":", state_->port);
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
  if (state_->server != nullptr) {
    state_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
  if (state_->manager != nullptr) state_->manager->StopWorker();
  state_->cv.notify_all();
  LogInfo("stopped", StrCat("log_size=", state_->ledger->Head().size));
}

}  // namespace pbl::rpc
