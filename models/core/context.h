// The world as a protocol sees it. Implemented by the simulator's node driver and by the
// tests' RecordingContext.
//
// No call blocks and no call has an immediate effect on other nodes: sends, timers and
// durability requests are queued and carried out by the driver after the handler returns.
// Acknowledgements that promise durability must wait for on_persisted (etcd's rule: persist
// before you send the ack).
#pragma once

#include <cstdint>

#include "models/core/message.h"
#include "models/core/rng.h"
#include "models/core/storage.h"
#include "models/core/types.h"

namespace cutover::models {

enum class TraceKind : std::uint8_t {
  kBecamePrimary,    // node took over as primary in `epoch`; `other` = previous primary if known
  kSteppedDown,      // primary gave up the role (lost quorum contact or saw a higher epoch)
  kTruncated,        // backup dropped a divergent suffix after `index`
  kElectionStarted,  // node became a candidate in `epoch` (the real vote, not a pre-vote)
};

struct TraceEvent {
  TraceKind kind;
  Epoch epoch;
  LogIndex index;
  std::optional<NodeId> other;
};

class Context {
 public:
  virtual ~Context() = default;
  virtual TimePoint now() const = 0;
  virtual void send(NodeId to, Message message) = 0;
  virtual void reply(ClientId to, const ClientReply& reply) = 0;
  virtual void set_timer(TimerId id, Duration after) = 0;  // re-arming replaces
  virtual void cancel_timer(TimerId id) = 0;
  // The node's storage; writes to it become durable only through persist().
  virtual Storage& storage() = 0;
  // Ask for every storage write made so far to be made durable; on_persisted(token) follows.
  virtual WriteToken persist() = 0;
  virtual Rng& rng() = 0;
  virtual void emit(const TraceEvent& event) = 0;
};

}  // namespace cutover::models
