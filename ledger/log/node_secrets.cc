#include "ledger/log/node_secrets.h"

#include <cstring>
#include <vector>

#include "crypto/base/strings.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/hmac.h"

namespace pbl::ledger {

namespace {

// A derived secret, wiped when it goes out of scope.
class Derived {
 public:
  Derived(const crypto::SecretKey& master, std::string_view info, size_t length)
      : bytes_(crypto::HkdfSha256(master.bytes(), {}, info, length)) {}
  Derived(const Derived&) = delete;
  Derived& operator=(const Derived&) = delete;
  ~Derived() { crypto::WipeMemory(bytes_.data(), bytes_.size()); }
  std::span<const uint8_t> bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

crypto::SecretKey IndexKey(const crypto::SecretKey& master) {
  return crypto::SecretKey::FromBytes(Derived(master, "pbl.v2 index key", 32).bytes()).value();
}

crypto::VrfSecretKey VrfKey(const crypto::SecretKey& master) {
  // 64 bytes reducing to 0 has probability 2^-252.
  return crypto::VrfSecretKey::FromWideBytes(Derived(master, "pbl.v2 vrf key", 64).bytes()).value();
}

std::string DataKeyAd(const PersonHandle& handle) {
  std::string ad = "pbl.v2 data key\n";
  ad.append(reinterpret_cast<const char*>(handle.data()), handle.size());
  return ad;
}

std::string ContentAd(const crypto::Hash& leaf_hash) {
  std::string ad = "pbl.v2 content\n";
  ad.append(reinterpret_cast<const char*>(leaf_hash.data()), leaf_hash.size());
  return ad;
}

std::string PersonKeyAd(const PersonHandle& handle, std::string_view scheme_id) {
  std::string ad = "pbl.v2 person key\n";
  ad.append(reinterpret_cast<const char*>(handle.data()), handle.size());
  ad.append(scheme_id);
  return ad;
}

}  // namespace

NodeSecrets::NodeSecrets(crypto::SecretKey master)
    : master_(std::move(master)), index_key_(IndexKey(master_)), vrf_(VrfKey(master_)) {}

PersonHandle NodeSecrets::HandleOf(std::string_view person_id) const {
  std::string data = "person\n";
  data.append(person_id);
  return crypto::HmacSha256(index_key_.bytes(), data);
}

ProvenPersonKey NodeSecrets::ProvePersonKey(std::string_view scheme_id,
                                            std::string_view person_id) const {
  ProvenPersonKey out;
  out.proof = vrf_.Prove(crypto::AsBytes(PersonKeyInput(scheme_id, person_id)));
  out.key = PersonKeyOf(crypto::VrfProofToHash(out.proof).value());  // our own proof decodes
  return out;
}

std::string NodeSecrets::WrapDataKey(const crypto::SecretKey& data_key,
                                     const PersonHandle& handle) const {
  const std::string_view bytes(reinterpret_cast<const char*>(data_key.bytes().data()),
                               data_key.bytes().size());
  return crypto::AeadSeal(master_, bytes, DataKeyAd(handle));
}

absl::StatusOr<crypto::SecretKey> NodeSecrets::UnwrapDataKey(std::string_view wrapped,
                                                             const PersonHandle& handle) const {
  absl::StatusOr<std::string> bytes = crypto::AeadOpen(master_, wrapped, DataKeyAd(handle));
  if (!bytes.ok()) {
    return absl::DataLossError(
        "a person's data key does not open with this master key (another node's key, or the "
        "row was changed)");
  }
  absl::StatusOr<crypto::SecretKey> key = crypto::SecretKey::FromBytes(crypto::AsBytes(*bytes));
  crypto::WipeMemory(bytes->data(), bytes->size());
  if (!key.ok()) return absl::DataLossError("a person's data key is not 32 bytes");
  return key;
}

std::string SealContent(const crypto::SecretKey& data_key, const crypto::Hash& leaf_hash,
                        std::string_view opening) {
  return crypto::AeadSeal(data_key, opening, ContentAd(leaf_hash));
}

absl::StatusOr<std::string> OpenContent(const crypto::SecretKey& data_key,
                                        const crypto::Hash& leaf_hash, std::string_view row) {
  return crypto::AeadOpen(data_key, row, ContentAd(leaf_hash));
}

std::string SealPersonKey(const crypto::SecretKey& data_key, const PersonHandle& handle,
                          std::string_view scheme_id, const ProvenPersonKey& key) {
  std::string plain(reinterpret_cast<const char*>(key.key.data()), key.key.size());
  plain.append(reinterpret_cast<const char*>(key.proof.data()), key.proof.size());
  return crypto::AeadSeal(data_key, plain, PersonKeyAd(handle, scheme_id));
}

absl::StatusOr<ProvenPersonKey> OpenPersonKey(const crypto::SecretKey& data_key,
                                              const PersonHandle& handle,
                                              std::string_view scheme_id, std::string_view row) {
  absl::StatusOr<std::string> plain =
      crypto::AeadOpen(data_key, row, PersonKeyAd(handle, scheme_id));
  ProvenPersonKey out;
  if (!plain.ok() || plain->size() != out.key.size() + out.proof.size()) {
    return absl::DataLossError(
        StrCat("the person key row of scheme ", scheme_id, " does not open for its person"));
  }
  std::memcpy(out.key.data(), plain->data(), out.key.size());
  std::memcpy(out.proof.data(), plain->data() + out.key.size(), out.proof.size());
  return out;
}

}  // namespace pbl::ledger
