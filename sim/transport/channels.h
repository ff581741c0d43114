// In-order delivery per (sender, receiver) pair: the guarantee a TCP connection gives, which
// every replication stream we model relies on.
//
// Why: SimGrid completes transfers independently. Two messages sent at the same instant over
// the same route finish at the same instant and the receiver picks them in whatever order its
// pending receives are listed; a small message can overtake a large one sharing a link; a
// link-latency fault that ends lets later packets overtake earlier ones. A primary-backup or
// Raft follower that sees append n+1 before append n rejects it and the stream stalls for a
// round trip (measured: 35-40 ms lag spikes on a 40 ms link at 2000 writes/s), which real
// systems over TCP do not suffer.
//
// How: the sender stamps each packet with the channel's connection number and the next
// sequence number; the receiver delivers a channel's packets in sequence order, holding any
// that arrive early. A packet is only ever lost with its connection: the fault controller
// resets a channel (new connection, sequences from 0) whenever a fault can fail transfers on
// it (a link cut, the receiver's crash, the sender's restart), so a receiver never waits for
// a packet that cannot come. Packets of an older connection are dropped, as a reset TCP
// connection drops its data.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "sim/transport/packet.h"

namespace cutover::sim {

class Channels {
 public:
  Channels(std::size_t nodes, std::size_t clients);

  std::size_t endpoint_count() const { return endpoints_; }
  std::size_t index(Endpoint endpoint) const;
  Endpoint endpoint_at(std::size_t index) const;  // the inverse of index()

  // Sender side: stamps the packet for the channel from -> to.
  void stamp(Endpoint from, Endpoint to, Packet& packet);
  // A fault broke the connection from -> to: what is in flight on it is lost.
  void reset(std::size_t from, std::size_t to);

  struct State {
    std::uint32_t connection = 0;
    std::uint64_t next_to_send = 0;
    std::uint64_t next_to_deliver = 0;
  };
  State& state(std::size_t from, std::size_t to) { return states_[from * endpoints_ + to]; }

 private:
  std::size_t nodes_;
  std::size_t clients_;
  std::size_t endpoints_;
  std::vector<State> states_;  // endpoints_ x endpoints_, row = sender
};

// Receiver side, one per receiving actor: releases packets in their channel's order.
class InOrderInbox {
 public:
  InOrderInbox(Channels& channels, Endpoint self)
      : channels_(channels), self_(channels.index(self)) {}

  // Hands `packet` and every held packet it unblocks to deliver(std::unique_ptr<Packet>), in
  // order; holds it if an earlier packet of its channel is still in flight; drops it if its
  // connection was reset. An unordered packet (a link fault's) is handed over at once.
  template <typename Deliver>
  void accept(std::unique_ptr<Packet> packet, Deliver&& deliver) {
    const std::size_t from = channels_.index(packet->from);
    Channels::State& channel = channels_.state(from, self_);
    if (packet->connection != channel.connection) return;
    if (packet->unordered) {
      deliver(std::move(packet));
      return;
    }
    if (packet->sequence != channel.next_to_deliver) {
      if (packet->sequence > channel.next_to_deliver) {
        const Key key{from, packet->connection, packet->sequence};
        held_.emplace(key, std::move(packet));
      }
      return;
    }
    ++channel.next_to_deliver;
    deliver(std::move(packet));
    if (!held_.empty()) release_held(from, channel, deliver);
  }

 private:
  using Key = std::tuple<std::size_t, std::uint32_t, std::uint64_t>;  // channel, conn, seq

  template <typename Deliver>
  void release_held(std::size_t from, Channels::State& channel, Deliver& deliver) {
    // Packets of a reset connection can never be released.
    held_.erase(held_.lower_bound(Key{from, 0, 0}),
                held_.lower_bound(Key{from, channel.connection, 0}));
    for (auto it = held_.find(Key{from, channel.connection, channel.next_to_deliver});
         it != held_.end();
         it = held_.find(Key{from, channel.connection, channel.next_to_deliver})) {
      std::unique_ptr<Packet> next = std::move(it->second);
      held_.erase(it);
      ++channel.next_to_deliver;
      deliver(std::move(next));
    }
  }

  Channels& channels_;
  std::size_t self_;
  std::map<Key, std::unique_ptr<Packet>> held_;
};

}  // namespace cutover::sim
