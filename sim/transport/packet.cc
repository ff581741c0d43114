#include "sim/transport/packet.h"

namespace cutover::sim {

namespace {

std::uint64_t body_size_bytes(const PacketBody& body) {
  return std::visit(
      [](const auto& message) -> std::uint64_t {
        using Message = std::decay_t<decltype(message)>;
        if constexpr (std::is_same_v<Message, models::AdminCommand>) {
          return models::kMessageHeaderBytes;
        } else {
          return models::size_bytes(message);
        }
      },
      body);
}

}  // namespace

std::uint64_t packet_size_bytes(const Packet& packet) {
  std::uint64_t bytes = 0;
  for_each_body(packet, [&](const PacketBody& body) { bytes += body_size_bytes(body); });
  return bytes;
}

}  // namespace cutover::sim
