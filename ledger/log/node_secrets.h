// The secrets of a v2 node (specs/log-format-v2.md, sections 2 and 3), all derived from its
// master key, which lives in a file outside the data directory:
//   index key = HKDF-SHA-256(master, info "pbl.v2 index key"), 32 bytes: keys the person handle
//     P = HMAC-SHA-256(index key, "person\n" || person_id), the node's row key for a person;
//   VRF key = HKDF-SHA-256(master, info "pbl.v2 vrf key"), 64 bytes reduced modulo the order:
//     proves each (person, scheme)'s person key K;
//   the master key itself wraps each person's data key.
// Content rows are sealed under the person's data key. Immutable after construction;
// thread-safe.
#ifndef PBL_LEDGER_LOG_NODE_SECRETS_H_
#define PBL_LEDGER_LOG_NODE_SECRETS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/aead.h"
#include "crypto/sha256.h"
#include "crypto/vrf.h"
#include "ledger/log/sealed.h"

namespace pbl::ledger {

// P: the node's private handle for a person.
using PersonHandle = crypto::Hash;

struct ProvenPersonKey {
  PersonKey key{};
  crypto::VrfProof proof{};
};

class NodeSecrets {
 public:
  explicit NodeSecrets(crypto::SecretKey master);

  const crypto::VrfPublicKey& vrf_public_key() const { return vrf_.public_key(); }
  PersonHandle HandleOf(std::string_view person_id) const;
  // K and its VRF proof for (person, scheme): about 150 µs, so callers keep the result.
  ProvenPersonKey ProvePersonKey(std::string_view scheme_id, std::string_view person_id) const;

  // XChaCha20-Poly1305(master, data key, AD "pbl.v2 data key\n" || P).
  std::string WrapDataKey(const crypto::SecretKey& data_key, const PersonHandle& handle) const;
  // DATA_LOSS if `wrapped` is not a data key this master key wrapped for `handle`.
  absl::StatusOr<crypto::SecretKey> UnwrapDataKey(std::string_view wrapped,
                                                  const PersonHandle& handle) const;

 private:
  crypto::SecretKey master_;
  crypto::SecretKey index_key_;
  crypto::VrfSecretKey vrf_;
};

// A content row: XChaCha20-Poly1305(data key, opening, AD "pbl.v2 content\n" || leaf hash),
// the RFC 9162 hash of the leaf the opening opens, so a row moved to another leaf does not open.
std::string SealContent(const crypto::SecretKey& data_key, const crypto::Hash& leaf_hash,
                        std::string_view opening);
// DATA_LOSS if the row was not sealed for this leaf under this data key.
absl::StatusOr<std::string> OpenContent(const crypto::SecretKey& data_key,
                                        const crypto::Hash& leaf_hash, std::string_view row);

// A person's K and VRF proof for one scheme, sealed under the person's data key with AD
// "pbl.v2 person key\n" || P || scheme_id (the value of row `k` P scheme_id).
std::string SealPersonKey(const crypto::SecretKey& data_key, const PersonHandle& handle,
                          std::string_view scheme_id, const ProvenPersonKey& key);
// DATA_LOSS if the row does not open for this person and scheme or is not 112 bytes inside.
absl::StatusOr<ProvenPersonKey> OpenPersonKey(const crypto::SecretKey& data_key,
                                              const PersonHandle& handle,
                                              std::string_view scheme_id, std::string_view row);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_LOG_NODE_SECRETS_H_
