// The stored-hash layout, the frontier and readers: what the ledger will build its storage on.
#include "crypto/merkle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "crypto/encoding.h"
#include "tests/testing/status_matchers.h"

namespace pbl::crypto {
namespace {

using ::pbl::testing::StatusIs;

TEST(StoredHashLayoutTest, IndexesFollowAppendOrder) {
  // Leaf 0 -> 0; leaf 1 -> 1, node(0..1) -> 2; leaf 2 -> 3; leaf 3 -> 4, node(2..3) -> 5,
  // node(0..3) -> 6; leaf 4 -> 7.
  EXPECT_EQ(StoredHashIndex(0, 0), 0);
  EXPECT_EQ(StoredHashIndex(0, 1), 1);
  EXPECT_EQ(StoredHashIndex(1, 0), 2);
  EXPECT_EQ(StoredHashIndex(0, 2), 3);
  EXPECT_EQ(StoredHashIndex(0, 3), 4);
  EXPECT_EQ(StoredHashIndex(1, 1), 5);
  EXPECT_EQ(StoredHashIndex(2, 0), 6);
  EXPECT_EQ(StoredHashIndex(0, 4), 7);
  EXPECT_EQ(StoredHashCount(0), 0);
  EXPECT_EQ(StoredHashCount(1), 1);
  EXPECT_EQ(StoredHashCount(4), 7);
  EXPECT_EQ(StoredHashCount(5), 8);
}

TEST(StoredHashLayoutTest, StoreHoldsExactlyTheCountedHashesAtTheirIndexes) {
  MemoryHashStore store;
  std::vector<Hash> leaves;
  for (int i = 0; i < 100; ++i) {
    const std::string data = std::to_string(i);
    leaves.push_back(LeafHash(AsBytes(data)));
    store.Append(AsBytes(data));
    ASSERT_EQ(static_cast<int64_t>(store.stored().size()), StoredHashCount(i + 1));
  }
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(store.stored()[static_cast<size_t>(StoredHashIndex(0, i))], leaves[i]);
  }
  // Level 1 subtree 3 covers leaves 6 and 7.
  EXPECT_EQ(store.stored()[static_cast<size_t>(StoredHashIndex(1, 3))],
            NodeHash(leaves[6], leaves[7]));
}

TEST(MerkleFrontierTest, LoadedFrontierContinuesLikeTheOriginal) {
  MemoryHashStore store;
  for (int i = 0; i < 37; ++i) store.Append(AsBytes(std::to_string(i)));
  ASSERT_OK_AND_ASSIGN(MerkleFrontier loaded, MerkleFrontier::Load(37, store));
  EXPECT_EQ(loaded.size(), 37);
  EXPECT_EQ(loaded.Root(), store.Root());
  std::vector<Hash> stored_by_loaded;
  const size_t before = store.stored().size();
  for (int i = 37; i < 80; ++i) {
    const std::string data = std::to_string(i);
    loaded.Append(LeafHash(AsBytes(data)), &stored_by_loaded);
    store.Append(AsBytes(data));
    ASSERT_EQ(loaded.Root(), store.Root());
  }
  EXPECT_EQ(stored_by_loaded,
            std::vector<Hash>(store.stored().begin() + static_cast<ptrdiff_t>(before),
                              store.stored().end()));
}

TEST(MerkleFrontierTest, LoadReadsLogarithmicallyManyHashes) {
  MemoryHashStore store;
  for (int i = 0; i < 1000; ++i) store.Append(AsBytes(std::to_string(i)));
  class CountingReader : public HashReader {
   public:
    explicit CountingReader(const HashReader& r) : r_(r) {}
    absl::Status ReadHashes(std::span<const int64_t> indexes, std::span<Hash> out) const override {
      reads += indexes.size();
      return r_.ReadHashes(indexes, out);
    }
    mutable size_t reads = 0;

   private:
    const HashReader& r_;
  } counting(store);
  ASSERT_OK(MerkleFrontier::Load(1000, counting).status());
  EXPECT_EQ(counting.reads, 6u);  // popcount(1000)
  counting.reads = 0;
  ASSERT_OK(ProveInclusion(517, 1000, counting).status());
  EXPECT_LE(counting.reads, 2u * 10u);
}

TEST(HashReaderTest, ReaderErrorsPropagate) {
  MemoryHashStore store;
  for (int i = 0; i < 8; ++i) store.Append(AsBytes(std::to_string(i)));
  EXPECT_THAT(TreeHash(9, store), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(ProveInclusion(0, 16, store), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(ProveConsistency(3, 12, store), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(MerkleFrontier::Load(9, store), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(MerkleFrontier::Load(-1, store), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ProofLengthTest, LengthsMatchGeneratedProofs) {
  MemoryHashStore store;
  for (int i = 0; i < 70; ++i) store.Append(AsBytes(std::to_string(i)));
  for (int64_t n = 1; n <= 70; ++n) {
    for (int64_t m = 0; m < n; ++m) {
      ASSERT_EQ(static_cast<size_t>(InclusionProofLength(m, n)),
                ProveInclusion(m, n, store)->size());
      ASSERT_EQ(static_cast<size_t>(ConsistencyProofLength(m + 1, n)),
                ProveConsistency(m + 1, n, store)->size());
    }
  }
  EXPECT_EQ(InclusionProofLength(0, int64_t{1} << 40), 40);
}

TEST(ProofLengthTest, ImpossibleArgumentsGiveMinusOne) {
  EXPECT_EQ(InclusionProofLength(5, 5), -1);
  EXPECT_EQ(InclusionProofLength(-1, 5), -1);
  EXPECT_EQ(InclusionProofLength(0, kTreeSizeMax + 1), -1);
  EXPECT_EQ(ConsistencyProofLength(0, 5), -1);
  EXPECT_EQ(ConsistencyProofLength(6, 5), -1);
  EXPECT_EQ(ConsistencyProofLength(-1, 4), -1);
  EXPECT_EQ(ConsistencyProofLength(5, 5), 0);
}

}  // namespace
}  // namespace pbl::crypto
