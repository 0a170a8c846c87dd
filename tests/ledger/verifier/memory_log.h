// MemoryLog: a node's log held in memory, served through the verifier's LogSource. It signs real
// checkpoints (Ed25519, crypto/checkpoint.h) over the real Merkle tree of its entries and serves
// real consistency proofs (crypto/merkle.h), so an honest MemoryLog passes every check. Each
// public `lie` knob makes it serve one kind of falsehood, for the tests of the findings that
// catch it. Not thread-safe; for tests only.
#ifndef PBL_TESTS_LEDGER_VERIFIER_MEMORY_LOG_H_
#define PBL_TESTS_LEDGER_VERIFIER_MEMORY_LOG_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/checkpoint.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "ledger/verifier/log_source.h"

namespace pbl::testing {

// A deterministic Ed25519 key: the seed is `tag` repeated.
inline crypto::SigningKey TestSigningKey(uint8_t tag) {
  std::array<uint8_t, 32> seed;
  seed.fill(tag);
  return *crypto::SigningKey::FromSeed(seed);
}

// What a MemoryLog serves that is not true. All off: an honest log.
struct Lies {
  std::map<int64_t, std::string> entries;  // index -> bytes served instead of the signed entry
  int64_t chunk_index_shift = 0;           // added to every chunk's first_index after the first
  bool no_checkpoint = false;              // the stream ends without its checkpoint
  bool chunk_after_checkpoint = false;     // one more chunk after the one with the checkpoint
  int64_t checkpoint_size_shift = 0;       // the streamed checkpoint claims this many more entries
  const crypto::NoteSigner* checkpoint_signer = nullptr;  // signs the streamed checkpoint instead
  bool short_proof_hash = false;                          // a consistency proof hash of 31 bytes
  bool wrong_proof = false;  // a consistency proof whose first hash is flipped
};

class MemoryLog : public verifier::LogSource {
 public:
  static constexpr size_t kChunkEntries = 3;

  // A log named `origin` (its checkpoints' origin and its key's name), signed by `key`, which
  // must outlive the log.
  MemoryLog(std::string origin, const crypto::SigningKey& key)
      : signer_(*crypto::Ed25519NoteSigner::Create(origin, &key)),
        verifier_(std::move(origin), key.public_key()) {}

  const crypto::NoteVerifier& verifier() const { return verifier_; }
  const crypto::NoteSigner& signer() const { return signer_; }
  const std::string& origin() const { return verifier_.name(); }
  int64_t size() const { return static_cast<int64_t>(entries_.size()); }
  crypto::Hash Root() const { return hashes_.Root(); }
  Lies lie;
  // The extension lines of the checkpoint signed for a size (a v2 log's pbl-map line); none
  // when empty.
  std::function<std::vector<std::string>(int64_t tree_size)> extensions;
  const std::vector<std::string>& entries() const { return entries_; }

  // Appends one entry; returns its index.
  int64_t Append(std::string bytes) {
    hashes_.Append(crypto::AsBytes(bytes));
    entries_.push_back(std::move(bytes));
    return size() - 1;
  }

  // The signed checkpoint of the log as it is now, kept for its size as a node keeps it.
  std::string Publish() {
    std::string note = Sign(size(), Root(), signer_);
    kept_[size()] = note;
    return note;
  }
  // Forgets the checkpoint kept for `size` (a node that keeps none for that size).
  void Forget(int64_t tree_size) { kept_.erase(tree_size); }

  absl::StatusOr<std::string> Checkpoint(int64_t tree_size) override {
    if (tree_size == 0) return Publish();
    const auto it = kept_.find(tree_size);
    if (it == kept_.end()) return absl::NotFoundError("no checkpoint kept for that size");
    return it->second;
  }

  absl::Status StreamEntries(int64_t start, const verifier::ChunkVisitor& visit) override {
    if (start < 0 || start > size()) return absl::OutOfRangeError("start past the log");
    const std::string note = StreamedCheckpoint();
    int64_t next = start;
    bool first = true;
    while (true) {
      const int64_t end = std::min(size(), next + static_cast<int64_t>(kChunkEntries));
      std::vector<std::string_view> served;
      for (int64_t i = next; i < end; ++i) served.push_back(Served(i));
      const bool last = end == size();
      verifier::EntryChunk chunk;
      chunk.first_index = static_cast<uint64_t>(next + (first ? 0 : lie.chunk_index_shift));
      chunk.entries = served;
      if (last && !lie.no_checkpoint) chunk.checkpoint = note;
      if (absl::Status s = visit(chunk); !s.ok()) return s;
      first = false;
      next = end;
      if (last) break;
    }
    if (lie.chunk_after_checkpoint) {
      verifier::EntryChunk extra;
      extra.first_index = static_cast<uint64_t>(size());
      return visit(extra);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> ConsistencyProof(int64_t old_size,
                                                            int64_t new_size) override {
    absl::StatusOr<crypto::Proof> proof = crypto::ProveConsistency(old_size, new_size, hashes_);
    if (!proof.ok()) return proof.status();
    std::vector<std::string> hashes;
    for (const crypto::Hash& h : *proof) hashes.emplace_back(h.begin(), h.end());
    if (lie.wrong_proof && !hashes.empty()) hashes.front()[0] ^= 1;
    if (lie.short_proof_hash && !hashes.empty()) hashes.front().pop_back();
    return hashes;
  }

  // A checkpoint of `tree_size` entries and `root` for this log's origin, signed by `signer`.
  std::string Sign(int64_t tree_size, const crypto::Hash& root,
                   const crypto::NoteSigner& signer) const {
    crypto::Checkpoint cp;
    cp.origin = origin();
    cp.size = tree_size;
    cp.root = root;
    if (extensions) cp.extensions = extensions(tree_size);
    const crypto::NoteSigner* signers[] = {&signer};
    return *crypto::SignCheckpoint(cp, signers);
  }

 private:
  std::string_view Served(int64_t index) const {
    const auto it = lie.entries.find(index);
    return it != lie.entries.end() ? std::string_view(it->second)
                                   : std::string_view(entries_[static_cast<size_t>(index)]);
  }

  std::string StreamedCheckpoint() {
    if (lie.checkpoint_size_shift == 0 && lie.checkpoint_signer == nullptr) return Publish();
    return Sign(size() + lie.checkpoint_size_shift, Root(),
                lie.checkpoint_signer != nullptr ? *lie.checkpoint_signer : signer_);
  }

  crypto::Ed25519NoteSigner signer_;
  crypto::Ed25519NoteVerifier verifier_;
  std::vector<std::string> entries_;
  crypto::MemoryHashStore hashes_;
  std::map<int64_t, std::string> kept_;  // size -> the checkpoint signed for it
};

}  // namespace pbl::testing

#endif  // PBL_TESTS_LEDGER_VERIFIER_MEMORY_LOG_H_
