#include "crypto/paseto.h"

#include <sodium.h>

#include <cstdint>
#include <initializer_list>
#include <utility>

#include "absl/status/status.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/encoding.h"

namespace pbl::crypto {
namespace {

constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// The value of a base64url digit, or -1 for any other character (including '=').
int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Appends the digits for the top `digits` sextets of the 24-bit group `group`.
void AppendBase64UrlGroup(std::string* out, uint32_t group, int digits) {
  for (int i = 0; i < digits; ++i) out->push_back(kBase64UrlAlphabet[(group >> (18 - 6 * i)) & 63]);
}

// RFC 4648 section 5 base64url without padding.
std::string Base64UrlEncode(std::string_view bytes) {
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])); };
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    AppendBase64UrlGroup(&out, byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2), 4);
  }
  if (bytes.size() - i == 1) AppendBase64UrlGroup(&out, byte(i) << 16, 2);
  if (bytes.size() - i == 2) AppendBase64UrlGroup(&out, byte(i) << 16 | byte(i + 1) << 8, 3);
  return out;
}

// Decodes unpadded base64url as PASETO requires (Common.md, "Base64 Decoding"): padding and
// characters outside the URL-safe alphabet are refused, and so are set unused trailing bits,
// which would give a second spelling of the same bytes. `what` names the segment in errors.
absl::StatusOr<std::string> Base64UrlDecode(std::string_view text, std::string_view what) {
  if (text.size() % 4 == 1) {
    return absl::InvalidArgumentError(StrCat(what, " has an impossible base64url length"));
  }
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t bits = 0;
  int bit_count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const int value = Base64UrlValue(text[i]);
    if (value < 0) {
      return absl::InvalidArgumentError(
          text[i] == '=' ? StrCat(what, " has base64 padding, which PASETO forbids")
                         : StrCat(what, " has a character outside base64url at ", i));
    }
    bits = bits << 6 | static_cast<uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<char>(bits >> bit_count));
      bits &= (1u << bit_count) - 1;
    }
  }
  if (bits != 0) {
    return absl::InvalidArgumentError(StrCat(what, " is not canonical base64url (trailing bits)"));
  }
  return out;
}

// LE64 of Common.md: little-endian, with the most significant bit cleared as the spec asks.
void AppendLe64(std::string* out, uint64_t n) {
  n &= 0x7fff'ffff'ffff'ffffu;
  for (int i = 0; i < 8; ++i) {
    out->push_back(static_cast<char>(n & 0xff));
    n >>= 8;
  }
}

// PAE of Common.md: LE64(number of pieces), then LE64(length) || piece for each piece.
std::string PreAuthEncode(std::initializer_list<std::string_view> pieces) {
  std::string out;
  AppendLe64(&out, pieces.size());
  for (std::string_view piece : pieces) {
    AppendLe64(&out, piece.size());
    out.append(piece);
  }
  return out;
}

struct TokenParts {
  std::string message;
  std::string signature;
  std::string footer;
};

// Splits and decodes a token's syntax; no signature is checked.
absl::StatusOr<TokenParts> ParseToken(std::string_view token) {
  if (token.size() > kPasetoTokenBytesMax) {
    return absl::InvalidArgumentError(
        StrCat("token is ", token.size(), " bytes, over the limit of ", kPasetoTokenBytesMax));
  }
  if (!token.starts_with(kPasetoV4PublicHeader)) {
    return absl::InvalidArgumentError("token does not start with \"v4.public.\"");
  }
  std::string_view body = token.substr(kPasetoV4PublicHeader.size());
  std::string_view footer;
  const size_t dot = body.find('.');
  if (dot != std::string_view::npos) {
    footer = body.substr(dot + 1);
    body = body.substr(0, dot);
    // Sign writes no footer segment for an empty footer, so an empty one is a second spelling.
    if (footer.empty()) return absl::InvalidArgumentError("token has an empty footer segment");
    if (footer.find('.') != std::string_view::npos) {
      return absl::InvalidArgumentError("token has a segment after its footer");
    }
  }
  TokenParts parts;
  PBL_ASSIGN_OR_RETURN(std::string payload, Base64UrlDecode(body, "token payload"));
  if (payload.size() < kEd25519SignatureBytes) {
    return absl::InvalidArgumentError(
        StrCat("token payload is ", payload.size(), " bytes, too short to hold a signature"));
  }
  parts.signature = payload.substr(payload.size() - kEd25519SignatureBytes);
  payload.resize(payload.size() - kEd25519SignatureBytes);
  parts.message = std::move(payload);
  PBL_ASSIGN_OR_RETURN(parts.footer, Base64UrlDecode(footer, "token footer"));
  return parts;
}

// The spec asks for a constant-time comparison of footers. Their lengths are not secret.
bool FootersEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string PasetoV4PublicSign(const SigningKey& key, std::string_view message,
                               std::string_view footer, std::string_view implicit_assertion) {
  const std::string pre_auth =
      PreAuthEncode({kPasetoV4PublicHeader, message, footer, implicit_assertion});
  const Ed25519Signature signature = key.Sign(AsBytes(pre_auth));
  std::string payload(message);
  payload.append(reinterpret_cast<const char*>(signature.data()), signature.size());
  std::string token = StrCat(kPasetoV4PublicHeader, Base64UrlEncode(payload));
  if (!footer.empty()) StrAppend(&token, '.', Base64UrlEncode(footer));
  return token;
}

absl::StatusOr<std::string> PasetoV4PublicVerify(const Ed25519PublicKey& key,
                                                 std::string_view token,
                                                 std::string_view expected_footer,
                                                 std::string_view implicit_assertion) {
  PBL_ASSIGN_OR_RETURN(TokenParts parts, ParseToken(token));
  if (!FootersEqual(parts.footer, expected_footer)) {
    return absl::InvalidArgumentError("token footer is not the expected footer");
  }
  const std::string pre_auth =
      PreAuthEncode({kPasetoV4PublicHeader, parts.message, parts.footer, implicit_assertion});
  if (!VerifyEd25519(key, AsBytes(pre_auth), AsBytes(parts.signature))) {
    return absl::UnauthenticatedError("signature does not verify");
  }
  return std::move(parts.message);
}

}  // namespace pbl::crypto
