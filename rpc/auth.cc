#include "rpc/auth.h"

#include <algorithm>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/certificate_key.h"

namespace pbl::rpc {

namespace {

constexpr std::string_view kBearer = "Bearer ";
constexpr size_t kKeyIdsCachedMax = 4096;

std::string Metadata(const grpc::ServerContext& context, std::string_view key) {
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdministrator:
      return "administrator";
    case Role::kAuditor:
      return "auditor";
    case Role::kPeer:
      return "peer";
    case Role::kWorker:
      return "worker";
  }
  return "unknown";
}

Authorizer::Authorizer(const NodeConfig& config, const WorkerTokens* tokens,
                       std::function<int64_t()> now_ms)
    : tokens_(tokens), now_ms_(std::move(now_ms)), plaintext_(config.dev_plaintext) {
  // With TLS every identity has a key (the configuration refuses one without); in plaintext the
  // name is the identity.
  const auto key = [&](const std::string& name, const std::string& certificate_key) {
    return plaintext_ ? name : certificate_key;
  };
  for (const AccessIdentity& id : config.administrators) {
    identities_[key(id.name, id.certificate_key)] = Caller{Role::kAdministrator, id.name, "", ""};
  }
  for (const AccessIdentity& id : config.auditors) {
    identities_[key(id.name, id.certificate_key)] = Caller{Role::kAuditor, id.name, "", ""};
  }
  for (const PeerConfig& peer : config.peers) {
    identities_[key(peer.identity, peer.certificate_key)] =
        Caller{Role::kPeer, peer.identity, peer.id, ""};
  }
}

absl::StatusOr<std::string> Authorizer::KeyIdOf(std::string_view pem) const {
  {
    std::lock_guard lock(mu_);
    if (const auto it = key_ids_.find(pem); it != key_ids_.end()) return it->second;
  }
  PBL_ASSIGN_OR_RETURN(std::string id, crypto::CertificateKeyId(pem));
  std::lock_guard lock(mu_);
  if (key_ids_.size() >= kKeyIdsCachedMax) key_ids_.clear();
  key_ids_.emplace(std::string(pem), id);
  return id;
}

absl::StatusOr<Caller> Authorizer::FromCertificate(const grpc::AuthContext& auth) const {
  const std::vector<grpc::string_ref> pems = auth.FindPropertyValues("x509_pem_cert");
  if (pems.empty()) return absl::UnauthenticatedError("the client certificate is not available");
  absl::StatusOr<std::string> key_id =
      KeyIdOf(std::string_view(pems.front().data(), pems.front().size()));
  if (!key_id.ok()) {
    return absl::UnauthenticatedError(
        StrCat("the client certificate does not parse: ", key_id.status().message()));
  }
  const auto it = identities_.find(*key_id);
  if (it == identities_.end()) {
    return absl::PermissionDeniedError(
        StrCat("certificate key ", *key_id, " is not in this node's access list"));
  }
  return it->second;
}

absl::StatusOr<Caller> Authorizer::Identify(const grpc::ServerContext& context,
                                            Listener listener) const {
  const std::string authorization = Metadata(context, "authorization");
  if (!authorization.empty()) {
    if (authorization.compare(0, kBearer.size(), kBearer) != 0) {
      return absl::UnauthenticatedError("authorization metadata is not \"Bearer <token>\"");
    }
    absl::StatusOr<std::string> person =
        tokens_->Verify(std::string_view(authorization).substr(kBearer.size()), now_ms_());
    if (!person.ok()) return person.status();
    return Caller{Role::kWorker, "worker", "", *std::move(person)};
  }
  if (listener == Listener::kWorker) {
    return absl::UnauthenticatedError(
        "no worker token: this listener serves workers, who present one "
        "(administrators, auditors and peers use the node's main address)");
  }
  if (plaintext_) {
    const std::string identity = Metadata(context, "x-pbl-dev-identity");
    if (!identity.empty()) {
      const auto it = identities_.find(identity);
      if (it == identities_.end()) {
        return absl::PermissionDeniedError(
            StrCat("identity \"", identity, "\" is not in this node's access list"));
      }
      return it->second;
    }
  }
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) return FromCertificate(*auth);
  return absl::UnauthenticatedError(
      "no client certificate and no worker token: present one or the other");
}

absl::Status RequireRole(const Caller& caller, std::initializer_list<Role> allowed,
                         std::string_view method) {
  if (std::find(allowed.begin(), allowed.end(), caller.role) != allowed.end()) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(StrCat(
      method, " is not allowed for the ", RoleName(caller.role), " role (", caller.identity, ")"));
}

absl::Status RequirePersonAccess(const Caller& caller, std::string_view person_id) {
  if (caller.role == Role::kAdministrator || caller.role == Role::kAuditor) {
    return absl::OkStatus();
  }
  if (caller.role == Role::kWorker && caller.person_id == person_id) return absl::OkStatus();
  return absl::PermissionDeniedError(
      StrCat("the ", RoleName(caller.role), " role may not read this person's records"));
}

}  // namespace pbl::rpc
