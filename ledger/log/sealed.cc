#include "ledger/log/sealed.h"

#include <cstring>
#include <optional>

#include "crypto/aead.h"
#include "crypto/base/check.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/encoding.h"
#include "pbl/v2/log.pb.h"

namespace pbl::ledger {

namespace {

constexpr std::string_view kCommitmentTag = "pbl.v2 commitment\n";
constexpr std::string_view kPersonKeyTag = "pbl.v2 person key\n";
constexpr std::string_view kMapLinePrefix = "pbl-map ";

std::string Header(LeafKind kind) {
  std::string out(2, '\0');
  out[0] = static_cast<char>(kLeafVersion);
  out[1] = static_cast<char>(kind);
  return out;
}

void AppendHash(std::string* out, const crypto::Hash& hash) {
  out->append(reinterpret_cast<const char*>(hash.data()), hash.size());
}

crypto::Hash ReadHash(std::string_view bytes) {
  crypto::Hash hash;
  std::memcpy(hash.data(), bytes.data(), hash.size());
  return hash;
}

}  // namespace

absl::StatusOr<Leaf> ParseLeaf(std::string_view bytes) {
  if (bytes.size() < 2 || static_cast<uint8_t>(bytes[0]) != kLeafVersion) {
    return absl::InvalidArgumentError("not a v2 leaf (it must start with version byte 0x02)");
  }
  if (bytes.size() > kLeafBytesMax) {
    return absl::InvalidArgumentError(
        StrCat("a leaf of ", bytes.size(), " bytes (at most ", kLeafBytesMax, ")"));
  }
  Leaf leaf;
  const uint8_t kind = static_cast<uint8_t>(bytes[1]);
  const std::string_view rest = bytes.substr(2);
  switch (kind) {
    case static_cast<uint8_t>(LeafKind::kPerson):
      if (bytes.size() != kPersonLeafBytes) {
        return absl::InvalidArgumentError(
            StrCat("a person leaf of ", bytes.size(), " bytes (it is ", kPersonLeafBytes, ")"));
      }
      leaf.kind = LeafKind::kPerson;
      leaf.person_key = ReadHash(rest);
      leaf.commitment = ReadHash(rest.substr(crypto::kHashBytes));
      return leaf;
    case static_cast<uint8_t>(LeafKind::kPublic):
      leaf.kind = LeafKind::kPublic;
      leaf.body = rest;
      return leaf;
    case static_cast<uint8_t>(LeafKind::kErasure):
      if (rest.size() < crypto::kHashBytes) {
        return absl::InvalidArgumentError("an erasure leaf without its person key");
      }
      leaf.kind = LeafKind::kErasure;
      leaf.person_key = ReadHash(rest);
      leaf.body = rest.substr(crypto::kHashBytes);
      return leaf;
    default:
      return absl::InvalidArgumentError(StrCat("a leaf of unknown kind ", kind));
  }
}

std::string PersonLeaf(const PersonKey& key, const crypto::Hash& commitment) {
  std::string out = Header(LeafKind::kPerson);
  AppendHash(&out, key);
  AppendHash(&out, commitment);
  return out;
}

std::string PublicLeaf(std::string_view body) {
  PBL_CHECK(body.size() <= kLeafBytesMax - 2, "a public leaf's body is too long");
  std::string out = Header(LeafKind::kPublic);
  out.append(body);
  return out;
}

std::string ErasureLeaf(const PersonKey& key, std::string_view body) {
  PBL_CHECK(body.size() <= kLeafBytesMax - 2 - crypto::kHashBytes,
            "an erasure leaf's body is too long");
  std::string out = Header(LeafKind::kErasure);
  AppendHash(&out, key);
  out.append(body);
  return out;
}

std::string LogParametersLeaf(const crypto::VrfPublicKey& vrf_public_key) {
  v2::PublicEntry entry;
  v2::LogParameters* params = entry.mutable_log_parameters();
  params->set_format("pbl.v2");
  params->set_vrf_public_key(
      std::string(reinterpret_cast<const char*>(vrf_public_key.data()), vrf_public_key.size()));
  return PublicLeaf(entry.SerializeAsString());
}

crypto::Hash Commitment(const CommitmentNonce& nonce, std::string_view content) {
  return crypto::Sha256Hasher().Update(kCommitmentTag).Update(nonce).Update(content).Finish();
}

std::string MakeOpening(std::string_view content) {
  CommitmentNonce nonce;
  crypto::RandomBytes(nonce);
  std::string out(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  out.append(content);
  return out;
}

absl::StatusOr<Opening> ParseOpening(std::string_view opening) {
  if (opening.size() < kCommitmentNonceBytes) {
    return absl::InvalidArgumentError(
        StrCat("an opening of ", opening.size(), " bytes (its nonce alone is 32)"));
  }
  Opening out;
  std::memcpy(out.nonce.data(), opening.data(), kCommitmentNonceBytes);
  out.content = opening.substr(kCommitmentNonceBytes);
  return out;
}

absl::Status CheckOpening(const Leaf& leaf, std::string_view opening) {
  if (leaf.kind != LeafKind::kPerson) {
    return absl::InvalidArgumentError("only a person leaf has an opening");
  }
  PBL_ASSIGN_OR_RETURN(const Opening parsed, ParseOpening(opening));
  if (Commitment(parsed.nonce, parsed.content) != leaf.commitment) {
    return absl::InvalidArgumentError("the opening does not match the leaf's commitment");
  }
  return absl::OkStatus();
}

std::string PersonKeyInput(std::string_view scheme_id, std::string_view person_id) {
  std::string out(kPersonKeyTag);
  out.append(scheme_id);
  out.push_back('\0');
  out.append(person_id);
  return out;
}

PersonKey PersonKeyOf(const crypto::VrfOutput& beta) {
  PersonKey key;
  std::memcpy(key.data(), beta.data(), key.size());
  return key;
}

absl::StatusOr<PersonKey> VerifyPersonKey(const crypto::VrfPublicKey& vrf_key,
                                          std::string_view scheme_id, std::string_view person_id,
                                          const crypto::VrfProof& proof) {
  PBL_ASSIGN_OR_RETURN(
      const crypto::VrfOutput beta,
      crypto::VrfVerify(vrf_key, crypto::AsBytes(PersonKeyInput(scheme_id, person_id)), proof));
  return PersonKeyOf(beta);
}

std::string MapLine(const MapHead& head) {
  return StrCat(kMapLinePrefix, head.size, " ", crypto::Base64Encode(head.root));
}

absl::StatusOr<MapHead> ParseMapLine(const std::vector<std::string>& extensions,
                                     int64_t checkpoint_size) {
  std::optional<std::string_view> found;
  for (const std::string& line : extensions) {
    if (!line.starts_with(kMapLinePrefix)) continue;
    if (found) return absl::InvalidArgumentError("the checkpoint has two pbl-map lines");
    found = line;
  }
  if (!found) return absl::InvalidArgumentError("the checkpoint has no pbl-map line");
  const std::string_view rest = found->substr(kMapLinePrefix.size());
  const size_t space = rest.find(' ');
  absl::StatusOr<int64_t> size = space == std::string_view::npos
                                     ? absl::InvalidArgumentError("no space")
                                     : crypto::ParseDecimal(rest.substr(0, space));
  if (!size.ok()) {
    return absl::InvalidArgumentError(StrCat("malformed pbl-map line '", *found, "'"));
  }
  MapHead head;
  head.size = *size;
  if (head.size > checkpoint_size) {
    return absl::InvalidArgumentError(StrCat("the pbl-map line's size ", head.size,
                                             " is past the checkpoint's ", checkpoint_size));
  }
  absl::StatusOr<std::string> root = crypto::Base64Decode(rest.substr(space + 1));
  if (!root.ok() || root->size() != crypto::kHashBytes) {
    return absl::InvalidArgumentError(StrCat("malformed pbl-map root in '", *found, "'"));
  }
  std::memcpy(head.root.data(), root->data(), crypto::kHashBytes);
  return head;
}

}  // namespace pbl::ledger
