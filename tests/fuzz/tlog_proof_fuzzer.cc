// libFuzzer target for C2SP tlog-proof parsing (crypto/tlog_proof.h) and the Merkle proof
// verifiers it relies on (crypto/merkle.h).
//
// Each input is used three ways:
//  1. as proof text: ParseTlogProof must either fail or give a proof whose Format() parses back
//     to the same value and is, parsing being strict, the input itself; VerifyTlogProof of a
//     parsed proof against the size-7 vector log may succeed only for the one true proof;
//  2. as raw bytes for VerifyInclusion and VerifyConsistency (any index, size and hashes), which
//     must not crash and must report impossible arguments and wrong proof lengths as
//     INVALID_ARGUMENT, as documented;
//  3. as the shape of a small real tree: proofs made by ProveInclusion and ProveConsistency must
//     verify, roots must match an independent RFC 6962 computation, and any flipped bit in a
//     hash or any change in proof length must be rejected.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "crypto/tlog_proof.h"
#include "tests/fuzz/fuzz_check.h"

namespace pbl::crypto {
namespace {

constexpr int kRealTreeLeavesMax = 48;
constexpr int kArbitraryProofHashesMax = kTreeLevelsMax + 4;  // a few past any valid length

// The size-7 log of tests/vectors/tlog (made by Go's sumdb packages), whose signed
// checkpoint and inclusion proof for entry 0 are in the seed corpus.
constexpr std::string_view kLogName = "example.org/benefit-ledger/test";
constexpr Ed25519PublicKey kLogPublicKey = {
    0x16, 0x0a, 0x83, 0x49, 0x21, 0xfb, 0xf2, 0x39, 0x85, 0xf9, 0x0e, 0x73, 0x28, 0x86, 0x8e, 0xd1,
    0x31, 0x32, 0x2c, 0xb7, 0xd4, 0x49, 0x4a, 0xa2, 0xa4, 0x09, 0xbe, 0xcd, 0x29, 0xaa, 0xe8, 0xd2};
constexpr int64_t kLogSize = 7;
constexpr std::string_view kEntry0 =
    R"({"seq":0,"worker":"W000000","scheme":"pension-A","period":"2025-01","amount_cents":10000})";
constexpr std::string_view kRootHex =
    "eb1ae5a99282715aab67c86b15dd1d89df968aee9f100ddedeec86ad4a0eefbe";
constexpr std::string_view kEntry0ProofHex[] = {
    "11784ca13ee698df6d7b48ef205e06bad6f5c0f8fe14d1f3388a3b4db78ad6cc",
    "bc53b8edb65d365caca558f6f6778c0cdc284ee2186375515d88a05fa8700ef4",
    "e3450cd9d41f561e1de8821cfaa47a9766b62de95eead1661e1b2a2a874acd91",
};

// Decodes 64 hex digits here rather than with HexDecode, so that these expectations do not
// depend on the code under test.
Hash HashFromHex(std::string_view hex) {
  const auto nibble = [](char c) {
    return static_cast<uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  };
  Hash hash{};
  for (size_t i = 0; i < hash.size(); ++i) {
    hash[i] = static_cast<uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return hash;
}

const Ed25519NoteVerifier& LogVerifier() {
  static const auto* verifier = new Ed25519NoteVerifier(std::string(kLogName), kLogPublicKey);
  return *verifier;
}

bool SameProof(const TlogProof& a, const TlogProof& b) {
  return a.extra == b.extra && a.index == b.index && a.hashes == b.hashes &&
         a.checkpoint == b.checkpoint;
}

void CheckParsedProof(std::string_view text, const TlogProof& proof) {
  PBL_FUZZ_CHECK(proof.index >= 0, "index is not negative");
  PBL_FUZZ_CHECK(proof.hashes.size() <= kTlogProofHashesMax, "hash count bound");
  const std::string formatted = proof.Format();
  absl::StatusOr<TlogProof> reparsed = ParseTlogProof(formatted);
  PBL_FUZZ_CHECK(reparsed.ok(), "Format() of a parsed proof parses");
  PBL_FUZZ_CHECK(SameProof(*reparsed, proof), "Format() parses back to the same proof");
  PBL_FUZZ_CHECK(formatted == text, "a strictly parsed proof has exactly one text");
}

// Only the real proof of entry 0 against the real checkpoint can verify: the signature cannot be
// forged, and a second proof leading to the same root would be a hash collision.
void CheckVerifyTlogProof(const TlogProof& proof) {
  const std::string_view entry = kEntry0;
  absl::StatusOr<Checkpoint> checkpoint = VerifyTlogProof(
      proof, {reinterpret_cast<const uint8_t*>(entry.data()), entry.size()}, LogVerifier());
  if (!checkpoint.ok()) return;
  PBL_FUZZ_CHECK(checkpoint->origin == kLogName && checkpoint->size == kLogSize &&
                     checkpoint->root == HashFromHex(kRootHex),
                 "a verified proof returns the log's signed checkpoint");
  Proof expected;
  for (std::string_view hex : kEntry0ProofHex) expected.push_back(HashFromHex(hex));
  PBL_FUZZ_CHECK(proof.index == 0 && proof.hashes == expected,
                 "only the true inclusion proof of entry 0 verifies");
}

Hash ConsumeHash(FuzzedDataProvider& provider) {
  Hash hash{};
  provider.ConsumeData(hash.data(), hash.size());
  return hash;
}

Proof ConsumeProof(FuzzedDataProvider& provider) {
  Proof proof(provider.ConsumeIntegralInRange<int>(0, kArbitraryProofHashesMax));
  for (Hash& hash : proof) hash = ConsumeHash(provider);
  return proof;
}

bool IsVerifyCode(const absl::Status& status) {
  return status.ok() || status.code() == absl::StatusCode::kInvalidArgument ||
         status.code() == absl::StatusCode::kDataLoss;
}

void CheckArbitraryInclusion(FuzzedDataProvider& provider) {
  const auto index = provider.ConsumeIntegral<int64_t>();
  const auto size = provider.ConsumeIntegral<int64_t>();
  const Hash leaf = ConsumeHash(provider);
  const Hash root = ConsumeHash(provider);
  const Proof proof = ConsumeProof(provider);
  const absl::Status status = VerifyInclusion(index, size, leaf, proof, root);
  PBL_FUZZ_CHECK(IsVerifyCode(status), "VerifyInclusion fails only with its documented codes");
  const bool possible = index >= 0 && index < size && size <= kTreeSizeMax;
  if (!possible || static_cast<int>(proof.size()) != InclusionProofLength(index, size)) {
    PBL_FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument,
                   "impossible index/size or a wrong-length inclusion proof is INVALID_ARGUMENT");
  }
}

void CheckArbitraryConsistency(FuzzedDataProvider& provider) {
  const auto old_size = provider.ConsumeIntegral<int64_t>();
  const auto new_size = provider.ConsumeIntegral<int64_t>();
  const Hash old_root = ConsumeHash(provider);
  const Hash new_root = ConsumeHash(provider);
  const Proof proof = ConsumeProof(provider);
  const absl::Status status = VerifyConsistency(old_size, new_size, old_root, new_root, proof);
  PBL_FUZZ_CHECK(IsVerifyCode(status), "VerifyConsistency fails only with its documented codes");
  // Old size 0 is left alone: whether an empty tree is consistent with any tree is a choice the
  // header does not make.
  if (old_size == 0) return;
  const bool possible = old_size >= 1 && old_size <= new_size && new_size <= kTreeSizeMax;
  if (!possible || static_cast<int>(proof.size()) != ConsistencyProofLength(old_size, new_size)) {
    PBL_FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument,
                   "impossible sizes or a wrong-length consistency proof is INVALID_ARGUMENT");
  }
}

// RFC 6962 section 2.1's MTH, written out recursively from the definition with Sha256 alone, as
// an oracle for the stored-hash code.
Hash ReferenceRoot(std::span<const Hash> leaf_hashes) {
  if (leaf_hashes.size() == 1) return leaf_hashes[0];
  size_t split = 1;
  while (split * 2 < leaf_hashes.size()) split *= 2;
  const Hash left = ReferenceRoot(leaf_hashes.first(split));
  const Hash right = ReferenceRoot(leaf_hashes.subspan(split));
  return Sha256Hasher().Update(uint8_t{0x01}).Update(left).Update(right).Finish();
}

struct RealTree {
  MemoryHashStore store;
  std::vector<Hash> leaf_hashes;
};

RealTree BuildTree(int leaves, uint8_t salt) {
  RealTree tree;
  for (int i = 0; i < leaves; ++i) {
    const uint8_t data[] = {salt, static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8)};
    tree.store.Append(data);
    tree.leaf_hashes.push_back(Sha256Hasher().Update(uint8_t{0x00}).Update(data).Finish());
  }
  return tree;
}

