// The person map of log format v2 alone (crypto/person_map.h), before the log uses it
// (specs/log-format-v2.md, section 12): the CPU per appended entry that a map update adds, in
// groups as the sequencer makes them, at a given number of keys. Two workloads: a monthly import
// (every entry a key already there, each key once) and enrolments (every entry a new key). Also
// the time and size of one key's proof. Run with scripts/bench-map.sh.
//
//   map_bench [--keys N] [--group G] [--entries E]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "crypto/person_map.h"

namespace {

using pbl::crypto::MapKey;
using pbl::crypto::MapValue;
using pbl::crypto::PersonMap;

MapKey RandomKey(std::mt19937_64& rng) {
  MapKey k;
  for (size_t i = 0; i < k.size(); i += 8) {
    const uint64_t r = rng();
    std::memcpy(k.data() + i, &r, 8);
  }
  return k;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

long PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

// Applies `entries` updates in groups of `group`, keys from `next_key`; prints µs and hashes per
// entry.
template <typename NextKey>
void Measure(const char* what, PersonMap& map, int64_t entries, int64_t group, NextKey next_key) {
  std::vector<std::pair<MapKey, MapValue>> batch;
  const uint64_t hashes_before = map.hashes();
  double seconds = 0;
  for (int64_t done = 0; done < entries; done += group) {
    batch.clear();
    for (int64_t i = 0; i < group; ++i) {
      MapValue v;
      v.count = static_cast<uint64_t>(done + i);
      v.last_index = static_cast<uint64_t>(done + i);
      batch.emplace_back(next_key(), v);
    }
    const auto start = std::chrono::steady_clock::now();
    map.Update(std::move(batch));
    (void)map.Root();
    seconds += Seconds(start);
    batch = {};
  }
  std::printf("%-44s %8.2f us/entry  %6.1f hashes/entry  (%lld entries, groups of %lld)\n", what,
              seconds * 1e6 / static_cast<double>(entries),
              static_cast<double>(map.hashes() - hashes_before) / static_cast<double>(entries),
              static_cast<long long>(entries), static_cast<long long>(group));
}

}  // namespace

int main(int argc, char** argv) {
  int64_t keys = 1'000'000, group = 4'000, entries = 1'000'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int64_t value = std::strtoll(argv[i + 1], nullptr, 10);
    if (flag == "--keys") {
      keys = value;
    } else if (flag == "--group") {
      group = value;
    } else if (flag == "--entries") {
      entries = value;
    } else {
      std::fprintf(stderr, "usage: map_bench [--keys N] [--group G] [--entries E]\n");
      return 2;
    }
  }
  std::mt19937_64 rng(2026);
  PersonMap map;
  std::vector<MapKey> present;
  present.reserve(static_cast<size_t>(keys));
  const auto start = std::chrono::steady_clock::now();
  for (int64_t made = 0; made < keys; made += 100'000) {
    std::vector<std::pair<MapKey, MapValue>> batch;
    for (int64_t i = made; i < std::min(keys, made + 100'000); ++i) {
      present.push_back(RandomKey(rng));
      batch.emplace_back(present.back(), MapValue());
    }
    map.Update(std::move(batch));
  }
  std::printf("map_bench: %lld keys built in %.1f s, peak RSS %ld MB\n",
              static_cast<long long>(keys), Seconds(start), PeakRssMb());

  // A monthly import: each entry one key already there, each key once (a random permutation).
  std::vector<size_t> order(present.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  size_t at = 0;
  Measure("monthly import (keys already there)", map, std::min<int64_t>(entries, keys), group,
          [&] { return present[order[at++ % order.size()]]; });
  Measure("enrolments (new keys)", map, entries, group, [&] { return RandomKey(rng); });

  // One key's proof, as a statement or package carries it.
  const auto prove_start = std::chrono::steady_clock::now();
  size_t bytes = 0;
  constexpr int kProofs = 10'000;
  for (int i = 0; i < kProofs; ++i) {
    bytes += pbl::crypto::EncodeMapProof(map.Prove(present[order[static_cast<size_t>(i)]]), false)
                 .size();
  }
  std::printf("proof of one key: %.2f us, %zu bytes on average; peak RSS %ld MB\n",
              Seconds(prove_start) * 1e6 / kProofs, bytes / kProofs, PeakRssMb());
  return 0;
}
