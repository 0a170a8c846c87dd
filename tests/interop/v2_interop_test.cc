// Log format v2's completeness proofs against an independent checker: tests/interop/v2_check.py,
// Python's standard library only, with ristretto255 (RFC 9496), the VRF of c2sp.org/vrf-r255 and
// the person map and sealed leaves of specs/log-format-v2.md written there from the
// specifications. pbl::crypto and pbl::ledger make VRF proofs, map proofs and sealed leaves with
// their openings, valid and tampered; the checker must accept exactly the valid ones and agree on
// every output and on the map's root.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "crypto/base/strings.h"
#include "crypto/checkpoint.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/person_map.h"
#include "crypto/vrf.h"
#include "ledger/log/ledger.h"
#include "ledger/log/node_secrets.h"
#include "ledger/log/sealed.h"
#include "pbl/v1/entry.pb.h"
#include "tests/testing/entries.h"
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

// Sealed leaves of a real v2 ledger's kind: made with the node's secrets as the ledger makes
// them, each valid one with tampered twins (another person's opening, a changed nonce, another
// person's key proof, a leaf of another key).
json LeafItems(std::mt19937_64& rng) {
  const ledger::NodeSecrets secrets(SecretKey::Generate());
  json items = json::array();
  const auto item = [&](const std::string& person, const std::string& scheme, const VrfProof& proof,
                        const std::string& leaf, const std::string& opening, bool valid) {
    items.push_back({{"person_id", person},
                     {"scheme_id", scheme},
                     {"person_key_proof", Hex(proof)},
                     {"leaf", Hex(leaf)},
                     {"opening", Hex(opening)},
                     {"valid", valid}});
  };
  for (int p = 0; p < 2; ++p) {
    const std::string person = testing::PersonId(static_cast<int64_t>(rng() % 1000));
    const std::string other_person = testing::PersonId(1000 + p);
    const std::string scheme = "UEBPI-310000";
    const ledger::ProvenPersonKey k = secrets.ProvePersonKey(scheme, person);
    const ledger::ProvenPersonKey other = secrets.ProvePersonKey(scheme, other_person);
    const std::string opening = ledger::MakeOpening(testing::ContributionEntry(0, p));
    // ContributionEntry(0, ...) is person 0's: rewrite it as `person`'s entry.
    v1::Entry entry;
    entry.ParseFromString(opening.substr(ledger::kCommitmentNonceBytes));
    entry.set_person_id(person);
    const std::string content = entry.SerializeAsString();
    const std::string good = opening.substr(0, ledger::kCommitmentNonceBytes) + content;
    const ledger::Opening parsed = ledger::ParseOpening(good).value();
    const std::string leaf = ledger::PersonLeaf(k.key, ledger::Commitment(parsed.nonce, content));
    item(person, scheme, k.proof, leaf, good, true);
    entry.set_person_id(other_person);
    const std::string foreign =
        good.substr(0, ledger::kCommitmentNonceBytes) + entry.SerializeAsString();
    const ledger::Opening f = ledger::ParseOpening(foreign).value();
    // Another person's entry under this person's key, its commitment honest: the content names
    // someone else.
    item(person, scheme, k.proof, ledger::PersonLeaf(k.key, ledger::Commitment(f.nonce, f.content)),
         foreign, false);
    std::string bent = good;
    bent[rng() % ledger::kCommitmentNonceBytes] ^= 0x20;
    item(person, scheme, k.proof, leaf, bent, false);
    item(person, scheme, other.proof, leaf, good, false);
    item(person, scheme, k.proof,
         ledger::PersonLeaf(other.key, ledger::Commitment(parsed.nonce, content)), good, false);
  }
  return {{"parameters", Hex(ledger::LogParametersLeaf(secrets.vrf_public_key()))},
          {"items", items}};
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
  const json doc = {{"vrf", VrfItems(rng)}, {"map", MapItems(rng)}, {"leaves", LeafItems(rng)}};
  const RunResult run = Check(doc, "proofs.json");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("agree"), std::string::npos) << run.out;
  // The checker is not vacuous: a wrong root, or an invalid proof called valid, fails it.
  // (Small documents: the checker's pure-Python group arithmetic takes ~0.2 s per VRF proof.)
  json wrong_root = doc;
  wrong_root["vrf"] = json::array();
  wrong_root["leaves"]["items"] = json::array();
  wrong_root["map"]["root"] = Hex(Sha256("another root"));
  EXPECT_EQ(Check(wrong_root, "wrong-root.json").exit_code, 1);
  json lying = doc;
  lying["leaves"]["items"] = json::array();
  lying["vrf"] = {doc["vrf"][0], doc["vrf"][1]};
  lying["vrf"][1]["valid"] = true;
  const RunResult lied = Check(lying, "lying.json");
  EXPECT_EQ(lied.exit_code, 1);
  EXPECT_NE(lied.out.find("vrf 1: a valid proof was refused"), std::string::npos) << lied.out;
  json lying_leaf = doc;
  lying_leaf["vrf"] = json::array();
  lying_leaf["leaves"]["items"] = {doc["leaves"]["items"][0], doc["leaves"]["items"][1]};
  lying_leaf["leaves"]["items"][1]["valid"] = true;
  const RunResult leaf_lied = Check(lying_leaf, "lying-leaf.json");
  EXPECT_EQ(leaf_lied.exit_code, 1);
  EXPECT_NE(leaf_lied.out.find("leaf 1: refused"), std::string::npos) << leaf_lied.out;
}

