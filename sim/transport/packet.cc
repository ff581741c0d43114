#include "sim/transport/packet.h"

namespace cutover::sim {

std::uint64_t packet_size_bytes(const Packet& packet) {
  return std::visit(
      [](const auto& body) -> std::uint64_t {
        using Body = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<Body, models::AdminCommand>) {
          return models::kMessageHeaderBytes;
        } else {
          return models::size_bytes(body);
        }
      },
      packet.body);
}

}  // namespace cutover::sim
