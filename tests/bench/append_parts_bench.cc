// The CPU an append spends on each contribution-sized entry outside RocksDB, part by part: the
// checks of the entry's bytes (parse, canonical encoding, identity number, body), its leaf hash,
// its person-index key, and the Merkle frontier's update. The ledger benchmark
// (scripts/bench-ledger.sh) gives the whole; this says where the ledger's own share goes.
// Run with scripts/bench-append-parts.sh (the `bench` preset, a Release build).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "ledger/domain/entry_validation.h"
#include "ledger/log/log_format.h"
#include "pbl/v1/entry.pb.h"
#include "tests/testing/entries.h"

namespace pbl::ledger {
namespace {

constexpr int64_t kEntries = 1024;

std::vector<std::string> Entries() {
  std::vector<std::string> out;
  for (int64_t i = 0; i < kEntries; ++i) out.push_back(testing::ContributionEntry(i, i / 100));
  return out;
}

// The baseline: parsing the entry and nothing else, which every check needs first.
void BM_ParseEntry(benchmark::State& state) {
  const std::vector<std::string> entries = Entries();
  size_t i = 0;
  for (auto _ : state) {
    v1::Entry entry;
    const std::string& bytes = entries[i++ % entries.size()];
    if (!entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      state.SkipWithError("entry does not parse");
    }
    benchmark::DoNotOptimize(entry);
  }
}
BENCHMARK(BM_ParseEntry);

void BM_ValidateEntry(benchmark::State& state) {
  const std::vector<std::string> entries = Entries();
  size_t i = 0;
  for (auto _ : state) {
    auto fields = ValidateEntry(entries[i++ % entries.size()]);
    if (!fields.ok()) state.SkipWithError("entry rejected");
    benchmark::DoNotOptimize(fields);
  }
}
BENCHMARK(BM_ValidateEntry);

void BM_LeafHash(benchmark::State& state) {
  const std::vector<std::string> entries = Entries();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::LeafHash(crypto::AsBytes(entries[i++ % entries.size()])));
  }
}
BENCHMARK(BM_LeafHash);

void BM_PersonKey(benchmark::State& state) {
  const std::vector<std::string> entries = Entries();
  const auto fields = ValidateEntry(entries[0]);
  int64_t index = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(PersonIndexKey(fields->person_id, fields->scheme_id, index++));
  }
}
BENCHMARK(BM_PersonKey);

void BM_FrontierAppend(benchmark::State& state) {
  crypto::MerkleFrontier frontier;
  std::vector<crypto::Hash> stored;
  const crypto::Hash leaf = crypto::LeafHash(crypto::AsBytes(std::string("entry")));
  for (auto _ : state) {
    frontier.Append(leaf, &stored);
    if (stored.size() > 4096) stored.clear();
  }
}
BENCHMARK(BM_FrontierAppend);

}  // namespace
}  // namespace pbl::ledger
