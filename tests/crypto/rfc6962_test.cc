// RFC 6962 / RFC 9162 Merkle trees: the RFC 6962 test tree of 8 leaves, a direct transcription
// of the RFC's recursive definitions (MTH, PATH, SUBPROOF) checked against the stored-hash
// implementation for every index and size pair up to 130 leaves, and the RFC 9162 edge cases.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "tests/testing/status_matchers.h"

namespace pbl::crypto {
namespace {

using ::pbl::testing::StatusIs;

// The leaves of the RFC 6962 test tree used by certificate-transparency and transparency-dev.
std::vector<std::string> Rfc6962Leaves() {
  return {HexDecode("").value(),
          HexDecode("00").value(),
          HexDecode("10").value(),
          HexDecode("2021").value(),
          HexDecode("3031").value(),
          HexDecode("40414243").value(),
          HexDecode("5051525354555657").value(),
          HexDecode("606162636465666768696a6b6c6d6e6f").value()};
}

// The RFC's definitions, transcribed literally: slow, but independent of the stored layout.
Hash Mth(const std::vector<Hash>& leaves, size_t lo, size_t hi) {
  if (hi - lo == 1) return leaves[lo];
  size_t k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return NodeHash(Mth(leaves, lo, lo + k), Mth(leaves, lo + k, hi));
}

void Path(const std::vector<Hash>& leaves, size_t m, size_t lo, size_t hi, Proof* out) {
  if (hi - lo == 1) return;
  size_t k = 1;
  while (k * 2 < hi - lo) k *= 2;
  if (m < k) {
    Path(leaves, m, lo, lo + k, out);
    out->push_back(Mth(leaves, lo + k, hi));
  } else {
    Path(leaves, m - k, lo + k, hi, out);
    out->push_back(Mth(leaves, lo, lo + k));
  }
}

void Subproof(const std::vector<Hash>& leaves, size_t m, size_t lo, size_t hi, bool b, Proof* out) {
  const size_t n = hi - lo;
  if (m == n) {
    if (!b) out->push_back(Mth(leaves, lo, hi));
    return;
  }
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  if (m <= k) {
    Subproof(leaves, m, lo, lo + k, b, out);
    out->push_back(Mth(leaves, lo + k, hi));
  } else {
    Subproof(leaves, m - k, lo + k, hi, false, out);
    out->push_back(Mth(leaves, lo, lo + k));
  }
}

TEST(Rfc6962Test, TestTreeRootsForEverySize) {
  // Roots of the first n leaves, as published with the RFC 6962 test tree.
  const std::vector<std::string> want = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };
  MemoryHashStore store;
  for (size_t i = 0; i < 8; ++i) {
    store.Append(AsBytes(Rfc6962Leaves()[i]));
    EXPECT_EQ(HexEncode(store.Root()), want[i]) << "size " << i + 1;
  }
}

TEST(Rfc6962Test, EmptyTreeRootIsSha256OfNothing) {
  EXPECT_EQ(HexEncode(EmptyTreeHash()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  MemoryHashStore store;
  ASSERT_OK_AND_ASSIGN(Hash root, TreeHash(0, store));
  EXPECT_EQ(root, EmptyTreeHash());
}

TEST(Rfc6962Test, LeafAndNodeHashesUseDomainPrefixes) {
  // SHA-256 of the single byte 0x00 (the empty leaf) is the size-1 root above.
  EXPECT_EQ(HexEncode(LeafHash({})),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  EXPECT_NE(LeafHash(AsBytes(std::string(64, 'a'))),
            NodeHash(Sha256(std::string(32, 'a')), Sha256(std::string(32, 'a'))));
}

class ReferenceTest : public ::testing::Test {
 protected:
  static constexpr size_t kLeavesMax = 130;
  void SetUp() override {
    for (size_t i = 0; i < kLeavesMax; ++i) {
      const std::string data = "leaf " + std::to_string(i);
      leaves_.push_back(LeafHash(AsBytes(data)));
      store_.Append(AsBytes(data));
    }
  }
  std::vector<Hash> leaves_;
  MemoryHashStore store_;
};

TEST_F(ReferenceTest, InclusionProofsMatchTheRfcDefinitionForAllPairs) {
  for (size_t n = 1; n <= kLeavesMax; ++n) {
    const Hash root = Mth(leaves_, 0, n);
    ASSERT_OK_AND_ASSIGN(Hash tree_hash, TreeHash(static_cast<int64_t>(n), store_));
    ASSERT_EQ(tree_hash, root) << n;
    for (size_t m = 0; m < n; ++m) {
      Proof want;
      Path(leaves_, m, 0, n, &want);
      ASSERT_OK_AND_ASSIGN(
          Proof got, ProveInclusion(static_cast<int64_t>(m), static_cast<int64_t>(n), store_));
      ASSERT_EQ(got, want) << m << " in " << n;
      ASSERT_EQ(InclusionProofLength(static_cast<int64_t>(m), static_cast<int64_t>(n)),
                static_cast<int>(want.size()));
      ASSERT_OK(
          VerifyInclusion(static_cast<int64_t>(m), static_cast<int64_t>(n), leaves_[m], got, root));
    }
  }
}

TEST_F(ReferenceTest, ConsistencyProofsMatchTheRfcDefinitionForAllPairs) {
  for (size_t n = 1; n <= kLeavesMax; ++n) {
    const Hash new_root = Mth(leaves_, 0, n);
    for (size_t m = 1; m <= n; ++m) {
      Proof want;
      if (m < n) Subproof(leaves_, m, 0, n, true, &want);
      ASSERT_OK_AND_ASSIGN(
          Proof got, ProveConsistency(static_cast<int64_t>(m), static_cast<int64_t>(n), store_));
      ASSERT_EQ(got, want) << m << " -> " << n;
      ASSERT_OK(VerifyConsistency(static_cast<int64_t>(m), static_cast<int64_t>(n),
                                  Mth(leaves_, 0, m), new_root, got));
    }
  }
}

TEST_F(ReferenceTest, ProofOfOneTreeDoesNotVerifyAgainstAnother) {
  ASSERT_OK_AND_ASSIGN(Proof proof, ProveInclusion(5, 100, store_));
  EXPECT_THAT(VerifyInclusion(5, 100, leaves_[5], proof, Mth(leaves_, 0, 99)),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(VerifyInclusion(5, 100, leaves_[6], proof, Mth(leaves_, 0, 100)),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(Rfc9162EdgeCasesTest, InclusionInEmptyTreeIsInvalid) {
  EXPECT_THAT(VerifyInclusion(0, 0, Hash{}, {}, EmptyTreeHash()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  MemoryHashStore store;
  EXPECT_THAT(ProveInclusion(0, 0, store), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Rfc9162EdgeCasesTest, IndexAtOrPastSizeIsInvalid) {
  MemoryHashStore store;
  for (int i = 0; i < 4; ++i) store.Append(AsBytes(std::to_string(i)));
  EXPECT_THAT(ProveInclusion(4, 4, store), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VerifyInclusion(4, 4, Hash{}, Proof(2), store.Root()),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("index 4")));
  EXPECT_THAT(VerifyInclusion(-1, 4, Hash{}, Proof(2), store.Root()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Rfc9162EdgeCasesTest, SingleLeafTreeHasEmptyProof) {
  MemoryHashStore store;
  store.Append(AsBytes(std::string("only")));
  ASSERT_OK_AND_ASSIGN(Proof proof, ProveInclusion(0, 1, store));
  EXPECT_TRUE(proof.empty());
  EXPECT_OK(VerifyInclusion(0, 1, LeafHash(AsBytes(std::string("only"))), proof, store.Root()));
}

TEST(Rfc9162EdgeCasesTest, EqualSizesNeedEmptyProofAndEqualRoots) {
  MemoryHashStore store;
  for (int i = 0; i < 5; ++i) store.Append(AsBytes(std::to_string(i)));
  ASSERT_OK_AND_ASSIGN(Proof proof, ProveConsistency(5, 5, store));
  EXPECT_TRUE(proof.empty());
  EXPECT_OK(VerifyConsistency(5, 5, store.Root(), store.Root(), {}));
  EXPECT_THAT(VerifyConsistency(5, 5, store.Root(), EmptyTreeHash(), {}),
              StatusIs(absl::StatusCode::kDataLoss));
  const Proof one = {store.Root()};
  EXPECT_THAT(VerifyConsistency(5, 5, store.Root(), store.Root(), one),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Rfc9162EdgeCasesTest, OldSizeZeroOrAboveNewSizeIsInvalid) {
  MemoryHashStore store;
  for (int i = 0; i < 5; ++i) store.Append(AsBytes(std::to_string(i)));
  EXPECT_THAT(ProveConsistency(0, 5, store), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ProveConsistency(6, 5, store), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VerifyConsistency(0, 5, EmptyTreeHash(), store.Root(), {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Rfc9162EdgeCasesTest, TrailingOrMissingProofHashesAreRejected) {
  MemoryHashStore store;
  for (int i = 0; i < 11; ++i) store.Append(AsBytes(std::to_string(i)));
  ASSERT_OK_AND_ASSIGN(Hash old_root, TreeHash(6, store));
  ASSERT_OK_AND_ASSIGN(Proof proof, ProveConsistency(6, 11, store));
  Proof longer = proof;
  longer.push_back(Hash{});
  EXPECT_THAT(VerifyConsistency(6, 11, old_root, store.Root(), longer),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("hashes")));
  Proof shorter(proof.begin(), proof.end() - 1);
  EXPECT_THAT(VerifyConsistency(6, 11, old_root, store.Root(), shorter),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(Proof inclusion, ProveInclusion(3, 11, store));
  inclusion.push_back(Hash{});
  EXPECT_THAT(VerifyInclusion(3, 11, LeafHash(AsBytes(std::string("3"))), inclusion, store.Root()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Rfc9162EdgeCasesTest, SizesPastTheLimitAreInvalid) {
  EXPECT_THAT(VerifyInclusion(0, kTreeSizeMax + 1, Hash{}, {}, Hash{}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VerifyConsistency(1, kTreeSizeMax + 1, Hash{}, Hash{}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace pbl::crypto
