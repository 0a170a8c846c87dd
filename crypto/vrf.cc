// ECVRF-RISTRETTO255-SHA512 (c2sp.org/vrf-r255), following the steps of RFC 9381 section 5
// with that suite's choices: suite_string 0xFF || "c2sp.org/vrf-r255", cofactor 1, cLen 16,
// little-endian scalars, nonce SHA-512(suite || 0x81 || x || h_string) mod q, encode-to-curve
// the one-way map of SHA-512(suite || 0x82 || PK || alpha).
#include "crypto/vrf.h"

#include <sodium.h>

#include <cstring>
#include <string_view>

#include "crypto/base/check.h"
#include "crypto/ed25519.h"

namespace pbl::crypto {

namespace {

using Point = std::array<uint8_t, crypto_core_ristretto255_BYTES>;
using Scalar = std::array<uint8_t, crypto_core_ristretto255_SCALARBYTES>;

constexpr std::string_view kSuite =
    "\xFF"
    "c2sp.org/vrf-r255";
constexpr size_t kChallengeBytes = 16;

class Sha512 {
 public:
  Sha512() { crypto_hash_sha512_init(&state_); }
  Sha512& Update(std::span<const uint8_t> data) {
    crypto_hash_sha512_update(&state_, data.data(), data.size());
    return *this;
  }
  Sha512& Update(std::string_view data) {
    return Update({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
  }
  Sha512& Byte(uint8_t b) { return Update(std::span<const uint8_t>(&b, 1)); }
  std::array<uint8_t, crypto_hash_sha512_BYTES> Finish() {
    std::array<uint8_t, crypto_hash_sha512_BYTES> out;
    crypto_hash_sha512_final(&state_, out.data());
    return out;
  }

 private:
  crypto_hash_sha512_state state_;
};

// ECVRF_encode_to_curve: the one-way map of SHA-512(suite || 0x82 || PK || alpha).
Point EncodeToCurve(const VrfPublicKey& pk, std::span<const uint8_t> alpha) {
  const auto hash = Sha512().Update(kSuite).Byte(0x82).Update(pk).Update(alpha).Finish();
  Point h;
  crypto_core_ristretto255_from_hash(h.data(), hash.data());
  return h;
}

// ECVRF_challenge_generation: the first 16 bytes of SHA-512(suite || 0x02 || P1..P5 || 0x00),
// as a scalar (little-endian, the upper 16 bytes zero).
Scalar Challenge(const Point& y, const Point& h, const Point& gamma, const Point& u,
                 const Point& v) {
  Sha512 hash;
  hash.Update(kSuite).Byte(0x02);
  for (const Point* p : {&y, &h, &gamma, &u, &v}) hash.Update(*p);
  const auto c_string = hash.Byte(0x00).Finish();
  Scalar c{};
  std::memcpy(c.data(), c_string.data(), kChallengeBytes);
  return c;
}

VrfOutput HashOfGamma(const Point& gamma) {
  return Sha512().Update(kSuite).Byte(0x03).Update(gamma).Byte(0x00).Finish();
}

// Whether the 32-byte little-endian `s` is below the group order.
bool Canonical(const Scalar& s) {
  std::array<uint8_t, crypto_core_ristretto255_NONREDUCEDSCALARBYTES> wide{};
  std::memcpy(wide.data(), s.data(), s.size());
  Scalar reduced;
  crypto_core_ristretto255_scalar_reduce(reduced.data(), wide.data());
  return reduced == s;
}

bool IsZero(const Scalar& s) { return sodium_is_zero(s.data(), s.size()) == 1; }

// s*P - c*Q, false when a product or the result is the identity (libsodium refuses it; an honest
// proof meets it with negligible probability).
bool Combine(const Scalar& s, const Point* p, const Scalar& c, const Point& q, Point* out) {
  Point sp, cq;
  const int a = p == nullptr ? crypto_scalarmult_ristretto255_base(sp.data(), s.data())
                             : crypto_scalarmult_ristretto255(sp.data(), s.data(), p->data());
  if (a != 0 || crypto_scalarmult_ristretto255(cq.data(), c.data(), q.data()) != 0) return false;
  crypto_core_ristretto255_sub(out->data(), sp.data(), cq.data());
  return sodium_is_zero(out->data(), out->size()) != 1;
}

}  // namespace

VrfSecretKey VrfSecretKey::Generate() {
  InitCrypto();
  for (;;) {
    std::array<uint8_t, crypto_core_ristretto255_NONREDUCEDSCALARBYTES> wide;
    randombytes_buf(wide.data(), wide.size());
    absl::StatusOr<VrfSecretKey> key = FromWideBytes(wide);
    WipeMemory(wide.data(), wide.size());
    if (key.ok()) return std::move(*key);  // x = 0 has probability 2^-252
  }
}

absl::StatusOr<VrfSecretKey> VrfSecretKey::FromWideBytes(std::span<const uint8_t> wide) {
  InitCrypto();
  if (wide.size() != crypto_core_ristretto255_NONREDUCEDSCALARBYTES) {
    return absl::InvalidArgumentError("VRF key material: not 64 bytes");
  }
  Scalar x;
  crypto_core_ristretto255_scalar_reduce(x.data(), wide.data());
  absl::StatusOr<VrfSecretKey> key = FromScalar(x);
  WipeMemory(x.data(), x.size());
  return key;
}

absl::StatusOr<VrfSecretKey> VrfSecretKey::FromScalar(std::span<const uint8_t> x) {
  InitCrypto();
  if (x.size() != kVrfSecretKeyBytes) {
    return absl::InvalidArgumentError("VRF secret key: not 32 bytes");
  }
  VrfSecretKey key;
  std::memcpy(key.x_.data(), x.data(), x.size());
  if (IsZero(key.x_) || !Canonical(key.x_)) {
    return absl::InvalidArgumentError("VRF secret key: not a scalar between 1 and the order");
  }
  crypto_scalarmult_ristretto255_base(key.public_key_.data(), key.x_.data());
  return key;
}

VrfSecretKey::VrfSecretKey(VrfSecretKey&& other) noexcept
    : x_(other.x_), public_key_(other.public_key_) {
  WipeMemory(other.x_.data(), other.x_.size());
}

VrfSecretKey& VrfSecretKey::operator=(VrfSecretKey&& other) noexcept {
  if (this != &other) {
    x_ = other.x_;
    public_key_ = other.public_key_;
    WipeMemory(other.x_.data(), other.x_.size());
  }
  return *this;
}

VrfSecretKey::~VrfSecretKey() { WipeMemory(x_.data(), x_.size()); }

VrfProof VrfSecretKey::Prove(std::span<const uint8_t> alpha) const {
  const Point h = EncodeToCurve(public_key_, alpha);
  Point gamma;
  // In a group of prime order x*H and k*H are the identity only when H is (a SHA-512 output the
  // one-way map sends there: probability about 2^-252), or k is 0 (likewise).
  PBL_CHECK(crypto_scalarmult_ristretto255(gamma.data(), x_.data(), h.data()) == 0,
            "x*H is the identity");
  // ECVRF_nonce_generation: SHA-512(suite || 0x81 || x || h_string) mod q.
  auto k_string = Sha512().Update(kSuite).Byte(0x81).Update(x_).Update(h).Finish();
  Scalar k;
  crypto_core_ristretto255_scalar_reduce(k.data(), k_string.data());
  WipeMemory(k_string.data(), k_string.size());
  Point u, v;
  crypto_scalarmult_ristretto255_base(u.data(), k.data());
  PBL_CHECK(crypto_scalarmult_ristretto255(v.data(), k.data(), h.data()) == 0,
            "k*H is the identity");
  const Scalar c = Challenge(public_key_, h, gamma, u, v);
  Scalar cx, s;
  crypto_core_ristretto255_scalar_mul(cx.data(), c.data(), x_.data());
  crypto_core_ristretto255_scalar_add(s.data(), k.data(), cx.data());
  WipeMemory(k.data(), k.size());
  WipeMemory(cx.data(), cx.size());
  VrfProof pi;
  std::memcpy(pi.data(), gamma.data(), gamma.size());
  std::memcpy(pi.data() + 32, c.data(), kChallengeBytes);
  std::memcpy(pi.data() + 48, s.data(), s.size());
  return pi;
}

absl::StatusOr<VrfOutput> VrfProofToHash(const VrfProof& proof) {
  InitCrypto();
  Point gamma;
  std::memcpy(gamma.data(), proof.data(), gamma.size());
  if (crypto_core_ristretto255_is_valid_point(gamma.data()) != 1) {
    return absl::InvalidArgumentError("VRF proof: Gamma is not a ristretto255 element");
  }
  return HashOfGamma(gamma);
}

absl::StatusOr<VrfOutput> VrfVerify(const VrfPublicKey& public_key, std::span<const uint8_t> alpha,
                                    const VrfProof& proof) {
  InitCrypto();
  // validate_key: a group element (libsodium accepts the identity's encoding, all zeros), not
  // the identity.
  if (crypto_core_ristretto255_is_valid_point(public_key.data()) != 1 ||
      sodium_is_zero(public_key.data(), public_key.size()) == 1) {
    return absl::InvalidArgumentError(
        "VRF public key: not a ristretto255 element, or the identity");
  }
  Point gamma;
  std::memcpy(gamma.data(), proof.data(), gamma.size());
  Scalar c{}, s;
  std::memcpy(c.data(), proof.data() + 32, kChallengeBytes);
  std::memcpy(s.data(), proof.data() + 48, s.size());
  if (crypto_core_ristretto255_is_valid_point(gamma.data()) != 1) {
    return absl::InvalidArgumentError("VRF proof: Gamma is not a ristretto255 element");
  }
  if (!Canonical(s)) return absl::InvalidArgumentError("VRF proof: s is not below the order");
  const Point h = EncodeToCurve(public_key, alpha);
  Point u, v;
  if (!Combine(s, nullptr, c, public_key, &u) || !Combine(s, &h, c, gamma, &v) ||
      Challenge(public_key, h, gamma, u, v) != c) {
    return absl::UnauthenticatedError("VRF proof: does not verify for this key and input");
  }
  return HashOfGamma(gamma);
}

}  // namespace pbl::crypto
