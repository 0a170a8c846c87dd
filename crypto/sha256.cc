// SHA-256 through OpenSSL's libcrypto (libssl-dev; gRPC depends on it already). libsodium 1.0.18,
// which signs, has only a portable C SHA-256; libcrypto picks the SHA extensions (SHA-NI) or AVX2
// code at run time, which hashes a 200-byte entry about four times as fast on this machine
// (scripts/bench-crypto.sh). The SHA256_* functions are the ones libcrypto keeps for this: one
// small context on the stack, no allocation per hash, unlike EVP_MD_CTX.
#define OPENSSL_API_COMPAT 0x10100000L  // SHA256_Init and friends, deprecated in 3.0, not gone
#include "crypto/sha256.h"

#include <openssl/sha.h>

#include <new>

#include "crypto/encoding.h"

namespace pbl::crypto {

static_assert(sizeof(SHA256_CTX) <= 128, "Sha256Hasher::state_ is too small");
static_assert(alignof(SHA256_CTX) <= 16, "Sha256Hasher::state_ is not aligned enough");
static_assert(SHA256_DIGEST_LENGTH == kHashBytes);

namespace {

SHA256_CTX* State(unsigned char* storage) {
  return std::launder(reinterpret_cast<SHA256_CTX*>(storage));
}

}  // namespace

Hash Sha256(std::span<const uint8_t> data) {
  Hash out;
  SHA256(data.data(), data.size(), out.data());
  return out;
}

Hash Sha256(std::string_view data) { return Sha256(AsBytes(data)); }

Sha256Hasher::Sha256Hasher() {
  new (state_) SHA256_CTX;
  SHA256_Init(State(state_));
}

Sha256Hasher& Sha256Hasher::Update(std::span<const uint8_t> data) {
  SHA256_Update(State(state_), data.data(), data.size());
  return *this;
}

Sha256Hasher& Sha256Hasher::Update(std::string_view data) { return Update(AsBytes(data)); }

Sha256Hasher& Sha256Hasher::Update(uint8_t byte) {
  SHA256_Update(State(state_), &byte, 1);
  return *this;
}

Hash Sha256Hasher::Finish() {
  Hash out;
  SHA256_Final(out.data(), State(state_));
  return out;
}

}  // namespace pbl::crypto
