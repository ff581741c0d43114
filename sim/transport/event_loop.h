// The loop every actor runs: a set of pending receives on its mailbox, kept across
// iterations, raced against the next local deadline with Comm::wait_any_for (3.32 has no
// ActivitySet). No polling: the actor sleeps until a packet arrives or its next local event
// is due. Packets stamped with extra link delay are parked on the local queue until due, then
// pass through the in-order inbox (channels.h), so each sender's stream arrives in order.
//
// Why several receives: SimGrid matches a put with a pending get at once, and that pair then
// takes the put's whole path latency. With a single pending get, a message from a far region
// (70 ms) holds the get while a message from the same rack arrives and waits behind it
// (measured: local reads at 26 ms instead of 0.6 ms). So after every wake-up the loop makes
// sure kSpareReceives gets are still unmatched, growing the set as more transfers are in
// flight to this actor at once (up to kMaxReceives; beyond that, transfers still complete into
// the mailbox's done list and are picked up by the next posted get, a little late).
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include <simgrid/s4u.hpp>

#include "models/core/types.h"
#include "sim/transport/channels.h"
#include "sim/transport/local_events.h"
#include "sim/transport/packet.h"
#include "sim/transport/sim_clock.h"

namespace cutover::sim {

// on_packet(std::unique_ptr<Packet>) handles a delivered packet; on_event(LocalEvent&&) a due
// local event; keep_going() is asked after each step. Returns when keep_going() is false.
template <typename OnPacket, typename OnEvent, typename KeepGoing>
void run_event_loop(simgrid::s4u::Mailbox* mailbox, InOrderInbox& inbox, LocalEventQueue& queue,
                    OnPacket&& on_packet, OnEvent&& on_event, KeepGoing&& keep_going) {
  namespace sg4 = simgrid::s4u;
  constexpr unsigned kSpareReceives = 4;
  constexpr std::size_t kMaxReceives = 4096;
  std::deque<Packet*> incoming;  // deque: the gets hold addresses of its elements
  std::vector<sg4::CommPtr> pending;
  auto keep_spare_receives = [&] {
    // Mailbox::size() counts our gets that no transfer has matched yet.
    while (mailbox->size() < kSpareReceives && pending.size() < kMaxReceives) {
      incoming.push_back(nullptr);
      pending.push_back(mailbox->get_async<Packet>(&incoming.back()));
    }
  };
  auto deliver = [&](std::unique_ptr<Packet> packet) {
    if (packet->extra_delay > models::Duration::zero()) {
      const models::TimePoint due = sim_now() + packet->extra_delay;  // before the move below
      queue.push(due, HeldPacket{std::shared_ptr<Packet>(std::move(packet))});
    } else {
      inbox.accept(std::move(packet), on_packet);
    }
  };
  while (keep_going()) {
    keep_spare_receives();
    double timeout = -1;  // wait for a packet only
    if (!queue.empty()) {
      timeout = std::max(0.0, models::to_seconds(queue.next_time()) - sg4::Engine::get_clock());
    }
    ssize_t ready = -1;
    try {
      ready = sg4::Comm::wait_any_for(pending, timeout);
    } catch (const simgrid::NetworkFailureException&) {
      // A sender's link or host failed mid-transfer: that packet is lost, as on a real
      // network. Re-arm every receive that failed.
      for (std::size_t slot = 0; slot < pending.size(); ++slot) {
        if (pending[slot]->get_state() == sg4::Activity::State::FAILED) {
          incoming[slot] = nullptr;
          pending[slot] = mailbox->get_async<Packet>(&incoming[slot]);
        }
      }
      continue;
    }
    if (ready >= 0) {
      const auto slot = static_cast<std::size_t>(ready);
      // A receive can also end without data when its transfer failed on a link cut; the
      // sender's clean-up already freed that payload, so only a finished one is ours.
      const bool finished = pending[slot]->get_state() == sg4::Activity::State::FINISHED;
      Packet* received = incoming[slot];
      incoming[slot] = nullptr;
      pending[slot] = mailbox->get_async<Packet>(&incoming[slot]);  // re-arm before handling
      if (finished && received != nullptr) deliver(std::unique_ptr<Packet>(received));
      continue;
    }
    const models::TimePoint now = sim_now();
    while (!queue.empty() && queue.next_time() <= now && keep_going()) {
      LocalEvent event = queue.pop();
      if (auto* held = std::get_if<HeldPacket>(&event)) {
        inbox.accept(std::make_unique<Packet>(std::move(*held->packet)), on_packet);
      } else {
        on_event(std::move(event));
      }
    }
  }
  for (auto& receive : pending) receive->cancel();
}

}  // namespace cutover::sim
