// Interop in the other direction: checkpoints that pbl::crypto signs and proofs that it makes
// must verify with Go's golang.org/x/mod/sumdb/note and sumdb/tlog, the code behind the Go
// checksum database. The test writes a log, a signed checkpoint for every tree size, inclusion
// proofs for every leaf and consistency proofs from every older size (for all sizes up to 300
// and for a few large ones), plus a few tampered items, and runs the Go checker
// (go/src/pbltlogcheck, whose file comment describes the input format) over them. The checker
// recomputes every leaf hash and root itself and trusts only what it verified, so agreement
// here means our hashing, proofs, note signatures and checkpoint bodies match the reference.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "crypto/checkpoint.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "tests/testing/status_matchers.h"

#ifndef PBL_GO_TLOGCHECK
#error "PBL_GO_TLOGCHECK must name the Go checker binary (see tests/interop/CMakeLists.txt)"
#endif

namespace pbl::crypto {
namespace {

constexpr std::string_view kLogName = "pbl.example/interop";

// Every tree size up to this one gets all of its proofs: small trees are where the edge cases
// of the proof algorithms (perfect trees, a lone right leaf, old size equal to new) are dense.
constexpr int64_t kAllProofsUpTo = 300;
// Larger sizes around powers of two, and a prime, where proofs are longest.
constexpr std::array<int64_t, 7> kLargeSizes = {511, 512, 513, 1000, 4096, 4097, 10007};
constexpr int64_t kLogSize = 10007;
static_assert(kLargeSizes.back() == kLogSize, "the log must reach the largest proved size");

bool ProvesAll(int64_t size) {
  if (size <= kAllProofsUpTo) return true;
  for (int64_t large : kLargeSizes) {
    if (size == large) return true;
  }
  return false;
}

// Records shaped like the ledger's benefit entries, of varying length, plus an empty record and
// one holding every byte value, so that hashing of unusual leaf data is covered as well.
std::string LeafData(int64_t index) {
  if (index == 3) return "";
  if (index == 17) {
    std::string all_bytes(256, '\0');
    for (int b = 0; b < 256; ++b) all_bytes[b] = static_cast<char>(b);
    return all_bytes;
  }
  constexpr std::array<const char*, 4> kSchemes = {"pension-A", "pension-B", "sick-pay",
                                                   "training-fund"};
  return absl::StrCat(R"({"seq":)", index, R"(,"worker":"W)",
                      absl::Dec(index * 7919 % 1000003, absl::kZeroPad7), R"(","scheme":")",
                      kSchemes[index % kSchemes.size()], R"(","period":"20)", 25 + index / 12 % 10,
                      "-", absl::Dec(index % 12 + 1, absl::kZeroPad2), R"(","amount_cents":)",
                      1000 + index * 37 % 250000, "}");
}

std::string HashList(std::span<const Hash> hashes) {
  std::string out;
  out.reserve(hashes.size() * 45);
  for (const Hash& hash : hashes) absl::StrAppend(&out, " ", Base64Encode(hash));
  return out;
}

std::string InclusionLine(int64_t index, int64_t size, std::span<const Hash> proof) {
  return absl::StrCat("inclusion ", index, " ", size, HashList(proof));
}

std::string ConsistencyLine(int64_t old_size, int64_t new_size, std::span<const Hash> proof) {
  return absl::StrCat("consistency ", old_size, " ", new_size, HashList(proof));
}

std::string CheckpointLine(std::string_view signed_note) {
  return absl::StrCat("checkpoint ", Base64Encode(signed_note));
}

Hash FlipBit(Hash hash, size_t byte, uint8_t mask) {
  hash[byte] ^= mask;
  return hash;
}

Proof FlipBit(Proof proof, size_t hash, size_t byte, uint8_t mask) {
  proof[hash][byte] ^= mask;
  return proof;
}

// What the Go checker should report; Summary() is its exact summary line.
struct Counts {
  int64_t leaves = 0;
  int64_t checkpoints = 0;
  int64_t inclusion = 0;
  int64_t consistency = 0;
  int64_t rejected = 0;

  std::string Summary() const {
    return absl::StrCat("go-tlogcheck: ", leaves, " leaves, ", checkpoints, " checkpoints, ",
                        inclusion, " inclusion, ", consistency, " consistency verified; ", rejected,
                        " tampered items rejected");
  }
};

class InputWriter {
 public:
  explicit InputWriter(const std::string& path) : out_(path, std::ios::binary) {}

  bool ok() const { return out_.good(); }
  const Counts& counts() const { return counts_; }

