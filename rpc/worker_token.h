// Worker tokens: read-only bearer tokens for one person, issued by a node. A token is PASETO
// v4.public (crypto/paseto.h) signed with the node's key; its claims are JSON
// {"iss": node id, "sub": person id, "iat", "exp" (RFC 3339, UTC), "scope": "worker:read"}, and
// its implicit assertion binds it to the node's log origin, so a token of one node is worthless
// at another. Thread-safe.
#ifndef PBL_RPC_WORKER_TOKEN_H_
#define PBL_RPC_WORKER_TOKEN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/ed25519.h"

namespace pbl::rpc {

class WorkerTokens {
 public:
  // `key` must outlive this object.
  WorkerTokens(const crypto::SigningKey* key, std::string node_id, std::string origin);

  // A token for `person_id` valid from now_ms for ttl_ms. INVALID_ARGUMENT for a bad person id.
  absl::StatusOr<std::string> Issue(std::string_view person_id, int64_t now_ms,
                                    int64_t ttl_ms) const;

  // The person id of a token this node issued that has not expired at now_ms. UNAUTHENTICATED
  // (with the reason) for a malformed, forged, foreign or expired token.
  absl::StatusOr<std::string> Verify(std::string_view token, int64_t now_ms) const;

 private:
  const crypto::SigningKey* key_;
  std::string node_id_;
  std::string implicit_assertion_;
};

// RFC 3339 UTC with seconds ("2026-11-29T02:40:00Z") and back; INVALID_ARGUMENT otherwise.
std::string FormatRfc3339(int64_t unix_ms);
absl::StatusOr<int64_t> ParseRfc3339(std::string_view text);

}  // namespace pbl::rpc

#endif  // PBL_RPC_WORKER_TOKEN_H_
