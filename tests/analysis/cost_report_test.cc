// The report's cost section on a hand-built run whose dollars are worked out by hand: egress
// per pair and per migration step, instance and storage cost over the run, dual running during
// an evacuation, and null (never 0) for every figure whose price is missing.
#include "analysis/cost_report.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "analysis/report.h"

#include "facts_builder.h"

namespace cutover::analysis {
namespace {

using nlohmann::json;
using testing::at_ms;

constexpr double kUsdTolerance = 1e-9;

// Two regions, replicas 0 (us-east-1) and 1 (eu-west-1) from the start, a spare 2 in eu-west-1;
// one hour of simulated time.
RunFacts priced_run() {
  testing::FactsBuilder builder;
  RunFacts facts = builder.facts();
  facts.simulated_s = 3600;
  facts.replicas = {"us-east-1-0", "eu-west-1-0", "eu-west-1-1"};
  facts.replica_regions = {0, 1, 1};
  facts.traffic.resize(2);
  facts.traffic.replication[0][1] = 3'000'000'000;  // 3 GB at $0.02 = $0.06
  facts.traffic.replication[1][0] = 100'000'000;    // 0.1 GB at $0.05 = $0.005
  facts.traffic.client[0][1] = 1'000'000'000;       // 1 GB at $0.02 = $0.02
  facts.traffic.client[1][1] = 7'000'000'000;       // inside eu-west-1: free
  facts.cost.prices.egress_usd_per_gb = {{std::nullopt, 0.02}, {0.05, std::nullopt}};
  facts.cost.egress_sources = {{"", "scenario"}, {"built-in: test", ""}};
  facts.cost.prices.instance_usd_per_hour = 0.5;
  facts.cost.prices.storage_usd_per_gb_month = 0.1;
  facts.cost.billed_at_start = {true, true, false};
  facts.cost.state_bytes_per_replica = 730e9;  // 730 GB: one hour of it is exactly 1 GB-month
  return facts;
}

TEST(CostReport, EgressIsPricedPerOrderedPairAndClass) {
  const json cost = cost_section(priced_run());
  const json& pair = cost["egress"]["by_pair"]["us-east-1->eu-west-1"];
  EXPECT_EQ(pair["usd_per_gb"], 0.02);
  EXPECT_EQ(pair["price_source"], "scenario");
  EXPECT_EQ(pair["replication"]["bytes"], 3'000'000'000u);
  EXPECT_NEAR(pair["replication"]["usd"].get<double>(), 0.06, kUsdTolerance);
  EXPECT_NEAR(pair["client"]["usd"].get<double>(), 0.02, kUsdTolerance);
  EXPECT_EQ(cost["egress"]["by_pair"]["eu-west-1->us-east-1"]["price_source"], "built-in: test");
  EXPECT_FALSE(cost["egress"]["by_pair"].contains("eu-west-1->eu-west-1"));
  EXPECT_NEAR(cost["egress"]["replication"]["usd"].get<double>(), 0.065, kUsdTolerance);
  EXPECT_NEAR(cost["egress"]["client"]["usd"].get<double>(), 0.02, kUsdTolerance);
  EXPECT_EQ(cost["egress"]["total"]["bytes"], 4'100'000'000u);
  EXPECT_NEAR(cost["egress"]["total"]["usd"].get<double>(), 0.085, kUsdTolerance);
}

TEST(CostReport, InstancesAndStorageCoverTheBilledReplicasForTheRun) {
  const json cost = cost_section(priced_run());
  // Two billed replicas for one hour at $0.50.
  EXPECT_NEAR(cost["instances"]["node_hours"].get<double>(), 2.0, 1e-9);
  EXPECT_NEAR(cost["instances"]["usd"].get<double>(), 1.0, kUsdTolerance);
  // 730 GB each, for 1 of 730 hours: 1 GB-month per replica, 2 in all, at $0.10.
  EXPECT_EQ(cost["storage"]["state_source"], "scenario");
  EXPECT_NEAR(cost["storage"]["gb_months"].get<double>(), 2.0, 1e-9);
  EXPECT_NEAR(cost["storage"]["usd"].get<double>(), 0.2, kUsdTolerance);
  EXPECT_NEAR(cost["total_usd"].get<double>(), 0.085 + 1.0 + 0.2, kUsdTolerance);
  EXPECT_TRUE(cost["migration"].is_null());
}

TEST(CostReport, StateSizeIsEstimatedFromTheLargestFinalState) {
  RunFacts facts = priced_run();
  facts.cost.state_bytes_per_replica.reset();
  // Replica 0 holds two keys, replica 1 one: 2 x (100 value + 24 key and version) bytes.
  facts.replica_states = {
      ReplicaState{.node = NodeId(0),
                   .cells = {{.key = 1, .value_bytes = 100}, {.key = 2, .value_bytes = 100}}},
      ReplicaState{.node = NodeId(1), .cells = {{.key = 1, .value_bytes = 100}}}};
  const json cost = cost_section(facts);
  EXPECT_EQ(cost["storage"]["state_source"], "final_state");
  EXPECT_EQ(cost["storage"]["state_bytes_per_replica"], 248);
}

TEST(CostReport, AMissingPriceIsNullNotZero) {
  RunFacts facts = priced_run();
  facts.cost.prices.instance_usd_per_hour.reset();
  facts.cost.prices.egress_usd_per_gb[1][0].reset();
  const json cost = cost_section(facts);
  EXPECT_TRUE(cost["instances"]["usd"].is_null());
  EXPECT_NEAR(cost["instances"]["node_hours"].get<double>(), 2.0, 1e-9);  // still measured
  EXPECT_TRUE(cost["egress"]["replication"]["usd"].is_null());
  EXPECT_EQ(cost["egress"]["replication"]["unpriced_bytes"], 100'000'000u);
  EXPECT_TRUE(cost["egress"]["by_pair"]["eu-west-1->us-east-1"]["usd_per_gb"].is_null());
  EXPECT_TRUE(cost["total_usd"].is_null());
}

TEST(CostReport, EachMigrationStepCarriesItsOwnEgressAndDualRunningIsCharged) {
  RunFacts facts = priced_run();
  MigrationFacts& migration = facts.migration;
  migration.planned = true;
  StepRecord add{.name = "add", .start = at_ms(600'000), .end = at_ms(1'200'000)};
  add.traffic.resize(2);
  add.traffic.replication[0][1] = 500'000'000;  // $0.01
  StepRecord remove{.name = "remove", .start = at_ms(1'200'000), .end = at_ms(1'800'000)};
  remove.traffic.resize(2);
  remove.traffic.client[1][0] = 200'000'000;  // $0.01
  migration.steps = {add, remove};
  // The spare joins when "add" starts (10 min); replica 0 leaves at 30 min: 3 nodes for 20
  // minutes over a baseline of 2 is 1/3 node-hour of dual running, $0.50 / 3.
  migration.membership = {{.at = at_ms(600'000), .node = NodeId(2), .joined = true},
                          {.at = at_ms(1'800'000), .node = NodeId(0), .joined = false}};

  const json cost = cost_section(facts);
  const json& plan = cost["migration"];
  ASSERT_TRUE(plan.is_object());
  EXPECT_NEAR(plan["steps"][0]["egress"]["replication"]["usd"].get<double>(), 0.01, kUsdTolerance);
  EXPECT_NEAR(plan["steps"][1]["egress"]["client"]["usd"].get<double>(), 0.01, kUsdTolerance);
  EXPECT_NEAR(plan["egress"]["total"]["usd"].get<double>(), 0.02, kUsdTolerance);
  EXPECT_EQ(plan["dual_running"]["baseline_nodes"], 2);
  EXPECT_EQ(plan["dual_running"]["peak_nodes"], 3);
  EXPECT_NEAR(plan["dual_running"]["node_hours"].get<double>(), 1.0 / 3, 1e-9);
  EXPECT_NEAR(plan["dual_running"]["usd"].get<double>(), 0.5 / 3, kUsdTolerance);
  // Billed: replica 0 for 30 min, replica 1 for 60, the spare for 50: 140 min at $0.50/h.
  EXPECT_NEAR(cost["instances"]["usd"].get<double>(), 140.0 / 60 * 0.5, kUsdTolerance);
}

TEST(CostReport, IsPartOfTheReportAndTheSummary) {
  const json report = build_report(priced_run(), {}, json::object());
  EXPECT_NEAR(lookup_metric(report, "cost.total_usd").value_or(-1), 1.285, kUsdTolerance);
  const std::string summary = render_summary(report);
  EXPECT_NE(summary.find("cost: egress $0.085000 (4100000000 bytes between regions)"),
            std::string::npos)
      << summary;
}

}  // namespace
}  // namespace cutover::analysis
