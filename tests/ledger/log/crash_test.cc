// The crash test: ledger_crash_child appends from several threads and is killed with SIGKILL at
// a random moment, again and again on the same directory. After each kill the test opens the log
// itself and checks the durability contract of specs/ledger.md: every acknowledged entry is
// there byte for byte, the log verifies, and every checkpoint handed out is a prefix of the log.
// Once with a v1 log, once with a v2 log, whose person map must be folded again after each kill.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/aead.h"
#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "crypto/sha256.h"
#include "ledger/log/ledger.h"
#include "ledger/log/storage.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace pbl::ledger {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kOrigin[] = "pbl.example/node/crash-test";
// The signing key both processes derive, so that the parent can check the child's checkpoints.
constexpr char kKeySeedHex[] = "8f0e4c7a1d2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5";
constexpr uint64_t kTestSeed = 20240611;
constexpr uint8_t kMasterKeyFill = 0x5a;  // ledger_crash_child's master key for v2
// PBL_CRASH_RUNS in the environment overrides it, for longer runs by hand.
constexpr int kRunsDefault = 50;
// Where a kill lands. One run in kImmediateKillEvery kills the child right after the fork, and
// one in kStartupKillEvery at a uniform moment of its first kStartupKillMaxMs, so that some kills
// land while RocksDB opens or recovers; the others kill it at a uniform moment of the window
// after it reports the ledger open, while it appends. Counting from the open rather than from
// the fork keeps the share of kills that land in appends the same on a loaded machine.
constexpr int kImmediateKillEvery = 8;
constexpr int kStartupKillEvery = 8;
constexpr int kStartupKillMaxMs = 150;
constexpr int kKillAfterOpenMinMs = 0;
constexpr int kKillAfterOpenMaxMs = 250;
// A child that has not opened the ledger by then is killed anyway, and the test fails.
constexpr auto kOpenTimeout = std::chrono::seconds(20);

// When to kill the child: `delay` after the fork, or after it reports the ledger open.
struct KillPlan {
  bool after_open = false;
  std::chrono::milliseconds delay{0};
};

// One acknowledged Append, as the child reported it.
struct Ack {
  int64_t first_index = 0;
  int64_t count = 0;
  int64_t tree_size = 0;
  std::string checkpoint;            // the signed note
  std::vector<crypto::Hash> hashes;  // SHA-256 of each entry, in order
};

// How one child run ended and what it printed before.
struct ChildRun {
  std::string out;
  int wait_status = 0;
};

// Runs the child with its stdout on a pipe, reads what it prints, and kills it with SIGKILL as
// `plan` says. The child's arguments are built before the fork, since only async-signal-safe
// calls are allowed between fork and exec.
ChildRun RunAndKill(const std::vector<std::string>& argv, const KillPlan& plan) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {};
  Clock::time_point deadline = Clock::now() + (plan.after_open ? kOpenTimeout : plan.delay);
  bool opened = false;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return {};
  }
  if (pid == 0) {
    // The child must not outlive a parent that dies mid-test.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(fds[1], STDOUT_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  ChildRun run;
  char buffer[1 << 16];
  bool killed = false;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (!killed && left.count() <= 0) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    pollfd p{fds[0], POLLIN, 0};
    // After the kill, wait for the end of the pipe, which comes when the child is gone.
    const int ready = ::poll(&p, 1, killed ? -1 : static_cast<int>(left.count()));
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
    if (n > 0) {
      run.out.append(buffer, static_cast<size_t>(n));
      // The first line the child prints says that the ledger is open.
      if (plan.after_open && !opened && run.out.find('\n') != std::string::npos) {
        opened = true;
        deadline = Clock::now() + plan.delay;
      }
    } else if (n == 0) {
      break;  // every writer closed: the child exited or was killed
    }
  }
  ::close(fds[0]);
  ::waitpid(pid, &run.wait_status, 0);
  return run;
}

// What the child printed: the size it opened the log at (if it got that far) and its acks.
struct ChildReport {
  std::optional<int64_t> open_size;
  std::vector<Ack> acks;
};

