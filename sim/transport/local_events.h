// What an endpoint's handler is asked to do at a time of its choosing (scheduler.h queues
// them): protocol timers, disk and CPU completions, client arrivals and retries, and packets
// whose bytes are in, waiting out their propagation delay.
#pragma once

#include <cstdint>
#include <memory>
#include <variant>

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
struct FirstAttemptsDue {};  // the oldest first attempt still waiting may time out now
struct ClientRetry {         // the backoff before the next attempt is over
  std::uint64_t sequence;
};
struct PauseEnded {};  // a process_pause is over: the node handles what waited
struct Started {};     // a new process (or the clients) begins: its first event

using LocalEvent = std::variant<TimerFired, DiskSynced, CpuDone, HeldPacket, ClientArrival,
                                ClientTimeout, FirstAttemptsDue, ClientRetry, PauseEnded, Started>;

}  // namespace cutover::sim
