// PASETO v4.public tokens (github.com/paseto-standard/paseto-spec, Version4.md "Sign" and
// "Verify"): a message, usually JSON claims, signed with Ed25519 together with an optional footer
// and an optional implicit assertion.
//
//   v4.public.<base64url(message || signature)>[.<base64url(footer)>]
//
// The signature covers PAE("v4.public.", message, footer, implicit assertion), where PAE is the
// spec's pre-authentication encoding (Common.md): the number of pieces, then each piece prefixed
// by its length, all lengths as 64-bit little-endian integers. The implicit assertion is signed
// but never written into the token; both sides must supply the same one.
//
// Verification is strict so that each (message, footer) pair has exactly one token under a key:
// base64url without padding, in the URL-safe alphabet only, with unused trailing bits zero; no
// empty footer segment. Claims (exp, nbf, ...) are not interpreted here: callers parse and check
// the returned message. Pure functions; thread-safe.
#ifndef PBL_CRYPTO_PASETO_H_
#define PBL_CRYPTO_PASETO_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/ed25519.h"

namespace pbl::crypto {

// The longest token PasetoV4PublicVerify reads; longer ones are refused before any decoding.
inline constexpr size_t kPasetoTokenBytesMax = 8192;

// The header that opens every v4.public token.
inline constexpr std::string_view kPasetoV4PublicHeader = "v4.public.";

// Signs `message` (the claims, usually JSON) with `footer` and `implicit_assertion`. Returns
// "v4.public." + base64url(message || signature), followed by "." + base64url(footer) when the
// footer is not empty; base64url has no padding. Tokens longer than kPasetoTokenBytesMax are
// still produced, but PasetoV4PublicVerify refuses them: keep messages and footers well under
// 6 KiB together.
std::string PasetoV4PublicSign(const SigningKey& key, std::string_view message,
                               std::string_view footer, std::string_view implicit_assertion);

// Verifies `token` under `key` and returns its message. The token's footer must equal
// `expected_footer` exactly (an empty `expected_footer` means the token must have no footer),
// and `implicit_assertion` must be the one it was signed with.
// INVALID_ARGUMENT for a malformed token: longer than kPasetoTokenBytesMax, a header other than
// "v4.public.", bad or non-canonical base64url, a payload shorter than a signature, an empty or
// extra segment, or a footer other than `expected_footer`.
// UNAUTHENTICATED ("signature does not verify") when the token is well formed but its signature
// does not verify (tampered message or footer, wrong key, wrong implicit assertion).
absl::StatusOr<std::string> PasetoV4PublicVerify(const Ed25519PublicKey& key,
                                                 std::string_view token,
                                                 std::string_view expected_footer,
                                                 std::string_view implicit_assertion);

}  // namespace pbl::crypto

#endif  // PBL_CRYPTO_PASETO_H_
