#include "ledger/log/log_format.h"

#include <cstring>

#include "crypto/base/strings.h"

namespace pbl::ledger {

void AppendBigEndian(std::string* out, int64_t value) {
  const auto v = static_cast<uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

std::optional<int64_t> ReadBigEndian(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  uint64_t v = 0;
  for (char c : bytes) v = v << 8 | static_cast<uint8_t>(c);
  if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(v);
}

absl::Status AsDataLoss(const absl::Status& status, std::string_view context) {
  if (absl::IsNotFound(status) || absl::IsOutOfRange(status) || absl::IsDataLoss(status)) {
    return absl::DataLossError(StrCat(context, ": ", ToStd(status.message())));
  }
  return status;
}

std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<uint8_t>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

std::string IndexKey(char prefix, int64_t value) {
  std::string key(1, prefix);
  AppendBigEndian(&key, value);
  return key;
}

std::optional<int64_t> DecodeIndexKey(char prefix, std::string_view key) {
  if (key.empty() || key[0] != prefix) return std::nullopt;
  return ReadBigEndian(key.substr(1));
}

void AppendToBundle(std::string* bundle, std::string_view entry) {
  bundle->push_back(static_cast<char>(entry.size() >> 8));
  bundle->push_back(static_cast<char>(entry.size() & 0xff));
  bundle->append(entry);
}

void BundleWriter::Add(std::string_view entry) {
  if (bundle_.empty()) start_ = next_;
  AppendToBundle(&bundle_, entry);
  if (++next_ % kBundleEntries == 0) Finish();
}

void BundleWriter::Finish() {
  if (bundle_.empty()) return;
  put_(EntryKey(start_), bundle_);
  bundle_.clear();
}

absl::StatusOr<std::vector<std::string_view>> SplitBundle(std::string_view bundle) {
  std::vector<std::string_view> entries;
  while (!bundle.empty()) {
    if (bundle.size() < 2) return absl::DataLossError("the bundle ends inside a length");
    const size_t length =
        static_cast<size_t>(static_cast<uint8_t>(bundle[0])) << 8 | static_cast<uint8_t>(bundle[1]);
    if (length == 0) return absl::DataLossError(StrCat("entry ", entries.size(), " is empty"));
    if (length > bundle.size() - 2) {
      return absl::DataLossError(StrCat("entry ", entries.size(), " runs past the bundle's end"));
    }
    if (entries.size() == static_cast<size_t>(kBundleEntries)) {
      return absl::DataLossError(StrCat("the bundle holds more than ", kBundleEntries, " entries"));
    }
    entries.push_back(bundle.substr(2, length));
    bundle.remove_prefix(2 + length);
  }
  if (entries.empty()) return absl::DataLossError("the bundle is empty");
  return entries;
}

std::string PersonPrefix(std::string_view person_id, std::string_view scheme_id) {
  std::string key(1, kPersonPrefix);
  key.append(person_id);
  if (!scheme_id.empty()) {
    key.append(scheme_id);
    key.push_back('\0');
  }
  return key;
}

std::string PersonIndexKey(std::string_view person_id, std::string_view scheme_id, int64_t index) {
  std::string key = PersonPrefix(person_id, scheme_id);
  AppendBigEndian(&key, index);
  return key;
}

std::optional<PersonKeyParts> ParsePersonKey(std::string_view key) {
  // 1 prefix byte + person + scheme (>= 1 byte) + 0x00 + 8 index bytes.
  if (key.size() < 1 + kPersonIdBytes + 1 + 1 + 8 || key[0] != kPersonPrefix) return std::nullopt;
  PersonKeyParts parts;
  parts.person_id = key.substr(1, kPersonIdBytes);
  const std::string_view rest = key.substr(1 + kPersonIdBytes);
  const size_t nul = rest.size() - 9;
  if (rest[nul] != '\0' || rest.substr(0, nul).find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  parts.scheme_id = rest.substr(0, nul);
  const std::optional<int64_t> index = ReadBigEndian(rest.substr(nul + 1));
  if (!index) return std::nullopt;
  parts.index = *index;
  return parts;
}

absl::Status CheckBatchId(std::string_view id) {
  if (id.empty() || id.size() > kBatchIdBytesMax) {
    return absl::InvalidArgumentError(
        StrCat("batch id is ", id.size(), " bytes; it must be 1 to ", kBatchIdBytesMax));
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const auto c = static_cast<uint8_t>(id[i]);
    if (c < 0x21 || c > 0x7e) {
      return absl::InvalidArgumentError(
          StrCat("batch id byte ", i, " is not printable ASCII (0x21..0x7e)"));
    }
  }
  return absl::OkStatus();
}

std::string EncodeBatchRecord(const BatchRecord& record) {
  std::string out;
  out.reserve(24 + crypto::kHashBytes);
  AppendBigEndian(&out, record.first_index);
  AppendBigEndian(&out, record.count);
  AppendBigEndian(&out, record.tree_size);
  out.append(reinterpret_cast<const char*>(record.digest.data()), crypto::kHashBytes);
  return out;
}

absl::StatusOr<BatchRecord> DecodeBatchRecord(std::string_view value) {
  if (value.size() != 24 + crypto::kHashBytes) {
    return absl::DataLossError(StrCat("batch row is ", value.size(), " bytes, not 56"));
  }
  const std::optional<int64_t> first = ReadBigEndian(value.substr(0, 8));
  const std::optional<int64_t> count = ReadBigEndian(value.substr(8, 8));
  const std::optional<int64_t> size = ReadBigEndian(value.substr(16, 8));
  if (!first || !count || !size || *count < 1 || *first > *size - *count) {
    return absl::DataLossError("batch row's range is not inside its tree");
  }
  BatchRecord record{*first, *count, *size, {}};
  std::memcpy(record.digest.data(), value.data() + 24, crypto::kHashBytes);
  return record;
}

}  // namespace pbl::ledger