void FlipBit(Hash& hash, FuzzedDataProvider& provider) {
  const auto bit = provider.ConsumeIntegralInRange<int>(0, kHashBytes * 8 - 1);
  hash[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
}

void CheckTampered(const absl::Status& status, const char* what) {
  PBL_FUZZ_CHECK(status.code() == absl::StatusCode::kDataLoss, what);
}

void CheckRealInclusion(const RealTree& tree, int64_t size, FuzzedDataProvider& provider) {
  const Hash root = ReferenceRoot(std::span(tree.leaf_hashes).first(size));
  const auto index = provider.ConsumeIntegralInRange<int64_t>(0, size - 1);
  const Hash leaf = tree.leaf_hashes[index];
  absl::StatusOr<Proof> proof = ProveInclusion(index, size, tree.store);
  PBL_FUZZ_CHECK(proof.ok(), "ProveInclusion within the tree succeeds");
  PBL_FUZZ_CHECK(static_cast<int>(proof->size()) == InclusionProofLength(index, size),
                 "the inclusion proof has InclusionProofLength hashes");
  PBL_FUZZ_CHECK(VerifyInclusion(index, size, leaf, *proof, root).ok(),
                 "a real inclusion proof verifies");

  Hash bad_leaf = leaf;
  FlipBit(bad_leaf, provider);
  CheckTampered(VerifyInclusion(index, size, bad_leaf, *proof, root), "inclusion: wrong leaf");
  Hash bad_root = root;
  FlipBit(bad_root, provider);
  CheckTampered(VerifyInclusion(index, size, leaf, *proof, bad_root), "inclusion: wrong root");
  if (!proof->empty()) {
    Proof bad_proof = *proof;
    FlipBit(bad_proof[provider.ConsumeIntegralInRange<size_t>(0, bad_proof.size() - 1)], provider);
    CheckTampered(VerifyInclusion(index, size, leaf, bad_proof, root), "inclusion: wrong hash");
  }
  Proof longer = *proof;
  longer.push_back(root);
  PBL_FUZZ_CHECK(
      VerifyInclusion(index, size, leaf, longer, root).code() == absl::StatusCode::kInvalidArgument,
      "inclusion: trailing hash is INVALID_ARGUMENT");
}

void CheckRealConsistency(const RealTree& tree, int64_t size, FuzzedDataProvider& provider) {
  const auto old_size = provider.ConsumeIntegralInRange<int64_t>(1, size);
  const Hash old_root = ReferenceRoot(std::span(tree.leaf_hashes).first(old_size));
  const Hash new_root = ReferenceRoot(std::span(tree.leaf_hashes).first(size));
  absl::StatusOr<Proof> proof = ProveConsistency(old_size, size, tree.store);
  PBL_FUZZ_CHECK(proof.ok(), "ProveConsistency within the tree succeeds");
  PBL_FUZZ_CHECK(static_cast<int>(proof->size()) == ConsistencyProofLength(old_size, size),
                 "the consistency proof has ConsistencyProofLength hashes");
  PBL_FUZZ_CHECK(VerifyConsistency(old_size, size, old_root, new_root, *proof).ok(),
                 "a real consistency proof verifies");

  Hash bad_old = old_root;
  FlipBit(bad_old, provider);
  CheckTampered(VerifyConsistency(old_size, size, bad_old, new_root, *proof),
                "consistency: wrong old root");
  Hash bad_new = new_root;
  FlipBit(bad_new, provider);
  CheckTampered(VerifyConsistency(old_size, size, old_root, bad_new, *proof),
                "consistency: wrong new root");
  if (!proof->empty()) {
    Proof bad_proof = *proof;
    FlipBit(bad_proof[provider.ConsumeIntegralInRange<size_t>(0, bad_proof.size() - 1)], provider);
    CheckTampered(VerifyConsistency(old_size, size, old_root, new_root, bad_proof),
                  "consistency: wrong hash");
  }
  Proof longer = *proof;
  longer.push_back(new_root);
  PBL_FUZZ_CHECK(VerifyConsistency(old_size, size, old_root, new_root, longer).code() ==
                     absl::StatusCode::kInvalidArgument,
                 "consistency: trailing hash is INVALID_ARGUMENT");
}

// Asking a store for proofs with arbitrary arguments must fail cleanly, never read past it.
void CheckArbitraryProve(const RealTree& tree, FuzzedDataProvider& provider) {
  const auto a = provider.ConsumeIntegral<int64_t>();
  const auto b = provider.ConsumeIntegral<int64_t>();
  const int64_t stored = tree.store.size();
  if (ProveInclusion(a, b, tree.store).ok()) {
    PBL_FUZZ_CHECK(a >= 0 && a < b && b <= stored, "ProveInclusion only within the tree");
  }
  absl::StatusOr<Proof> consistency = ProveConsistency(a, b, tree.store);
  if (consistency.ok()) {
    PBL_FUZZ_CHECK(a >= 1 && a <= b && b <= kTreeSizeMax, "ProveConsistency of valid sizes");
    // Equal sizes need no stored hash (the proof is empty, as with Go's tlog.ProveTree), so
    // only unequal sizes must lie within the tree.
    PBL_FUZZ_CHECK(b <= stored || (a == b && consistency->empty()),
                   "ProveConsistency only within the tree");
  }
  absl::StatusOr<Hash> root = TreeHash(a, tree.store);
  if (root.ok()) {
    PBL_FUZZ_CHECK(a >= 0 && a <= stored, "TreeHash only within the tree");
    PBL_FUZZ_CHECK(
        *root == (a == 0 ? EmptyTreeHash() : ReferenceRoot(std::span(tree.leaf_hashes).first(a))),
        "TreeHash is the RFC 6962 root");
  }
}

void CheckRealTree(FuzzedDataProvider& provider) {
  const int leaves = provider.ConsumeIntegralInRange<int>(1, kRealTreeLeavesMax);
  const RealTree tree = BuildTree(leaves, provider.ConsumeIntegral<uint8_t>());
  PBL_FUZZ_CHECK(tree.store.Root() == ReferenceRoot(tree.leaf_hashes), "store root is MTH");
  PBL_FUZZ_CHECK(static_cast<int64_t>(tree.store.stored().size()) == StoredHashCount(leaves),
                 "the store holds StoredHashCount hashes");
  const auto size = provider.ConsumeIntegralInRange<int64_t>(1, leaves);
  absl::StatusOr<MerkleFrontier> frontier = MerkleFrontier::Load(size, tree.store);
  PBL_FUZZ_CHECK(frontier.ok() && frontier->size() == size, "MerkleFrontier::Load");
  const Hash root = ReferenceRoot(std::span(tree.leaf_hashes).first(size));
  PBL_FUZZ_CHECK(frontier->Root() == root, "a loaded frontier has the tree's root");
  absl::StatusOr<Hash> tree_hash = TreeHash(size, tree.store);
  PBL_FUZZ_CHECK(tree_hash.ok() && *tree_hash == root, "TreeHash is the RFC 6962 root");
  CheckRealInclusion(tree, size, provider);
  CheckRealConsistency(tree, size, provider);
  CheckArbitraryProve(tree, provider);
}

}  // namespace
}  // namespace pbl::crypto

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<pbl::crypto::TlogProof> proof = pbl::crypto::ParseTlogProof(input);
  if (proof.ok()) {
    pbl::crypto::CheckParsedProof(input, *proof);
    pbl::crypto::CheckVerifyTlogProof(*proof);
  } else {
    PBL_FUZZ_CHECK(proof.status().code() == absl::StatusCode::kInvalidArgument,
                   "ParseTlogProof fails with INVALID_ARGUMENT");
  }
  FuzzedDataProvider provider(data, size);
  pbl::crypto::CheckArbitraryInclusion(provider);
  pbl::crypto::CheckArbitraryConsistency(provider);
  pbl::crypto::CheckRealTree(provider);
  return 0;
}
