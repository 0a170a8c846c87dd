// The node's Prometheus metrics (text exposition over HTTP at /metrics): appends and their
// latency, ledger group sizes, transfers by state, and requests by method and code.
// Thread-safe.
#ifndef PBL_RPC_METRICS_H_
#define PBL_RPC_METRICS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "pbl/v1/node.pb.h"

namespace pbl::rpc {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Serves /metrics on `listen` (host:port). UNAVAILABLE if it cannot bind.
  absl::Status Serve(const std::string& listen);
  // The exposition text, as a scrape would get it (for tests and `pbld --metrics-once`).
  std::string Text() const;

  void Append(int64_t entries, double seconds);
  void Group(size_t appends, int64_t entries);
  void TransferState(v1::TransferState from, v1::TransferState to);
  void Request(std::string_view method, int code);
  // Transfer records the node could not read at start (rpc/transfer_store.h).
  void UnreadableTransferRecords(int64_t count);
  // A failed write or fsync stopped the log taking appends (ledger::Ledger::stopped).
  void LogStopped();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pbl::rpc

#endif  // PBL_RPC_METRICS_H_
