// Seams through which a test binary changes how a node behaves, as leveldb's Env lets tests
// inject file-system faults: the production daemon (pbld) passes an empty NodeSeams, whose
// defaults change nothing, and no fault or tampering code is linked into it. Test binaries
// (tests/testing) provide fault plans through these and nothing else.
#ifndef PBL_RPC_SEAMS_H_
#define PBL_RPC_SEAMS_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/log/storage.h"
#include "pbl/v1/node.pb.h"
#include "rpc/peers.h"

namespace pbl::rpc {

struct NodeSeams {
  // Wraps the channel to the peer `peer_id` (a test drops, delays or duplicates messages).
  // Unset: the channel is used as it is.
  std::function<std::unique_ptr<PeerChannel>(const std::string& peer_id,
                                             std::unique_ptr<PeerChannel> channel)>
      wrap_peer_channel;
  // Turns the package a source is about to send into the signed message it sends, given the
  // honest signer (a test plays a dishonest source: a broken proof, a left-out entry, a bad
  // signature), or an error instead (a source whose package never leaves). Unset: the package
  // is signed as it is.
  std::function<absl::StatusOr<v1::SignedMessage>(
      v1::TransferPackage package,
      const std::function<v1::SignedMessage(const v1::TransferPackage&)>& sign)>
      send_package;
  // Wraps the log's storage (opened at `path`) before the ledger opens it (a test fails a write
  // or an fsync). Unset: the storage is used as it is.
  std::function<std::unique_ptr<ledger::Storage>(const std::string& path,
                                                 std::unique_ptr<ledger::Storage> storage)>
      wrap_storage;
};

}  // namespace pbl::rpc

#endif  // PBL_RPC_SEAMS_H_
