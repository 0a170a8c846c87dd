// TransferLanes (rpc/transfer_lanes.h) with drives the test controls: a peer that stalls holds
// up only its own lane; work comes by Schedule, earliest time first; failures back off per
// transfer, and a peer that does not answer pauses its lane.
#include "rpc/transfer_lanes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace pbl::rpc {
namespace {

using Key = TransferLanes::Key;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Key K(const std::string& id) { return {id, v1::TRANSFER_ROLE_DESTINATION}; }

// Records each drive (key and time); a key's drives answer with what `answer` says for it.
class Recorder {
 public:
  TransferLanes::Outcome Drive(const Key& key) {
    std::function<TransferLanes::Outcome()> answer;
    {
      std::lock_guard lock(mu_);
      drives_.push_back({key.first, SteadyMs()});
      const auto it = answers_.find(key.first);
      if (it != answers_.end()) answer = it->second;
    }
    cv_.notify_all();
    return answer ? answer() : TransferLanes::Outcome{absl::OkStatus(), std::nullopt};
  }
  void Answer(const std::string& id, std::function<TransferLanes::Outcome()> answer) {
    std::lock_guard lock(mu_);
    answers_[id] = std::move(answer);
  }
  // Waits until `id` was driven `n` times (true) or 10 s passed.
  bool WaitDrives(const std::string& id, size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return CountLocked(id) >= n; });
  }
  std::vector<int64_t> TimesOf(const std::string& id) {
    std::lock_guard lock(mu_);
    std::vector<int64_t> out;
    for (const auto& [key, at] : drives_) {
      if (key == id) out.push_back(at);
    }
    return out;
  }
  std::vector<std::string> Order() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [key, at] : drives_) out.push_back(key);
    return out;
  }

 private:
  size_t CountLocked(const std::string& id) const {
    size_t n = 0;
    for (const auto& [key, at] : drives_) n += key == id ? 1 : 0;
    return n;
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, int64_t>> drives_;
  std::map<std::string, std::function<TransferLanes::Outcome()>> answers_;
};

