// The cost model's arithmetic on hand-worked examples: egress per ordered region pair and class,
// unknown prices that make a total unknown (never 0), who is billed when, and the dual-running
// definition (nodes beyond max(before, after) while a migration window is open).
#include "models/cost/cost_model.h"

#include <optional>
#include <vector>

#include <gtest/gtest.h>

namespace cutover::models::cost {
namespace {

constexpr double kUsdTolerance = 1e-12;

ByteMatrix zeros(std::size_t regions) {
  return ByteMatrix(regions, std::vector<std::uint64_t>(regions, 0));
}

PriceMatrix prices(std::size_t regions, std::optional<double> all = std::nullopt) {
  return PriceMatrix(regions, std::vector<std::optional<double>>(regions, all));
}

// --- egress ---------------------------------------------------------------------------------

TEST(CostModelEgress, DollarsAreGigabytesOfTenToTheNineBytesTimesPrice) {
  EXPECT_NEAR(egress_usd(2'500'000'000, 0.02), 0.05, kUsdTolerance);
  EXPECT_NEAR(egress_usd(1'000'000'000, 0.09), 0.09, kUsdTolerance);  // not 2^30 bytes
  EXPECT_EQ(egress_usd(0, 0.09), 0.0);
}

TEST(CostModelEgress, EachOrderedPairIsBilledToItsSenderAtItsOwnPrice) {
  ByteMatrix replication = zeros(3);
  ByteMatrix client = zeros(3);
  replication[0][1] = 2'000'000'000;  // 2 GB at $0.02 = $0.04
  replication[0][2] = 1'000'000'000;  // 1 GB at $0.09 = $0.09
  client[1][0] = 500'000'000;         // 0.5 GB at $0.01 = $0.005
  PriceMatrix price = prices(3);
  price[0][1] = 0.02;
  price[0][2] = 0.09;
  price[1][0] = 0.01;

  const TrafficCharge charge = charge_traffic(replication, client, price);

  ASSERT_EQ(charge.pairs.size(), 3u);  // (0,1), (0,2), (1,0): pairs with bytes, in order
  EXPECT_EQ(charge.pairs[0].from, 0u);
  EXPECT_EQ(charge.pairs[0].to, 1u);
  EXPECT_NEAR(*charge.pairs[0].replication.usd, 0.04, kUsdTolerance);
  EXPECT_EQ(charge.pairs[1].to, 2u);
  EXPECT_NEAR(*charge.pairs[1].total.usd, 0.09, kUsdTolerance);
  EXPECT_EQ(charge.pairs[2].from, 1u);
  EXPECT_EQ(charge.pairs[2].client.bytes, 500'000'000u);
  EXPECT_NEAR(*charge.pairs[2].client.usd, 0.005, kUsdTolerance);

  EXPECT_EQ(charge.replication.bytes, 3'000'000'000u);
  EXPECT_NEAR(*charge.replication.usd, 0.13, kUsdTolerance);
  EXPECT_NEAR(*charge.client.usd, 0.005, kUsdTolerance);
  EXPECT_EQ(charge.total.bytes, 3'500'000'000u);
  EXPECT_NEAR(*charge.total.usd, 0.135, kUsdTolerance);
}

TEST(CostModelEgress, TrafficInsideARegionIsFreeAndNotListed) {
  ByteMatrix replication = zeros(2);
  replication[0][0] = 1'000'000'000;
  const TrafficCharge charge = charge_traffic(replication, zeros(2), prices(2, 0.02));
  EXPECT_TRUE(charge.pairs.empty());
  EXPECT_EQ(charge.total.bytes, 0u);
  EXPECT_EQ(charge.total.usd, 0.0);
}

TEST(CostModelEgress, BytesOverAnUnpricedPairMakeTheirTotalsUnknown) {
  ByteMatrix replication = zeros(2);
  ByteMatrix client = zeros(2);
  replication[1][0] = 1000;  // no price for 1 -> 0
  client[0][1] = 1'000'000'000;
  PriceMatrix price = prices(2);
  price[0][1] = 0.02;

  const TrafficCharge charge = charge_traffic(replication, client, price);

  EXPECT_EQ(charge.replication.unpriced_bytes, 1000u);
  EXPECT_FALSE(charge.replication.usd.has_value());
  EXPECT_FALSE(charge.total.usd.has_value());
  EXPECT_EQ(charge.total.unpriced_bytes, 1000u);
  ASSERT_TRUE(charge.client.usd.has_value());  // the other class is fully priced
  EXPECT_NEAR(*charge.client.usd, 0.02, kUsdTolerance);
}

TEST(CostModelEgress, AnUnknownPriceWithNothingSentLeavesTotalsKnown) {
  ByteMatrix client = zeros(2);
  client[0][1] = 1'000'000'000;
  PriceMatrix price = prices(2);
  price[0][1] = 0.05;  // 1 -> 0 stays unknown, and carries nothing
  const TrafficCharge charge = charge_traffic(zeros(2), client, price);
  ASSERT_TRUE(charge.total.usd.has_value());
  EXPECT_NEAR(*charge.total.usd, 0.05, kUsdTolerance);
}

// --- instances, storage, dual running --------------------------------------------------------

// An evacuation: nodes 0-2 run from the start; spares 3-5 join at 10 s; 0, 1, 2 leave at 20,
// 25 and 30 s; the run ends at 40 s.
NodeTimeline evacuation() {
  return NodeTimeline({true, true, true, false, false, false}, {{10, 3, true},
                                                                {10, 4, true},
                                                                {10, 5, true},
                                                                {20, 0, false},
                                                                {25, 1, false},
                                                                {30, 2, false}});
}

TEST(CostModelInstances, NodesAreBilledFromStartOrJoinUntilLeaveOrEnd) {
  const NodeTimeline timeline = evacuation();
  EXPECT_DOUBLE_EQ(timeline.billed_seconds(0, 0, 40), 20);
  EXPECT_DOUBLE_EQ(timeline.billed_seconds(2, 0, 40), 30);
  EXPECT_DOUBLE_EQ(timeline.billed_seconds(3, 0, 40), 30);
  // 20 + 25 + 30 for the old placement, 3 x 30 for the new one.
  EXPECT_DOUBLE_EQ(timeline.node_seconds(0, 40), 165);
  EXPECT_DOUBLE_EQ(timeline.node_seconds(15, 22), 6 * 5 + 5 * 2);
}

TEST(CostModelInstances, CountsBeforeAndAtAChange) {
  const NodeTimeline timeline = evacuation();
  EXPECT_EQ(timeline.billed_at(0), 3u);
  EXPECT_EQ(timeline.billed_before(10), 3u);
  EXPECT_EQ(timeline.billed_at(10), 6u);
  EXPECT_EQ(timeline.billed_at(25), 4u);
  EXPECT_EQ(timeline.billed_before(25), 5u);
  EXPECT_EQ(timeline.max_billed(0, 40), 6u);
}

TEST(CostModelInstances, RepeatedJoinsOfOneNodeAreBilledOnce) {
  const NodeTimeline timeline({false}, {{5, 0, true}, {6, 0, true}, {8, 0, false}});
  EXPECT_DOUBLE_EQ(timeline.billed_seconds(0, 0, 10), 3);
}

TEST(CostModelInstances, DollarsAreNodeHoursTimesPrice) {
  EXPECT_NEAR(instance_usd(7200, 0.5), 1.0, kUsdTolerance);  // 2 node-hours at $0.50
}

TEST(CostModelStorage, AGigabyteKeptA730HourMonthIsOneGbMonth) {
  EXPECT_DOUBLE_EQ(gb_months(1e9, 730 * 3600.0), 1.0);
  EXPECT_DOUBLE_EQ(gb_months(5e11, 73 * 3600.0), 50.0);  // 500 GB for a tenth of a month
}

TEST(CostModelDualRunning, EvacuationPaysForNodesAboveTheLargerPlacement) {
  // Window [10, 30): 6 nodes for 10 s, 5 for 5 s, 4 for 5 s over a baseline of 3:
  // 3 x 10 + 2 x 5 + 1 x 5 = 45 node-seconds.
  const DualRunning dual = dual_running(evacuation(), 10, 30);
  EXPECT_EQ(dual.baseline_nodes, 3u);
  EXPECT_EQ(dual.peak_nodes, 6u);
  EXPECT_DOUBLE_EQ(dual.extra_node_seconds, 45);
}

TEST(CostModelDualRunning, GrowingTheClusterIsNotDualRunning) {
  // 3 nodes grow to 5 at 10 s and stay: the 2 new ones are the new placement, not extra.
  const NodeTimeline timeline({true, true, true, false, false}, {{10, 3, true}, {10, 4, true}});
  const DualRunning dual = dual_running(timeline, 10, 20);
  EXPECT_EQ(dual.baseline_nodes, 5u);
  EXPECT_DOUBLE_EQ(dual.extra_node_seconds, 0);
}

}  // namespace
}  // namespace cutover::models::cost
