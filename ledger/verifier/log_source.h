// LogSource: how the verifier reads one node's log. The verifier trusts nothing a source serves:
// it rebuilds the tree from the entries, checks every checkpoint's signature and verifies every
// proof itself, so a source is a plain reader and may lie. Implemented over the node's gRPC
// client (rpc/verifier_source.h) and in memory by the verifier's unit tests.
//
// A source's status is a failed read (the node's own code, UNAVAILABLE when it cannot be
// reached); what a source serves that does not verify is an AuditFinding, never a status.
// Implementations need not be thread-safe: the verifier calls one source from one thread.
#ifndef PBL_LEDGER_VERIFIER_LOG_SOURCE_H_
#define PBL_LEDGER_VERIFIER_LOG_SOURCE_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace pbl::verifier {

// Consecutive entries as a source serves them, valid for the duration of the visitor's call.
struct EntryChunk {
  uint64_t first_index = 0;                   // the index of entries[0], as served
  std::span<const std::string_view> entries;  // serialized pbl.v1.Entry messages, as served
  std::string_view checkpoint;  // the signed note ending the stream; empty before the last chunk
};

// Sees each chunk; a status other than OK stops the stream, and the stream returns it.
using ChunkVisitor = std::function<absl::Status(const EntryChunk& chunk)>;

class LogSource {
 public:
  virtual ~LogSource() = default;

  // The signed checkpoint (a C2SP signed note) of the tree of `tree_size` entries; 0 asks for
  // the latest. NOT_FOUND when the node keeps none for that size.
  virtual absl::StatusOr<std::string> Checkpoint(int64_t tree_size) = 0;

  // Calls `visit` for each chunk of entries from index `start` to the end of the log; the last
  // chunk carries the checkpoint of the log's size. The visitor's status, when not OK, is
  // returned as it is.
  virtual absl::Status StreamEntries(int64_t start, const ChunkVisitor& visit) = 0;

  // The hashes of the consistency proof between the trees of `old_size` and `new_size` entries,
  // as served (a hash that is not 32 bytes is the verifier's finding, not the source's error).
  virtual absl::StatusOr<std::vector<std::string>> ConsistencyProof(int64_t old_size,
                                                                    int64_t new_size) = 0;
};

}  // namespace pbl::verifier

#endif  // PBL_LEDGER_VERIFIER_LOG_SOURCE_H_
