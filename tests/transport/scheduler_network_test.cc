// The scheduler and the network together, on a real SimGrid platform (one engine, so one test
// in this binary): a small message on an idle link is delivered directly at size / bandwidth
// plus propagation; large ones become SimGrid flows and share the link; a small message sent
// while a flow crosses its link shares too; one-packet messages sent at once leave in order,
// and a flow sent after them starts once they are through; the scheduler's run-ahead never
// passes another actor's wake-up (a link cut at t loses what is sent after t and nothing
// before); work another actor hands the scheduler while it sleeps (the doorbell) is done
// on time; and flows that end in the same instant are all delivered then.
#include <map>
#include <memory>
#include <vector>

#include <gtest/gtest.h>
#include <simgrid/s4u.hpp>

#include "sim/platform/platform_builder.h"
#include "sim/transport/channels.h"
#include "sim/transport/network.h"
#include "sim/transport/scheduler.h"

namespace cutover::sim {
namespace {

namespace sg4 = simgrid::s4u;

constexpr double kRttMs = 80;
constexpr double kWanMbps = 100;
constexpr double kWanBytesPerS = kWanMbps * 1e6 / 8;  // 1.25e7; the NICs are 100x faster
constexpr double kOneWayS = kRttMs / 1000 / 2;
constexpr double kTolerance_s = 20e-6;
constexpr std::size_t kSender = 0;    // node 0, region a
constexpr std::size_t kReceiver = 1;  // node 1, region b
constexpr std::size_t kClient = 2;    // on region a's client host: a second stream a -> b
constexpr std::size_t kControl = 3;

// What the sender handler sends when the test asks it to.
struct Send {
  std::uint32_t tag;
  std::uint64_t bytes;
  std::size_t from = kSender;
};

struct Harness {
  Channels channels{2, 1};
  Scheduler scheduler{channels};
  std::unique_ptr<Network> network;
  std::map<std::uint32_t, double> arrived_s;  // tag -> arrival time at node 1

  std::unique_ptr<Packet> packet(std::size_t from, std::uint32_t tag) {
    auto p = std::make_unique<Packet>();
    p->from = channels.endpoint_at(from);
    channels.stamp(p->from, channels.endpoint_at(kReceiver), *p);
    p->propagation_delay =
        from == kControl ? models::Duration::zero() : models::from_ms(kOneWayS * 1000);
    p->body = models::ClientReply{.id = {models::ClientId(0), tag}};  // the tag travels here
    return p;
  }
};

class Sender final : public EndpointHandler {
 public:
  Sender(Harness& harness, std::vector<Send> sends) : h_(harness), sends_(std::move(sends)) {}
  void on_packet(std::unique_ptr<Packet>) override {}
  void on_event(LocalEvent&& event) override {
    const auto* arrival = std::get_if<ClientArrival>(&event);
    if (arrival == nullptr) return;
    const Send& send = sends_.at(arrival->user);
    h_.network->transmit(send.from, kReceiver, h_.packet(send.from, send.tag), send.bytes);
  }

 private:
  Harness& h_;
  std::vector<Send> sends_;
};

class Receiver final : public EndpointHandler {
 public:
  explicit Receiver(Harness& harness) : h_(harness) {}
  void on_packet(std::unique_ptr<Packet> packet) override {
    const auto tag = std::get<models::ClientReply>(packet->body).id.sequence;
    h_.arrived_s[static_cast<std::uint32_t>(tag)] = models::to_seconds(h_.scheduler.now());
  }
  void on_event(LocalEvent&&) override {}

