// The direct-delivery rule (sim/transport/link_occupancy.h), without SimGrid: which messages
// may skip the flow model, when their bytes are in, and that a link is never charged for a
// message that must be a flow.
#include "sim/transport/link_occupancy.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace cutover::sim {
namespace {

constexpr double kNic = 1.25e9;  // 10 Gbit/s in bytes/s
constexpr double kWan = 1.25e7;  // 100 Mbit/s
constexpr double kTolerance = 20e-6;

struct Case {
  std::string name;
  LinkLoad wan;  // the middle link of a NIC -> WAN -> NIC route, before the send
  double bytes;
  double now_s;
  std::optional<double> expected_in_s;  // nullopt: must be a flow
};

TEST(LinkOccupancy, DirectOnlyWhenContentionCannotMoveTheArrivalBeyondTheTolerance) {
  const std::vector<Case> cases = {
      {"idle: size over the bottleneck", {kWan, 0, 0}, 200, 1.0, 1.0 + 200 / kWan},
      {"queued behind an earlier direct message, still within the tolerance",
       {kWan, 1.0 + 4e-6, 0},
       200,
       1.0,
       1.0 + 4e-6 + 200 / kWan},
      {"earlier message already through", {kWan, 0.5, 0}, 200, 1.0, 1.0 + 200 / kWan},
      {"one packet takes longer than the tolerance: still direct, nothing to share with",
       {kWan, 0, 0},
       1000,
       1.0,
       1.0 + 1000 / kWan},
      {"one packet behind a long queue: its turn comes when the queue is through",
       {kWan, 1.0 + 500e-6, 0},
       1500,
       1.0,
       1.0 + 500e-6 + 1500 / kWan},
      {"more than a packet, and its bytes exceed the tolerance",
       {kWan, 0, 0},
       1501,
       1.0,
       std::nullopt},
      {"more than a packet, within the tolerance alone but not behind the queue",
       {kNic, 1.0 + 19e-6, 0},
       3000,
       1.0,
       std::nullopt},
      {"a SimGrid flow crosses the link", {kWan, 0, 1}, 1, 1.0, std::nullopt},
  };
  for (const Case& c : cases) {
    LinkLoad up{kNic, 0, 0};
    LinkLoad wan = c.wan;
    LinkLoad down{kNic, 0, 0};
    const std::vector<LinkLoad*> route = {&up, &wan, &down};
    const std::optional<double> in_s = try_direct(route, c.bytes, c.now_s, kTolerance);
    ASSERT_EQ(in_s.has_value(), c.expected_in_s.has_value()) << c.name;
    if (!in_s) {
      // Nothing charged: the flow will account for its own bytes.
      EXPECT_EQ(wan.busy_until_s, c.wan.busy_until_s) << c.name;
      EXPECT_EQ(up.busy_until_s, 0) << c.name;
      continue;
    }
    EXPECT_NEAR(*in_s, *c.expected_in_s, 1e-12) << c.name;
    EXPECT_NEAR(wan.busy_until_s, *c.expected_in_s, 1e-12) << c.name;
  }
}

TEST(LinkOccupancy, ZeroToleranceMakesEveryMessageAFlow) {
  LinkLoad wan{kWan, 0, 0};
  EXPECT_FALSE(try_direct({&wan}, 1, 0.0, 0.0).has_value());
}

// Back-to-back direct messages are served in order at full bandwidth: the k-th of n messages
// of s bytes sent at once is through after k * s / bandwidth, never sooner (the link carries
// at most its bandwidth). One-packet messages all go direct, in order, however long the
// queue; larger ones only while the queue and they fit in the tolerance.
TEST(LinkOccupancy, ALinkNeverCarriesMoreThanItsBandwidth) {
  struct Burst {
    double bytes;
    double bandwidth;
    int sent;
    int expected_direct;
  };
  const std::vector<Burst> bursts = {
      {1000, kWan, 50, 50},  // one packet each, 80 us each: a 4 ms queue, all direct
      {1600, 5e8, 50, 6},    // 3.2 us each: six fit in the tolerance (19.2 us), not seven
  };
  for (const Burst& burst : bursts) {
    LinkLoad link{burst.bandwidth, 0, 0};
    int direct = 0;
    for (int k = 1; k <= burst.sent; ++k) {
      const std::optional<double> in_s = try_direct({&link}, burst.bytes, 2.0, kTolerance);
      if (!in_s) continue;
      ++direct;
      EXPECT_NEAR(*in_s, 2.0 + k * burst.bytes / burst.bandwidth, 1e-12) << burst.bytes;
    }
    EXPECT_EQ(direct, burst.expected_direct) << burst.bytes;
  }
}

// A flow waits for the direct bytes queued on its route, as its first packet would.
TEST(LinkOccupancy, AFlowStartsWhenTheBytesQueuedOnItsRouteAreThrough) {
  LinkLoad up{kNic, 3.000002, 0};
  LinkLoad wan{kWan, 3.0004, 0};
  LinkLoad down{kNic, 2.5, 0};
  EXPECT_DOUBLE_EQ(flow_start_s({&up, &wan, &down}, 3.0), 3.0004);
  EXPECT_DOUBLE_EQ(flow_start_s({&down}, 3.0), 3.0) << "nothing queued: at once";
}

}  // namespace
}  // namespace cutover::sim
