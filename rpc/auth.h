// Who is calling: the role comes from the client certificate's public key (its key id,
// crypto/certificate_key.h) through the node's access list (administrator, auditor, peer node),
// or from a worker token in the `authorization: Bearer <token>` metadata. Names in certificates
// count for nothing: any CA the node trusts can write any name. Thread-safe.
#ifndef PBL_RPC_AUTH_H_
#define PBL_RPC_AUTH_H_

#include <grpcpp/server_context.h>

#include <functional>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "rpc/config.h"
#include "rpc/worker_token.h"

namespace pbl::rpc {

enum class Role { kAdministrator, kAuditor, kPeer, kWorker };

// Where a call came in. The workers' listener asks for no client certificate, so a call there is
// a worker's (a token) or no one's, whatever else it carries.
enum class Listener { kMain, kWorker };

std::string_view RoleName(Role role);

struct Caller {
  Role role = Role::kWorker;
  std::string identity;      // the name the access list gives; for a worker, "worker"
  std::string peer_node_id;  // kPeer: the peer's node id
  std::string person_id;     // kWorker: whose records the token opens
};

class Authorizer {
 public:
  // `tokens` must outlive this object; `now_ms` is the clock tokens are checked against.
  Authorizer(const NodeConfig& config, const WorkerTokens* tokens, std::function<int64_t()> now_ms);

  // UNAUTHENTICATED when the call has neither a known certificate nor a valid token (a token's
  // problem is named); PERMISSION_DENIED for a certificate whose key is not in the access list.
  // With plaintext (development), the `x-pbl-dev-identity` metadata names the identity in place
  // of a certificate, on the main listener only.
  absl::StatusOr<Caller> Identify(const grpc::ServerContext& context, Listener listener) const;

 private:
  absl::StatusOr<Caller> FromCertificate(const grpc::AuthContext& auth) const;
  absl::StatusOr<std::string> KeyIdOf(std::string_view pem) const;

  // By certificate key id (with TLS) or by name (plaintext).
  std::map<std::string, Caller, std::less<>> identities_;
  // Key ids of certificates seen, by PEM text: a connection's calls parse its certificate once.
  // Bounded (cleared when full); guarded by mu_.
  mutable std::mutex mu_;
  mutable std::map<std::string, std::string, std::less<>> key_ids_;
  const WorkerTokens* tokens_;
  std::function<int64_t()> now_ms_;
  bool plaintext_;
};

// PERMISSION_DENIED naming the method and the caller's role unless it is one of `allowed`.
absl::Status RequireRole(const Caller& caller, std::initializer_list<Role> allowed,
                         std::string_view method);

// For person reads: administrators and auditors read anyone; a worker only themself.
absl::Status RequirePersonAccess(const Caller& caller, std::string_view person_id);

}  // namespace pbl::rpc

#endif  // PBL_RPC_AUTH_H_
