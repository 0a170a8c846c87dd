// A keyed 64-bit hash (SipHash-2-4 through libsodium) for checksums that someone without the
// key cannot steer, such as the multiset hash the ledger's verifier keeps over its index. Not a
// substitute for SHA-256 where anything is signed. Immutable; thread-safe.
#ifndef PBL_CRYPTO_SHORT_HASH_H_
#define PBL_CRYPTO_SHORT_HASH_H_

#include <array>
#include <cstdint>
#include <span>

namespace pbl::crypto {

class ShortHasher {
 public:
  // A hasher with a fresh random key.
  static ShortHasher WithRandomKey();
  uint64_t Hash(std::span<const uint8_t> data) const;

 private:
  ShortHasher() = default;
  std::array<uint8_t, 16> key_{};
};

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_SHORT_HASH_H_
