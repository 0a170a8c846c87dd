#include "crypto/sha256.h"

#include <sodium.h>

#include <new>

#include "crypto/encoding.h"

namespace pbl::crypto {

static_assert(sizeof(crypto_hash_sha256_state) <= 128, "Sha256Hasher::state_ is too small");
static_assert(crypto_hash_sha256_BYTES == kHashBytes);

namespace {

crypto_hash_sha256_state* State(unsigned char* storage) {
  return std::launder(reinterpret_cast<crypto_hash_sha256_state*>(storage));
}

}  // namespace

Hash Sha256(std::span<const uint8_t> data) {
  Hash out;
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

Hash Sha256(std::string_view data) { return Sha256(AsBytes(data)); }

Sha256Hasher::Sha256Hasher() {
  new (state_) crypto_hash_sha256_state;
  crypto_hash_sha256_init(State(state_));
}

Sha256Hasher& Sha256Hasher::Update(std::span<const uint8_t> data) {
  crypto_hash_sha256_update(State(state_), data.data(), data.size());
  return *this;
}

Sha256Hasher& Sha256Hasher::Update(std::string_view data) { return Update(AsBytes(data)); }

Sha256Hasher& Sha256Hasher::Update(uint8_t byte) {
  crypto_hash_sha256_update(State(state_), &byte, 1);
  return *this;
}

Hash Sha256Hasher::Finish() {
  Hash out;
  crypto_hash_sha256_final(State(state_), out.data());
  return out;
}

}  // namespace pbl::crypto
