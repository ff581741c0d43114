// The simulated network honours the scenario exactly: one message of S bytes between hosts
// in regions with round trip R over a link of bandwidth B takes R/2 + S/B. SimGrid carries
// the S/B part (and the sharing of B between transfers); the platform's latency matrix gives
// the R/2 part, which the transport adds (platform_builder.h says why). This catches SimGrid's
// default latency factor (x13.01), bandwidth factor (0.97) and TCP window cap, and any latency
// left on a link (it would be counted twice).
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

TEST(NetworkModel, TransfersTakeSizeOverBandwidthShareAndLatencyIsHalfTheRoundTrip) {
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
  Measured small, large, intra_small, shared_first, shared_second;
  constexpr double kLargeBytes = 1e7;
  measure(platform.node_hosts[0], platform.node_hosts[1], 64, 0.0, small, "small");
  measure(platform.node_hosts[0], platform.node_hosts[1], kLargeBytes, 5.0, large, "large");
  measure(platform.node_hosts[0], platform.client_hosts[0], 64, 10.0, intra_small, "intra");
  // Two transfers crossing the a<->b link at once share its bandwidth.
  measure(platform.node_hosts[0], platform.node_hosts[1], kLargeBytes, 20.0, shared_first, "s1");
  measure(platform.client_hosts[0], platform.client_hosts[1], kLargeBytes, 20.0, shared_second,
          "s2");
  engine.run();

  const double bandwidth_bytes_per_s = kBandwidthMbps * 1e6 / 8;
  const double nic_bytes_per_s = 10000 * 1e6 / 8;
  EXPECT_NEAR(small.one_way_s, 64 / bandwidth_bytes_per_s, 1e-9);
  const double large_s = kLargeBytes / bandwidth_bytes_per_s;  // 0.8 s
  EXPECT_NEAR(large.one_way_s, large_s, 0.001 * large_s);
  EXPECT_NEAR(intra_small.one_way_s, 64 / nic_bytes_per_s, 1e-9);
  EXPECT_NEAR(shared_first.one_way_s, 2 * large_s, 0.001 * large_s);
  EXPECT_NEAR(shared_second.one_way_s, 2 * large_s, 0.001 * large_s);

  // Propagation: half the round trip across regions, half the intra-region round trip inside.
  EXPECT_DOUBLE_EQ(platform.one_way_latency_s[0][1], kRttMs / 1000 / 2);
  EXPECT_DOUBLE_EQ(platform.one_way_latency_s[1][0], kRttMs / 1000 / 2);
  EXPECT_DOUBLE_EQ(platform.one_way_latency_s[0][0], 0.00025);
  EXPECT_DOUBLE_EQ(platform.one_way_latency_s[1][1], 0.0005);
}

}  // namespace
}  // namespace cutover::sim
