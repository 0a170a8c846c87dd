// libFuzzer target for the proofs of log format v2's completeness structure: person-map proofs
// (crypto/person_map.h) and person-key VRF proofs (crypto/vrf.h).
//
// The input's first byte picks how many keys a small real map holds (keys and values fixed by
// that count), the rest is used three ways:
//  1. as a map proof, inclusion and absence: ParseMapProof must fail or give a proof that
//     encodes back to exactly the input (one spelling per proof); such a proof may verify for a
//     key only if it is that key's real proof, for inclusion only with the key's real value, and
//     for absence only for a key the map does not hold;
//  2. the real proof of every key verifies, and with any one bit of its wire form flipped it is
//     refused or no longer the same proof;
//  3. as a VRF proof of the input under a fixed key: VrfVerify may succeed only for the key's
//     own (deterministic) proof of that input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/person_map.h"
#include "crypto/vrf.h"
#include "tests/fuzz/fuzz_check.h"

namespace pbl::crypto {
namespace {

// The i-th key of a map of `keys` keys. Keys that share long prefixes too: every odd key is the
// even one before it with its last bit flipped (the two sit at depth 256).
MapKey KeyOf(int keys, int i) {
  MapKey k = Sha256(std::to_string(keys * 100 + i - i % 2));
  if (i % 2 == 1) k[31] ^= 1;
  return k;
}

void CheckArbitraryProof(const PersonMap& map, const std::vector<std::pair<MapKey, MapValue>>& all,
                         std::string_view bytes) {
  for (const bool absence : {false, true}) {
    const absl::StatusOr<MapProof> parsed = ParseMapProof(bytes, absence);
    if (!parsed.ok()) continue;
    PBL_FUZZ_CHECK(EncodeMapProof(*parsed, absence) == bytes, "a proof has one spelling");
    for (const auto& [key, value] : all) {
      const MapProof real = map.Prove(key);
      if (!absence && VerifyMapInclusion(map.Root(), key, value, *parsed).ok()) {
        PBL_FUZZ_CHECK(parsed->siblings == real.siblings, "only the real inclusion proof verifies");
      }
      PBL_FUZZ_CHECK(!absence || !VerifyMapAbsence(map.Root(), key, *parsed).ok(),
                     "a present key is never proved absent");
    }
    if (absence && parsed->other) {
      const MapKey& shown = parsed->other->first;
      if (VerifyMapAbsence(map.Root(), Sha256(bytes), *parsed).ok()) {
        PBL_FUZZ_CHECK(map.Get(shown) == parsed->other->second, "the key shown is in the map");
      }
    }
  }
}

void CheckRealProofs(const PersonMap& map, const std::vector<std::pair<MapKey, MapValue>>& all,
                     std::string_view input) {
  for (size_t i = 0; i < all.size(); ++i) {
    const auto& [key, value] = all[i];
    const MapProof real = map.Prove(key);
    PBL_FUZZ_CHECK(VerifyMapInclusion(map.Root(), key, value, real).ok(), "a real proof verifies");
    std::string wire = EncodeMapProof(real, false);
    const size_t bit =
        (input.empty() ? i : static_cast<uint8_t>(input[i % input.size()]) + i) % (wire.size() * 8);
    wire[bit / 8] = static_cast<char>(wire[bit / 8] ^ (1 << (bit % 8)));
    const absl::StatusOr<MapProof> bent = ParseMapProof(wire, false);
    if (bent.ok()) {
      PBL_FUZZ_CHECK(!VerifyMapInclusion(map.Root(), key, value, *bent).ok(),
                     "a flipped bit is refused");
    }
  }
}

void CheckVrf(std::string_view input) {
  static const VrfSecretKey key = [] {
    std::array<uint8_t, 32> x{};
    x[0] = 7;
    return std::move(*VrfSecretKey::FromScalar(x));
  }();
  if (input.size() < kVrfProofBytes) return;
  VrfProof proof;
  std::copy_n(reinterpret_cast<const uint8_t*>(input.data()), kVrfProofBytes, proof.begin());
  const std::string_view alpha = input.substr(kVrfProofBytes);
  const std::span<const uint8_t> alpha_bytes(reinterpret_cast<const uint8_t*>(alpha.data()),
                                             alpha.size());
  const absl::StatusOr<VrfOutput> out = VrfVerify(key.public_key(), alpha_bytes, proof);
  if (out.ok()) {
    PBL_FUZZ_CHECK(proof == key.Prove(alpha_bytes), "only the key's own proof verifies");
  }
  PBL_FUZZ_CHECK(VrfVerify(key.public_key(), alpha_bytes, key.Prove(alpha_bytes)).ok(),
                 "the key's proof of any input verifies");
}

}  // namespace
}  // namespace pbl::crypto

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pbl::crypto;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const int keys = size == 0 ? 0 : data[0] % 24;
  PersonMap map;
  std::vector<std::pair<MapKey, MapValue>> all;
  for (int i = 0; i < keys; ++i) {
    MapValue v;
    v.count = static_cast<uint64_t>(i) + 1;
    v.last_index = static_cast<uint64_t>(i) * 3;
    all.emplace_back(KeyOf(keys, i), v);
  }
  map.Update(all);
  const std::string_view rest = size == 0 ? input : input.substr(1);
  CheckArbitraryProof(map, all, rest);
  CheckRealProofs(map, all, rest);
  CheckVrf(rest);
  return 0;
}
