// The loop every actor runs: one pending receive on each of its incoming channel mailboxes
// (channel_mailboxes.h), kept across iterations, raced against the next local deadline with
// Comm::wait_any_for (3.32 has no ActivitySet). No polling: the actor sleeps until a packet
// arrives or its next local event is due. A packet whose bytes have arrived is parked on the
// local queue for its propagation delay (packet.h), then passes through the in-order inbox
// (channels.h), so each sender's stream arrives in order.
#pragma once

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
void run_event_loop(const std::vector<simgrid::s4u::Mailbox*>& incoming, InOrderInbox& inbox,
                    LocalEventQueue& queue, OnPacket&& on_packet, OnEvent&& on_event,
                    KeepGoing&& keep_going) {
  namespace sg4 = simgrid::s4u;
  std::vector<Packet*> received(incoming.size(), nullptr);
  std::vector<sg4::CommPtr> pending(incoming.size());
  auto post_receive = [&](std::size_t slot) {
    received[slot] = nullptr;
    pending[slot] = incoming[slot]->get_async<Packet>(&received[slot]);
  };
  for (std::size_t slot = 0; slot < incoming.size(); ++slot) post_receive(slot);
  auto deliver = [&](std::unique_ptr<Packet> packet) {
    if (packet->propagation_delay > models::Duration::zero()) {
      const models::TimePoint due = sim_now() + packet->propagation_delay;  // before the move
      queue.push(due, HeldPacket{std::move(packet)});
    } else {
      inbox.accept(std::move(packet), on_packet);
    }
  };
  while (keep_going()) {
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
        if (pending[slot]->get_state() == sg4::Activity::State::FAILED) post_receive(slot);
      }
      continue;
    }
    if (ready >= 0) {
      const auto slot = static_cast<std::size_t>(ready);
      // A receive can also end without data when its transfer failed on a link cut; the
      // sender's clean-up already freed that payload, so only a finished one is ours.
      const bool finished = pending[slot]->get_state() == sg4::Activity::State::FINISHED;
      Packet* packet = received[slot];
      post_receive(slot);  // re-arm before handling
      if (finished && packet != nullptr) deliver(std::unique_ptr<Packet>(packet));
      continue;
    }
    const models::TimePoint now = sim_now();
    while (!queue.empty() && queue.next_time() <= now && keep_going()) {
      LocalEvent event = queue.pop();
      if (auto* held = std::get_if<HeldPacket>(&event)) {
        inbox.accept(std::move(held->packet), on_packet);
      } else {
        on_event(std::move(event));
      }
    }
  }
  for (auto& receive : pending) receive->cancel();
}

}  // namespace cutover::sim
