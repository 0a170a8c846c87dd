// The transfer worker's schedule: one lane per peer node, each a thread that drives the
// transfers with that peer when they fall due. A peer that does not answer (each call waits up
// to the peer timeout) delays only the transfers with that peer, never another peer's. Work
// arrives by events (Schedule, called by every save of a record that still needs driving),
// never by rescanning the records.
//
// Failures back off: a call the peer did not answer (UNAVAILABLE, DEADLINE_EXCEEDED) pauses
// the peer's whole lane, 250 ms doubling to 2 s, so that a peer that is down costs one call
// per pause rather than one per transfer; any other failure delays only that transfer, 500 ms
// doubling to 60 s. A drive that succeeds resets both. Thread-safe.
#ifndef PBL_RPC_TRANSFER_LANES_H_
#define PBL_RPC_TRANSFER_LANES_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "pbl/v1/node.pb.h"

namespace pbl::rpc {

class TransferLanes {
 public:
  // A transfer record: its id and this node's role in it.
  using Key = std::pair<std::string, v1::TransferRole>;
  // What one drive of a key did, and when the key is due next (nullopt: nothing left to do).
  struct Outcome {
    absl::Status status;
    std::optional<int64_t> next_due_ms;
  };
  using Drive = std::function<Outcome(const Key&)>;
  using Clock = std::function<int64_t()>;  // milliseconds, the node's clock

  static constexpr int64_t kPauseFirstMs = 250;
  static constexpr int64_t kPauseMaxMs = 2'000;
  static constexpr int64_t kRetryFirstMs = 500;
  static constexpr int64_t kRetryMaxMs = 60'000;

  TransferLanes(Clock now_ms, Drive drive);
  ~TransferLanes();  // Stop()
  TransferLanes(const TransferLanes&) = delete;
  TransferLanes& operator=(const TransferLanes&) = delete;

  // Drives `key`, a transfer with `peer`, at `due_ms` or soon after: the earlier time if it is
  // already scheduled. Before Start, kept until Start.
  void Schedule(const std::string& peer, const Key& key, int64_t due_ms);
  // Forgets `key` (its transfer needs nothing more); a drive under way finishes.
  void Unschedule(const std::string& peer, const Key& key);
  // Starts a thread per lane, now and for every lane made later.
  void Start();
  // Stops every lane, waiting for drives under way to end.
  void Stop();

  // How many keys wait (not counting drives under way), over all lanes.
  size_t Waiting() const;
  // Until when `peer`'s lane is paused after a call it did not answer (0: not paused).
  int64_t PausedUntil(const std::string& peer) const;

 private:
  struct Lane {
    std::string peer;
    std::set<std::pair<int64_t, Key>> queue;  // by due time
    std::map<Key, int64_t> due;               // each queued key's time in `queue`
    std::map<Key, int64_t> retry_ms;          // the next delay of a key that failed
    std::optional<Key> in_flight;
    std::optional<int64_t> due_in_flight;  // Schedule of the key in flight, while it runs
    int64_t paused_until = 0;
    int64_t pause_ms = 0;
    std::condition_variable cv;
    std::thread thread;
  };

  Lane& LaneLocked(const std::string& peer);  // made if missing; mu_ held
  static void QueueLocked(Lane& lane, const Key& key, int64_t due_ms);
  static void DequeueLocked(Lane& lane, const Key& key);
  void Run(Lane* lane);
  // Applies a drive's outcome to the lane: retry delays, pause, the key's next due.
  void FinishLocked(Lane& lane, const Key& key, const Outcome& outcome);

  const Clock now_ms_;
  const Drive drive_;
  mutable std::mutex mu_;
  bool started_ = false;                                             // mu_
  bool stopping_ = false;                                            // mu_
  std::map<std::string, std::unique_ptr<Lane>, std::less<>> lanes_;  // mu_
};

}  // namespace pbl::rpc

#endif  // PBL_RPC_TRANSFER_LANES_H_
