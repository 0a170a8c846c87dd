// Micro-benchmarks for pbl::crypto: hashing, the Merkle tree over a million leaves, Ed25519 and
// opening a signed checkpoint.
//
// Every benchmark reports items per second (one item = one hash, append, root, proof, signature
// or opened checkpoint), so that rates can be read as ratios: LeafHash against raw libsodium
// SHA-256 of the same bytes shows the wrapper's overhead, ProveInclusion against NodeHash shows
// what a proof costs in hashes, and so on. Raw libsodium is linked here only as that baseline.
//
// The tree is built once, on first use, outside the timed loops. Indexes and sizes cycle through
// a fixed pseudo-random sequence so that runs are comparable and no single path is measured.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/checkpoint.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/sha256.h"

namespace pbl::crypto {
namespace {

constexpr int64_t kTreeLeaves = 1'000'000;
constexpr size_t kEntryBytes = 200;
constexpr size_t kSampleCount = 1024;  // a power of two, so the cycling below is a mask
constexpr uint64_t kSampleSeed = 20250101;
constexpr std::string_view kLogName = "bench.example/log";

// Entry i: 200 bytes that differ from every other entry's, like the ledger's JSON records.
std::vector<uint8_t> Entry(int64_t i) {
  std::vector<uint8_t> entry(kEntryBytes);
  for (size_t j = 0; j < entry.size(); ++j) {
    entry[j] = static_cast<uint8_t>((static_cast<uint64_t>(i) >> (8 * (j % 8))) + j);
  }
  return entry;
}

const MemoryHashStore& MillionLeafTree() {
  static const MemoryHashStore* tree = [] {
    InitCrypto();
    auto* store = new MemoryHashStore;
    for (int64_t i = 0; i < kTreeLeaves; ++i) store->Append(Entry(i));
    return store;
  }();
  return *tree;
}

// kSampleCount values drawn uniformly from [low, high], the same ones on every run.
std::vector<int64_t> Samples(int64_t low, int64_t high) {
  std::mt19937_64 random(kSampleSeed);
  std::uniform_int_distribution<int64_t> distribution(low, high);
  std::vector<int64_t> samples(kSampleCount);
  for (int64_t& sample : samples) sample = distribution(random);
  return samples;
}

const SigningKey& BenchKey() {
  static const SigningKey* key = [] {
    InitCrypto();
    const std::vector<uint8_t> seed(kEd25519SeedBytes, 0x5a);
    return new SigningKey(*SigningKey::FromSeed(seed));
  }();
  return *key;
}

void BM_Sha256Libsodium(benchmark::State& state) {
  const std::vector<uint8_t> data(static_cast<size_t>(state.range(0)), 0xab);
  unsigned char out[crypto_hash_sha256_BYTES];
  for (auto _ : state) {
    crypto_hash_sha256(out, data.data(), data.size());
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Sha256Libsodium)->Arg(64)->Arg(200);

void BM_LeafHash(benchmark::State& state) {
  const std::vector<uint8_t> entry = Entry(42);
  for (auto _ : state) benchmark::DoNotOptimize(LeafHash(entry));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(entry.size()));
}
BENCHMARK(BM_LeafHash);

void BM_NodeHash(benchmark::State& state) {
  const Hash left = LeafHash(Entry(1));
  const Hash right = LeafHash(Entry(2));
  for (auto _ : state) benchmark::DoNotOptimize(NodeHash(left, right));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NodeHash);

// Appending a leaf hash costs on average one NodeHash (each append closes about one subtree).
void BM_MerkleFrontierAppend(benchmark::State& state) {
  const Hash leaf = LeafHash(Entry(7));
  MerkleFrontier frontier;
  std::vector<Hash> stored;
  stored.reserve(kTreeLevelsMax + 1);
  for (auto _ : state) {
    stored.clear();
    frontier.Append(leaf, &stored);
    benchmark::DoNotOptimize(stored.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MerkleFrontierAppend);

void BM_TreeHash(benchmark::State& state) {
  const MemoryHashStore& tree = MillionLeafTree();
  const std::vector<int64_t> sizes = Samples(1, kTreeLeaves);
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<Hash> root = TreeHash(sizes[i++ & (kSampleCount - 1)], tree);
    if (!root.ok()) {
      state.SkipWithError("TreeHash failed");
      break;
    }
    benchmark::DoNotOptimize(*root);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TreeHash);

void BM_ProveInclusion(benchmark::State& state) {
  const MemoryHashStore& tree = MillionLeafTree();
  const std::vector<int64_t> indexes = Samples(0, kTreeLeaves - 1);
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<Proof> proof =
        ProveInclusion(indexes[i++ & (kSampleCount - 1)], kTreeLeaves, tree);
    if (!proof.ok()) {
      state.SkipWithError("ProveInclusion failed");
      break;
    }
    benchmark::DoNotOptimize(proof->data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProveInclusion);

void BM_ProveConsistency(benchmark::State& state) {
  const MemoryHashStore& tree = MillionLeafTree();
  const std::vector<int64_t> old_sizes = Samples(1, kTreeLeaves);
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<Proof> proof =
        ProveConsistency(old_sizes[i++ & (kSampleCount - 1)], kTreeLeaves, tree);
    if (!proof.ok()) {
      state.SkipWithError("ProveConsistency failed");
      break;
    }
    benchmark::DoNotOptimize(proof->data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProveConsistency);

struct InclusionCase {
  int64_t index = 0;
  Hash leaf_hash{};
  Proof proof;
};

void BM_VerifyInclusion(benchmark::State& state) {
  const MemoryHashStore& tree = MillionLeafTree();
  const Hash root = tree.Root();
  std::vector<InclusionCase> cases;
  for (int64_t index : Samples(0, kTreeLeaves - 1)) {
    absl::StatusOr<Proof> proof = ProveInclusion(index, kTreeLeaves, tree);
    if (!proof.ok()) return state.SkipWithError("ProveInclusion failed");
    cases.push_back({index, LeafHash(Entry(index)), *std::move(proof)});
  }
  size_t i = 0;
  for (auto _ : state) {
    const InclusionCase& c = cases[i++ & (kSampleCount - 1)];
    if (!VerifyInclusion(c.index, kTreeLeaves, c.leaf_hash, c.proof, root).ok()) {
      state.SkipWithError("VerifyInclusion rejected a real proof");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyInclusion);

struct ConsistencyCase {
  int64_t old_size = 0;
  Hash old_root{};
  Proof proof;
};

void BM_VerifyConsistency(benchmark::State& state) {
  const MemoryHashStore& tree = MillionLeafTree();
  const Hash new_root = tree.Root();
  std::vector<ConsistencyCase> cases;
  for (int64_t old_size : Samples(1, kTreeLeaves)) {
    absl::StatusOr<Proof> proof = ProveConsistency(old_size, kTreeLeaves, tree);
    absl::StatusOr<Hash> old_root = TreeHash(old_size, tree);
    if (!proof.ok() || !old_root.ok()) return state.SkipWithError("ProveConsistency failed");
    cases.push_back({old_size, *old_root, *std::move(proof)});
  }
  size_t i = 0;
  for (auto _ : state) {
    const ConsistencyCase& c = cases[i++ & (kSampleCount - 1)];
    if (!VerifyConsistency(c.old_size, kTreeLeaves, c.old_root, new_root, c.proof).ok()) {
      state.SkipWithError("VerifyConsistency rejected a real proof");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyConsistency);

// A checkpoint like the ones a log of a million entries signs.
Checkpoint BenchCheckpoint() {
  Checkpoint checkpoint;
  checkpoint.origin = kLogName;
  checkpoint.size = kTreeLeaves;
  checkpoint.root = Sha256("root");
  return checkpoint;
}

// The message a log signs most: a checkpoint body of about 70 bytes.
std::string CheckpointBody() { return BenchCheckpoint().Body(); }

void BM_Ed25519Sign(benchmark::State& state) {
  const SigningKey& key = BenchKey();
  const std::string message = CheckpointBody();
  for (auto _ : state) benchmark::DoNotOptimize(key.Sign(AsBytes(message)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519Sign);

void BM_Ed25519Verify(benchmark::State& state) {
  const SigningKey& key = BenchKey();
  const std::string message = CheckpointBody();
  const Ed25519Signature signature = key.Sign(AsBytes(message));
  for (auto _ : state) {
    if (!VerifyEd25519(key.public_key(), AsBytes(message), signature)) {
      state.SkipWithError("VerifyEd25519 rejected a real signature");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Ed25519Verify);

// What a client does with every checkpoint it fetches: parse the note, verify the log's
// signature and parse the body.
void BM_OpenCheckpoint(benchmark::State& state) {
  const SigningKey& key = BenchKey();
  absl::StatusOr<Ed25519NoteSigner> signer = Ed25519NoteSigner::Create(std::string(kLogName), &key);
  if (!signer.ok()) return state.SkipWithError("Ed25519NoteSigner::Create failed");
  const Checkpoint checkpoint = BenchCheckpoint();
  const NoteSigner* signers[] = {&*signer};
  absl::StatusOr<std::string> message = SignCheckpoint(checkpoint, signers);
  if (!message.ok()) return state.SkipWithError("SignCheckpoint failed");
  const Ed25519NoteVerifier verifier(std::string(kLogName), key.public_key());
  for (auto _ : state) {
    absl::StatusOr<OpenedCheckpoint> opened = OpenCheckpoint(*message, verifier);
    if (!opened.ok()) {
      state.SkipWithError("OpenCheckpoint rejected a real checkpoint");
      break;
    }
    benchmark::DoNotOptimize(opened->checkpoint.size);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OpenCheckpoint);

}  // namespace
}  // namespace pbl::crypto
