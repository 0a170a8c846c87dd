// Who is calling: the role comes from the client certificate's common name through the node's
// access list (administrator, auditor, peer node), or from a worker token in the
// `authorization: Bearer <token>` metadata. Thread-safe.
#ifndef PBL_RPC_AUTH_H_
#define PBL_RPC_AUTH_H_

#include <grpcpp/server_context.h>

#include <functional>
#include <initializer_list>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "rpc/config.h"
#include "rpc/worker_token.h"

namespace pbl::rpc {

enum class Role { kAdministrator, kAuditor, kPeer, kWorker };

std::string_view RoleName(Role role);

struct Caller {
  Role role = Role::kWorker;
  std::string identity;      // certificate common name; for a worker, "worker"
  std::string peer_node_id;  // kPeer: the peer's node id
  std::string person_id;     // kWorker: whose records the token opens
};

class Authorizer {
 public:
  // `tokens` must outlive this object; `now_ms` is the clock tokens are checked against.
  Authorizer(const NodeConfig& config, const WorkerTokens* tokens, std::function<int64_t()> now_ms);

  // UNAUTHENTICATED when the call has neither a known certificate nor a valid token (a token's
  // problem is named); with plaintext (development), the `x-pbl-dev-identity` metadata stands in
  // for the certificate.
  absl::StatusOr<Caller> Identify(const grpc::ServerContext& context) const;

 private:
  absl::StatusOr<Caller> FromIdentity(const std::string& identity) const;

  std::map<std::string, Caller, std::less<>> identities_;
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
