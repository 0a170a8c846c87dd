#include "crypto/certificate_key.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>

#include "crypto/base/strings.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace pbl::crypto {

namespace {

constexpr size_t kPemBytesMax = size_t{64} << 10;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};

}  // namespace

absl::StatusOr<std::string> CertificateKeyId(std::string_view pem) {
  if (pem.size() > kPemBytesMax) {
    return absl::InvalidArgumentError(
        StrCat("a certificate of ", pem.size(), " bytes is longer than ", kPemBytesMax));
  }
  const std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::ResourceExhaustedError("cannot allocate a BIO");
  const std::unique_ptr<X509, X509Free> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) return absl::InvalidArgumentError("no PEM certificate");
  unsigned char* der = nullptr;
  const int length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &der);
  if (length <= 0 || der == nullptr) {
    return absl::InvalidArgumentError("the certificate's public key does not encode");
  }
  const Hash digest = Sha256(std::span<const uint8_t>(der, static_cast<size_t>(length)));
  OPENSSL_free(der);
  return StrCat(kCertificateKeyPrefix, HexEncode(digest));
}

bool IsCertificateKeyId(std::string_view text) {
  if (text.size() != kCertificateKeyBytes || !text.starts_with(kCertificateKeyPrefix)) return false;
  text.remove_prefix(kCertificateKeyPrefix.size());
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace pbl::crypto
