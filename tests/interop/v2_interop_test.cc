// Log format v2's completeness proofs against an independent checker: tests/interop/v2_check.py,
// Python's standard library only, with ristretto255 (RFC 9496), the VRF of c2sp.org/vrf-r255 and
// the person map of specs/log-format-v2.md written there from the specifications. pbl::crypto
// makes VRF proofs and map proofs, valid and tampered; the checker must accept exactly the valid
// ones and agree on every output and on the map's root.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "crypto/encoding.h"
#include "crypto/person_map.h"
#include "crypto/vrf.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace pbl::crypto {
namespace {

using nlohmann::json;
using ::pbl::testing::RunProgram;
using ::pbl::testing::RunResult;

std::string Hex(std::span<const uint8_t> b) { return HexEncode(b); }
std::string Hex(std::string_view s) {
  return HexEncode({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}
std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

json VrfItems(std::mt19937_64& rng) {
  json items = json::array();
  for (int k = 0; k < 3; ++k) {
    const VrfSecretKey key = VrfSecretKey::Generate();
    const VrfSecretKey other = VrfSecretKey::Generate();
    for (int i = 0; i < 2; ++i) {
      const std::string alpha = "pbl.v2 person key\nUEBPI-310000" + std::string(1, '\0') +
                                "34010419840901003" + std::to_string(rng() % 10);
      const VrfProof pi = key.Prove(Bytes(alpha));
      const VrfOutput beta = VrfVerify(key.public_key(), Bytes(alpha), pi).value();
      const auto item = [&](const VrfPublicKey& pk, const std::string& a, const VrfProof& p,
                            bool valid) {
        items.push_back({{"public_key", Hex(pk)},
                         {"alpha", Hex(a)},
                         {"proof", Hex(p)},
                         {"beta", Hex(beta)},
                         {"valid", valid}});
      };
      item(key.public_key(), alpha, pi, true);
      item(other.public_key(), alpha, pi, false);
      item(key.public_key(), alpha + "x", pi, false);
      VrfProof bent = pi;
      bent[rng() % bent.size()] ^= static_cast<uint8_t>(1 << (rng() % 8));
      item(key.public_key(), alpha, bent, false);
    }
  }
  return items;
}

json MapItems(std::mt19937_64& rng) {
  PersonMap map;
  std::vector<std::pair<MapKey, MapValue>> all;
  for (int i = 0; i < 120; ++i) {
    MapKey k;
    for (uint8_t& b : k) b = static_cast<uint8_t>(rng());
    MapValue v;
    v.count = rng() % 500;
    v.chain = Sha256(std::to_string(i));
    v.last_index = rng() % 100'000;
    all.emplace_back(k, v);
  }
  // Two keys that differ only in the last bit: a proof of depth 256.
  MapKey twin = all[0].first;
  twin[31] ^= 1;
  all.emplace_back(twin, all[1].second);
  map.Update(all);
  json items = json::array(), proofs = json::array();
  for (const auto& [k, v] : all) items.push_back({{"key", Hex(k)}, {"value", Hex(v.Encode())}});
  for (size_t i = 0; i < all.size(); i += 3) {
    const auto& [k, v] = all[i];
    const std::string wire = EncodeMapProof(map.Prove(k), false);
    proofs.push_back({{"key", Hex(k)},
                      {"value", Hex(v.Encode())},
                      {"proof", Hex(wire)},
                      {"absence", false},
                      {"valid", true}});
    MapValue other = v;
    other.count += 1;
    proofs.push_back({{"key", Hex(k)},
                      {"value", Hex(other.Encode())},
                      {"proof", Hex(wire)},
                      {"absence", false},
                      {"valid", false}});
    std::string bent = wire;
    bent[bent.size() - 1 - rng() % 32] ^= 0x04;
    proofs.push_back({{"key", Hex(k)},
                      {"value", Hex(v.Encode())},
                      {"proof", Hex(bent)},
                      {"absence", false},
                      {"valid", false}});
    // A present key cannot be shown absent with its own path.
    proofs.push_back({{"key", Hex(k)},
                      {"value", nullptr},
                      {"proof", Hex(wire + '\0')},
                      {"absence", true},
                      {"valid", false}});
  }
  for (int i = 0; i < 40; ++i) {
    MapKey k;
    for (uint8_t& b : k) b = static_cast<uint8_t>(rng());
    const std::string wire = EncodeMapProof(map.Prove(k), true);
    proofs.push_back({{"key", Hex(k)},
                      {"value", nullptr},
                      {"proof", Hex(wire)},
                      {"absence", true},
                      {"valid", true}});
  }
  return {{"items", items}, {"root", Hex(map.Root())}, {"proofs", proofs}};
}

RunResult Check(const json& doc, const std::string& name) {
  const std::string path = (testing::FreshTestDir("v2_interop") / name).string();
  std::ofstream(path) << doc.dump();
  return RunProgram({"/usr/bin/python3", PBL_SOURCE_DIR "/tests/interop/v2_check.py", path});
}

TEST(V2InteropTest, ThePythonCheckerReproducesTheVrfR255TestVector) {
  const RunResult run =
      RunProgram({"/usr/bin/python3", PBL_SOURCE_DIR "/tests/interop/v2_check.py", "--self-test"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("agrees"), std::string::npos) << run.out;
}

TEST(V2InteropTest, ThePythonCheckerAcceptsExactlyTheValidProofsWeMake) {
  std::mt19937_64 rng(1607);
  const json doc = {{"vrf", VrfItems(rng)}, {"map", MapItems(rng)}};
  const RunResult run = Check(doc, "proofs.json");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("agree"), std::string::npos) << run.out;
  // The checker is not vacuous: a wrong root, or an invalid proof called valid, fails it.
  // (Small documents: the checker's pure-Python group arithmetic takes ~0.2 s per VRF proof.)
  json wrong_root = doc;
  wrong_root["vrf"] = json::array();
  wrong_root["map"]["root"] = Hex(Sha256("another root"));
  EXPECT_EQ(Check(wrong_root, "wrong-root.json").exit_code, 1);
  json lying = doc;
  lying["vrf"] = {doc["vrf"][0], doc["vrf"][1]};
  lying["vrf"][1]["valid"] = true;
  const RunResult lied = Check(lying, "lying.json");
  EXPECT_EQ(lied.exit_code, 1);
  EXPECT_NE(lied.out.find("vrf 1: a valid proof was refused"), std::string::npos) << lied.out;
}

}  // namespace
}  // namespace pbl::crypto
