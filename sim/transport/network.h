// How a packet's bytes cross the platform: directly (their arrival computed here) when
// contention cannot move it by more than the scenario's tolerance, as a SimGrid flow sharing
// the links' bandwidth otherwise (link_occupancy.h states the rule). Either way the receiver
// gets the packet its propagation delay after the bytes are in (packet.h), through the
// scheduler's queue.
//
// A packet is lost if a link of its route is down when it is sent (a direct one) or while it
// crosses (a flow fails); the fault controller resets the channels of a cut link, so the
// receiver never waits for it (channels.h).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <simgrid/s4u.hpp>

#include "models/core/types.h"
#include "sim/transport/link_occupancy.h"
#include "sim/transport/packet.h"

namespace cutover::sim {

class Scheduler;

struct TransferCounts {
  std::uint64_t direct = 0;  // delivered without SimGrid
  std::uint64_t flows = 0;   // SimGrid flows started
  std::uint64_t lost = 0;    // sent onto a down link, or their flow failed
};

class Network {
 public:
  // hosts[e]: the host of endpoint index e (Channels::index). tolerance_s: see
  // link_occupancy.h (0: every packet is a SimGrid flow).
  Network(Scheduler& scheduler, std::vector<simgrid::s4u::Host*> hosts, double tolerance_s);

  // Carries the packet from endpoint `from` to endpoint `to`. Inside a scheduler handler a
  // flow starts when the handler is done (start_flows); from another actor at once.
  void transmit(std::size_t from, std::size_t to, std::unique_ptr<Packet> packet,
                std::uint64_t bytes);

  bool has_flows_to_start() const { return !to_start_.empty(); }
  void start_flows();  // at the scheduler's time: the engine's clock must be there
  // Flows waiting for the direct bytes queued on their route (link_occupancy.h): the earliest
  // start (TimePoint::max() if none), and start_waiting_flows() once the clock is there.
  models::TimePoint next_waiting_start() const;
  void start_waiting_flows();

  // The flows in flight, for the scheduler to wait on; finish_flow(i) when comms()[i] is done.
  const std::vector<simgrid::s4u::CommPtr>& comms() const { return comms_; }
  void finish_flow(std::size_t index);
  void drop_failed_flows();  // after a NetworkFailureException
  // After a wait returned one finished flow: finishes every other flow that ended at the same
  // instant. The flows of a burst share their links and end together, and SimGrid's
  // wait_any_for tests every flow in flight on each call, so waiting for them one at a time
  // cost O(k^2) for a burst of k (BENCHMARKS.md). May throw NetworkFailureException, as a wait
  // would (then drop_failed_flows).
  void finish_flows_ended_now();
  // No flow in flight can end before this (each at most at its route's bottleneck bandwidth).
  double earliest_flow_end_s() const;

  const TransferCounts& counts() const { return counts_; }

 private:
  struct Route {
    simgrid::s4u::Host* from = nullptr;
    simgrid::s4u::Host* to = nullptr;
    std::vector<simgrid::s4u::Link*> links;
    std::vector<LinkLoad*> loads;  // same order
    // links_up() as of a count of link changes (asking SimGrid per packet was 2% of a run).
    mutable std::uint64_t checked_at_change = ~std::uint64_t{0};
    mutable bool up = false;
  };
  struct Flow {
    std::size_t to = 0;
    std::unique_ptr<Packet> packet;
    const Route* route = nullptr;
    std::uint64_t bytes = 0;
    models::TimePoint start{};  // waiting flows: not before
  };

  const Route& route(std::size_t from, std::size_t to);
  // Refreshes the loads' bandwidth (bandwidth caps change it); false if a link is down.
  // Asks SimGrid only after a link changed state or bandwidth.
  bool links_up(const Route& route) const;
  static bool read_links(const Route& route);
  // A flow already counted on its links (so no packet goes direct ahead of it): lost if a
  // link of its route is down, else started now, or later if direct bytes are queued on its
  // route.
  void start_or_wait(Flow flow);
  void start(Flow flow);        // already counted on its links
  void lose(const Flow& flow);  // a flow that never started
  void remove_flow(std::size_t index);

  Scheduler& scheduler_;
  std::vector<simgrid::s4u::Host*> hosts_;
  double tolerance_s_;
  std::vector<std::unique_ptr<Route>> routes_;  // by from * endpoints + to, made on first use
  std::vector<std::unique_ptr<LinkLoad>> loads_;
  std::vector<simgrid::s4u::Link*> load_links_;  // the link of loads_[i]
  std::vector<Flow> to_start_;
  std::vector<Flow> waiting_;  // in order of arrival
  std::vector<Flow> flows_;    // in flight; comms_[i] carries flows_[i]
  std::vector<simgrid::s4u::CommPtr> comms_;
  TransferCounts counts_;
  // Link state and bandwidth changes so far, counted by SimGrid's link signals.
  std::shared_ptr<std::uint64_t> link_changes_;
};

}  // namespace cutover::sim
