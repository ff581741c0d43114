// What travels through SimGrid mailboxes: one protocol message, client request, client reply
// or operator command, with its sender, its place in the sender's stream to the receiver, and
// the extra delay a degraded link adds.
//
// Extra latency is modelled here, not with Link::set_latency (which hangs comms that are in
// their latency phase in SimGrid 3.32): the sender stamps the extra one-way delay of the
// region pair at send time and the receiver holds the packet that much longer.
#pragma once

#include <cstdint>
#include <variant>

#include "models/core/message.h"
#include "models/replication/protocol.h"

namespace cutover::sim {

struct Endpoint {
  enum class Kind : std::uint8_t { kNode, kClient, kControl } kind = Kind::kNode;
  std::uint32_t id = 0;  // NodeId value, or client index
};

struct Packet {
  Endpoint from;
  std::uint32_t connection = 0;  // channel order, see channels.h
  std::uint64_t sequence = 0;
  models::Duration extra_delay{};
  std::variant<models::Message, models::ClientRequest, models::ClientReply, models::AdminCommand>
      body;
};

std::uint64_t packet_size_bytes(const Packet& packet);

}  // namespace cutover::sim
