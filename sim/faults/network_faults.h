// The network faults our transport carries out itself, beside the ones SimGrid does (a cut WAN
// link, a capped bandwidth): node-level cuts and per-packet link degradation. World::send asks
// it about every packet; the fault controller switches faults on and off.
//
// Node-level cuts: a count per channel (sender endpoint, receiver endpoint), so overlapping
// faults on one channel compose; a packet on a cut channel is dropped at send, as a cut link
// would lose it. Whoever cuts a channel also resets it (World::cut_channel), so what was in
// flight on it is lost too.
//
// Link degradation, per ordered region pair, each active fault with its own random stream
// (forked from the seed by fault index, so one fault's draws do not depend on another's):
//   jitter       extra delay, the packet stays in its stream's order;
//   loss         TCP-like: each lost transmission costs a retransmission timeout
//                max(rto_min, path RTT), doubling per retransmission (RFC 6298 §5.5) and
//                capped at 120 s (Linux TCP_RTO_MAX); the packet stays in order, so the
//                packets behind it wait (head-of-line blocking);
//   duplication  a second copy outside the stream's order, with the same delay;
//   reordering   the packet leaves the stream's order with a uniform extra delay.
//
// Cost when no fault is active: two flag tests per packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "models/core/rng.h"
#include "models/core/types.h"
#include "sim/scenario/scenario.h"

namespace cutover::sim {

// What the active degradations do to one packet.
struct PacketFate {
  models::Duration extra_delay{};  // added to the propagation delay
  bool unordered = false;          // delivered outside its stream's order (reordering)
  bool duplicated = false;         // a copy follows, outside the order, with the same delay
};

class NetworkFaults {
 public:
  NetworkFaults(std::size_t endpoints, std::size_t regions, std::size_t faults);

  // --- node-level cuts, by channel (Channels::index of sender and receiver) ---
  // Returns true when the channel was open until now.
  bool block(std::size_t from, std::size_t to);
  void unblock(std::size_t from, std::size_t to);
  bool any_blocked() const { return blocked_channels_ > 0; }
  bool blocked(std::size_t from, std::size_t to) const {
    return blocked_[from * endpoints_ + to] > 0;
  }

  // --- link degradation between two regions, both directions ---
  // REQUIRES: `fault` is a LinkJitter, PacketLoss, MessageDuplication or MessageReordering,
  // and outlives this object (it is the scenario's).
  void degrade(std::size_t index, const Fault& fault, std::uint32_t region_a,
               std::uint32_t region_b, models::Rng rng);
  void restore(std::size_t index, std::uint32_t region_a, std::uint32_t region_b);
  bool any_degraded() const { return degraded_pairs_ > 0; }
  // `one_way` is the path's propagation delay (for the retransmission timeout).
  PacketFate on_send(std::uint32_t from_region, std::uint32_t to_region, models::Duration one_way);

 private:
  struct Degradation {
    const Fault* fault = nullptr;
    models::Rng rng{0};
  };
  std::vector<std::size_t>& pair(std::uint32_t from, std::uint32_t to) {
    return by_pair_[from * regions_ + to];
  }
  void apply(Degradation& degradation, models::Duration one_way, PacketFate& fate);

  std::size_t endpoints_;
  std::size_t regions_;
  std::vector<int> blocked_;  // endpoints_ x endpoints_, row = sender
  std::size_t blocked_channels_ = 0;
  std::vector<std::optional<Degradation>> degradations_;  // by fault index
  std::vector<std::vector<std::size_t>> by_pair_;         // regions_ x regions_: fault indices
  std::size_t degraded_pairs_ = 0;
};

}  // namespace cutover::sim
