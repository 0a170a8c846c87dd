// The person map of log format v2 (crypto/person_map.h, specs/log-format-v2.md section 5):
// roots against a second, naive implementation and against a vector computed with Python's
// hashlib, proofs of presence and absence, their wire form, and every way a proof can lie.
#include "crypto/person_map.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "tests/testing/status_matchers.h"

namespace pbl::crypto {
namespace {

using ::pbl::testing::StatusIs;

MapKey RandomKey(std::mt19937_64& rng) {
  MapKey k;
  for (uint8_t& b : k) b = static_cast<uint8_t>(rng());
  return k;
}

MapValue ValueOf(uint64_t n) {
  MapValue v;
  v.count = n;
  v.chain = Sha256(std::to_string(n));
  v.last_index = n * 7;
  return v;
}

// `n` random keys with values 0..n-1, set in `map` in one update.
std::vector<std::pair<MapKey, MapValue>> FillRandom(std::mt19937_64& rng, int n, PersonMap& map) {
  std::vector<std::pair<MapKey, MapValue>> all;
  for (int i = 0; i < n; ++i) all.emplace_back(RandomKey(rng), ValueOf(static_cast<uint64_t>(i)));
  map.Update(all);
  return all;
}

// The map's definition, written out directly: no compression state, no node pool.
Hash NaiveRoot(std::vector<std::pair<MapKey, MapValue>> items, int depth = 0) {
  if (items.empty()) return kEmptyMapHash;
  if (items.size() == 1) return MapLeafHash(items[0].first, items[0].second);
  std::vector<std::pair<MapKey, MapValue>> left, right;
  for (auto& i : items) (MapKeyBit(i.first, depth) == 0 ? left : right).push_back(i);
  return MapNodeHash(NaiveRoot(left, depth + 1), NaiveRoot(right, depth + 1));
}

TEST(PersonMapTest, AVectorComputedWithPythonsHashlib) {
  MapKey k1{}, k2{}, k3{};
  k2[0] = 0x80;
  k3[0] = 0x40;
  std::vector<uint8_t> a = {'a'};
  const Hash c1 = ChainNext(kEmptyMapHash, 0, LeafHash(a));
  EXPECT_EQ(HexEncode(c1), "e62f2b596a8e1583cc5912c274275fa31f3375db15e49d512a0543542b200719");
  PersonMap map;
  map.Update({{k1, {1, c1, 0}}, {k2, {2, Sha256("x"), 7}}, {k3, {3, Sha256("y"), 9}}});
  EXPECT_EQ(HexEncode(map.Root()),
            "17dc4f33514d8956bfae65e78bb02878173fbd8537a227367e5beaac8a5c2848");
}

TEST(PersonMapTest, RootsAgreeWithTheDefinitionThroughInsertsAndUpdates) {
  std::mt19937_64 rng(16);
  PersonMap map;
  EXPECT_EQ(map.Root(), kEmptyMapHash);
  std::vector<std::pair<MapKey, MapValue>> all;
  for (int round = 0; round < 6; ++round) {
    std::vector<std::pair<MapKey, MapValue>> batch;
    for (int i = 0; i < 200; ++i) batch.emplace_back(RandomKey(rng), ValueOf(rng() % 1000));
    // Half as many updates of keys already there, one of them twice (the later value counts).
    for (int i = 0; i < 100 && !all.empty(); ++i) {
      auto& old = all[rng() % all.size()];
      old.second = ValueOf(rng() % 1000);
      batch.push_back(old);
    }
    if (!all.empty()) {
      batch.emplace_back(all[0].first, ValueOf(1));
      batch.emplace_back(all[0].first, ValueOf(2));
      all[0].second = ValueOf(2);
    }
    for (size_t i = 0; i < 200; ++i) all.push_back(batch[i]);
    map.Update(batch);
    ASSERT_EQ(map.size(), all.size());
    EXPECT_EQ(map.Root(), NaiveRoot(all)) << "round " << round;
  }
  for (const auto& [key, value] : all) EXPECT_EQ(map.Get(key), value);
  EXPECT_EQ(map.Get(RandomKey(rng)), std::nullopt);
}

TEST(PersonMapTest, EveryKeyIsProvedPresentAndNoProofLies) {
  std::mt19937_64 rng(17);
  PersonMap map;
  const std::vector<std::pair<MapKey, MapValue>> all = FillRandom(rng, 500, map);
  const Hash root = map.Root();
  for (const auto& [key, value] : all) {
    const MapProof proof = map.Prove(key);
    ASSERT_FALSE(proof.other.has_value());
    EXPECT_OK(VerifyMapInclusion(root, key, value, proof));
    ASSERT_OK_AND_ASSIGN(const MapProof parsed, ParseMapProof(EncodeMapProof(proof, false), false));
    EXPECT_EQ(parsed.siblings, proof.siblings);
    // Another value, another key, a changed sibling: refused.
    MapValue other = value;
    other.count += 1;
    EXPECT_THAT(VerifyMapInclusion(root, key, other, proof), StatusIs(absl::StatusCode::kDataLoss));
    MapKey moved = key;
    moved[31] ^= 1;
    EXPECT_THAT(VerifyMapInclusion(root, moved, value, proof),
                StatusIs(absl::StatusCode::kDataLoss));
    EXPECT_THAT(VerifyMapAbsence(root, key, proof), StatusIs(absl::StatusCode::kDataLoss));
    MapProof bent = proof;
    ASSERT_FALSE(bent.siblings.empty());
    bent.siblings[0][5] ^= 0x10;
    EXPECT_THAT(VerifyMapInclusion(root, key, value, bent), StatusIs(absl::StatusCode::kDataLoss));
  }
}

TEST(PersonMapTest, AbsentKeysAreProvedAbsentEndingAtAnEmptySubtreeOrAnotherKey) {
  std::mt19937_64 rng(18);
  PersonMap map;
  const std::vector<std::pair<MapKey, MapValue>> all = FillRandom(rng, 300, map);
  const Hash root = map.Root();
  int at_empty = 0, at_other = 0;
  for (int i = 0; i < 400; ++i) {
    const MapKey key = RandomKey(rng);
    const MapProof proof = map.Prove(key);
    EXPECT_OK(VerifyMapAbsence(root, key, proof));
    ASSERT_OK_AND_ASSIGN(const MapProof parsed, ParseMapProof(EncodeMapProof(proof, true), true));
    EXPECT_OK(VerifyMapAbsence(root, key, parsed));
    if (proof.other) {
      ++at_other;
      // The other key shown as the key itself, or as one off the path: refused.
      MapProof self = proof;
      self.other->first = key;
      EXPECT_THAT(VerifyMapAbsence(root, key, self), StatusIs(absl::StatusCode::kInvalidArgument));
      MapProof off = proof;
      off.other->first[0] ^= 0x80;
      if (!proof.siblings.empty()) {
        EXPECT_THAT(VerifyMapAbsence(root, key, off), StatusIs(absl::StatusCode::kInvalidArgument));
      }
    } else {
      ++at_empty;
    }
  }
  EXPECT_GT(at_empty, 0);
  EXPECT_GT(at_other, 0);
  // A present key cannot be shown absent: its own path ends at its own leaf.
  const MapProof present = map.Prove(all[0].first);
  MapProof claimed = present;
  EXPECT_THAT(VerifyMapAbsence(root, all[0].first, claimed), StatusIs(absl::StatusCode::kDataLoss));
  // The empty map: every key absent at depth 0.
  PersonMap empty;
  EXPECT_OK(VerifyMapAbsence(empty.Root(), all[0].first, empty.Prove(all[0].first)));
}

TEST(PersonMapTest, KeysThatDifferOnlyInTheLastBitSitAtDepth256) {
  MapKey a{}, b{};
  b[31] = 1;
  PersonMap map;
  map.Update({{a, ValueOf(1)}, {b, ValueOf(2)}});
  const MapProof proof = map.Prove(b);
  ASSERT_EQ(proof.siblings.size(), 256u);
  const std::string wire = EncodeMapProof(proof, false);
  EXPECT_EQ(wire.size(), 2u + 32u + 32u);  // depth, a bitmap of 255 empty siblings, one hash
  ASSERT_OK_AND_ASSIGN(const MapProof parsed, ParseMapProof(wire, false));
  EXPECT_OK(VerifyMapInclusion(map.Root(), b, ValueOf(2), parsed));
  EXPECT_EQ(map.Root(), NaiveRoot({{a, ValueOf(1)}, {b, ValueOf(2)}}));
}

TEST(PersonMapTest, MalformedProofsAreRefusedBeforeAnyHashing) {
  std::mt19937_64 rng(19);
  PersonMap map;
  const std::vector<std::pair<MapKey, MapValue>> all = FillRandom(rng, 50, map);
  const MapProof proof = map.Prove(all[3].first);
  const std::string wire = EncodeMapProof(proof, false);
  EXPECT_THAT(ParseMapProof(wire + "x", false), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseMapProof(wire.substr(0, wire.size() - 1), false),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseMapProof(std::string("\x01\x01", 2), false),
              StatusIs(absl::StatusCode::kInvalidArgument));  // depth 257
  std::string past = EncodeMapProof(MapProof{{Sha256("s")}, std::nullopt}, false);
  past[2] = static_cast<char>(0x40);  // depth 1, bit 1 set
  EXPECT_THAT(ParseMapProof(past, false), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseMapProof(EncodeMapProof(proof, false) + std::string(1, '\2'), true),
              StatusIs(absl::StatusCode::kInvalidArgument));  // terminal 2
  // A proof whose deepest sibling is empty, which no map makes.
  MapProof hollow = proof;
  hollow.siblings.push_back(kEmptyMapHash);
  EXPECT_THAT(VerifyMapInclusion(map.Root(), all[3].first, all[3].second, hollow),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PersonMapTest, AChainFixesWhichLeavesInWhichOrder) {
  const Hash l1 = Sha256("leaf 1"), l2 = Sha256("leaf 2"), l3 = Sha256("leaf 3");
  const auto fold = [](std::vector<std::pair<uint64_t, Hash>> leaves) {
    Hash c = kEmptyMapHash;
    for (const auto& [index, leaf] : leaves) c = ChainNext(c, index, leaf);
    return c;
  };
  const Hash all = fold({{4, l1}, {9, l2}, {12, l3}});
  EXPECT_NE(fold({{4, l1}, {12, l3}}), all);                    // one left out
  EXPECT_NE(fold({{9, l2}, {4, l1}, {12, l3}}), all);           // reordered
  EXPECT_NE(fold({{4, l1}, {9, l2}, {9, l2}, {12, l3}}), all);  // one twice
  EXPECT_NE(fold({{4, l1}, {10, l2}, {12, l3}}), all);          // moved
  EXPECT_EQ(fold({{4, l1}, {9, l2}, {12, l3}}), all);
}

}  // namespace
}  // namespace pbl::crypto