  void Comment(std::string_view text) { out_ << "# " << text << '\n'; }
  void VerifierKey(std::string_view vkey) { out_ << "vkey " << vkey << '\n'; }
  void Leaf(std::string_view data) {
    out_ << "leaf " << Base64Encode(data) << '\n';
    ++counts_.leaves;
  }
  void Checkpoint(std::string_view signed_note) {
    out_ << CheckpointLine(signed_note) << '\n';
    ++counts_.checkpoints;
  }
  void Inclusion(int64_t index, int64_t size, std::span<const Hash> proof) {
    out_ << InclusionLine(index, size, proof) << '\n';
    ++counts_.inclusion;
  }
  void Consistency(int64_t old_size, int64_t new_size, std::span<const Hash> proof) {
    out_ << ConsistencyLine(old_size, new_size, proof) << '\n';
    ++counts_.consistency;
  }
  // An item that differs from a valid one in a single way, which the checker must reject.
  void Tampered(std::string_view line) {
    out_ << "expect-fail " << line << '\n';
    ++counts_.rejected;
  }
  void Close() { out_.close(); }

 private:
  std::ofstream out_;
  Counts counts_;
};

// Replaces the first occurrence of `from` in `text`, which must be there.
std::string ReplaceOnce(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from << " not in " << text;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The signed note with one bit flipped in the decoded signature line, at `byte` counted from the
// start of (key ID || signature).
std::string FlipSignatureBit(const std::string& signed_note, size_t byte) {
  const size_t start = signed_note.rfind(' ', signed_note.size() - 2) + 1;
  const std::string encoded = signed_note.substr(start, signed_note.size() - 1 - start);
  absl::StatusOr<std::string> decoded = Base64Decode(encoded);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  if (!decoded.ok()) return signed_note;
  (*decoded)[byte] = static_cast<char>((*decoded)[byte] ^ 0x01);
  return ReplaceOnce(signed_note, encoded, Base64Encode(*decoded));
}

void WriteTamperedItems(const MemoryHashStore& store, const Ed25519NoteSigner& signer,
                        InputWriter* writer) {
  writer->Comment("Tampered items: each must be rejected.");

  // Inclusion proofs, against sizes whose checkpoints the checker has accepted.
  for (const auto& [index, size] : {std::pair<int64_t, int64_t>{123, 300}, {4096, 10007}}) {
    ASSERT_OK_AND_ASSIGN(const Proof proof, ProveInclusion(index, size, store));
    ASSERT_GE(proof.size(), 3u);
    writer->Tampered(InclusionLine(index, size, FlipBit(proof, 1, 9, 0x20)));
    writer->Tampered(InclusionLine(index, size, FlipBit(proof, proof.size() - 1, 31, 0x01)));
    writer->Tampered(InclusionLine(index + 1, size, proof));
    writer->Tampered(InclusionLine(index, size - 1, proof));
    writer->Tampered(InclusionLine(index, size, std::span(proof).first(proof.size() - 1)));
    Proof longer = proof;
    longer.push_back(proof.front());
    writer->Tampered(InclusionLine(index, size, longer));
  }
  // An index past the end of the tree the proof is for.
  ASSERT_OK_AND_ASSIGN(const Proof last, ProveInclusion(299, 300, store));
  writer->Tampered(InclusionLine(300, 300, last));

  // Consistency proofs.
  for (const auto& [old_size, new_size] :
       {std::pair<int64_t, int64_t>{100, 300}, {4097, 10007}, {1, 512}}) {
    ASSERT_OK_AND_ASSIGN(const Proof proof, ProveConsistency(old_size, new_size, store));
    ASSERT_FALSE(proof.empty());
    writer->Tampered(ConsistencyLine(old_size, new_size, FlipBit(proof, 0, 0, 0x80)));
    writer->Tampered(ConsistencyLine(old_size + 1, new_size, proof));
    writer->Tampered(ConsistencyLine(old_size, new_size - 1, proof));
    writer->Tampered(ConsistencyLine(new_size, old_size, proof));
    writer->Tampered(ConsistencyLine(old_size, new_size, std::span(proof).first(proof.size() - 1)));
  }
  // Equal sizes need an empty proof.
  ASSERT_OK_AND_ASSIGN(const Proof some_hash, ProveInclusion(0, 2, store));
  writer->Tampered(ConsistencyLine(2, 2, some_hash));

  // Checkpoints. Signing checkpoint bodies as plain notes lets a test sign what SignCheckpoint
  // might refuse, such as a foreign origin.
  const NoteSigner* const signers[] = {&signer};
  constexpr int64_t kSize = 250;
  ASSERT_OK_AND_ASSIGN(const Hash root, TreeHash(kSize, store));
  Checkpoint checkpoint;
  checkpoint.origin = std::string(kLogName);
  checkpoint.size = kSize;
  checkpoint.root = root;
  ASSERT_OK_AND_ASSIGN(const std::string valid, SignCheckpoint(checkpoint, signers));

  // A flipped bit in the signature, and one in the key ID (which makes it an unknown key's).
  writer->Tampered(CheckpointLine(FlipSignatureBit(valid, 4 + 20)));
  writer->Tampered(CheckpointLine(FlipSignatureBit(valid, 1)));
  // The root changed after signing.
  writer->Tampered(
      CheckpointLine(ReplaceOnce(valid, Base64Encode(root), Base64Encode(FlipBit(root, 0, 0x01)))));
  // Validly signed, but the body is wrong.
  const auto signed_body = [&](const Checkpoint& body) -> std::string {
    absl::StatusOr<std::string> note = SignNote(body.Body(), signers);
    EXPECT_TRUE(note.ok()) << note.status();
    return note.ok() ? CheckpointLine(*note) : std::string();
  };
  Checkpoint wrong = checkpoint;
  wrong.root = FlipBit(root, 31, 0x40);
  writer->Tampered(signed_body(wrong));
  wrong = checkpoint;
  ASSERT_OK_AND_ASSIGN(wrong.root, TreeHash(kSize - 1, store));
  writer->Tampered(signed_body(wrong));
  wrong = checkpoint;
  wrong.size = kLogSize + 1;  // more leaves than the log has
  ASSERT_OK_AND_ASSIGN(wrong.root, TreeHash(kLogSize, store));
  writer->Tampered(signed_body(wrong));
  wrong = checkpoint;
  wrong.origin = "pbl.example/another-log";
  writer->Tampered(signed_body(wrong));
  // The same checkpoint signed by another key under the same name.
  const SigningKey other_key = SigningKey::Generate();
  ASSERT_OK_AND_ASSIGN(const Ed25519NoteSigner other,
                       Ed25519NoteSigner::Create(std::string(kLogName), &other_key));
  const NoteSigner* const other_signers[] = {&other};
  ASSERT_OK_AND_ASSIGN(const std::string foreign, SignCheckpoint(checkpoint, other_signers));
  writer->Tampered(CheckpointLine(foreign));
}

// Writes the whole input for the Go checker to `path` and returns what it must report.
void WriteInput(const std::string& path, Counts* expected) {
  const SigningKey key = SigningKey::Generate();
  ASSERT_OK_AND_ASSIGN(const Ed25519NoteSigner signer,
                       Ed25519NoteSigner::Create(std::string(kLogName), &key));
  const NoteSigner* const signers[] = {&signer};

  InputWriter writer(path);
  ASSERT_TRUE(writer.ok()) << "cannot write " << path;
  writer.Comment("Written by tests/interop/go_interop_test.cc for pbltlogcheck.");
  writer.VerifierKey(signer.VerifierKey());

  // The log grows one leaf at a time, as a ledger's would; each size gets a signed checkpoint
  // (consistency proofs are checked between two accepted checkpoints), and the chosen sizes get
  // every inclusion and consistency proof.
  MemoryHashStore store;
  for (int64_t size = 1; size <= kLogSize; ++size) {
    const std::string data = LeafData(size - 1);
    store.Append(AsBytes(data));
    writer.Leaf(data);

    Checkpoint checkpoint;
    checkpoint.origin = std::string(kLogName);
    checkpoint.size = size;
    ASSERT_OK_AND_ASSIGN(checkpoint.root, TreeHash(size, store));
    ASSERT_EQ(checkpoint.root, store.Root()) << "size " << size;
    ASSERT_OK_AND_ASSIGN(const std::string signed_note, SignCheckpoint(checkpoint, signers));
    writer.Checkpoint(signed_note);

    if (!ProvesAll(size)) continue;
    for (int64_t index = 0; index < size; ++index) {
      ASSERT_OK_AND_ASSIGN(const Proof proof, ProveInclusion(index, size, store));
      writer.Inclusion(index, size, proof);
    }
    for (int64_t old_size = 1; old_size <= size; ++old_size) {
      ASSERT_OK_AND_ASSIGN(const Proof proof, ProveConsistency(old_size, size, store));
      writer.Consistency(old_size, size, proof);
    }
  }
  ASSERT_NO_FATAL_FAILURE(WriteTamperedItems(store, signer, &writer));

  writer.Close();
  ASSERT_TRUE(writer.ok()) << "error writing " << path;
  *expected = writer.counts();
}

std::string ShellQuote(std::string_view s) {
  std::string quoted = "'";
  for (char c : s) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

struct RunResult {
  int exit_code = -1;  // -1 unless the process exited normally
  std::string output;  // stdout and stderr together
};

RunResult RunCommand(const std::string& command) {
  RunResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.output.append(buffer.data(), n);
  }
  const int status = pclose(pipe);
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

std::string SummaryLine(const std::string& output) {
  constexpr std::string_view kPrefix = "go-tlogcheck: ";
  for (size_t start = 0; start < output.size();) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    const std::string_view line = std::string_view(output).substr(start, end - start);
    if (line.starts_with(kPrefix)) return std::string(line);
    start = end + 1;
  }
  return "";
}

class GoInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitCrypto();
    std::string pattern = ::testing::TempDir() + "pbl_go_interop_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << "mkdtemp " << pattern;
    dir_ = pattern;
  }
  void TearDown() override {
    // The input is kept when something failed, so the failing lines can be looked at.
    if (HasFailure()) {
      std::cout << "Go checker input kept in " << dir_ << "\n";
    } else if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  std::string dir_;
};

