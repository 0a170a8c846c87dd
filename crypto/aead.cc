#include "crypto/aead.h"

#include <sodium.h>

#include <cstring>

#include "crypto/base/check.h"
#include "crypto/ed25519.h"

namespace pbl::crypto {

static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == kSecretKeyBytes);
static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == kAeadNonceBytes);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == kAeadTagBytes);

namespace {

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

void RandomBytes(std::span<uint8_t> out) {
  InitCrypto();
  randombytes_buf(out.data(), out.size());
}

SecretKey SecretKey::Generate() {
  InitCrypto();
  SecretKey key;
  randombytes_buf(key.bytes_.data(), key.bytes_.size());
  return key;
}

absl::StatusOr<SecretKey> SecretKey::FromBytes(std::span<const uint8_t> bytes) {
  if (bytes.size() != kSecretKeyBytes) {
    return absl::InvalidArgumentError("a secret key is 32 bytes");
  }
  SecretKey key;
  std::memcpy(key.bytes_.data(), bytes.data(), kSecretKeyBytes);
  return key;
}

SecretKey::SecretKey(SecretKey&& other) noexcept : bytes_(other.bytes_) {
  WipeMemory(other.bytes_.data(), other.bytes_.size());
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    WipeMemory(other.bytes_.data(), other.bytes_.size());
  }
  return *this;
}

SecretKey::~SecretKey() { WipeMemory(bytes_.data(), bytes_.size()); }

std::string AeadSeal(const SecretKey& key, std::string_view plaintext, std::string_view ad) {
  InitCrypto();
  AeadNonce nonce;
  randombytes_buf(nonce.data(), nonce.size());
  return AeadSealWithNonce(key, nonce, plaintext, ad);
}

std::string AeadSealWithNonce(const SecretKey& key, const AeadNonce& nonce,
                              std::string_view plaintext, std::string_view ad) {
  InitCrypto();
  std::string out(kAeadNonceBytes + plaintext.size() + kAeadTagBytes, '\0');
  std::memcpy(out.data(), nonce.data(), nonce.size());
  unsigned long long written = 0;
  const int rc = crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(out.data() + kAeadNonceBytes), &written, Bytes(plaintext),
      plaintext.size(), Bytes(ad), ad.size(), nullptr, nonce.data(), key.bytes().data());
  PBL_CHECK(rc == 0 && written == plaintext.size() + kAeadTagBytes, "XChaCha20-Poly1305 failed");
  return out;
}

absl::StatusOr<std::string> AeadOpen(const SecretKey& key, std::string_view sealed,
                                     std::string_view ad) {
  InitCrypto();
  if (sealed.size() < kAeadOverheadBytes) {
    return absl::DataLossError("sealed data is shorter than its nonce and tag");
  }
  const std::string_view body = sealed.substr(kAeadNonceBytes);
  std::string out(body.size() - kAeadTagBytes, '\0');
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &written, nullptr, Bytes(body), body.size(),
          Bytes(ad), ad.size(), Bytes(sealed), key.bytes().data()) != 0) {
    WipeMemory(out.data(), out.size());
    return absl::DataLossError("sealed data does not authenticate under this key");
  }
  return out;
}

}  // namespace pbl::crypto
