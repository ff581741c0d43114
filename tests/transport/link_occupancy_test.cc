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
      {"its own bytes exceed the tolerance", {kWan, 0, 0}, 1000, 1.0, std::nullopt},
      {"queue plus its bytes exceed the tolerance", {kWan, 1.0 + 5e-6, 0}, 200, 1.0, std::nullopt},
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

// Back-to-back direct messages are served in order at full bandwidth: n messages of s bytes
// sent at once are through after n * s / bandwidth, never sooner (the link carries at most its
// bandwidth), which is also when fair sharing would have finished them all.
TEST(LinkOccupancy, ALinkNeverCarriesMoreThanItsBandwidth) {
  LinkLoad wan{kWan, 0, 0};
  const double bytes = 40;  // 3.2 us each: six fit in the tolerance (19.2 us), not seven
  double last_in_s = 0;
  int direct = 0;
  while (const std::optional<double> in_s = try_direct({&wan}, bytes, 2.0, kTolerance)) {
    last_in_s = *in_s;
    ++direct;
  }
  EXPECT_EQ(direct, 6);
  EXPECT_NEAR(last_in_s, 2.0 + direct * bytes / kWan, 1e-12);
}

}  // namespace
}  // namespace cutover::sim
