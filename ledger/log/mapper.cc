#include "ledger/log/mapper.h"

#include <cstring>
#include <utility>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "ledger/log/log_format.h"

namespace pbl::ledger {

namespace {

constexpr size_t kMapHeadBytes = 8 + crypto::kHashBytes;

std::string EncodeMapHead(const MapHead& head) {
  std::string out;
  AppendBigEndian(&out, head.size);
  out.append(reinterpret_cast<const char*>(head.root.data()), head.root.size());
  return out;
}

absl::StatusOr<MapHead> DecodeMapHead(std::string_view value) {
  const std::optional<int64_t> size =
      value.size() == kMapHeadBytes ? ReadBigEndian(value.substr(0, 8)) : std::nullopt;
  if (!size || *size < 1) {
    return absl::DataLossError(
        StrCat("the map head row (n) is malformed (", value.size(), " bytes)"));
  }
  MapHead head{*size, {}};
  std::memcpy(head.root.data(), value.data() + 8, crypto::kHashBytes);
  return head;
}

}  // namespace

std::string MapValueRowKey(const PersonKey& key) {
  std::string row(1, kMapValuePrefix);
  row.append(reinterpret_cast<const char*>(key.data()), key.size());
  return row;
}

void Mapper::PutInitial(StorageBatch& batch) {
  batch.Put(kMapHeadKey, EncodeMapHead(InitialHead()));
}

absl::StatusOr<std::unique_ptr<Mapper>> Mapper::Load(const Storage& storage) {
  absl::StatusOr<std::string> row = storage.Get(kMapHeadKey);
  if (!row.ok()) return AsDataLoss(row.status(), "the map head row (n)");
  PBL_ASSIGN_OR_RETURN(const MapHead head, DecodeMapHead(*row));
  MapUpdate values;
  absl::Status bad;
  const std::string prefix(1, kMapValuePrefix);
  PBL_RETURN_IF_ERROR(
      storage.Scan(prefix, PrefixEnd(prefix), [&](std::string_view key, std::string_view value) {
        if (key.size() != 1 + crypto::kHashBytes || value.size() != crypto::kMapValueBytes) {
          bad = absl::DataLossError("a map value row (l) is malformed");
          return false;
        }
        PersonKey k;
        std::memcpy(k.data(), key.data() + 1, k.size());
        values.emplace_back(
            k, crypto::MapValue::Decode(std::span<const uint8_t, crypto::kMapValueBytes>(
                   reinterpret_cast<const uint8_t*>(value.data()), crypto::kMapValueBytes)));
        return true;
      }));
  PBL_RETURN_IF_ERROR(bad);
  std::unique_ptr<Mapper> mapper(new Mapper());
  mapper->folder_.map().Update(std::move(values));
  if (mapper->folder_.map().Root() != head.root) {
    return absl::DataLossError(
        StrCat("the map value rows (l) do not give the root of the map "
               "head row (n), at map size ",
               head.size));
  }
  mapper->head_ = head;
  return mapper;
}

absl::Status Mapper::Fold(int64_t end, Storage& storage, const ScanLeaves& scan) {
  const int64_t start = head().size;  // only this thread changes it
  if (end <= start) return absl::OkStatus();
  int64_t next = start;
  absl::Status bad;
  PBL_RETURN_IF_ERROR(scan(start, end, [&](int64_t index, std::string_view bytes) {
    if (index != next) {
      bad = absl::DataLossError(StrCat("the mapper finds entry ", next, " missing"));
      return false;
    }
    absl::StatusOr<Leaf> leaf = ParseLeaf(bytes);
    if (!leaf.ok()) {
      bad = absl::DataLossError(StrCat("the mapper finds entry ", index,
                                       " not a v2 leaf: ", ToStd(leaf.status().message())));
      return false;
    }
    folder_.Add(index, *leaf, crypto::LeafHash(crypto::AsBytes(bytes)));
    ++next;
    return true;
  }));
  PBL_RETURN_IF_ERROR(bad);
  if (next != end) return absl::DataLossError(StrCat("the mapper finds entry ", next, " missing"));
  MapUpdate changed = folder_.TakeChanged();
  std::unique_ptr<StorageBatch> batch = storage.NewBatch();
  for (const auto& [key, value] : changed) {
    const auto bytes = value.Encode();
    batch->Put(MapValueRowKey(key),
               std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  MapHead head;
  {
    std::lock_guard lock(mu_);
    folder_.map().Update(std::move(changed));
    head_ = MapHead{end, folder_.map().Root()};
    head = head_;
  }
  batch->Put(kMapHeadKey, EncodeMapHead(head));
  return storage.CommitUnsynced(*batch);
}

MapHead Mapper::head() const {
  std::lock_guard lock(mu_);
  return head_;
}

std::optional<crypto::MapValue> Mapper::Get(const PersonKey& key) const {
  std::lock_guard lock(mu_);
  return folder_.map().Get(key);
}

std::pair<crypto::MapProof, MapHead> Mapper::Prove(const PersonKey& key) const {
  std::lock_guard lock(mu_);
  return {folder_.map().Prove(key), head_};
}

size_t Mapper::keys() const {
  std::lock_guard lock(mu_);
  return folder_.map().size();
}

}  // namespace pbl::ledger
