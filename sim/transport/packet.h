// What travels over the simulated network (network.h): one protocol message, client request,
// client reply or operator command, with its sender, its place in the sender's stream to the
// receiver, and the propagation delay of its path.
//
// Latency is modelled here, not by SimGrid links (see platform_builder.h for why; also,
// Link::set_latency hangs comms in their latency phase in SimGrid 3.32): the sender stamps
// the one-way delay of the region pair at send time, link faults included, and the packet
// reaches the receiver that long after its bytes are in.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "models/core/message.h"
#include "models/replication/protocol.h"

namespace cutover::sim {

struct Endpoint {
  enum class Kind : std::uint8_t { kNode, kClient, kControl } kind = Kind::kNode;
  std::uint32_t id = 0;  // NodeId value, or client index
};

using PacketBody =
    std::variant<models::Message, models::ClientRequest, models::ClientReply, models::AdminCommand>;

struct Packet {
  Endpoint from;
  std::uint32_t connection = 0;  // channel order, see channels.h
  std::uint64_t sequence = 0;
  // Delivered outside the channel's order, with no sequence number (a reordered or duplicated
  // packet, sim/faults/network_faults.h); still dropped with its connection.
  bool unordered = false;
  models::Duration propagation_delay{};
  PacketBody body;
  // Messages coalesced behind `body`: a node's handler that sends several messages to one
  // receiver hands them to the network as one transfer, the way TCP coalesces writes made in
  // one instant (a ReadIndex round answering many reads of one client region at once). They
  // are delivered after `body`, in order.
  std::vector<PacketBody> coalesced;
};

// Every message the packet carries, in order: f(const PacketBody&).
template <typename F>
void for_each_body(const Packet& packet, F&& f) {
  f(packet.body);
  for (const PacketBody& body : packet.coalesced) f(body);
}

// The bytes on the wire: the sum of the messages' sizes (each keeps its own header).
std::uint64_t packet_size_bytes(const Packet& packet);

}  // namespace cutover::sim