TEST_F(GoInteropTest, GoVerifiesOurCheckpointsAndProofs) {
  using Clock = std::chrono::steady_clock;
  const std::string input = dir_ + "/tlog-items.txt";

  const Clock::time_point write_start = Clock::now();
  Counts expected;
  ASSERT_NO_FATAL_FAILURE(WriteInput(input, &expected));
  const Clock::time_point check_start = Clock::now();
  const RunResult run = RunCommand(ShellQuote(PBL_GO_TLOGCHECK) + " " + ShellQuote(input));
  const Clock::time_point end = Clock::now();

  const auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  std::cout << "Wrote " << std::filesystem::file_size(input) << " bytes in "
            << seconds(check_start - write_start) << " s; Go checked them in "
            << seconds(end - check_start) << " s.\n"
            << run.output;

  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(SummaryLine(run.output), expected.Summary()) << run.output;
  // Guards against a writer that silently produced less than intended.
  EXPECT_EQ(expected.leaves, kLogSize);
  EXPECT_EQ(expected.checkpoints, kLogSize);
  int64_t proved_sizes_sum = kAllProofsUpTo * (kAllProofsUpTo + 1) / 2;
  for (int64_t size : kLargeSizes) proved_sizes_sum += size;
  EXPECT_EQ(expected.inclusion, proved_sizes_sum);
  EXPECT_EQ(expected.consistency, expected.inclusion);
  EXPECT_GE(expected.rejected, 30);
}

