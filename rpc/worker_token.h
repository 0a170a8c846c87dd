// Worker tokens: read-only bearer tokens for one person, issued by a node. A token is PASETO
// v4.public (crypto/paseto.h) signed with the node's key; its claims are JSON
// {"iss": node id, "sub": person id, "iat", "exp" (RFC 3339, UTC), "scope": "worker:read"}, and
// its implicit assertion binds it to the node's log origin, so a token of one node is worthless
// at another. Thread-safe.
#ifndef PBL_RPC_WORKER_TOKEN_H_
#define PBL_RPC_WORKER_TOKEN_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/ed25519.h"
#include "ledger/log/storage.h"

namespace pbl::rpc {

// Revocations of persons' worker tokens, kept in the node's storage beside the log: key "W" and
// the person id, value the unix ms (decimal) before which that person's tokens were issued in
// vain. Loaded whole at start (revocations are few); Revoke writes through, synced. Thread-safe.
class TokenRevocations {
 public:
  // `storage` must outlive the object. INTERNAL if a stored value does not parse.
  static absl::StatusOr<std::unique_ptr<TokenRevocations>> Load(ledger::Storage* storage);

  // Voids the person's tokens issued up to now: returns the next whole second after now_ms,
  // before which their tokens are void (a token's issue time has whole seconds).
  absl::StatusOr<int64_t> Revoke(std::string_view person_id, int64_t now_ms);
  // 0 if the person's tokens were never revoked.
  int64_t RevokedBefore(std::string_view person_id) const;

 private:
  explicit TokenRevocations(ledger::Storage* storage) : storage_(storage) {}

  ledger::Storage* storage_;
  mutable std::mutex mu_;
  std::map<std::string, int64_t, std::less<>> revoked_before_;  // guarded by mu_
};

class WorkerTokens {
 public:
  // A token may be issued at most a minute ahead of the clock that checks it.
  static constexpr int64_t kClockSkewMs = 60'000;

  // `key` and `revocations` (may be null: none) must outlive this object; a token may live at
  // most `lifetime_max_ms` from its issue time ([limits] worker_token_max_seconds).
  WorkerTokens(const crypto::SigningKey* key, std::string node_id, std::string origin,
               int64_t lifetime_max_ms, const TokenRevocations* revocations = nullptr);

  // A token for `person_id` valid from now_ms (or from the person's last revocation, if that is
  // later) until now_ms + ttl_ms. INVALID_ARGUMENT for a bad person id or ttl.
  absl::StatusOr<std::string> Issue(std::string_view person_id, int64_t now_ms,
                                    int64_t ttl_ms) const;

  // The person id of a token this node issued that is valid at now_ms. UNAUTHENTICATED (with the
  // reason) for a malformed, forged, foreign or expired token, one issued more than
  // kClockSkewMs ahead of now_ms, one that lives longer than lifetime_max_ms, and one issued
  // before the person's tokens were revoked.
  absl::StatusOr<std::string> Verify(std::string_view token, int64_t now_ms) const;

 private:
  const crypto::SigningKey* key_;
  std::string node_id_;
  std::string implicit_assertion_;
  int64_t lifetime_max_ms_;
  const TokenRevocations* revocations_;
};

// RFC 3339 UTC with seconds ("2026-11-29T02:40:00Z") and back; INVALID_ARGUMENT otherwise.
std::string FormatRfc3339(int64_t unix_ms);
absl::StatusOr<int64_t> ParseRfc3339(std::string_view text);

}  // namespace pbl::rpc

#endif  // PBL_RPC_WORKER_TOKEN_H_
