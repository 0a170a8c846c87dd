#include "rpc/transfer_lanes.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "crypto/base/strings.h"
#include "rpc/log.h"

namespace pbl::rpc {

namespace {

// How long an idle lane with work queued sleeps at most before it reads the clock again: the
// node's clock is a function (tests move it), not the condition variable's.
constexpr int64_t kLongestNapMs = 250;

bool Unanswered(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable ||
         s.code() == absl::StatusCode::kDeadlineExceeded;
}

}  // namespace

TransferLanes::TransferLanes(Clock now_ms, Drive drive)
    : now_ms_(std::move(now_ms)), drive_(std::move(drive)) {}

TransferLanes::~TransferLanes() { Stop(); }

TransferLanes::Lane& TransferLanes::LaneLocked(const std::string& peer) {
  auto it = lanes_.find(peer);
  if (it == lanes_.end()) {
    auto lane = std::make_unique<Lane>();
    lane->peer = peer;
    it = lanes_.emplace(peer, std::move(lane)).first;
    if (started_ && !stopping_) {
      Lane* raw = it->second.get();
      raw->thread = std::thread([this, raw] { Run(raw); });
    }
  }
  return *it->second;
}

void TransferLanes::QueueLocked(Lane& lane, const Key& key, int64_t due_ms) {
  const auto it = lane.due.find(key);
  if (it != lane.due.end()) {
    if (it->second <= due_ms) return;
    lane.queue.erase({it->second, key});
    it->second = due_ms;
  } else {
    lane.due.emplace(key, due_ms);
  }
  lane.queue.emplace(due_ms, key);
}

void TransferLanes::DequeueLocked(Lane& lane, const Key& key) {
  const auto it = lane.due.find(key);
  if (it == lane.due.end()) return;
  lane.queue.erase({it->second, key});
  lane.due.erase(it);
}

void TransferLanes::Schedule(const std::string& peer, const Key& key, int64_t due_ms) {
  std::lock_guard lock(mu_);
  if (stopping_) return;
  Lane& lane = LaneLocked(peer);
  if (lane.in_flight == key) {
    lane.due_in_flight = std::min(lane.due_in_flight.value_or(due_ms), due_ms);
    return;
  }
  QueueLocked(lane, key, due_ms);
  lane.cv.notify_one();
}

void TransferLanes::Unschedule(const std::string& peer, const Key& key) {
  std::lock_guard lock(mu_);
  const auto it = lanes_.find(peer);
  if (it == lanes_.end()) return;
  DequeueLocked(*it->second, key);
  it->second->retry_ms.erase(key);
  if (it->second->in_flight == key) it->second->due_in_flight.reset();
}

void TransferLanes::Start() {
  std::lock_guard lock(mu_);
  if (started_ || stopping_) return;
  started_ = true;
  for (auto& [peer, lane] : lanes_) {
    Lane* raw = lane.get();
    raw->thread = std::thread([this, raw] { Run(raw); });
  }
}

void TransferLanes::Stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& [peer, lane] : lanes_) {
      lane->cv.notify_all();
      if (lane->thread.joinable()) threads.push_back(std::move(lane->thread));
    }
  }
  for (std::thread& t : threads) t.join();
}

size_t TransferLanes::Waiting() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [peer, lane] : lanes_) n += lane->queue.size();
  return n;
}

int64_t TransferLanes::PausedUntil(const std::string& peer) const {
  std::lock_guard lock(mu_);
  const auto it = lanes_.find(peer);
  return it == lanes_.end() || it->second->pause_ms == 0 ? 0 : it->second->paused_until;
}

void TransferLanes::Run(Lane* lane) {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (lane->queue.empty()) {
      lane->cv.wait(lock);
      continue;
    }
    const int64_t now = now_ms_();
    const auto first = lane->queue.begin();
    const int64_t start = std::max(first->first, lane->paused_until);
    if (start > now) {
      lane->cv.wait_for(lock, std::chrono::milliseconds(std::min(start - now, kLongestNapMs)));
      continue;
    }
    const Key key = first->second;
    lane->due.erase(key);
    lane->queue.erase(first);
    lane->in_flight = key;
    lane->due_in_flight.reset();
    lock.unlock();
    const Outcome outcome = drive_(key);
    lock.lock();
    FinishLocked(*lane, key, outcome);
  }
}

void TransferLanes::FinishLocked(Lane& lane, const Key& key, const Outcome& outcome) {
  const int64_t now = now_ms_();
  const std::optional<int64_t> scheduled_meanwhile = lane.due_in_flight;
  lane.in_flight.reset();
  lane.due_in_flight.reset();
  std::optional<int64_t> next = outcome.next_due_ms;
  if (outcome.status.ok()) {
    lane.retry_ms.erase(key);
    if (lane.pause_ms != 0) {
      LogInfo("transfer_peer_answering", StrCat("peer=", lane.peer));
      lane.pause_ms = 0;
      lane.paused_until = 0;
    }
  } else if (Unanswered(outcome.status)) {
    if (lane.pause_ms == 0) {
      LogWarning("transfer_peer_unreachable",
                 StrCat("peer=", lane.peer, " reason=\"", ToStd(outcome.status.message()),
                        "\" (its transfers wait; other peers' do not)"));
    }
    lane.pause_ms = std::clamp<int64_t>(lane.pause_ms * 2, kPauseFirstMs, kPauseMaxMs);
    lane.paused_until = now + lane.pause_ms;
    if (next) next = std::max(*next, lane.paused_until);
  } else {
    int64_t& delay = lane.retry_ms[key];
    delay = std::clamp<int64_t>(delay * 2, kRetryFirstMs, kRetryMaxMs);
    if (next) next = std::max(*next, now + delay);
  }
  // A save while it ran (the drive's own, or another caller's) changed the record: that time
  // stands, even against a failure's delay (the lane's pause still holds).
  if (scheduled_meanwhile && (!next || *scheduled_meanwhile < *next)) {
    next = scheduled_meanwhile;
  }
  if (next) {
    QueueLocked(lane, key, *next);
  } else {
    lane.retry_ms.erase(key);
  }
}

}  // namespace pbl::rpc
