#include "crypto/hmac.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include <memory>

#include "crypto/base/check.h"

namespace pbl::crypto {

Hash HmacSha256(std::span<const uint8_t> key, std::string_view data) {
  Hash out;
  unsigned int written = 0;
  // HMAC() reads no key bytes when the key is empty, but wants a non-null pointer.
  static const uint8_t kNoKey = 0;
  const unsigned char* k = key.empty() ? &kNoKey : key.data();
  PBL_CHECK(HMAC(EVP_sha256(), k, static_cast<int>(key.size()),
                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
                 &written) != nullptr &&
                written == out.size(),
            "HMAC-SHA-256 failed");
  return out;
}

std::vector<uint8_t> HkdfSha256(std::span<const uint8_t> ikm, std::span<const uint8_t> salt,
                                std::string_view info, size_t length) {
  PBL_CHECK(length >= 1 && length <= kHkdfSha256OutputMax, "HKDF-SHA-256 output length");
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr),
                                                        &EVP_KDF_free);
  PBL_CHECK(kdf != nullptr, "OpenSSL has no HKDF");
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(EVP_KDF_CTX_new(kdf.get()),
                                                                &EVP_KDF_CTX_free);
  PBL_CHECK(ctx != nullptr, "HKDF context");
  char digest[] = "SHA256";
  static uint8_t empty = 0;
  auto octets = [](const char* name, const void* data, size_t size) {
    return OSSL_PARAM_construct_octet_string(name, size == 0 ? &empty : const_cast<void*>(data),
                                             size);
  };
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      octets(OSSL_KDF_PARAM_KEY, ikm.data(), ikm.size()),
      octets(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
      octets(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end(),
  };
  std::vector<uint8_t> out(length);
  PBL_CHECK(EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) == 1, "HKDF-SHA-256 failed");
  return out;
}

}  // namespace pbl::crypto
