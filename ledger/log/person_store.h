// A v2 log's person rows (specs/log-format-v2.md, sections 2, 3 and 10): seals each entry about
// a person into its leaf and its encrypted opening, keeps each person's data key and each
// (person, scheme)'s K, writes their rows with the entries, and reads a person's entries back
// through the person index. The ledger owns one per v2 log.
//
// Seal runs in the appending thread; the sequencer writes each sealed entry's leaf, content row
// (ContentRowKey) and person index row (ChainRowKey) with its group; reads run anywhere. A person's
// data key and a (person, scheme)'s K are made once, by the first Seal that needs them, which
// writes their rows at once (unsynced, under one lock, so threads sealing a new person at the same
// time make one key): the write-ahead log keeps them before the group holding the entries, so no
// entry is ever durable without them. Thread-safe.
#ifndef PBL_LEDGER_LOG_PERSON_STORE_H_
#define PBL_LEDGER_LOG_PERSON_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/sha256.h"
#include "ledger/domain/entry_validation.h"
#include "ledger/log/node_secrets.h"
#include "ledger/log/sealed.h"
#include "ledger/log/storage.h"

namespace pbl::ledger {

// Persons kept in memory, at most (those whose rows are not yet written are always kept).
inline constexpr size_t kPersonCacheMax = 100'000;

class PersonStore {
 public:
  struct Person;

  // One entry sealed for the log: its leaf and leaf hash, its content row, and what Put needs.
  struct Sealed {
    std::string leaf;
    crypto::Hash leaf_hash{};
    PersonKey key{};
    std::string content_row;
  };

  // One entry of a person, read back: the content (the pbl.v1.Entry bytes), its leaf and its
  // opening (nonce || content).
  struct Opened {
    int64_t index = 0;
    std::string content;
    std::string leaf;
    std::string opening;
  };

  PersonStore(Storage& storage, const NodeSecrets& secrets);
  ~PersonStore();
  PersonStore(const PersonStore&) = delete;
  PersonStore& operator=(const PersonStore&) = delete;

  // Seals a validated entry (`fields` from ValidateEntry): about 2 µs, plus the VRF (about
  // 150 µs) the first time a (person, scheme) is seen. The storage's error if a row cannot be
  // read, DATA_LOSS if one does not open.
  absl::StatusOr<Sealed> Seal(std::string_view content, const EntryKeyFields& fields);

  // The person's entries below `size`, in one scheme (or every scheme when scheme_id is empty,
  // by scheme id then log order). `read_leaf` reads leaf `index` from the log. DATA_LOSS if a
  // row is missing or does not open; RESOURCE_EXHAUSTED past `max_entries`.
  using ReadLeaf = std::function<absl::StatusOr<std::string>(int64_t index)>;
  absl::StatusOr<std::vector<Opened>> Entries(std::string_view person_id,
                                              std::string_view scheme_id, int64_t size,
                                              size_t max_entries, const ReadLeaf& read_leaf) const;
  // A scheme the person has entries in, with their K and its VRF proof.
  struct SchemeKey {
    std::string scheme_id;
    ProvenPersonKey key;
  };
  // Opens the content row of `leaf_bytes` (leaf `index`) with `data_key`: the opening, checked
  // against the leaf's commitment. DATA_LOSS otherwise.
  absl::StatusOr<std::string> OpenRow(int64_t index, std::string_view leaf_bytes,
                                      const crypto::SecretKey& data_key) const;

  const NodeSecrets& secrets() const { return secrets_; }

 private:
  // The person's state from memory or storage; nullptr if they have no row.
  absl::StatusOr<std::shared_ptr<const Person>> Find(const PersonHandle& handle) const;
  // Find, else a new person with a fresh data key, its row written. create_mu_ held.
  absl::StatusOr<std::shared_ptr<const Person>> FindOrCreate(const PersonHandle& handle);
  // The person's K in `scheme_id`, from memory or storage, else proven and its row written.
  absl::StatusOr<PersonKey> KeyFor(const std::shared_ptr<const Person>& person,
                                   std::string_view scheme_id, std::string_view person_id);
  // The person's schemes, by scheme id.
  absl::StatusOr<std::vector<SchemeKey>> SchemeKeysOf(const Person& person) const;
  void Remember(const std::shared_ptr<const Person>& person) const;

  Storage& storage_;
  const NodeSecrets& secrets_;
  // Held while a person or a person's K is looked for in storage and made if absent.
  std::mutex create_mu_;
  mutable std::mutex mu_;
  mutable std::map<PersonHandle, std::shared_ptr<const Person>> persons_;  // guarded by mu_
  // (P, scheme_id) -> K
  mutable std::map<std::pair<PersonHandle, std::string>, PersonKey, std::less<>>
      keys_;  // guarded by mu_
};

// The opening in content row `row` of leaf `index` (`leaf_bytes`), opened with its person's
// data key and checked against the leaf's commitment; DATA_LOSS otherwise.
absl::StatusOr<std::string> OpenContentRow(int64_t index, std::string_view leaf_bytes,
                                           const crypto::SecretKey& data_key, std::string_view row);

// Row keys (log_format.h has the prefixes).
std::string PersonRowKey(const PersonHandle& handle);
std::string PersonSchemeRowKey(const PersonHandle& handle, std::string_view scheme_id);
std::string ContentRowKey(int64_t index);
std::string ChainRowKey(const PersonKey& key, int64_t index);
// The K and index of a person index row; nullopt if `row_key` is not one.
std::optional<std::pair<PersonKey, int64_t>> ParseChainRowKey(std::string_view row_key);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_LOG_PERSON_STORE_H_
