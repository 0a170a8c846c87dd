// The identity of a TLS certificate as a node's configuration pins it: "sha256:" and the 64
// lowercase hex digits of the SHA-256 of the certificate's DER SubjectPublicKeyInfo (the same
// digest as `openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | sha256sum`).
// A certificate renewed with the same key keeps its key id; a certificate with the same names
// and another key, from any CA, has another. Pure functions; thread-safe.
#ifndef PBL_CRYPTO_CERTIFICATE_KEY_H_
#define PBL_CRYPTO_CERTIFICATE_KEY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pbl::crypto {

inline constexpr std::string_view kCertificateKeyPrefix = "sha256:";
inline constexpr size_t kCertificateKeyBytes = 7 + 64;  // the prefix and 64 hex digits

// The key id of the first certificate in `pem`; INVALID_ARGUMENT if there is none, or if
// `pem` is longer than 64 KiB.
absl::StatusOr<std::string> CertificateKeyId(std::string_view pem);

// True for "sha256:" followed by exactly 64 lowercase hex digits.
bool IsCertificateKeyId(std::string_view text);

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_CERTIFICATE_KEY_H_