// A real v2 log (pbl::ledger on RocksDB): its leaves and every checkpoint it signed. The checker
// recomputes each checkpoint's tree root and its pbl-map line's root from the leaves alone; a
// checkpoint signed over a map that leaves a leaf out, or that claims a smaller map size for the
// same root, must be refused.
TEST(V2InteropTest, ThePythonCheckerRecomputesEveryCheckpointsMapFromTheLeaves) {
  const std::filesystem::path dir = testing::FreshTestDir("v2_interop_log");
  const SigningKey key = SigningKey::Generate();
  const ledger::NodeSecrets secrets(SecretKey::Generate());
  std::unique_ptr<ledger::Storage> storage = ledger::OpenRocksStorage(dir.string()).value();
  std::unique_ptr<ledger::Ledger> log =
      ledger::Ledger::Open(std::move(storage),
                           ledger::LedgerOptions{.origin = "pbl.example/interop",
                                                 .key = &key,
                                                 .on_group = nullptr,
                                                 .on_stop = nullptr,
                                                 .secrets = &secrets})
          .value();
  std::vector<int64_t> sizes = {1};
  for (int batch = 0; batch < 8; ++batch) {
    std::vector<std::string> entries;
    for (int p = 0; p < 5; ++p) {
      entries.push_back(testing::ContributionEntry(p + batch % 3, batch,
                                                   p % 2 == 0 ? "UEBPI-310000" : "UEBMI-310000"));
    }
    const ledger::AppendResult r = log->Append(entries).value();
    sizes.push_back(r.tree_size);
    if (batch % 3 == 2) {
      ASSERT_TRUE(log->WaitForMap(r.tree_size).ok());
    }
  }
  const int64_t size = log->Head().size;
  json leaves = json::array();
  const std::vector<std::string> all = log->GetEntries(0, size).value();
  for (const std::string& leaf : all) leaves.push_back(Hex(leaf));
  json checkpoints = json::array();
  std::string last;
  for (const int64_t at : sizes) {
    last = log->CheckpointAt(at).value();
    checkpoints.push_back({{"note", last}, {"valid", true}});
  }
  // Forged: the last checkpoint's map root with one bit flipped, and its map size one less.
  const Checkpoint cp = ParseCheckpoint(last.substr(0, last.find("\n\n") + 1)).value();
  const ledger::MapHead head = ledger::ParseMapLine(cp.extensions, cp.size).value();
  ASSERT_GT(head.size, 1);  // the map has folded some leaves
  // Signed by the log's own key: what a node hiding a leaf from its map would publish.
  const Ed25519NoteSigner signer = Ed25519NoteSigner::Create("pbl.example/interop", &key).value();
  const auto forged = [&](ledger::MapHead h) {
    Checkpoint c = cp;
    c.extensions = {ledger::MapLine(h)};
    const NoteSigner* signers[] = {&signer};
    return SignCheckpoint(c, signers).value();
  };
  ledger::MapHead flipped = head;
  flipped.root[5] ^= 1;
  checkpoints.push_back({{"note", forged(flipped)}, {"valid", false}});
  checkpoints.push_back({{"note", forged({head.size - 1, head.root})}, {"valid", false}});
  const json doc = {
      {"vrf", json::array()},
      {"map", {{"items", json::array()}, {"root", Hex(kEmptyMapHash)}, {"proofs", json::array()}}},
      {"log", {{"leaves", leaves}, {"checkpoints", checkpoints}}}};
  const RunResult run = Check(doc, "log.json");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find(StrCat(checkpoints.size(), " checkpoints over ", size, " log leaves")),
            std::string::npos)
      << run.out;
  json lying = doc;
  lying["log"]["checkpoints"] = json::array();
  lying["log"]["checkpoints"].push_back(checkpoints.back());
  lying["log"]["checkpoints"][0]["valid"] = true;
  const RunResult lied = Check(lying, "log-lying.json");
  EXPECT_EQ(lied.exit_code, 1);
  EXPECT_NE(lied.out.find("checkpoint 0: refused"), std::string::npos) << lied.out;
}

}  // namespace
}  // namespace pbl::crypto
