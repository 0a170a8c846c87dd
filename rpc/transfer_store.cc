#include "rpc/transfer_store.h"

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"

namespace pbl::rpc {

namespace {

// Records: "T" + id + "\0" + role digit: ids sort as they are, both roles of an id together.
// Packages: the same with "P" (outside the records' range, so scans of records skip them).
std::string Key(std::string_view transfer_id, v1::TransferRole role, char prefix = 'T') {
  return StrCat(std::string_view(&prefix, 1), transfer_id, std::string_view("\0", 1),
                static_cast<int>(role));
}

template <typename Message>
absl::StatusOr<Message> Parse(std::string_view what, std::string_view key, std::string_view value) {
  Message message;
  if (!message.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(StrCat(what, " ", key.substr(1, 64), " does not parse"));
  }
  return message;
}

absl::StatusOr<v1::TransferRecord> Parse(std::string_view key, std::string_view value) {
  return Parse<v1::TransferRecord>("transfer record", key, value);
}

}  // namespace

absl::StatusOr<std::unique_ptr<TransferStore>> TransferStore::Open(const std::string& path) {
  PBL_ASSIGN_OR_RETURN(std::unique_ptr<ledger::Storage> storage, ledger::OpenRocksStorage(path));
  return std::make_unique<TransferStore>(std::move(storage));
}

TransferStore::TransferStore(std::unique_ptr<ledger::Storage> storage)
    : owned_(std::move(storage)), storage_(owned_.get()) {}

TransferStore::TransferStore(ledger::Storage* storage) : storage_(storage) {}

absl::StatusOr<std::optional<v1::TransferRecord>> TransferStore::Get(std::string_view transfer_id,
                                                                     v1::TransferRole role) const {
  const std::string key = Key(transfer_id, role);
  absl::StatusOr<std::string> value = storage_->Get(key);
  if (absl::IsNotFound(value.status())) return std::nullopt;
  if (!value.ok()) return value.status();
  PBL_ASSIGN_OR_RETURN(v1::TransferRecord record, Parse(key, *value));
  return record;
}

absl::StatusOr<v1::SignedMessage> TransferStore::Package(std::string_view transfer_id,
                                                         v1::TransferRole role) const {
  const std::string key = Key(transfer_id, role, 'P');
  absl::StatusOr<std::string> value = storage_->Get(key);
  if (value.ok()) return Parse<v1::SignedMessage>("transfer package", key, *value);
  if (!absl::IsNotFound(value.status())) return value.status();
  return absl::NotFoundError(StrCat("transfer ", transfer_id, " has no package"));
}

absl::Status TransferStore::Put(const v1::TransferRecord& record, bool sync,
                                const v1::SignedMessage* package) {
  const v1::TransferStatus& s = record.status();
  const std::string& id = s.terms().transfer_id();
  std::unique_ptr<ledger::StorageBatch> batch = storage_->NewBatch();
  if (package != nullptr) {
    batch->Put(Key(id, s.role(), 'P'), package->SerializeAsString());
  }
  batch->Put(Key(id, s.role()), record.SerializeAsString());
  return sync ? storage_->Commit(*batch) : storage_->CommitUnsynced(*batch);
}

absl::Status TransferStore::ForEach(const std::function<bool(const v1::TransferRecord&)>& fn,
                                    std::vector<std::string>* unreadable) const {
  return storage_->Scan("T", "U", [&](std::string_view key, std::string_view value) {
    absl::StatusOr<v1::TransferRecord> record = Parse(key, value);
    if (!record.ok()) {
      if (unreadable != nullptr) unreadable->push_back(RecordName(key));
      return true;
    }
    return fn(*record);
  });
}

absl::StatusOr<std::vector<v1::TransferRecord>> TransferStore::List(
    std::string_view after_id, v1::TransferState state, size_t limit,
    std::vector<std::string>* unreadable) const {
  std::vector<v1::TransferRecord> out;
  const std::string start =
      after_id.empty() ? "T" : StrCat("T", after_id, std::string_view("\1", 1));
  PBL_RETURN_IF_ERROR(storage_->Scan(start, "U", [&](std::string_view key, std::string_view value) {
    absl::StatusOr<v1::TransferRecord> record = Parse(key, value);
    if (!record.ok()) {
      if (unreadable != nullptr) unreadable->push_back(RecordName(key));
      return true;
    }
    if (state == v1::TRANSFER_STATE_UNSPECIFIED || record->status().state() == state) {
      out.push_back(*std::move(record));
    }
    return out.size() < limit;
  }));
  return out;
}

std::string TransferStore::RecordName(std::string_view key) {
  std::string out;
  for (const char c : key.substr(1)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\0') {
      out.push_back('/');
    } else if (u >= 0x20 && u < 0x7f && c != '\\') {
      out.push_back(c);
    } else {
      AppendHexEscape(&out, u);
    }
  }
  return out;
}

}  // namespace pbl::rpc
