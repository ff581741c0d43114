// The time-ordered queue of things an actor must do by itself: protocol timers, disk and CPU
// completions, and packets held back by extra link latency. Ordered by (time, insertion
// sequence), so equal times keep a deterministic order. Re-arming a timer replaces it: the
// queue keeps the old entry and skips it when it comes up (cheaper than searching to erase).
#pragma once

#include <cstdint>
#include <memory>
#include <queue>
#include <unordered_map>
#include <variant>
#include <vector>

#include "models/core/message.h"
#include "models/core/types.h"
#include "sim/transport/packet.h"

namespace cutover::sim {

struct TimerFired {
  models::TimerId id;
  std::uint64_t generation;
};
struct DiskSynced {
  models::WriteToken token;
};
struct CpuDone {
  models::ClientId client;
  models::ClientRequest request;
};
struct HeldPacket {
  std::unique_ptr<Packet> packet;
};
struct ClientArrival {  // closed loop: which user issues it (open loop: always 0)
  std::uint32_t user = 0;
};
struct ClientTimeout {  // one attempt of an operation waited long enough
  std::uint64_t sequence;
  std::uint32_t attempt;
};
struct ClientRetry {  // the backoff before the next attempt is over
  std::uint64_t sequence;
};
struct PauseEnded {};  // a process_pause is over: the node handles what waited

using LocalEvent = std::variant<TimerFired, DiskSynced, CpuDone, HeldPacket, ClientArrival,
                                ClientTimeout, ClientRetry, PauseEnded>;

class LocalEventQueue {
 public:
  void push(models::TimePoint at, LocalEvent event);
  bool empty() const { return queue_.empty(); }
  models::TimePoint next_time() const { return queue_.top().at; }
  // REQUIRES: !empty()
  LocalEvent pop();

  // Timers: one live deadline per id.
  void set_timer(models::TimerId id, models::TimePoint at);
  void cancel_timer(models::TimerId id);
  bool timer_is_current(const TimerFired& fired) const;

 private:
  struct Item {
    models::TimePoint at;
    std::uint64_t sequence;
    LocalEvent event;
    bool operator>(const Item& other) const {
      return at != other.at ? at > other.at : sequence > other.sequence;
    }
  };
  std::priority_queue<Item, std::vector<Item>, std::greater<>> queue_;
  std::uint64_t next_sequence_ = 0;
  std::unordered_map<std::uint32_t, std::uint64_t> timer_generation_;  // lookup only
};

}  // namespace cutover::sim
