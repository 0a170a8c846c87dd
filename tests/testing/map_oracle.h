// The tests' oracle for log format v2's person map: the root of the map of a log's leaves below
// a map size, computed from specs/log-format-v2.md (sections 4 and 5) with crypto::ChainNext and
// crypto::PersonMap directly, not with ledger::MapFolder, which the code under test folds with.
#ifndef PBL_TESTS_TESTING_MAP_ORACLE_H_
#define PBL_TESTS_TESTING_MAP_ORACLE_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "crypto/merkle.h"
#include "crypto/person_map.h"
#include "ledger/log/sealed.h"

namespace pbl::testing {

// The map root over leaves [0, map_size) of `leaves` (leaf i at position i), leaving out the
// leaf at `omit`. A person leaf (0x02 0x01, 66 bytes) carries its K in bytes 2 to 33; other
// leaves extend no chain.
inline crypto::Hash MapRootOfLeaves(std::span<const std::string> leaves, int64_t map_size,
                                    int64_t omit = -1) {
  std::map<ledger::PersonKey, crypto::MapValue> values;
  for (int64_t i = 0; i < map_size; ++i) {
    const std::string& leaf = leaves[static_cast<size_t>(i)];
    if (i == omit || leaf.size() != ledger::kPersonLeafBytes || leaf[1] != '\x01') continue;
    ledger::PersonKey key;
    std::copy_n(leaf.begin() + 2, key.size(), key.begin());
    crypto::MapValue& v = values[key];
    ++v.count;
    v.chain = crypto::ChainNext(v.chain, static_cast<uint64_t>(i),
                                crypto::LeafHash(crypto::AsBytes(leaf)));
    v.last_index = static_cast<uint64_t>(i);
  }
  crypto::PersonMap map;
  map.Update({values.begin(), values.end()});
  return map.Root();
}

}  // namespace pbl::testing

#endif  // PBL_TESTS_TESTING_MAP_ORACLE_H_