// Parses the complete lines of the child's output; the last line may have been cut by the kill.
ChildReport ParseReport(std::string_view out) {
  ChildReport report;
  while (true) {
    const size_t end = out.find('\n');
    if (end == std::string_view::npos) break;
    std::istringstream line{std::string(out.substr(0, end))};
    out.remove_prefix(end + 1);
    std::string word;
    line >> word;
    if (word == "open") {
      int64_t size = -1;
      line >> size;
      report.open_size = size;
    }
    if (word != "ack") continue;
    Ack ack;
    std::string note_base64;
    line >> ack.first_index >> ack.count >> ack.tree_size >> note_base64;
    ack.checkpoint = crypto::Base64Decode(note_base64).value_or("");
    for (std::string hex; line >> hex;) {
      const std::string bytes = crypto::HexDecode(hex).value_or("");
      crypto::Hash h{};
      std::copy_n(bytes.begin(), std::min(bytes.size(), h.size()), h.begin());
      ack.hashes.push_back(h);
    }
    report.acks.push_back(std::move(ack));
  }
  return report;
}

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::pbl::testing::FreshTestDir("crash");
    absl::StatusOr<std::string> seed = crypto::HexDecode(kKeySeedHex);
    ASSERT_TRUE(seed.ok()) << seed.status();
    absl::StatusOr<crypto::SigningKey> key = crypto::SigningKey::FromSeed(crypto::AsBytes(*seed));
    ASSERT_TRUE(key.ok()) << key.status();
    key_.emplace(std::move(*key));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Ledger> OpenLedger() {
    absl::StatusOr<std::unique_ptr<Storage>> storage = OpenRocksStorage(dir_.string());
    EXPECT_TRUE(storage.ok()) << storage.status();
    if (!storage.ok()) return nullptr;
    absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(
        std::move(*storage), LedgerOptions{.origin = kOrigin,
                                           .key = &*key_,
                                           .on_group = nullptr,
                                           .on_stop = nullptr,
                                           .secrets = secrets_ ? &*secrets_ : nullptr});
    EXPECT_TRUE(ledger.ok()) << ledger.status();
    return ledger.ok() ? std::move(*ledger) : nullptr;
  }

  // Records what one run acknowledged. An index acknowledged twice (by two runs) with different
  // bytes would mean the ledger reused it.
  void Record(const std::vector<Ack>& acks) {
    for (const Ack& ack : acks) {
      ASSERT_EQ(static_cast<int64_t>(ack.hashes.size()), ack.count);
      ASSERT_GE(ack.tree_size, ack.first_index + ack.count);
      for (int64_t i = 0; i < ack.count; ++i) {
        const auto index = static_cast<size_t>(ack.first_index + i);
        if (acked_.size() <= index) acked_.resize(index + 1);
        ASSERT_FALSE(acked_[index].has_value() && *acked_[index] != ack.hashes[i])
            << "index " << index << " was acknowledged twice with different entries";
        acked_[index] = ack.hashes[i];
      }
      entries_acked_ += ack.count;
      ++acks_;
      checkpoints_.try_emplace(ack.tree_size, ack.checkpoint);
    }
  }

  // Checks the reopened log against everything acknowledged so far.
  void CheckLog(const Ledger& ledger) {
    const LogHead head = ledger.Head();
    ASSERT_GE(head.size, static_cast<int64_t>(acked_.size()));
    for (int64_t start = 0; start < static_cast<int64_t>(acked_.size());
         start += static_cast<int64_t>(kReadEntriesMax)) {
      ASSERT_OK_AND_ASSIGN(std::vector<std::string> entries,
                           ledger.GetEntries(start, static_cast<int64_t>(kReadEntriesMax)));
      for (size_t i = 0; i < entries.size(); ++i) {
        const auto index = static_cast<size_t>(start) + i;
        if (index < acked_.size() && acked_[index].has_value()) {
          ASSERT_EQ(crypto::Sha256(entries[i]), *acked_[index]) << "entry " << index;
        }
      }
    }
    ASSERT_OK(ledger.Verify());
    for (const auto& [size, note] : checkpoints_) {
      ASSERT_NO_FATAL_FAILURE(CheckCheckpoint(ledger, head, size, note));
    }
  }

  // An acknowledged checkpoint must verify, still be stored, and be a prefix of the new head.
  void CheckCheckpoint(const Ledger& ledger, const LogHead& head, int64_t size,
                       const std::string& note) {
    auto [it, added] = roots_.try_emplace(size);
    if (added) {
      ASSERT_OK_AND_ASSIGN(crypto::OpenedCheckpoint opened,
                           crypto::OpenCheckpoint(note, ledger.verifier()));
      ASSERT_EQ(opened.checkpoint.size, size);
      it->second = opened.checkpoint.root;
      ASSERT_OK_AND_ASSIGN(std::string stored, ledger.CheckpointAt(size));
      ASSERT_EQ(stored, note) << "checkpoint at size " << size;
    }
    ASSERT_LE(size, head.size);
    if (size == 0) return;  // the empty tree is a prefix of every tree; there is no proof of it
    ASSERT_OK_AND_ASSIGN(crypto::Proof proof, ledger.ConsistencyProof(size, head.size));
    const absl::Status consistent =
        crypto::VerifyConsistency(size, head.size, it->second, head.root, proof);
    ASSERT_TRUE(consistent.ok()) << consistent << " (checkpoint at size " << size
                                 << ", head at size " << head.size << ")";
  }

  // Kills the child `runs` times on the same directory, checking the log after each kill.
  void KillAgainAndAgain(int runs);

  std::filesystem::path dir_;
  std::optional<crypto::SigningKey> key_;
  // Set: the log is in format v2, under the master key ledger_crash_child uses.
  std::optional<NodeSecrets> secrets_;
  // SHA-256 of every acknowledged entry by index; nullopt for indices no ack named (those of a
  // group written but killed before its ack was printed).
  std::vector<std::optional<crypto::Hash>> acked_;
  int64_t acks_ = 0;
  int64_t entries_acked_ = 0;
  std::map<int64_t, std::string> checkpoints_;  // by tree size, as acknowledged
  std::map<int64_t, crypto::Hash> roots_;       // the roots of those that were opened
};

