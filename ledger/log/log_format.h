// The ledger's on-disk key encodings and limits, mirroring specs/ledger.md. Pure functions;
// thread-safe.
#ifndef PBL_LEDGER_LOG_LOG_FORMAT_H_
#define PBL_LEDGER_LOG_LOG_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/sha256.h"
#include "ledger/domain/entry_validation.h"

namespace pbl::ledger {

inline constexpr size_t kBatchEntriesMax = 10'000;
inline constexpr size_t kBatchBytesMax = size_t{16} << 20;
inline constexpr size_t kGroupEntriesMax = 65'536;
inline constexpr size_t kGroupBytesMax = size_t{64} << 20;
inline constexpr size_t kPersonIdBytes = 18;

inline constexpr char kEntryPrefix = 'e';
inline constexpr char kHashPrefix = 'h';
inline constexpr char kPersonPrefix = 'p';
inline constexpr char kCheckpointPrefix = 'c';
// `b` batch_id: the batch an append carried an id for (specs/ledger.md, "Batch ids").
inline constexpr char kBatchPrefix = 'b';
inline constexpr size_t kBatchIdBytesMax = 128;

// Log format v2's rows (specs/log-format-v2.md, section 10), beside `e`, `h`, `c`, `b`, `f`:
// `d` u64(index): the sealed opening of a person leaf (node_secrets.h, SealContent);
// `k` P: the person's wrapped data key; `k` P scheme_id: that scheme's K and VRF proof, sealed
// under the data key; `q` K u64(index): empty, one per leaf carrying K (the person index);
inline constexpr char kContentPrefix = 'd';
inline constexpr char kPersonKeysPrefix = 'k';
inline constexpr char kChainPrefix = 'q';
// `l` K: the key's map value (u64 count || chain || u64 last index); `n`: the map's size and
// root (u64 || 32 bytes). Written by the mapper (mapper.h).
inline constexpr char kMapValuePrefix = 'l';
inline constexpr std::string_view kMapHeadKey = "n";
inline constexpr std::string_view kLayoutV2 = "pbl-log/v2/entry-bundles-16";

// Entries are stored in bundles (specs/ledger.md, "Keys"): up to kBundleEntries consecutive
// entries of one group under the key of the first, each as a 2-byte big-endian length and its
// bytes (the entry bundle encoding of C2SP tlog-tiles). A bundle never crosses a multiple of
// kBundleEntries, so the bundle holding entry i starts in [BundleStart(i), i].
inline constexpr int64_t kBundleEntries = 16;
inline constexpr int64_t BundleStart(int64_t index) { return index - index % kBundleEntries; }
// The row that names the log's layout, written with the empty log's first checkpoint; a log
// without it is refused at open (specs/ledger.md).
inline constexpr std::string_view kLayoutKey = "f";
inline constexpr std::string_view kLayoutBundles = "pbl-log/entry-bundles-16";
void AppendToBundle(std::string* bundle, std::string_view entry);
// Cuts consecutive entries, from index `first` on, into bundles: one ends at each multiple of
// kBundleEntries and at Finish(). Each bundle goes to `put` with its key.
class BundleWriter {
 public:
  using Put = std::function<void(std::string_view key, std::string_view bundle)>;
  BundleWriter(int64_t first, Put put) : next_(first), start_(first), put_(std::move(put)) {}
  void Add(std::string_view entry);
  void Finish();

 private:
  int64_t next_;   // the index of the next entry added
  int64_t start_;  // the index of the first entry of `bundle_`
  std::string bundle_;
  Put put_;
};
// The entries of a bundle, in order (views into `bundle`). DATA_LOSS if it is not a sequence
// of 1 to kBundleEntries non-empty length-prefixed entries filling it exactly.
absl::StatusOr<std::vector<std::string_view>> SplitBundle(std::string_view bundle);

// The smallest key greater than every key that starts with `prefix`; empty (no bound) when every
// byte of it is 0xff.
std::string PrefixEnd(std::string prefix);

// Appends the 8-byte big-endian form of `value` (which must not be negative).
void AppendBigEndian(std::string* out, int64_t value);
// The value of 8 big-endian bytes; nullopt unless `bytes` is 8 bytes at most INT64_MAX.
std::optional<int64_t> ReadBigEndian(std::string_view bytes);
// `prefix` followed by the 8-byte big-endian value.
std::string IndexKey(char prefix, int64_t value);
// The value of an IndexKey with this prefix, or nullopt if `key` is not one.
std::optional<int64_t> DecodeIndexKey(char prefix, std::string_view key);

inline std::string EntryKey(int64_t index) { return IndexKey(kEntryPrefix, index); }
inline std::string HashBlobKey(int64_t stored_index) { return IndexKey(kHashPrefix, stored_index); }
inline std::string CheckpointKey(int64_t size) { return IndexKey(kCheckpointPrefix, size); }

// The row of a batch id: where its entries went, the size of the checkpoint that first covered
// them, and the digest of the batch as its caller sent it.
struct BatchRecord {
  int64_t first_index = 0;
  int64_t count = 0;
  int64_t tree_size = 0;
  crypto::Hash digest{};
};
// OK if `id` is 1 to kBatchIdBytesMax bytes of printable ASCII (0x21..0x7e); else
// INVALID_ARGUMENT saying why.
absl::Status CheckBatchId(std::string_view id);
inline std::string BatchKey(std::string_view id) {
  std::string key(1, kBatchPrefix);
  key.append(id);
  return key;
}
// Three 8-byte big-endian integers and the digest.
std::string EncodeBatchRecord(const BatchRecord& record);
// DATA_LOSS if `value` is not 56 bytes or its numbers are not a range inside its tree.
absl::StatusOr<BatchRecord> DecodeBatchRecord(std::string_view value);

// `p` person_id scheme_id 0x00 index: a person's entries sort by scheme, then log order.
std::string PersonIndexKey(std::string_view person_id, std::string_view scheme_id, int64_t index);
// The prefix of every row of one person (scheme_id empty) or of one person in one scheme.
std::string PersonPrefix(std::string_view person_id, std::string_view scheme_id);

// Storage errors that mean the data is not there or not right (as opposed to a transient
// failure to read it) become DATA_LOSS with `context`; other errors keep their code.
absl::Status AsDataLoss(const absl::Status& status, std::string_view context);

struct PersonKeyParts {
  std::string_view person_id;
  std::string_view scheme_id;
  int64_t index = 0;
};
std::optional<PersonKeyParts> ParsePersonKey(std::string_view key);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_LOG_LOG_FORMAT_H_
