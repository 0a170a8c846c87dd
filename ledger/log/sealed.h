// Log format v2's leaves, commitments and openings (specs/log-format-v2.md, sections 1 and 3):
// what a verifier that holds a leaf, and perhaps its opening, checks. Fixed binary, so that any
// language parses it. Pure functions apart from the random nonce of MakeOpening; thread-safe.
#ifndef PBL_LEDGER_LOG_SEALED_H_
#define PBL_LEDGER_LOG_SEALED_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/sha256.h"
#include "crypto/vrf.h"

namespace pbl::ledger {

inline constexpr uint8_t kLeafVersion = 0x02;
enum class LeafKind : uint8_t { kPerson = 0x01, kPublic = 0x02, kErasure = 0x03 };
inline constexpr size_t kPersonLeafBytes = 2 + 2 * crypto::kHashBytes;  // 66
// A leaf is at most 65,535 bytes (an entry bundle's 2-byte length).
inline constexpr size_t kLeafBytesMax = 65'535;
inline constexpr size_t kCommitmentNonceBytes = 32;

// K: the person key of one (person, scheme).
using PersonKey = crypto::Hash;
using CommitmentNonce = std::array<uint8_t, kCommitmentNonceBytes>;

// A parsed leaf; `body` views the bytes it was parsed from.
struct Leaf {
  LeafKind kind = LeafKind::kPerson;
  PersonKey person_key{};     // person and erasure leaves
  crypto::Hash commitment{};  // person leaves
  std::string_view body;      // public and erasure leaves: their protobuf
};

// INVALID_ARGUMENT saying why unless `bytes` is one v2 leaf: version 0x02, a known kind, a
// person leaf of exactly 66 bytes, an erasure leaf with K, at most kLeafBytesMax bytes.
absl::StatusOr<Leaf> ParseLeaf(std::string_view bytes);
std::string PersonLeaf(const PersonKey& key, const crypto::Hash& commitment);
// `body` at most kLeafBytesMax - 2 (public) or - 34 (erasure) bytes; checked.
std::string PublicLeaf(std::string_view body);
std::string ErasureLeaf(const PersonKey& key, std::string_view body);

// Entry 0 of a v2 log: a public leaf holding PublicEntry{log_parameters{format "pbl.v2",
// vrf_public_key}} (specs/proto/pbl/v2/log.proto).
std::string LogParametersLeaf(const crypto::VrfPublicKey& vrf_public_key);

// H("pbl.v2 commitment\n" || nonce || content).
crypto::Hash Commitment(const CommitmentNonce& nonce, std::string_view content);

// An opening is nonce || content: what its holder needs to check a person leaf's commitment.
struct Opening {
  CommitmentNonce nonce{};
  std::string_view content;  // views the opening it was parsed from
};
// nonce || content with a fresh nonce from the operating system's random source.
std::string MakeOpening(std::string_view content);
// INVALID_ARGUMENT if `opening` is shorter than its nonce.
absl::StatusOr<Opening> ParseOpening(std::string_view opening);
// INVALID_ARGUMENT unless `opening` parses and its commitment is `leaf`'s (a person leaf).
absl::Status CheckOpening(const Leaf& leaf, std::string_view opening);

// The VRF input of (person, scheme): "pbl.v2 person key\n" || scheme_id || 0x00 || person_id.
std::string PersonKeyInput(std::string_view scheme_id, std::string_view person_id);
// K: the first 32 bytes of the VRF output.
PersonKey PersonKeyOf(const crypto::VrfOutput& beta);
// The K that `proof` proves for (person, scheme) under the log's VRF key; the VRF's errors
// (INVALID_ARGUMENT, UNAUTHENTICATED) otherwise.
absl::StatusOr<PersonKey> VerifyPersonKey(const crypto::VrfPublicKey& vrf_key,
                                          std::string_view scheme_id, std::string_view person_id,
                                          const crypto::VrfProof& proof);

// The person map a v2 checkpoint carries (specs/log-format-v2.md, section 5): the map over every
// leaf below `size`, and its root.
struct MapHead {
  int64_t size = 0;
  crypto::Hash root{};
  friend bool operator==(const MapHead&, const MapHead&) = default;
};
// The checkpoint extension line "pbl-map <size> <base64 root>" (no newline).
std::string MapLine(const MapHead& head);
// The map of a v2 checkpoint whose size is `checkpoint_size`, from its extension lines:
// INVALID_ARGUMENT unless exactly one is a pbl-map line, with a decimal size (no leading zero)
// at most `checkpoint_size` and a 32-byte root in standard base64.
absl::StatusOr<MapHead> ParseMapLine(const std::vector<std::string>& extensions,
                                     int64_t checkpoint_size);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_LOG_SEALED_H_
