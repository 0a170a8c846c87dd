#include "ledger/log/person_store.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "ledger/log/log_format.h"

namespace pbl::ledger {

struct PersonStore::Person {
  Person(const PersonHandle& h, crypto::SecretKey key) : handle(h), data_key(std::move(key)) {}
  const PersonHandle handle;
  const crypto::SecretKey data_key;
};

namespace {

void AppendBytes(std::string* out, std::span<const uint8_t> bytes) {
  out->append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

std::string PersonRowKey(const PersonHandle& handle) {
  std::string key(1, kPersonKeysPrefix);
  AppendBytes(&key, handle);
  return key;
}

std::string PersonSchemeRowKey(const PersonHandle& handle, std::string_view scheme_id) {
  std::string key = PersonRowKey(handle);
  key.append(scheme_id);
  return key;
}

std::string ContentRowKey(int64_t index) { return IndexKey(kContentPrefix, index); }

std::string ChainRowKey(const PersonKey& key, int64_t index) {
  std::string row(1, kChainPrefix);
  AppendBytes(&row, key);
  row.append(IndexKey(kChainPrefix, index).substr(1));
  return row;
}

std::optional<std::pair<PersonKey, int64_t>> ParseChainRowKey(std::string_view row_key) {
  if (row_key.size() != 1 + crypto::kHashBytes + 8 || row_key[0] != kChainPrefix) {
    return std::nullopt;
  }
  PersonKey key;
  std::memcpy(key.data(), row_key.data() + 1, key.size());
  std::string index_key(1, kChainPrefix);
  index_key.append(row_key.substr(1 + crypto::kHashBytes));
  const std::optional<int64_t> index = DecodeIndexKey(kChainPrefix, index_key);
  if (!index) return std::nullopt;
  return std::make_pair(key, *index);
}

PersonStore::PersonStore(Storage& storage, const NodeSecrets& secrets)
    : storage_(storage), secrets_(secrets) {}

PersonStore::~PersonStore() = default;

void PersonStore::Remember(const std::shared_ptr<const Person>& person) const {
  std::lock_guard lock(mu_);
  // Every remembered person's rows are stored, so forgetting them all loses nothing.
  if (persons_.size() >= kPersonCacheMax) persons_.clear();
  if (keys_.size() >= kPersonCacheMax) keys_.clear();
  persons_.emplace(person->handle, person);
}

absl::StatusOr<std::shared_ptr<const PersonStore::Person>> PersonStore::Find(
    const PersonHandle& handle) const {
  {
    std::lock_guard lock(mu_);
    if (auto it = persons_.find(handle); it != persons_.end()) return it->second;
  }
  absl::StatusOr<std::string> row = storage_.Get(PersonRowKey(handle));
  if (absl::IsNotFound(row.status())) return nullptr;
  if (!row.ok()) return row.status();
  PBL_ASSIGN_OR_RETURN(crypto::SecretKey data_key, secrets_.UnwrapDataKey(*row, handle));
  auto person = std::make_shared<const Person>(handle, std::move(data_key));
  Remember(person);
  return person;
}

absl::StatusOr<std::shared_ptr<const PersonStore::Person>> PersonStore::FindOrCreate(
    const PersonHandle& handle) {
  PBL_ASSIGN_OR_RETURN(std::shared_ptr<const Person> found, Find(handle));
  if (found != nullptr) return found;
  auto person = std::make_shared<const Person>(handle, crypto::SecretKey::Generate());
  std::unique_ptr<StorageBatch> batch = storage_.NewBatch();
  batch->Put(PersonRowKey(handle), secrets_.WrapDataKey(person->data_key, handle));
  PBL_RETURN_IF_ERROR(storage_.CommitUnsynced(*batch));
  Remember(person);
  return person;
}

absl::StatusOr<PersonKey> PersonStore::KeyFor(const std::shared_ptr<const Person>& person,
                                              std::string_view scheme_id,
                                              std::string_view person_id) {
  const auto cache_key = std::make_pair(person->handle, std::string(scheme_id));
  {
    std::lock_guard lock(mu_);
    if (auto it = keys_.find(cache_key); it != keys_.end()) return it->second;
  }
  const std::string row_key = PersonSchemeRowKey(person->handle, scheme_id);
  absl::StatusOr<std::string> row = storage_.Get(row_key);
  if (!row.ok() && !absl::IsNotFound(row.status())) return row.status();
  PersonKey key{};
  if (row.ok()) {
    PBL_ASSIGN_OR_RETURN(const ProvenPersonKey stored,
                         OpenPersonKey(person->data_key, person->handle, scheme_id, *row));
    key = stored.key;
  } else {
    // The VRF is deterministic, so proving it outside the lock gives every thread the same K;
    // the row is written once, under the lock.
    const ProvenPersonKey proven = secrets_.ProvePersonKey(scheme_id, person_id);
    std::lock_guard create(create_mu_);
    if (absl::IsNotFound(storage_.Get(row_key).status())) {
      std::unique_ptr<StorageBatch> batch = storage_.NewBatch();
      batch->Put(row_key, SealPersonKey(person->data_key, person->handle, scheme_id, proven));
      PBL_RETURN_IF_ERROR(storage_.CommitUnsynced(*batch));
    }
    key = proven.key;
  }
  std::lock_guard lock(mu_);
  keys_.emplace(cache_key, key);
  return key;
}

absl::StatusOr<PersonStore::Sealed> PersonStore::Seal(std::string_view content,
                                                      const EntryKeyFields& fields) {
  const PersonHandle handle = secrets_.HandleOf(fields.person_id);
  std::shared_ptr<const Person> person;
  {
    std::lock_guard create(create_mu_);
    PBL_ASSIGN_OR_RETURN(person, FindOrCreate(handle));
  }
  Sealed out;
  PBL_ASSIGN_OR_RETURN(out.key, KeyFor(person, fields.scheme_id, fields.person_id));
  const std::string opening = MakeOpening(content);
  PBL_ASSIGN_OR_RETURN(const Opening parsed, ParseOpening(opening));
  out.leaf = PersonLeaf(out.key, Commitment(parsed.nonce, parsed.content));
  out.leaf_hash = crypto::LeafHash(crypto::AsBytes(out.leaf));
  out.content_row = SealContent(person->data_key, out.leaf_hash, opening);
  return out;
}

absl::StatusOr<std::vector<PersonStore::SchemeKey>> PersonStore::SchemeKeysOf(
    const Person& person) const {
  const std::string prefix = PersonRowKey(person.handle);
  std::vector<std::pair<std::string, std::string>> rows;
  PBL_RETURN_IF_ERROR(
      storage_.Scan(prefix, PrefixEnd(prefix), [&](std::string_view key, std::string_view value) {
        if (key.size() > prefix.size()) {
          rows.emplace_back(key.substr(prefix.size()), value);
        }
        return true;
      }));
  std::vector<SchemeKey> out;
  for (const auto& [scheme_id, row] : rows) {
    PBL_ASSIGN_OR_RETURN(ProvenPersonKey key,
                         OpenPersonKey(person.data_key, person.handle, scheme_id, row));
    out.push_back(SchemeKey{scheme_id, key});
  }
  return out;
}

absl::StatusOr<std::string> OpenContentRow(int64_t index, std::string_view leaf_bytes,
                                           const crypto::SecretKey& data_key,
                                           std::string_view row) {
  const crypto::Hash leaf_hash = crypto::LeafHash(crypto::AsBytes(leaf_bytes));
  absl::StatusOr<std::string> opening = OpenContent(data_key, leaf_hash, row);
  if (!opening.ok()) {
    return absl::DataLossError(
        StrCat("the content row of entry ", index, " does not open for its leaf"));
  }
  absl::StatusOr<Leaf> leaf = ParseLeaf(leaf_bytes);
  if (!leaf.ok() || !CheckOpening(*leaf, *opening).ok()) {
    return absl::DataLossError(
        StrCat("the content of entry ", index, " does not match its leaf's commitment"));
  }
  return opening;
}

absl::StatusOr<std::string> PersonStore::OpenRow(int64_t index, std::string_view leaf_bytes,
                                                 const crypto::SecretKey& data_key) const {
  absl::StatusOr<std::string> row = storage_.Get(ContentRowKey(index));
  if (!row.ok()) return AsDataLoss(row.status(), StrCat("the content row of entry ", index));
  return OpenContentRow(index, leaf_bytes, data_key, *row);
}

absl::StatusOr<std::vector<PersonStore::Opened>> PersonStore::Entries(
    std::string_view person_id, std::string_view scheme_id, int64_t size, size_t max_entries,
    const ReadLeaf& read_leaf) const {
  PBL_ASSIGN_OR_RETURN(std::shared_ptr<const Person> person, Find(secrets_.HandleOf(person_id)));
  std::vector<Opened> out;
  if (person == nullptr) return out;
  PBL_ASSIGN_OR_RETURN(const std::vector<SchemeKey> keys, SchemeKeysOf(*person));
  for (const SchemeKey& k : keys) {
    if (!scheme_id.empty() && k.scheme_id != scheme_id) continue;
    const std::string prefix = ChainRowKey(k.key.key, 0).substr(0, 1 + crypto::kHashBytes);
    absl::Status row_error;
    PBL_RETURN_IF_ERROR(
        storage_.Scan(prefix, PrefixEnd(prefix), [&](std::string_view key, std::string_view) {
          const auto parsed = ParseChainRowKey(key);
          if (!parsed) {
            row_error = absl::DataLossError("a person index row is malformed");
            return false;
          }
          if (parsed->second >= size) return true;  // appended after this read began
          if (out.size() == max_entries) {
            row_error = absl::ResourceExhaustedError(
                StrCat("the person has more than ", max_entries, " entries"));
            return false;
          }
          out.push_back(Opened{parsed->second, {}, {}, {}});
          return true;
        }));
    PBL_RETURN_IF_ERROR(row_error);
  }
  for (Opened& e : out) {
    PBL_ASSIGN_OR_RETURN(e.leaf, read_leaf(e.index));
    PBL_ASSIGN_OR_RETURN(e.opening, OpenRow(e.index, e.leaf, person->data_key));
    e.content = e.opening.substr(kCommitmentNonceBytes);
  }
  return out;
}

}  // namespace pbl::ledger
