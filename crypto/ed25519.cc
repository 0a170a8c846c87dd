#include "crypto/ed25519.h"

#include <sodium.h>

#include <cstdlib>
#include <mutex>

#include "absl/status/status.h"
#include "crypto/base/strings.h"

namespace pbl::crypto {

static_assert(crypto_sign_PUBLICKEYBYTES == kEd25519PublicKeyBytes);
static_assert(crypto_sign_SEEDBYTES == kEd25519SeedBytes);
static_assert(crypto_sign_BYTES == kEd25519SignatureBytes);
static_assert(crypto_sign_SECRETKEYBYTES == 64);

void InitCrypto() {
  static std::once_flag once;
  std::call_once(once, [] {
    // sodium_init fails only when the system has no usable random source; nothing in this
    // process could be trusted then.
    if (sodium_init() < 0) std::abort();
  });
}

void WipeMemory(void* data, size_t size) { sodium_memzero(data, size); }

SigningKey SigningKey::Generate() {
  InitCrypto();
  SigningKey key;
  crypto_sign_keypair(key.public_key_.data(), key.secret_.data());
  return key;
}

absl::StatusOr<SigningKey> SigningKey::FromSeed(std::span<const uint8_t> seed) {
  if (seed.size() != kEd25519SeedBytes) {
    return absl::InvalidArgumentError(StrCat("Ed25519 seed must be 32 bytes, got ", seed.size()));
  }
  InitCrypto();
  SigningKey key;
  crypto_sign_seed_keypair(key.public_key_.data(), key.secret_.data(), seed.data());
  return key;
}

SigningKey::SigningKey(SigningKey&& other) noexcept
    : secret_(other.secret_), public_key_(other.public_key_) {
  WipeMemory(other.secret_.data(), other.secret_.size());
}

SigningKey& SigningKey::operator=(SigningKey&& other) noexcept {
  if (this != &other) {
    secret_ = other.secret_;
    public_key_ = other.public_key_;
    WipeMemory(other.secret_.data(), other.secret_.size());
  }
  return *this;
}

SigningKey::~SigningKey() { WipeMemory(secret_.data(), secret_.size()); }

Ed25519Signature SigningKey::Sign(std::span<const uint8_t> message) const {
  Ed25519Signature signature;
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(), secret_.data());
  return signature;
}

bool VerifyEd25519(const Ed25519PublicKey& public_key, std::span<const uint8_t> message,
                   std::span<const uint8_t> signature) {
  if (signature.size() != kEd25519SignatureBytes) return false;
  InitCrypto();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     public_key.data()) == 0;
}

}  // namespace pbl::crypto
