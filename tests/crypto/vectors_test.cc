// The vectors in tests/vectors/tlog were made by Go's golang.org/x/mod/sumdb/tlog and
// sumdb/note, not by this project. Every value must be reproduced and verified by our code, and
// every value must stop verifying once one bit, the size or the index is changed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/note_verifiers.h"
#include "tests/testing/status_matchers.h"

namespace pbl::crypto {
namespace {

using ::pbl::testing::StatusIs;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Hash HashFromHex(const std::string& hex) {
  const std::string bytes = HexDecode(hex).value();
  Hash h;
  EXPECT_EQ(bytes.size(), h.size());
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

Proof ProofFromJson(const nlohmann::json& hashes) {
  Proof proof;
  for (const auto& h : hashes) proof.push_back(HashFromHex(h.get<std::string>()));
  return proof;
}

Hash FlipBit(Hash h, size_t bit) {
  h[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return h;
}

struct VectorLog {
  std::string name;
  std::string checkpoint;
  std::string vkey;
  nlohmann::json proofs;
  MemoryHashStore store;
};

class VectorsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::filesystem::path dir = std::filesystem::path(PBL_VECTORS_DIR) / "tlog" / GetParam();
    ASSERT_TRUE(std::filesystem::exists(dir)) << dir << " is missing: the vectors are required";
    log_.checkpoint = ReadFile(dir / "checkpoint.txt");
    log_.vkey = ReadFile(dir / "vkey.txt");
    while (!log_.vkey.empty() && log_.vkey.back() == '\n') log_.vkey.pop_back();
    log_.proofs = nlohmann::json::parse(ReadFile(dir / "proofs.json"));
    std::ifstream entries(dir / "entries.jsonl", std::ios::binary);
    for (std::string line; std::getline(entries, line);) log_.store.Append(AsBytes(line));
    ASSERT_EQ(log_.store.size(), log_.proofs["tree_size"].get<int64_t>());
    extended_ = log_.store;
    extended_.Append(AsBytes(std::string("one more entry")));
  }
  // The real root of a tree of `size` leaves, for sizes up to one past the log's.
  Hash RootOf(int64_t size) { return TreeHash(size, extended_).value(); }

  VectorLog log_;
  MemoryHashStore extended_;  // the log plus one entry
};

TEST_P(VectorsTest, RootOfEntriesMatchesGo) {
  EXPECT_EQ(HexEncode(log_.store.Root()), log_.proofs["root_hex"].get<std::string>());
  ASSERT_OK_AND_ASSIGN(Hash root, TreeHash(log_.store.size(), log_.store));
  EXPECT_EQ(root, log_.store.Root());
}

TEST_P(VectorsTest, VerifierKeyParsesAndItsKeyIdIsRecomputed) {
  ASSERT_OK_AND_ASSIGN(VerifierKey key, ParseVerifierKey(log_.vkey));
  EXPECT_EQ(key.name, log_.proofs["origin"].get<std::string>());
  EXPECT_EQ(key.type, kSignatureTypeEd25519);
  EXPECT_EQ(ComputeKeyId(key.name, key.type, key.public_key), key.key_id);
  EXPECT_EQ(FormatVerifierKey(key.name, key.type, key.public_key), log_.vkey);
  EXPECT_EQ(log_.proofs["vkey"].get<std::string>(), log_.vkey);
}

TEST_P(VectorsTest, SignedCheckpointVerifiesAndCommitsToTheEntries) {
  ASSERT_OK_AND_ASSIGN(auto verifier, NewNoteVerifier(log_.vkey));
  ASSERT_OK_AND_ASSIGN(OpenedCheckpoint opened, OpenCheckpoint(log_.checkpoint, *verifier));
  EXPECT_EQ(opened.checkpoint.origin, verifier->name());
  EXPECT_EQ(opened.checkpoint.size, log_.store.size());
  EXPECT_EQ(opened.checkpoint.root, log_.store.Root());
  EXPECT_EQ(opened.checkpoint.Body(), opened.note.text);
}

TEST_P(VectorsTest, CheckpointFailsWithAnyBitFlipped) {
  ASSERT_OK_AND_ASSIGN(auto verifier, NewNoteVerifier(log_.vkey));
  for (size_t bit = 0; bit < log_.checkpoint.size() * 8; ++bit) {
    std::string tampered = log_.checkpoint;
    tampered[bit / 8] = static_cast<char>(tampered[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_FALSE(OpenCheckpoint(tampered, *verifier).ok()) << "bit " << bit << " flipped";
  }
}

TEST_P(VectorsTest, CheckpointFailsWithItsSizeChanged) {
  ASSERT_OK_AND_ASSIGN(auto verifier, NewNoteVerifier(log_.vkey));
  const std::string size = std::to_string(log_.store.size());
  const size_t at = log_.checkpoint.find("\n" + size + "\n");
  ASSERT_NE(at, std::string::npos);
  for (int64_t other : {log_.store.size() - 1, log_.store.size() + 1}) {
    std::string tampered = log_.checkpoint;
    tampered.replace(at + 1, size.size(), std::to_string(other));
    EXPECT_THAT(OpenCheckpoint(tampered, *verifier), StatusIs(absl::StatusCode::kDataLoss));
  }
}

TEST_P(VectorsTest, VerifierKeyFailsWithAnyBitFlipped) {
  for (size_t bit = 0; bit < log_.vkey.size() * 8; ++bit) {
    std::string tampered = log_.vkey;
    tampered[bit / 8] = static_cast<char>(tampered[bit / 8] ^ (1 << (bit % 8)));
    absl::StatusOr<std::unique_ptr<NoteVerifier>> verifier = NewNoteVerifier(tampered);
    if (!verifier.ok()) continue;  // rejected as malformed: fine
    EXPECT_FALSE(OpenCheckpoint(log_.checkpoint, **verifier).ok()) << "bit " << bit;
  }
}

TEST_P(VectorsTest, InclusionProofsAreReproducedAndVerified) {
  const Hash root = HashFromHex(log_.proofs["root_hex"].get<std::string>());
  for (const auto& p : log_.proofs["inclusion"]) {
    const int64_t index = p["index"].get<int64_t>();
    const int64_t size = p["tree_size"].get<int64_t>();
    const std::string data = HexDecode(p["leaf_data_hex"].get<std::string>()).value();
    const Hash leaf = HashFromHex(p["leaf_hash_hex"].get<std::string>());
    const Proof want = ProofFromJson(p["proof"]);
    EXPECT_EQ(LeafHash(AsBytes(data)), leaf);
    EXPECT_EQ(HashFromHex(p["root_hex"].get<std::string>()), root);
    ASSERT_OK_AND_ASSIGN(Proof got, ProveInclusion(index, size, log_.store));
    EXPECT_EQ(got, want) << "index " << index;
    EXPECT_OK(VerifyInclusion(index, size, leaf, want, root));
  }
}

TEST_P(VectorsTest, InclusionProofsFailWhenAnythingChanges) {
  const Hash root = HashFromHex(log_.proofs["root_hex"].get<std::string>());
  for (const auto& p : log_.proofs["inclusion"]) {
    const int64_t index = p["index"].get<int64_t>();
    const int64_t size = p["tree_size"].get<int64_t>();
    const Hash leaf = HashFromHex(p["leaf_hash_hex"].get<std::string>());
    const Proof proof = ProofFromJson(p["proof"]);
    for (size_t bit = 0; bit < kHashBytes * 8; ++bit) {
      EXPECT_FALSE(VerifyInclusion(index, size, FlipBit(leaf, bit), proof, root).ok());
      EXPECT_FALSE(VerifyInclusion(index, size, leaf, proof, FlipBit(root, bit)).ok());
      for (size_t i = 0; i < proof.size(); ++i) {
        Proof tampered = proof;
        tampered[i] = FlipBit(tampered[i], bit);
        EXPECT_FALSE(VerifyInclusion(index, size, leaf, tampered, root).ok());
      }
    }
    for (int64_t other : {index - 1, index + 1}) {
      EXPECT_FALSE(VerifyInclusion(other, size, leaf, proof, root).ok()) << other;
    }
    // A proof alone does not fix the tree size (the signed checkpoint does), so a changed size
    // is checked against the real root of a tree of that size.
    for (int64_t other : {size - 1, size + 1}) {
      if (other < 1) continue;
      EXPECT_FALSE(VerifyInclusion(index, other, leaf, proof, RootOf(other)).ok()) << other;
    }
    Proof longer = proof;
    longer.push_back(root);
    EXPECT_THAT(VerifyInclusion(index, size, leaf, longer, root),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST_P(VectorsTest, ConsistencyProofsAreReproducedAndVerified) {
  for (const auto& p : log_.proofs["consistency"]) {
    const int64_t old_size = p["old_size"].get<int64_t>();
    const int64_t new_size = p["new_size"].get<int64_t>();
    const Hash old_root = HashFromHex(p["old_root_hex"].get<std::string>());
    const Hash new_root = HashFromHex(p["new_root_hex"].get<std::string>());
    const Proof want = ProofFromJson(p["proof"]);
    ASSERT_OK_AND_ASSIGN(Hash our_old_root, TreeHash(old_size, log_.store));
    EXPECT_EQ(our_old_root, old_root) << "size " << old_size;
    ASSERT_OK_AND_ASSIGN(Proof got, ProveConsistency(old_size, new_size, log_.store));
    EXPECT_EQ(got, want) << old_size << " -> " << new_size;
    EXPECT_OK(VerifyConsistency(old_size, new_size, old_root, new_root, want));
  }
}

TEST_P(VectorsTest, ConsistencyProofsFailWhenAnythingChanges) {
  for (const auto& p : log_.proofs["consistency"]) {
    const int64_t old_size = p["old_size"].get<int64_t>();
    const int64_t new_size = p["new_size"].get<int64_t>();
    const Hash old_root = HashFromHex(p["old_root_hex"].get<std::string>());
    const Hash new_root = HashFromHex(p["new_root_hex"].get<std::string>());
    const Proof proof = ProofFromJson(p["proof"]);
    for (size_t bit = 0; bit < kHashBytes * 8; ++bit) {
      EXPECT_FALSE(
          VerifyConsistency(old_size, new_size, FlipBit(old_root, bit), new_root, proof).ok());
      EXPECT_FALSE(
          VerifyConsistency(old_size, new_size, old_root, FlipBit(new_root, bit), proof).ok());
      for (size_t i = 0; i < proof.size(); ++i) {
        Proof tampered = proof;
        tampered[i] = FlipBit(tampered[i], bit);
        EXPECT_FALSE(VerifyConsistency(old_size, new_size, old_root, new_root, tampered).ok());
      }
    }
    for (int64_t other : {old_size - 1, old_size + 1}) {
      if (other < 1 || other > new_size) continue;
      EXPECT_FALSE(VerifyConsistency(other, new_size, RootOf(other), new_root, proof).ok())
          << other;
    }
    for (int64_t other : {new_size - 1, new_size + 1}) {
      if (other < old_size) continue;
      EXPECT_FALSE(VerifyConsistency(old_size, other, old_root, RootOf(other), proof).ok())
          << other;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(GoSumdb, VectorsTest,
                         ::testing::Values("size-1", "size-7", "size-256", "size-1000"));

}  // namespace
}  // namespace pbl::crypto