 private:
  Harness& h_;
};

TEST(SchedulerAndNetwork, DirectWhenIdleSharedWhenBusyAndNeverAheadOfAnotherActor) {
  Topology topology;
  topology.regions = {Region{.name = "a", .nodes = 1}, Region{.name = "b", .nodes = 1}};
  topology.links = {Link{.region_a = "a",
                         .region_b = "b",
                         .rtt_ms = kRttMs,
                         .bandwidth_mbps = kWanMbps,
                         .rtt_source = "scenario"}};
  sg4::Engine engine("scheduler_network_test");
  configure_engine();
  const Platform platform = build_platform(topology, NodeResources{.nic_bandwidth_mbps = 10000});
  Harness h;
  h.network = std::make_unique<Network>(
      h.scheduler,
      std::vector<sg4::Host*>{platform.node_hosts[0], platform.node_hosts[1],
                              platform.client_hosts[0], platform.observer_host},
      kTolerance_s);

  constexpr std::uint64_t kSmall = 1000;     // 80 us on the WAN link, but one packet
  constexpr std::uint64_t kTiny = 200;       // 16 us: direct when the link is idle
  constexpr std::uint64_t kLarge = 5000000;  // 0.4 s
  // (time, what node 0 sends)
  const std::vector<std::pair<double, Send>> plan = {
      {0.0, {1, kTiny}},   // idle link: direct
      {1.0, {2, kLarge}},  // two large ones at once: flows sharing the link
      {1.0, {3, kLarge}},
      {3.0, {4, kSmall}},          // longer than the tolerance, but one packet: direct
      {5.0, {5, kLarge}},          // a flow ...
      {5.1, {6, kTiny, kClient}},  // ... which a tiny one on another stream must share
      {9.95, {7, kTiny}},          // in before the link goes down at 10.0 (the other actor)
      {10.001, {8, kTiny}},
      {15.0, {11, kSmall}},  // a burst of one-packet messages: out in order, 80 us each
      {15.0, {12, kSmall}},
      {15.0, {13, kSmall}},
      {15.0, {14, kSmall}},
      {15.0, {15, kSmall}},
      {15.0, {16, kLarge}},          // a flow: starts when the burst is through
      {15.0, {17, kTiny, kClient}},  // behind the waiting flow, then sharing with it
      {20.0, {9, kTiny}},            // keeps the scheduler's queue busy until after 12 s
      {22.0, {18, kLarge}},          // four flows sharing the link: they end together
      {22.0, {19, kLarge}},
      {22.0, {20, kLarge}},
      {22.0, {21, kLarge}},
  };
  std::vector<Send> sends;
  for (const auto& [at, send] : plan) sends.push_back(send);
  const std::uint32_t sender_incarnation =
      h.scheduler.start(kSender, [&](EndpointQueue) { return std::make_unique<Sender>(h, sends); });
  h.scheduler.start(kReceiver, [&](EndpointQueue) { return std::make_unique<Receiver>(h); });
  for (std::uint32_t i = 0; i < plan.size(); ++i) {
    h.scheduler.push(kSender, sender_incarnation, models::time_at_seconds(plan[i].first),
                     ClientArrival{.user = i});
  }
  // Something to wake for at the end, so the scheduler is never left waiting on nothing.
  h.scheduler.push(kSender, sender_incarnation, models::time_at_seconds(30), Started{});

  sg4::Link* wan_up = platform.wan[0][1]->get_link_up();
  sg4::Link* wan_down = platform.wan[0][1]->get_link_down();
  sg4::ActorPtr cutter = sg4::Actor::create("cutter", platform.observer_host, [&] {
    h.scheduler.sleep_until(10.0);
    wan_up->turn_off();
    wan_down->turn_off();
    h.channels.reset(kSender, kReceiver);  // as the fault controller does: channels.h
    h.scheduler.sleep_until(12.0);
    wan_up->turn_on();
    wan_down->turn_on();
    h.channels.reset(kSender, kReceiver);  // what was sent while it was down failed too
    // The scheduler sleeps until 20 s: only the doorbell gets this delivered now.
    h.network->transmit(kControl, kReceiver, h.packet(kControl, 10), kTiny);
    h.scheduler.actor_done(sg4::this_actor::get_pid());
  });
  h.scheduler.expect_actor(cutter->get_pid());
  sg4::Actor::create("scheduler", platform.scheduler_host, [&] {
    h.scheduler.run(*h.network, models::time_at_seconds(30), [] { return true; });
  });
  engine.run_until(30);

  const double us = 1e-6;  // the models' clock resolution
  EXPECT_NEAR(h.arrived_s.at(1), kTiny / kWanBytesPerS + kOneWayS, us);
  const double shared_large_s = 2 * kLarge / kWanBytesPerS;
  EXPECT_NEAR(h.arrived_s.at(2), 1.0 + shared_large_s + kOneWayS, us);
  EXPECT_NEAR(h.arrived_s.at(3), 1.0 + shared_large_s + kOneWayS, us);
  EXPECT_NEAR(h.arrived_s.at(4), 3.0 + kSmall / kWanBytesPerS + kOneWayS, us);
  // Half the link while the large flow runs; the large one gets the rest.
  EXPECT_NEAR(h.arrived_s.at(6), 5.1 + kTiny / (kWanBytesPerS / 2) + kOneWayS, us);
  EXPECT_NEAR(h.arrived_s.at(5), 5.0 + (kLarge + kTiny) / kWanBytesPerS + kOneWayS, us);
  EXPECT_NEAR(h.arrived_s.at(7), 9.95 + kTiny / kWanBytesPerS + kOneWayS, us);
  // Sent onto the down link: lost at once. Had the scheduler run past the cut at 10.0 before
  // the cutter acted, it would have gone out direct.
  EXPECT_EQ(h.arrived_s.count(8), 0U);
  EXPECT_NEAR(h.arrived_s.at(10), 12.0, us);  // the doorbell
  EXPECT_NEAR(h.arrived_s.at(9), 20.0 + kTiny / kWanBytesPerS + kOneWayS, us);
  const double small_s = kSmall / kWanBytesPerS;
  for (std::uint32_t k = 1; k <= 5; ++k) {
    EXPECT_NEAR(h.arrived_s.at(10 + k), 15.0 + k * small_s + kOneWayS, us) << "burst " << k;
  }
  const double burst_through_s = 15.0 + 5 * small_s;
  EXPECT_NEAR(h.arrived_s.at(17), burst_through_s + kTiny / (kWanBytesPerS / 2) + kOneWayS, us);
  EXPECT_NEAR(h.arrived_s.at(16), burst_through_s + (kLarge + kTiny) / kWanBytesPerS + kOneWayS,
              us);

  for (std::uint32_t tag = 18; tag <= 21; ++tag) {
    EXPECT_NEAR(h.arrived_s.at(tag), 22.0 + 4 * kLarge / kWanBytesPerS + kOneWayS, us) << tag;
  }

  const TransferCounts& counts = h.network->counts();
  EXPECT_EQ(counts.direct, 10U);  // 1, 4, 7, 9, 11-15 and the control message
  EXPECT_EQ(counts.flows, 10U);   // 2, 3, 5, 6, 16, 17, 18-21
  EXPECT_EQ(counts.lost, 1U);     // 8
  EXPECT_TRUE(h.network->comms().empty());
}

}  // namespace
}  // namespace cutover::sim
