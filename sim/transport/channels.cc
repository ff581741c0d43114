#include "sim/transport/channels.h"

#include "models/core/check.h"

namespace cutover::sim {

Channels::Channels(std::size_t nodes, std::size_t clients)
    : nodes_(nodes),
      clients_(clients),
      endpoints_(nodes + clients + 1),  // + the control endpoint
      states_(endpoints_ * endpoints_) {}

std::size_t Channels::index(Endpoint endpoint) const {
  switch (endpoint.kind) {
    case Endpoint::Kind::kNode:
      CUTOVER_CHECK(endpoint.id < nodes_, "node endpoint out of range");
      return endpoint.id;
    case Endpoint::Kind::kClient:
      CUTOVER_CHECK(endpoint.id < clients_, "client endpoint out of range");
      return nodes_ + endpoint.id;
    case Endpoint::Kind::kControl:
      return nodes_ + clients_;
  }
  return nodes_ + clients_;
}

Endpoint Channels::endpoint_at(std::size_t index) const {
  CUTOVER_CHECK(index < endpoints_, "endpoint index out of range");
  if (index < nodes_) return Endpoint{Endpoint::Kind::kNode, static_cast<std::uint32_t>(index)};
  if (index < nodes_ + clients_) {
    return Endpoint{Endpoint::Kind::kClient, static_cast<std::uint32_t>(index - nodes_)};
  }
  return Endpoint{Endpoint::Kind::kControl, 0};
}

void Channels::stamp(Endpoint from, Endpoint to, Packet& packet) {
  State& channel = state(index(from), index(to));
  packet.connection = channel.connection;
  packet.sequence = channel.next_to_send++;
}

void Channels::reset(std::size_t from, std::size_t to) {
  State& channel = state(from, to);
  channel = State{.connection = channel.connection + 1, .next_to_send = 0, .next_to_deliver = 0};
}

}  // namespace cutover::sim
