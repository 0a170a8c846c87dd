#include "rpc/auth.h"

#include <algorithm>

#include "crypto/base/strings.h"

namespace pbl::rpc {

namespace {

constexpr std::string_view kBearer = "Bearer ";

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
  for (const std::string& id : config.administrators) {
    identities_[id] = Caller{Role::kAdministrator, id, "", ""};
  }
  for (const std::string& id : config.auditors) {
    identities_[id] = Caller{Role::kAuditor, id, "", ""};
  }
  for (const PeerConfig& peer : config.peers) {
    identities_[peer.identity] = Caller{Role::kPeer, peer.identity, peer.id, ""};
  }
}

absl::StatusOr<Caller> Authorizer::FromIdentity(const std::string& identity) const {
  const auto it = identities_.find(identity);
  if (it == identities_.end()) {
    return absl::PermissionDeniedError(
        StrCat("certificate \"", identity, "\" is not in this node's access list"));
  }
  return it->second;
}

absl::StatusOr<Caller> Authorizer::Identify(const grpc::ServerContext& context) const {
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
  if (plaintext_) {
    const std::string identity = Metadata(context, "x-pbl-dev-identity");
    if (!identity.empty()) return FromIdentity(identity);
  }
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    const std::vector<grpc::string_ref> names = auth->FindPropertyValues("x509_common_name");
    if (!names.empty())
      return FromIdentity(std::string(names.front().data(), names.front().size()));
  }
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
