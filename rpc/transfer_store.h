// The node's durable record of its transfers (TransferRecord in node.proto), one per transfer
// id and role, in the log's RocksDB (rows beside the log's, specs/ledger.md). The log is the truth;
// a record says where the protocol stands and keeps the package and receipt that are not in the
// log. A record is rewritten at every step, but its package (a person's whole history with proofs,
// ~100 KB for 120 months) is written once, in a row of its own, so that a step rewrites a few
// hundred bytes. Every write is synced unless its caller says otherwise. Thread-safe.
#ifndef PBL_RPC_TRANSFER_STORE_H_
#define PBL_RPC_TRANSFER_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/log/storage.h"
#include "pbl/v1/node.pb.h"

namespace pbl::rpc {

class TransferStore {
 public:
  // The store in the RocksDB at `path` (a node's `<data_dir>/log`, for tools and tests).
  static absl::StatusOr<std::unique_ptr<TransferStore>> Open(const std::string& path);
  explicit TransferStore(std::unique_ptr<ledger::Storage> storage);
  // In `storage` (the ledger's), which must outlive the store.
  explicit TransferStore(ledger::Storage* storage);

  ledger::Storage* storage() const { return storage_; }

  // The record without its package (see Package); nullopt when there is none; DATA_LOSS if the
  // stored record does not parse.
  absl::StatusOr<std::optional<v1::TransferRecord>> Get(std::string_view transfer_id,
                                                        v1::TransferRole role) const;
  // The record's package (in its own row): NOT_FOUND when it has none; DATA_LOSS if it does not
  // parse.
  absl::StatusOr<v1::SignedMessage> Package(std::string_view transfer_id,
                                            v1::TransferRole role) const;
  // Writes the record and, given one, its package in the same atomic write; later writes without
  // a package leave the stored one as it is. Synced by default. `sync = false` only for a write
  // that recovery can redo from the log, or that the next append's sync covers (specs/node.md).
  absl::Status Put(const v1::TransferRecord& record, bool sync = true,
                   const v1::SignedMessage* package = nullptr);
  // Every record (without its package) in id order (both roles), until `fn` returns false. A
  // stored record that does not parse is quarantined: skipped, never passed to `fn` and never a
  // reason to stop, and named in `unreadable` (if given) as RecordName says. Get still answers
  // DATA_LOSS for it, so no step of the protocol acts on a record it cannot read.
  absl::Status ForEach(const std::function<bool(const v1::TransferRecord&)>& fn,
                       std::vector<std::string>* unreadable = nullptr) const;
  // Up to `limit` readable records after `after_id` in id order, optionally only one state; the
  // unreadable ones met on the way are skipped and named in `unreadable` (if given).
  absl::StatusOr<std::vector<v1::TransferRecord>> List(
      std::string_view after_id, v1::TransferState state, size_t limit,
      std::vector<std::string>* unreadable = nullptr) const;

  // How an unreadable record is named: its transfer id, "/", its role number, with any byte
  // that is not printable ASCII as \xNN.
  static std::string RecordName(std::string_view key);

 private:
  std::unique_ptr<ledger::Storage> owned_;
  ledger::Storage* storage_;
};

}  // namespace pbl::rpc

#endif  // PBL_RPC_TRANSFER_STORE_H_