int Runs() {
  const char* runs = std::getenv("PBL_CRASH_RUNS");
  return runs != nullptr ? std::atoi(runs) : kRunsDefault;
}

void CrashTest::KillAgainAndAgain(int runs) {
  const Clock::time_point start = Clock::now();
  std::mt19937_64 rng(kTestSeed);
  std::uniform_int_distribution<int> startup_kill_ms(0, kStartupKillMaxMs);
  std::uniform_int_distribution<int> open_kill_ms(kKillAfterOpenMinMs, kKillAfterOpenMaxMs);
  int runs_with_acks = 0;
  int runs_with_lost_acks = 0;
  // The log's size when the parent last checked it; a new v2 log already holds its entry 0.
  int64_t size_checked = secrets_ ? 1 : 0;
  for (int run = 0; run < runs; ++run) {
    SCOPED_TRACE(::testing::Message() << "run " << run);
    KillPlan plan;
    if (rng() % kImmediateKillEvery == 0) {
      plan.delay = std::chrono::milliseconds(0);
    } else if (rng() % kStartupKillEvery == 0) {
      plan.delay = std::chrono::milliseconds(startup_kill_ms(rng));
    } else {
      plan = KillPlan{true, std::chrono::milliseconds(open_kill_ms(rng))};
    }
    std::vector<std::string> args = {PBL_LEDGER_CRASH_CHILD, dir_.string(), kKeySeedHex,
                                     std::to_string(rng() % 1'000'000), kOrigin};
    if (secrets_) args.push_back("v2");
    const ChildRun child = RunAndKill(args, plan);
    ASSERT_TRUE(WIFSIGNALED(child.wait_status) && WTERMSIG(child.wait_status) == SIGKILL)
        << "the child ended by itself (wait status " << child.wait_status << ")";
    const ChildReport report = ParseReport(child.out);
    // Nothing writes between the parent's check and the child's open.
    if (report.open_size) {
      EXPECT_EQ(*report.open_size, size_checked);
    } else {
      ASSERT_FALSE(plan.after_open) << "the child did not open the ledger in time";
    }
    if (!report.acks.empty()) ++runs_with_acks;
    ASSERT_NO_FATAL_FAILURE(Record(report.acks));
    std::unique_ptr<Ledger> ledger = OpenLedger();
    ASSERT_NE(ledger, nullptr);
    ASSERT_NO_FATAL_FAILURE(CheckLog(*ledger));
    // A log longer than everything acknowledged means the kill fell between a group's write and
    // its ack: the window the contract is about.
    const int64_t size = ledger->Head().size;
    if (size > std::max(size_checked, static_cast<int64_t>(acked_.size()))) ++runs_with_lost_acks;
    size_checked = size;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "crash test (%s): %d kills, %d runs acknowledged appends, %d kills fell between a write and "
      "its ack, %lld appends (%lld entries) acknowledged, %zu checkpoints checked, final size "
      "%lld, %.1f s\n",
      secrets_ ? "v2" : "v1", runs, runs_with_acks, runs_with_lost_acks,
      static_cast<long long>(acks_), static_cast<long long>(entries_acked_), checkpoints_.size(),
      static_cast<long long>(size_checked), seconds);
  // Many kills must land while the child appends, or the test proves little.
  EXPECT_GE(runs_with_acks, runs / 2);
}

TEST_F(CrashTest, AcknowledgedAppendsSurviveSigkill) { KillAgainAndAgain(Runs()); }

// A v2 log: the same contract for its sealed leaves, and after every kill the person map is
// folded again from the durable leaves, so that Verify finds every checkpoint's pbl-map line,
// signed before the kill, to be the map of the leaves below its map size.
TEST_F(CrashTest, AV2LogAndItsPersonMapSurviveSigkill) {
  secrets_.emplace(
      *crypto::SecretKey::FromBytes(std::vector<uint8_t>(crypto::kSecretKeyBytes, kMasterKeyFill)));
  KillAgainAndAgain(std::max(Runs() / 2, 1));
}

}  // namespace
}  // namespace pbl::ledger