// The checker must not be satisfied by an input that proves nothing.
TEST_F(GoInteropTest, GoCheckerRejectsAnEmptyInput) {
  const std::string input = dir_ + "/empty.txt";
  std::ofstream(input).close();
  const RunResult run = RunCommand(ShellQuote(PBL_GO_TLOGCHECK) + " " + ShellQuote(input));
  EXPECT_EQ(run.exit_code, 1) << run.output;
}

// An item that should verify but does not must fail the run, and so must a tampered item that
// verifies: the exit status is not merely "the file was read".
TEST_F(GoInteropTest, GoCheckerReportsFailures) {
  const SigningKey key = SigningKey::Generate();
  ASSERT_OK_AND_ASSIGN(const Ed25519NoteSigner signer,
                       Ed25519NoteSigner::Create(std::string(kLogName), &key));
  const NoteSigner* const signers[] = {&signer};
  MemoryHashStore store;
  for (int64_t i = 0; i < 5; ++i) store.Append(AsBytes(LeafData(i)));
  Checkpoint checkpoint;
  checkpoint.origin = std::string(kLogName);
  checkpoint.size = 5;
  checkpoint.root = store.Root();
  ASSERT_OK_AND_ASSIGN(const std::string signed_note, SignCheckpoint(checkpoint, signers));
  ASSERT_OK_AND_ASSIGN(const Proof proof, ProveInclusion(2, 5, store));

  const std::string input = dir_ + "/bad.txt";
  {
    InputWriter writer(input);
    writer.VerifierKey(signer.VerifierKey());
    for (int64_t i = 0; i < 5; ++i) writer.Leaf(LeafData(i));
    writer.Checkpoint(signed_note);
    writer.Inclusion(2, 5, proof);
    writer.Inclusion(3, 5, proof);                // wrong index, not marked
    writer.Tampered(InclusionLine(2, 5, proof));  // valid, yet marked as tampered
  }
  const RunResult run = RunCommand(ShellQuote(PBL_GO_TLOGCHECK) + " " + ShellQuote(input));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, ::testing::HasSubstr("line 9: inclusion: invalid transparency proof"));
  EXPECT_THAT(run.output, ::testing::HasSubstr("line 10: tampered inclusion item was accepted"));
  EXPECT_EQ(SummaryLine(run.output),
            "go-tlogcheck: 5 leaves, 1 checkpoints, 1 inclusion, 0 consistency verified; 0 "
            "tampered items rejected");
}

}  // namespace
}  // namespace pbl::crypto
