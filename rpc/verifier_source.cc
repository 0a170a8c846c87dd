#include "rpc/verifier_source.h"

#include <string_view>

#include "crypto/base/status_macros.h"

namespace pbl::rpc {

absl::StatusOr<std::string> NodeLogSource::Checkpoint(int64_t tree_size) {
  return client_.GetCheckpoint(static_cast<uint64_t>(tree_size));
}

absl::Status NodeLogSource::StreamEntries(int64_t start, const verifier::ChunkVisitor& visit) {
  std::vector<std::string_view> entries;  // reused from chunk to chunk
  return client_.StreamEntries(
      static_cast<uint64_t>(start), [&](const v1::StreamEntriesResponse& response) {
        entries.assign(response.entries().begin(), response.entries().end());
        verifier::EntryChunk chunk;
        chunk.first_index = response.first_index();
        chunk.entries = entries;
        chunk.checkpoint = response.checkpoint();
        return visit(chunk);
      });
}

absl::StatusOr<std::vector<std::string>> NodeLogSource::ConsistencyProof(int64_t old_size,
                                                                         int64_t new_size) {
  PBL_ASSIGN_OR_RETURN(v1::GetConsistencyProofResponse response,
                       client_.GetConsistencyProof(static_cast<uint64_t>(old_size),
                                                   static_cast<uint64_t>(new_size)));
  return std::vector<std::string>(std::make_move_iterator(response.mutable_hashes()->begin()),
                                  std::make_move_iterator(response.mutable_hashes()->end()));
}

}  // namespace pbl::rpc
