#include "crypto/short_hash.h"

#include <sodium.h>

#include "crypto/ed25519.h"

namespace pbl::crypto {

static_assert(crypto_shorthash_KEYBYTES == 16 && crypto_shorthash_BYTES == 8);

ShortHasher ShortHasher::WithRandomKey() {
  InitCrypto();
  ShortHasher h;
  crypto_shorthash_keygen(h.key_.data());
  return h;
}

uint64_t ShortHasher::Hash(std::span<const uint8_t> data) const {
  uint8_t out[8];
  crypto_shorthash(out, data.data(), data.size(), key_.data());
  uint64_t v = 0;
  for (uint8_t b : out) v = v << 8 | b;
  return v;
}

}  // namespace pbl::crypto