// A gate the stalled peer's drive waits on until the test opens it.
class Gate {
 public:
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(TransferLanesTest, APeerThatStallsHoldsUpOnlyItsOwnTransfers) {
  Recorder recorder;
  Gate gate;
  recorder.Answer("stalled-1", [&] {
    gate.Wait();
    return TransferLanes::Outcome{absl::OkStatus(), std::nullopt};
  });
  TransferLanes lanes(SteadyMs, [&](const Key& k) { return recorder.Drive(k); });
  lanes.Start();
  const int64_t now = SteadyMs();
  lanes.Schedule("jiangsu", K("stalled-1"), now);
  lanes.Schedule("jiangsu", K("stalled-2"), now);
  ASSERT_TRUE(recorder.WaitDrives("stalled-1", 1));
  // Another peer's transfers go on while jiangsu's first drive has not returned.
  lanes.Schedule("shanghai", K("moving-1"), SteadyMs());
  lanes.Schedule("shanghai", K("moving-2"), SteadyMs());
  EXPECT_TRUE(recorder.WaitDrives("moving-1", 1));
  EXPECT_TRUE(recorder.WaitDrives("moving-2", 1));
  EXPECT_TRUE(recorder.TimesOf("stalled-2").empty()) << "jiangsu's lane drives one at a time";
  gate.Open();
  EXPECT_TRUE(recorder.WaitDrives("stalled-2", 1));
  lanes.Stop();
}

TEST(TransferLanesTest, DrivesEachKeyOnceAtItsEarliestTimeInOrderOfTime) {
  Recorder recorder;
  TransferLanes lanes(SteadyMs, [&](const Key& k) { return recorder.Drive(k); });
  const int64_t now = SteadyMs();
  // Before Start: kept. Scheduled twice: once, at the earlier time.
  lanes.Schedule("shanghai", K("late"), now + 300);
  lanes.Schedule("shanghai", K("soon"), now + 5'000);
  lanes.Schedule("shanghai", K("soon"), now + 100);
  lanes.Schedule("shanghai", K("forgotten"), now);
  lanes.Unschedule("shanghai", K("forgotten"));
  EXPECT_EQ(lanes.Waiting(), 2u);
  lanes.Start();
  ASSERT_TRUE(recorder.WaitDrives("late", 1));
  EXPECT_EQ(recorder.Order(), (std::vector<std::string>{"soon", "late"}));
  EXPECT_GE(recorder.TimesOf("soon")[0], now + 100);
  EXPECT_GE(recorder.TimesOf("late")[0], now + 300);
  EXPECT_EQ(lanes.Waiting(), 0u);
  lanes.Stop();
}

TEST(TransferLanesTest, AFailingTransferBacksOffAndALaterScheduleComesFirst) {
  Recorder recorder;
  std::atomic<int> failures{0};
  recorder.Answer("refused", [&] {
    ++failures;
    return TransferLanes::Outcome{absl::FailedPreconditionError("no"), SteadyMs()};
  });
  TransferLanes lanes(SteadyMs, [&](const Key& k) { return recorder.Drive(k); });
  lanes.Start();
  lanes.Schedule("shanghai", K("refused"), SteadyMs());
  ASSERT_TRUE(recorder.WaitDrives("refused", 3));
  const std::vector<int64_t> at = recorder.TimesOf("refused");
  // 500 ms, then 1 s: each failure doubles the delay, though the drive asked for "now".
  EXPECT_GE(at[1] - at[0], TransferLanes::kRetryFirstMs);
  EXPECT_GE(at[2] - at[1], 2 * TransferLanes::kRetryFirstMs);
  // A save of the record (a Schedule) means something changed: driven then, not after the 2 s
  // the next retry would wait.
  recorder.Answer("refused", [] { return TransferLanes::Outcome{absl::OkStatus(), std::nullopt}; });
  lanes.Schedule("shanghai", K("refused"), SteadyMs());
  ASSERT_TRUE(recorder.WaitDrives("refused", 4));
  EXPECT_LT(recorder.TimesOf("refused")[3] - at[2], 4 * TransferLanes::kRetryFirstMs);
  EXPECT_EQ(failures.load(), 3);
  lanes.Stop();
}

TEST(TransferLanesTest, APeerThatDoesNotAnswerPausesItsLaneNotEachTransfer) {
  Recorder recorder;
  std::atomic<bool> down{true};
  const auto unanswered = [&] {
    if (down) return TransferLanes::Outcome{absl::UnavailableError("connection refused"), 0};
    return TransferLanes::Outcome{absl::OkStatus(), std::nullopt};
  };
  for (const char* id : {"a", "b", "c"}) recorder.Answer(id, unanswered);
  TransferLanes lanes(SteadyMs, [&](const Key& k) { return recorder.Drive(k); });
  lanes.Start();
  const int64_t now = SteadyMs();
  for (const char* id : {"a", "b", "c"}) lanes.Schedule("anhui", K(id), now);
  // Each failed once, and one of them twice: the lane went round while the peer was down.
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(recorder.WaitDrives(id, 1));
  ASSERT_TRUE(recorder.WaitDrives(recorder.Order()[0], 2));
  EXPECT_GT(lanes.PausedUntil("anhui"), 0);
  EXPECT_EQ(lanes.PausedUntil("shanghai"), 0);
  const std::vector<std::string> while_down = recorder.Order();
  down = false;
  // Every refusal paused the whole lane: no two calls to the peer within the first pause,
  // though all three transfers were due at once.
  std::vector<int64_t> times;
  for (const char* id : {"a", "b", "c"}) {
    for (const int64_t t : recorder.TimesOf(id)) times.push_back(t);
  }
  std::sort(times.begin(), times.end());
  for (size_t i = 1; i < std::min<size_t>(times.size(), while_down.size()); ++i) {
    EXPECT_GE(times[i] - times[i - 1], TransferLanes::kPauseFirstMs - 1) << "call " << i;
  }
  // Once the peer answers, every transfer gets through (none waits) and the pause ends.
  const int64_t until = SteadyMs() + 10'000;
  while ((lanes.Waiting() != 0 || lanes.PausedUntil("anhui") != 0) && SteadyMs() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(lanes.Waiting(), 0u);
  EXPECT_EQ(lanes.PausedUntil("anhui"), 0) << "an answer ends the pause";
  lanes.Stop();
}

TEST(TransferLanesTest, StopWaitsForADriveUnderWayAndDrivesNothingAfter) {
  Recorder recorder;
  Gate gate;
  std::atomic<bool> returned{false};
  recorder.Answer("slow", [&] {
    gate.Wait();
    returned = true;
    return TransferLanes::Outcome{absl::OkStatus(), SteadyMs()};
  });
  TransferLanes lanes(SteadyMs, [&](const Key& k) { return recorder.Drive(k); });
  lanes.Start();
  lanes.Schedule("shanghai", K("slow"), SteadyMs());
  ASSERT_TRUE(recorder.WaitDrives("slow", 1));
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gate.Open();
  });
  lanes.Stop();
  EXPECT_TRUE(returned);
  lanes.Schedule("shanghai", K("after"), SteadyMs());
  opener.join();
  EXPECT_EQ(recorder.Order(), std::vector<std::string>{"slow"});
}

}  // namespace
}  // namespace pbl::rpc
