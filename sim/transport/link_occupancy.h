// When may a message skip SimGrid's flow model, and when do its bytes arrive if it does.
//
// SimGrid shares a link's bandwidth between the transfers crossing it (max-min fairness),
// which costs a solver run and an engine round trip per transfer. Most messages of a
// replication workload are small and meet idle links: their bytes take size / bandwidth,
// and nothing else could change that. The rule, per link of the message's route:
//
//   * no SimGrid flow is crossing the link (nor waiting to start on it, see below), and
//   * the message is one packet (at most kPacketBytes), or the bytes of direct messages
//     still queued on the link plus this message's own take at most `tolerance` to serialize.
//
// Then the message is direct: each link serves direct messages in arrival order at full
// bandwidth (a message starts on a link when the one before it is through), and its bytes
// are in when the slowest link is done. A link never carries more than its bandwidth.
//
// A one-packet message is exactly what a link serves whole, in turn: packets leave a queue
// one after another, so a burst of them (a leader's appends to all its followers, sent in one
// instant) goes out in order, the k-th through after k sizes over the bandwidth. That is the
// packet-level truth; SimGrid's fluid model would finish the whole burst together, at the
// end. For larger messages, which real links interleave packet by packet, the order of
// service is the only way this differs from fair sharing, and the tolerance bounds it: no
// such message's arrival moves by more than `tolerance`. Anything else (a bulk transfer, a
// saturated or capped link, a link already carrying a flow) becomes a SimGrid flow and shares
// exactly; it starts once the direct bytes queued on its route are through (flow_start_s),
// as its first packet would.
//
// Pure code (no SimGrid), so the rule is tested on its own
// (tests/transport/link_occupancy_test.cc).
#pragma once

#include <algorithm>
#include <optional>
#include <vector>

namespace cutover::sim {

// An Ethernet frame's payload: a message up to this size crosses a link as one packet.
inline constexpr double kPacketBytes = 1500;

struct LinkLoad {
  double bandwidth_bytes_per_s = 0;
  double busy_until_s = 0;  // the direct bytes queued on it are through at this time
  int flows = 0;            // SimGrid flows crossing it now, or waiting to start on it
};

// The time the bytes are in, if the message may be direct; the links are then charged with
// it. nullopt: it must be a SimGrid flow, and nothing was charged.
inline std::optional<double> try_direct(const std::vector<LinkLoad*>& route, double bytes,
                                        double now_s, double tolerance_s) {
  if (tolerance_s <= 0) return std::nullopt;
  const bool one_packet = bytes <= kPacketBytes;
  for (const LinkLoad* link : route) {
    if (link->flows > 0 || link->bandwidth_bytes_per_s <= 0) return std::nullopt;
    const double queued_s = std::max(0.0, link->busy_until_s - now_s);
    if (!one_packet && queued_s + bytes / link->bandwidth_bytes_per_s > tolerance_s) {
      return std::nullopt;
    }
  }
  double done_s = now_s;
  for (LinkLoad* link : route) {
    link->busy_until_s = std::max(now_s, link->busy_until_s) + bytes / link->bandwidth_bytes_per_s;
    done_s = std::max(done_s, link->busy_until_s);
  }
  return done_s;
}

// When a flow over `route` may start: once the direct bytes queued on its links are through.
inline double flow_start_s(const std::vector<LinkLoad*>& route, double now_s) {
  double start_s = now_s;
  for (const LinkLoad* link : route) start_s = std::max(start_s, link->busy_until_s);
  return start_s;
}

}  // namespace cutover::sim
