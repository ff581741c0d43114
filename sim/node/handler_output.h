// What one protocol handler asked the world for (messages, durability requests), held until
// the handler returns and then carried out, so that a handler is atomic.
//
// One handler runs at a time, so a run needs one set of these buffers, owned by the World and
// reused by every node: a set per node was memory that node had not touched since it last
// ran (one set instead: about 1% of a run, measured A/B).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "models/core/types.h"
#include "sim/transport/packet.h"

namespace cutover::sim {

struct HandlerOutput {
  struct Outgoing {
    std::optional<models::NodeId> to_node;
    std::optional<models::ClientId> to_client;
    Packet packet;
  };
  std::vector<Outgoing> outbox;                      // in the order the handler sent
  std::vector<models::WriteToken> persist_requests;  // in the order it asked
  // flush: each receiver, with its first message in outbox (the others ride along with it)
  std::vector<std::pair<Endpoint, std::uint32_t>> receivers;
  std::vector<models::WriteToken> persisting;  // flush: being handed on

  // flush: where `receivers` holds this receiver, if it does. A search of `receivers` per
  // message was quadratic in a broadcast (a heartbeat to 119 followers: 7,000 comparisons).
  static constexpr std::uint32_t kNotYet = ~std::uint32_t{0};
  std::uint32_t& receiver_position(Endpoint to) {
    std::vector<std::uint32_t>& positions =
        to.kind == Endpoint::Kind::kClient ? client_positions_ : node_positions_;
    if (to.id >= positions.size()) positions.resize(to.id + 1, kNotYet);
    return positions[to.id];
  }

  // A handler that failed has no effects.
  void discard() {
    outbox.clear();
    persist_requests.clear();
  }

 private:
  std::vector<std::uint32_t> node_positions_;    // by NodeId value
  std::vector<std::uint32_t> client_positions_;  // by client index
};

}  // namespace cutover::sim
