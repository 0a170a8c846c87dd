// The VRF of log format v2's person keys (specs/log-format-v2.md, section 3):
// ECVRF-RISTRETTO255-SHA512 as c2sp.org/vrf-r255 defines it (the ECVRF of RFC 9381 over the
// ristretto255 group, SHA-512, its own nonce and encode-to-curve), through libsodium's
// ristretto255 functions. A proof shows that an output is the one output of the key holder's
// secret for an input; without the proof the output says nothing about the input.
//
// VrfSecretKey holds a secret: move-only, wiped when destroyed or moved from. Verification is a
// pure function. Thread-safe: a const VrfSecretKey may prove from many threads.
#ifndef PBL_CRYPTO_VRF_H_
#define PBL_CRYPTO_VRF_H_

#include <array>
#include <cstdint>
#include <span>

#include "absl/status/statusor.h"

namespace pbl::crypto {

inline constexpr size_t kVrfPublicKeyBytes = 32;  // a ristretto255 element
inline constexpr size_t kVrfSecretKeyBytes = 32;  // a scalar, little-endian, below the order
inline constexpr size_t kVrfProofBytes = 80;      // Gamma (32) || c (16) || s (32)
inline constexpr size_t kVrfOutputBytes = 64;     // beta, SHA-512

using VrfPublicKey = std::array<uint8_t, kVrfPublicKeyBytes>;
using VrfProof = std::array<uint8_t, kVrfProofBytes>;
using VrfOutput = std::array<uint8_t, kVrfOutputBytes>;

class VrfSecretKey {
 public:
  // A fresh key: 64 bytes from the operating system's random source, reduced modulo the order.
  static VrfSecretKey Generate();
  // The key of scalar `x` (32 bytes, little-endian); INVALID_ARGUMENT unless 0 < x < order.
  static absl::StatusOr<VrfSecretKey> FromScalar(std::span<const uint8_t> x);
  // The key of 64 bytes reduced modulo the order (libsodium's scalar_reduce), for a key derived
  // from other secret material; INVALID_ARGUMENT if not 64 bytes or if they reduce to 0.
  static absl::StatusOr<VrfSecretKey> FromWideBytes(std::span<const uint8_t> wide);

  VrfSecretKey(VrfSecretKey&& other) noexcept;
  VrfSecretKey& operator=(VrfSecretKey&& other) noexcept;
  VrfSecretKey(const VrfSecretKey&) = delete;
  VrfSecretKey& operator=(const VrfSecretKey&) = delete;
  ~VrfSecretKey();

  const VrfPublicKey& public_key() const { return public_key_; }
  // The 32-byte scalar; the caller must wipe any copy it makes (WipeMemory).
  std::span<const uint8_t> scalar() const { return x_; }
  // ECVRF_prove of `alpha`. Deterministic: the same key and input give the same proof.
  VrfProof Prove(std::span<const uint8_t> alpha) const;

 private:
  VrfSecretKey() = default;
  std::array<uint8_t, kVrfSecretKeyBytes> x_{};
  VrfPublicKey public_key_{};
};

// ECVRF_verify with validate_key: beta when `proof` is a proof of `alpha` under `public_key`;
// INVALID_ARGUMENT for a public key or proof that does not decode (not a group element, the
// identity as key, s not below the order); UNAUTHENTICATED when the proof does not verify.
absl::StatusOr<VrfOutput> VrfVerify(const VrfPublicKey& public_key, std::span<const uint8_t> alpha,
                                    const VrfProof& proof);
// ECVRF_proof_to_hash: beta of a proof the caller made (it does not verify the proof);
// INVALID_ARGUMENT when its Gamma does not decode.
absl::StatusOr<VrfOutput> VrfProofToHash(const VrfProof& proof);

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_VRF_H_
