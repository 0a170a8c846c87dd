#include "crypto/cosignature.h"

#include <limits>

#include "absl/status/status.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/encoding.h"

namespace pbl::crypto {

std::string CosignedMessage(std::string_view body, uint64_t timestamp) {
  return StrCat("cosignature/v1\ntime ", timestamp, "\n", body);
}

absl::StatusOr<CosignatureSigner> CosignatureSigner::Create(std::string name, const SigningKey* key,
                                                            Clock clock) {
  PBL_RETURN_IF_ERROR(ValidateKeyName(name));
  const uint32_t id = ComputeKeyId(name, kSignatureTypeCosignatureV1, key->public_key());
  return CosignatureSigner(std::move(name), id, key, std::move(clock));
}

absl::StatusOr<std::string> CosignatureSigner::Sign(std::string_view text) const {
  const uint64_t timestamp = clock_();
  if (timestamp > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::InvalidArgumentError("cosignature timestamp is above 2^63-1");
  }
  const Ed25519Signature sig = key_->Sign(AsBytes(CosignedMessage(text, timestamp)));
  std::string out(kCosignatureBytes, '\0');
  for (size_t i = 0; i < 8; ++i) out[i] = static_cast<char>(timestamp >> (56 - 8 * i));
  std::copy(sig.begin(), sig.end(), out.begin() + 8);
  return out;
}

std::string CosignatureSigner::VerifierKey() const {
  return FormatVerifierKey(name_, kSignatureTypeCosignatureV1, key_->public_key());
}

CosignatureVerifier::CosignatureVerifier(std::string name, const Ed25519PublicKey& key)
    : name_(std::move(name)),
      key_id_(ComputeKeyId(name_, kSignatureTypeCosignatureV1, key)),
      key_(key) {}

std::optional<uint64_t> CosignatureVerifier::VerifiedTimestamp(std::string_view text,
                                                               std::string_view signature) const {
  if (signature.size() != kCosignatureBytes) return std::nullopt;
  uint64_t timestamp = 0;
  for (size_t i = 0; i < 8; ++i) timestamp = (timestamp << 8) | static_cast<uint8_t>(signature[i]);
  if (timestamp > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  if (!VerifyEd25519(key_, AsBytes(CosignedMessage(text, timestamp)),
                     AsBytes(signature.substr(8)))) {
    return std::nullopt;
  }
  return timestamp;
}

bool CosignatureVerifier::Verify(std::string_view text, std::string_view signature) const {
  return VerifiedTimestamp(text, signature).has_value();
}

}  // namespace pbl::crypto
