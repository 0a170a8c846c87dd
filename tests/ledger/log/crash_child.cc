// ledger_crash_child: the process that crash_test.cc kills. It opens the ledger in a directory
// and appends from several threads until it is killed, printing one line to stdout for every
// acknowledged append, so that the parent knows exactly what the ledger promised before it died.
//
//   ledger_crash_child <data_dir> <key_seed_hex> <run_seed> <origin> [v2]
//
// With v2 the log is in format v2, under the master key of kMasterKeyFill bytes.
// Output, one line per event, each written whole under a lock so that lines never interleave:
//   open <size>
//   ack <first_index> <count> <tree_size> <base64 checkpoint note> <sha256 hex of each leaf>...
// (a v1 leaf is the entry; a v2 leaf is read back after the ack, since only the ledger seals it).
// Exits 1 (with a message on stderr) when anything fails, since the parent must tell a failed
// child from a killed one; exits 0 only if it was never killed, after kRunTimeMax.
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "crypto/aead.h"
#include "crypto/base/strings.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "ledger/log/ledger.h"
#include "ledger/log/storage.h"
#include "tests/testing/entries.h"

namespace pbl::ledger {
namespace {

constexpr int kThreads = 4;
constexpr int64_t kBatchEntriesMin = 1;
constexpr int64_t kBatchEntriesMax = 50;
// Workers are drawn from this many, so person index rows spread over many keys.
constexpr int64_t kPeople = 100'000;
// After each append a thread waits for the next tick of a clock all threads share: their appends
// then arrive together, so the sequencer groups them, and the log grows slowly enough for the
// parent to verify it whole after every kill.
constexpr auto kTick = std::chrono::milliseconds(5);
// The parent kills the child within a second; this only stops a child whose parent is gone.
constexpr auto kRunTimeMax = std::chrono::seconds(30);
constexpr uint8_t kMasterKeyFill = 0x5a;  // crash_test.cc opens v2 logs with the same key

std::mutex output_mu;

// Writes the whole line with as few write(2) calls as the pipe allows, under a lock, so that a
// line is never mixed with another thread's. A line cut short by SIGKILL has no newline, and the
// parent ignores it.
void WriteLine(const std::string& line) {
  std::lock_guard lock(output_mu);
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::_Exit(1);  // the parent has gone; nothing is left to report to
    done += static_cast<size_t>(n);
  }
}

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "ledger_crash_child: %s\n", message.c_str());
  std::_Exit(1);
}

// The next multiple of kTick on the steady clock, the same instant for every thread.
std::chrono::steady_clock::time_point NextTick() {
  const std::chrono::steady_clock::duration now =
      std::chrono::steady_clock::now().time_since_epoch();
  return std::chrono::steady_clock::time_point((now / kTick + 1) * kTick);
}

// One appending thread: batches of random size, each entry a contribution of a random worker,
// until the time limit. Every acknowledged batch is reported with the hashes of its entries.
void AppendLoop(Ledger& ledger, uint64_t seed, int thread, const std::atomic<bool>& stop) {
  std::mt19937_64 rng(seed * kThreads + static_cast<uint64_t>(thread));
  std::uniform_int_distribution<int64_t> batch_size(kBatchEntriesMin, kBatchEntriesMax);
  std::uniform_int_distribution<int64_t> person(0, kPeople - 1);
  int64_t month = 0;
  while (!stop.load()) {
    std::vector<std::string> batch(static_cast<size_t>(batch_size(rng)));
    for (std::string& entry : batch) entry = testing::ContributionEntry(person(rng), month++);
    std::vector<crypto::Hash> hashes;
    for (const std::string& entry : batch) hashes.push_back(crypto::Sha256(entry));
    absl::StatusOr<AppendResult> result = ledger.Append(std::move(batch));
    if (!result.ok()) Fail(StrCat("append failed: ", result.status().ToString()));
    if (ledger.sealed()) {
      absl::StatusOr<std::vector<std::string>> leaves =
          ledger.GetEntries(result->first_index, result->count);
      if (!leaves.ok()) Fail(StrCat("reading leaves: ", leaves.status().ToString()));
      hashes.clear();
      for (const std::string& leaf : *leaves) hashes.push_back(crypto::Sha256(leaf));
    }
    std::string line = StrCat("ack ", result->first_index, " ", result->count, " ",
                              result->tree_size, " ", crypto::Base64Encode(result->checkpoint));
    for (const crypto::Hash& h : hashes) StrAppend(&line, " ", crypto::HexEncode(h));
    line.push_back('\n');
    WriteLine(line);
    std::this_thread::sleep_until(NextTick());
  }
}

int Run(int argc, char** argv) {
  if (argc != 5 && !(argc == 6 && std::string_view(argv[5]) == "v2")) {
    Fail("usage: ledger_crash_child <data_dir> <key_seed_hex> <run_seed> <origin> [v2]");
  }
  crypto::InitCrypto();
  absl::StatusOr<std::string> seed = crypto::HexDecode(argv[2]);
  if (!seed.ok()) Fail(StrCat("bad key seed: ", seed.status().ToString()));
  absl::StatusOr<crypto::SigningKey> key = crypto::SigningKey::FromSeed(crypto::AsBytes(*seed));
  if (!key.ok()) Fail(StrCat("bad key seed: ", key.status().ToString()));
  absl::StatusOr<int64_t> run_seed = crypto::ParseDecimal(argv[3]);
  if (!run_seed.ok()) Fail(StrCat("bad run seed: ", run_seed.status().ToString()));

  absl::StatusOr<std::unique_ptr<Storage>> storage = OpenRocksStorage(argv[1]);
  if (!storage.ok()) Fail(StrCat("open storage: ", storage.status().ToString()));
  std::optional<NodeSecrets> secrets;
  if (argc == 6) {
    secrets.emplace(*crypto::SecretKey::FromBytes(
        std::vector<uint8_t>(crypto::kSecretKeyBytes, kMasterKeyFill)));
  }
  absl::StatusOr<std::unique_ptr<Ledger>> ledger =
      Ledger::Open(std::move(*storage), LedgerOptions{.origin = argv[4],
                                                      .key = &*key,
                                                      .on_group = nullptr,
                                                      .on_stop = nullptr,
                                                      .secrets = secrets ? &*secrets : nullptr});
  if (!ledger.ok()) Fail(StrCat("open ledger: ", ledger.status().ToString()));
  WriteLine(StrCat("open ", (*ledger)->Head().size, "\n"));

  std::atomic<bool> stop = false;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(AppendLoop, std::ref(**ledger), static_cast<uint64_t>(*run_seed), t,
                         std::cref(stop));
  }
  std::this_thread::sleep_for(kRunTimeMax);
  stop = true;
  for (std::thread& t : threads) t.join();
  return 0;
}

}  // namespace
}  // namespace pbl::ledger

int main(int argc, char** argv) { return pbl::ledger::Run(argc, argv); }
