// The fixed world of the fuzz targets that check signed things (statement_fuzzer,
// transfer_package_fuzzer): two nodes and a witness with fixed keys, their logs in memory, and
// one transfer between the nodes with its real package, receipt and statement, made the way the
// nodes make them (rpc/transfers_source.cc MakePackage, transfers_destination.cc MakeReceipt).
// make_fuzz_seeds writes the valid seeds from it; the targets verify against its keys. Ed25519
// signatures are deterministic, so the same seeds come out on every run. Not thread-safe (the
// world is built on first use).
#ifndef PBL_TESTS_FUZZ_FUZZ_FIXTURES_H_
#define PBL_TESTS_FUZZ_FUZZ_FIXTURES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/checkpoint.h"
#include "crypto/cosignature.h"
#include "crypto/ed25519.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "pbl/v1/entry.pb.h"
#include "pbl/v1/node.pb.h"

namespace pbl::fuzz {

// A node (or witness): its id, the name its checkpoints are signed under, and its key.
// Not movable: the signer borrows the key.
class FuzzNode {
 public:
  FuzzNode(std::string id, std::string origin, uint8_t seed_byte);
  FuzzNode(const FuzzNode&) = delete;
  FuzzNode& operator=(const FuzzNode&) = delete;

  const std::string& id() const { return id_; }
  const std::string& origin() const { return origin_; }
  const crypto::SigningKey& key() const { return key_; }
  const crypto::Ed25519NoteSigner& signer() const { return *signer_; }
  const crypto::Ed25519NoteVerifier& verifier() const { return verifier_; }
  // The same key as a tlog-cosignature/v1 witness, timestamped kCosignatureTime.
  const crypto::CosignatureSigner& cosigner() const { return *cosigner_; }
  const crypto::CosignatureVerifier& cosignature_verifier() const { return cosignature_verifier_; }

 private:
  std::string id_;
  std::string origin_;
  crypto::SigningKey key_;
  std::optional<crypto::Ed25519NoteSigner> signer_;
  crypto::Ed25519NoteVerifier verifier_;
  std::optional<crypto::CosignatureSigner> cosigner_;
  crypto::CosignatureVerifier cosignature_verifier_;
};

inline constexpr uint64_t kCosignatureTime = 1'717'200'000;  // 2024-06-01

const FuzzNode& SourceNode();       // "anhui", signs packages and its checkpoints
const FuzzNode& DestinationNode();  // "shanghai", signs receipts and its checkpoints
const FuzzNode& WitnessNode();      // cosigns the source's checkpoints in statements

// A node's log in memory: entry bytes and their Merkle tree. Copyable.
class FuzzLog {
 public:
  explicit FuzzLog(const FuzzNode* node) : node_(node) {}

  // Appends the entry's bytes as they are; returns its index.
  int64_t Append(std::string bytes);
  int64_t size() const { return static_cast<int64_t>(entries_.size()); }
  const std::string& entry(int64_t index) const { return entries_[static_cast<size_t>(index)]; }
  crypto::Hash root() const { return store_.Root(); }
  // The log's checkpoint now, as a note signed by the node.
  std::string SignedCheckpoint() const;
  // The entry at `index` with its inclusion proof in the tree as it is now.
  v1::ProvenEntry Prove(int64_t index) const;

 private:
  const FuzzNode* node_;
  crypto::MemoryHashStore store_;
  std::vector<std::string> entries_;
};

// The transfer of the world: what the destination recorded when it was requested (the package
// check compares a package with it) and what the source recorded when it initiated it, with
// its figures (the receipt check compares a receipt with it).
v1::TransferStatus DestinationStatus();
v1::TransferStatus SourceStatus();

// The world after the transfer: both logs and the signed messages the nodes exchanged.
struct FuzzWorld {
  FuzzLog source_log{&SourceNode()};
  FuzzLog destination_log{&DestinationNode()};
  std::vector<int64_t> person_indexes;  // the person's entries in the source log
  v1::SignedMessage package;            // the source's, as MakePackage signs it
  v1::SignedMessage receipt;            // the destination's, as MakeReceipt signs it
  // Another run of the same transfer that the destination voided instead: its log, and the
  // signed void it sends the source (as MakeVoid signs it).
  FuzzLog void_log{&DestinationNode()};
  v1::SignedMessage signed_void;
  v1::Statement statement;           // the person's statement from the source
  v1::Statement cosigned_statement;  // the same with the witness's cosignature
};
const FuzzWorld& World();

// The entries of every body kind, each valid on its own (ledger::ValidateEntry), for seeds.
std::vector<v1::Entry> SampleEntries();

// The person of the world's transfer.
std::string FuzzPersonId();

}  // namespace pbl::fuzz

#endif  // PBL_TESTS_FUZZ_FUZZ_FIXTURES_H_
