// The simulated network honours the scenario exactly: one message of S bytes between hosts
// in regions with round trip R over a link of bandwidth B takes R/2 + S/B. This catches
// SimGrid's default latency factor (x13.01), bandwidth factor (0.97) and TCP window cap.
//
// Only this test starts a SimGrid engine in the sim_test process (one engine per process);
// scenario-level tests run the cutover binary instead.
#include <gtest/gtest.h>
#include <simgrid/s4u.hpp>

#include "sim/platform/platform_builder.h"

namespace cutover::sim {
namespace {

namespace sg4 = simgrid::s4u;

struct Measured {
  double one_way_s = -1;
};

// Sends one message of `bytes` from `from` to `to` at t=start and records its arrival.
void measure(sg4::Host* from, sg4::Host* to, double bytes, double start, Measured& out,
             const std::string& name) {
  auto* mailbox = sg4::Mailbox::by_name(name);
  sg4::Actor::create(name + "/rx", to, [mailbox, &out, start] {
    mailbox->set_receiver(sg4::Actor::self());
    auto* payload = mailbox->get<int>();
    delete payload;
    out.one_way_s = sg4::Engine::get_clock() - start;
  });
  sg4::Actor::create(name + "/tx", from, [mailbox, bytes, start] {
    sg4::this_actor::sleep_until(start);
    mailbox->put(new int(0), bytes);
  });
}

TEST(NetworkModel, OneWayTimeIsHalfTheRoundTripPlusSizeOverBandwidth) {
  Topology topology;
  topology.regions = {Region{.name = "a", .nodes = 1, .intra_rtt_ms = 0.5},
                      Region{.name = "b", .nodes = 1, .intra_rtt_ms = 1.0}};
  constexpr double kRttMs = 80;
  constexpr double kBandwidthMbps = 100;  // 1.25e7 bytes/s, well below the NICs
  topology.links = {Link{.region_a = "a",
                         .region_b = "b",
                         .rtt_ms = kRttMs,
                         .bandwidth_mbps = kBandwidthMbps,
                         .rtt_source = "scenario"}};
  const NodeResources node{.nic_bandwidth_mbps = 10000};

  sg4::Engine engine("network_model_test");
  configure_engine();
  const Platform platform = build_platform(topology, node);
  Measured small, large, intra_small;
  constexpr double kLargeBytes = 1e7;
  measure(platform.node_hosts[0], platform.node_hosts[1], 64, 0.0, small, "small");
  measure(platform.node_hosts[0], platform.node_hosts[1], kLargeBytes, 5.0, large, "large");
  measure(platform.node_hosts[0], platform.client_hosts[0], 64, 10.0, intra_small, "intra");
  engine.run();

  const double bandwidth_bytes_per_s = kBandwidthMbps * 1e6 / 8;
  const double latency_s = kRttMs / 1000 / 2;
  const double nic_bytes_per_s = 10000 * 1e6 / 8;
  EXPECT_NEAR(small.one_way_s, latency_s + 64 / bandwidth_bytes_per_s, 0.01 * latency_s);
  EXPECT_NEAR(large.one_way_s, latency_s + kLargeBytes / bandwidth_bytes_per_s,
              0.01 * (latency_s + kLargeBytes / bandwidth_bytes_per_s));
  // Inside region a: half of its 0.5 ms round trip.
  EXPECT_NEAR(intra_small.one_way_s, 0.00025 + 64 / nic_bytes_per_s, 0.01 * 0.00025);
}

}  // namespace
}  // namespace cutover::sim
