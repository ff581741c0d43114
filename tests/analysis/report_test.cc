#include "analysis/report.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <locale>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "analysis/metric_paths.h"
#include "models/core/rng.h"

#include "facts_builder.h"

namespace cutover::analysis {
namespace {

using nlohmann::json;
using testing::at_ms;
using testing::FactsBuilder;
using testing::version;

// A small failover: us-east-1 primary, outage at 2 s, eu-west-1 takes over at 2.5 s and the
// last write acknowledged before the outage (at 1.9 s) is lost.
RunFacts failover_run() {
  FactsBuilder b;
  b.simulated_s(5);
  b.write(100, 110, OpOutcome::kOk, 1, version(1, 1));          // 10 ms
  b.write(200, 220, OpOutcome::kOk, 2, version(1, 2));          // 20 ms
  b.write(1870, 1900, OpOutcome::kOk, 3, version(1, 3));        // 30 ms, lost
  b.write(1950, 2950, OpOutcome::kTimedOut, 4, version(0, 0));  // in flight at the outage
  b.write(2100, 2105, OpOutcome::kFailed, 5, version(0, 0));    // no primary
  b.write(2900, 3000, OpOutcome::kOk, 6, version(2, 1), 1);     // 100 ms, from eu-west-1
  b.survive(1, version(1, 1)).survive(2, version(1, 2)).survive(6, version(2, 1));
  b.failover(2500, 0, 1, 2);
  b.fault("region_outage us-east-1", 2000, 4000, true);
  b.fault("link_latency us-east-1 eu-west-1", 500, 800, false);
  RunFacts& facts = b.facts();
  facts.final_state.survivor = NodeId(1);
  facts.lag.times = {at_ms(0), at_ms(1000), at_ms(2000), at_ms(3000)};
  facts.lag.primary = {NodeId(0), NodeId(0), std::nullopt, NodeId(1)};
  facts.lag.lag_ms = {{0.0, 0.0, 0.0, 1000.0}, {1.5, 2.25, 1000.0, 0.0}};
  return facts;
}

json run_section() { return {{"wall_clock_s", 0.25}, {"version", "test"}}; }

json report_for(const RunFacts& facts, const std::vector<SloSpec>& slos = {}) {
  return build_report(facts, slos, run_section());
}

TEST(Report, HasExactlyTheStableTopLevelKeys) {
  const json report = report_for(failover_run());
  std::vector<std::string> keys;
  for (const auto& [key, value] : report.items()) keys.push_back(key);
  const std::vector<std::string> expected = {"availability",
                                             "consistency",
                                             "cost",
                                             "cutover_unavailable_ms",
                                             "data_loss",
                                             "dns",
                                             "election_summary",
                                             "elections",
                                             "end_of_run",
                                             "failover_count",
                                             "failovers",
                                             "faults",
                                             "inter_region_bytes",
                                             "latency_ms",
                                             "migration",
                                             "ops",
                                             "recovery",
                                             "replication_lag_ms",
                                             "rto_ms",
                                             "run",
                                             "scenario",
                                             "seed",
                                             "simulated_s",
                                             "slo"};
  EXPECT_EQ(keys, expected);
}

// "a.b.c" -> "/a/b/c"
json::json_pointer pointer_for(const std::string& dotted_path) {
  std::string text = "/";
  for (const char c : dotted_path) text.push_back(c == '.' ? '/' : c);
  return json::json_pointer(text);
}

TEST(Report, EveryKnownMetricPathResolvesToANumberOrNull) {
  const RunFacts facts = failover_run();
  const json report = report_for(facts);
  for (const auto& path : known_metric_paths(facts.regions, facts.replicas)) {
    const json pointer_target = report.at(pointer_for(path));
    EXPECT_TRUE(pointer_target.is_number() || pointer_target.is_null()) << path;
  }
}

TEST(Report, EveryKnownMetricPathResolvesWithPhases) {
  RunFacts facts = failover_run();
  facts.phases = {{.name = "steady", .start = at_ms(0), .end = at_ms(2000)},
                  {.name = "cutover", .start = at_ms(2000), .end = at_ms(5000)}};
  const json report = report_for(facts);
  const auto paths = known_metric_paths(facts.regions, facts.replicas, {"steady", "cutover"});
  EXPECT_NE(std::find(paths.begin(), paths.end(), "consistency.stale_reads.by_phase.cutover.count"),
            paths.end());
  for (const auto& path : paths) {
    EXPECT_TRUE(lookup_metric(report, path).has_value() || report.at(pointer_for(path)).is_null())
        << path;
  }
}

// The failover run plus reads: a client in eu-west-1 reads key 3 right after the failover and
// gets the version before the lost write; the us-east-1 client's reads go back in time.
RunFacts failover_run_with_reads() {
  RunFacts facts = failover_run();
  FactsBuilder b;
  b.facts() = facts;
  const auto eu_read = b.read_of(2600, 2610, OpOutcome::kOk, 3, version(0, 0), 1);
  b.op(eu_read).client = models::ClientId(1);  // (1,3) was acked at 1.9 s, to client 0
  b.read_of(300, 310, OpOutcome::kOk, 2, version(1, 2));
  b.read_of(400, 410, OpOutcome::kOk, 2, version(0, 0));  // goes back: monotonic reads
  b.ack(110, 0, 1).ack(1900, 0, 1).ack(3000, 1, 2).ack(3100, 0, 1).ack(3200, 1, 2);
  b.replica_state(0, {{1, version(1, 1)}, {2, version(1, 2)}, {3, version(1, 3)}});
  b.replica_state(1, {{1, version(1, 1)}, {2, version(1, 2)}, {6, version(2, 1)}});
  return b.facts();
}

TEST(Report, ConsistencySectionOfACleanRun) {
  const json consistency = report_for(failover_run())["consistency"];
  EXPECT_EQ(consistency["stale_reads"]["count"], 0);
  EXPECT_EQ(consistency["stale_reads"]["max_staleness_ms"], 0.0);
  EXPECT_EQ(consistency["linearizable"], true);
  EXPECT_EQ(consistency["linearizable_ok"], 1);
  EXPECT_EQ(consistency["linearizability"]["verdict"], "linearizable");
  EXPECT_EQ(consistency["linearizability"]["checked_keys"], 4);  // 1, 2, 3, 6
  EXPECT_TRUE(consistency["linearizability"]["counterexample"].empty());
  EXPECT_EQ(consistency["read_your_writes_violations"], 0);
  EXPECT_EQ(consistency["monotonic_read_violations"], 0);
  EXPECT_EQ(consistency["split_brain"]["count"], 0);
  EXPECT_EQ(consistency["duplicate_applications"], 0);
  // No replica state recorded: reconciliation has nothing to say, rather than "no divergence".
  EXPECT_TRUE(consistency["reconciliation"]["diverging_keys"].is_null());
  EXPECT_EQ(consistency["reconciliation"]["replicas_compared"], 0);
}

TEST(Report, ConsistencySectionReportsEachCheckersFindings) {
  const json consistency = report_for(failover_run_with_reads())["consistency"];
  EXPECT_EQ(consistency["stale_reads"]["count"], 2);
  EXPECT_EQ(consistency["stale_reads"]["max_staleness_ms"], 700.0);  // 2.6 s - 1.9 s
  EXPECT_EQ(consistency["stale_reads"]["by_region"]["eu-west-1"]["count"], 1);
  EXPECT_EQ(consistency["linearizable"], false);
  EXPECT_EQ(consistency["linearizable_ok"], 0);
  const json& linearizability = consistency["linearizability"];
  EXPECT_EQ(linearizability["verdict"], "not_linearizable");
  EXPECT_EQ(linearizability["violating_keys"], 2);
  EXPECT_EQ(linearizability["counterexample_key"], 2);
  EXPECT_EQ(linearizability["counterexample"], json::parse(R"([
      {"operation":1,"kind":"write","key":2,"version":[1,2],"outcome":"ok","invoke_ms":200.0,
       "complete_ms":220.0,"client":0,"session":0,"node":null},
      {"operation":8,"kind":"read","key":2,"version":[0,0],"outcome":"ok","invoke_ms":400.0,
       "complete_ms":410.0,"client":0,"session":0,"node":null}])"));
  EXPECT_EQ(consistency["read_your_writes_violations"], 1);  // the session wrote key 2 itself
  EXPECT_EQ(consistency["monotonic_read_violations"], 1);
  EXPECT_EQ(consistency["session_examples"].size(), 2u);
  EXPECT_EQ(consistency["split_brain"]["count"], 1);
  EXPECT_EQ(consistency["split_brain"]["deposed_acks"], 1);
  EXPECT_EQ(consistency["split_brain"]["windows"], json::parse(R"([{"start_ms":3000.0,
      "end_ms":3100.0,"nodes":["us-east-1-0","eu-west-1-0"],"epochs":[1,2],
      "cross_region":true}])"));
  // Node 1 survives; node 0 holds key 3, node 1 holds key 6.
  EXPECT_EQ(consistency["reconciliation"]["replicas_compared"], 1);
  EXPECT_EQ(consistency["reconciliation"]["diverging_keys"], 2);
  EXPECT_EQ(consistency["reconciliation"]["replicas"]["us-east-1-0"]["diverging_keys"], 2);
}

TEST(Report, LinearizabilityIsUsableInAnSlo) {
  const json clean = report_for(failover_run(), {{"lin", "consistency.linearizable_ok", "==", 1}});
  EXPECT_TRUE(clean["slo"][0]["ok"]);
  const json dirty =
      report_for(failover_run_with_reads(), {{"lin", "consistency.linearizable_ok", "==", 1},
                                             {"stale", "consistency.stale_reads.count", "==", 0}});
  EXPECT_FALSE(dirty["slo"][0]["ok"]);
  EXPECT_FALSE(dirty["slo"][1]["ok"]);
  EXPECT_EQ(dirty["slo"][1]["value"], 2);
}

TEST(Report, RejectedWritesAreCountedApartAndNotAgainstAvailability) {
  RunFacts facts = failover_run();
  const TimePoint at = models::time_at_seconds(4.0);
  for (int i = 0; i < 3; ++i) {
    facts.operations.push_back(Operation{.kind = OpKind::kWrite,
                                         .invoked_at = at,
                                         .completed_at = at,
                                         .outcome = OpOutcome::kRejected});
  }
  const json report = report_for(facts);
  EXPECT_EQ(report["ops"]["write"]["rejected"], 3);
  EXPECT_EQ(report["ops"]["write"]["attempted"], 9);
  // 4 acknowledged of the 6 writes offered to the system; the 3 refused by policy do not count.
  EXPECT_DOUBLE_EQ(report["availability"]["write"].get<double>(), 0.666667);
}

// A planned cutover at 2.0 s: the step's window holds the writes completed in it, the lag
// sampled in it, the bytes sent while it ran, and the time to the first write acknowledged
// after it started.
TEST(Report, MigrationStepsCarryTheirPhaseMetricsAndTheCutoverWindow) {
  RunFacts facts = failover_run();
  facts.regions = {"us-east-1", "eu-west-1"};
  facts.traffic.resize(2);
  facts.traffic.replication[0][1] = 5000;
  facts.traffic.client[1][0] = 700;
  facts.traffic.client[0][0] = 999;  // inside a region: not between regions
  MigrationFacts& migration = facts.migration;
  migration.planned = true;
  migration.completed = true;
  StepRecord cutover{.name = "cut over",
                     .type = "transfer_leadership",
                     .start = at_ms(2000),
                     .end = at_ms(3500),
                     .moves_leadership = true};
  cutover.traffic.resize(2);
  cutover.traffic.replication[0][1] = 1200;
  migration.steps.push_back(cutover);
  const json report = report_for(facts);

  // Writes issued after 2.0 s: the first acknowledged is (2900 -> 3000 ms).
  EXPECT_EQ(report["cutover_unavailable_ms"], 1000.0);
  const json& step = report["migration"]["steps"][0];
  EXPECT_EQ(step["write_unavailable_ms"], 1000.0);
  const json& metrics = step["metrics"];
  // Completed in [2.0 s, 3.5 s): the failed write (2105), the timed-out one (2950), one ok
  // write of 100 ms (3000).
  EXPECT_EQ(metrics["write"]["ok"], 1);
  EXPECT_EQ(metrics["write"]["errors"], 2);
  EXPECT_EQ(metrics["write"]["p99_ms"], 100.0);
  EXPECT_EQ(metrics["max_lag_ms"], 1000.0);  // samples at 2.0 s and 3.0 s
  EXPECT_EQ(metrics["inter_region_bytes"]["replication"], 1200);
  EXPECT_EQ(metrics["inter_region_bytes"]["by_pair"]["us-east-1->eu-west-1"]["replication"], 1200);
  EXPECT_EQ(report["inter_region_bytes"]["total"], 5700);
  EXPECT_EQ(report["inter_region_bytes"]["client"], 700);
}

// The loss bound: a zero-loss configuration allows none, so the failover run's lost write
// exceeds it; an async one allows the writes acknowledged in the second before the outage
// (in [1.0 s, 2.0 s): one, at 1.9 s) times the promoted replica's lag then (1000 ms at the
// 2.0 s sample), with 50% slack, plus one.
TEST(Report, DataLossIsComparedWithTheBoundTheConfigurationAllows) {
  RunFacts facts = failover_run();
  facts.guarantee = LossGuarantee{.zero_loss = true, .failures_tolerated = 1};
  json loss = report_for(facts)["data_loss"];
  EXPECT_EQ(loss["acknowledged_writes_lost"], 1);
  EXPECT_EQ(loss["bound_writes"], 0.0);
  EXPECT_EQ(loss["exceeds_bound"], true);
  facts.guarantee = LossGuarantee{};
  loss = report_for(facts)["data_loss"];
  EXPECT_EQ(loss["zero_loss_promised"], false);
  EXPECT_DOUBLE_EQ(loss["bound_writes"].get<double>(), 1 * 1.0 * 1.5 + 1);
  EXPECT_EQ(loss["exceeds_bound"], false);
}

TEST(Report, RecordsRunIdentityAndCounts) {
  const json report = report_for(failover_run());
  EXPECT_EQ(report["scenario"], "hand-written");
  EXPECT_EQ(report["seed"], 7u);
  EXPECT_EQ(report["simulated_s"], 5.0);
  EXPECT_EQ(report["ops"]["write"],
            (json{{"attempted", 6}, {"ok", 4}, {"failed", 1}, {"timed_out", 1}, {"rejected", 0}}));
  EXPECT_EQ(report["ops"]["read"],
            (json{{"attempted", 0}, {"ok", 0}, {"failed", 0}, {"timed_out", 0}, {"rejected", 0}}));
  EXPECT_EQ(report["run"], run_section());
}

TEST(Report, LatencyCoversAcknowledgedOperationsOnly) {
  const json report = report_for(failover_run());
  const json& write = report["latency_ms"]["write"];
  EXPECT_EQ(write["max"], 100.0);
  EXPECT_EQ(write["mean"], 40.0);  // (10 + 20 + 30 + 100) / 4; the 1 s timeout is excluded
  EXPECT_NEAR(write["p50"].get<double>(), 20.0, 20.0 * 0.005);
  EXPECT_EQ(write["p99"], 100.0);  // rank 4 of 4: the exact max
  for (const char* stat : {"p50", "p90", "p99", "p999", "max", "mean"}) {
    EXPECT_TRUE(report["latency_ms"]["read"][stat].is_null()) << stat;
  }
}

TEST(Report, LatencyIsBrokenDownByClientRegion) {
  const json report = report_for(failover_run());
  const json& by_region = report["latency_ms"]["by_region"];
  EXPECT_EQ(by_region["us-east-1"]["write"]["max"], 30.0);
  EXPECT_EQ(by_region["us-east-1"]["write"]["mean"], 20.0);
  EXPECT_EQ(by_region["eu-west-1"]["write"]["max"], 100.0);
  EXPECT_TRUE(by_region["eu-west-1"]["read"]["p50"].is_null());
}

TEST(Report, SummarisesLagAvailabilityLossAndRecovery) {
  const json report = report_for(failover_run());
  EXPECT_EQ(report["replication_lag_ms"]["us-east-1-0"],
            (json{{"p50", 0.0}, {"p99", 1000.0}, {"max", 1000.0}}));
  EXPECT_EQ(report["replication_lag_ms"]["eu-west-1-0"]["p50"], 1.5);

  EXPECT_EQ(report["availability"]["write"], 0.666667);
  EXPECT_TRUE(report["availability"]["read"].is_null());

  EXPECT_EQ(report["data_loss"], (json{{"acknowledged_writes_lost", 1},
                                       {"rpo_ms", 600.0},
                                       {"zero_loss_promised", false},
                                       {"bound_writes", 2.5},
                                       {"exceeds_bound", false}}));

  EXPECT_EQ(report["failover_count"], 1);
  EXPECT_EQ(report["failovers"],
            json::parse(R"([{"time_s":2.5,"from":"us-east-1-0","to":"eu-west-1-0","epoch":2}])"));

  // Writes invoked from 2 s on: the failed one (2.1 s) does not count, the 2.9 s one acks at 3 s.
  EXPECT_EQ(report["rto_ms"], 1000.0);
  EXPECT_EQ(report["recovery"], json::parse(R"([{"fault":"region_outage us-east-1",
      "start_s":2.0,"end_s":4.0,"rto_ms":1000.0,"recovered":true}])"));
  EXPECT_EQ(report["faults"].size(), 2u);
  EXPECT_EQ(report["faults"][1], json::parse(R"({"description":"link_latency us-east-1 eu-west-1",
      "start_s":0.5,"end_s":0.8})"));
}

// The last sample of failover_run (3 s): eu-west-1-0 is primary and caught up, us-east-1-0 (its
// region down) trails by 1000 ms.
TEST(Report, EndOfRunNamesThePrimaryAndTheLagsOfTheLastSample) {
  const json end = report_for(failover_run())["end_of_run"];
  EXPECT_EQ(end, json::parse(R"({"time_s": 3.0, "primary": "eu-west-1-0", "has_primary": 1,
      "lag_ms": {"us-east-1-0": 1000.0, "eu-west-1-0": 0.0}, "lag_ms_max": 1000.0})"));
}

TEST(Report, EndOfRunWithoutAPrimaryHasNoLag) {
  RunFacts facts = failover_run();
  facts.lag.primary.back() = std::nullopt;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  facts.lag.lag_ms = {{0.0, 0.0, 0.0, nan}, {1.5, 2.25, 1000.0, nan}};
  const json end = report_for(facts)["end_of_run"];
  EXPECT_TRUE(end["primary"].is_null());
  EXPECT_EQ(end["has_primary"], 0);
  EXPECT_TRUE(end["lag_ms"]["us-east-1-0"].is_null());
  EXPECT_TRUE(end["lag_ms_max"].is_null());
  EXPECT_TRUE(report_for(FactsBuilder().facts())["end_of_run"]["time_s"].is_null());
}

TEST(Report, UnknownFailoverSourceAndOpenFaultAreNull) {
  FactsBuilder b;
  b.failover(1000, std::nullopt, 1, 4);
  b.fault("partition", 500, std::nullopt, true);
  const json report = report_for(b.facts());
  EXPECT_TRUE(report["failovers"][0]["from"].is_null());
  EXPECT_TRUE(report["faults"][0]["end_s"].is_null());
  EXPECT_TRUE(report["recovery"][0]["end_s"].is_null());
  EXPECT_TRUE(report["recovery"][0]["rto_ms"].is_null());
  EXPECT_EQ(report["recovery"][0]["recovered"], false);
  EXPECT_TRUE(report["rto_ms"].is_null());
}

TEST(Report, EmptyRunHasNullStatisticsAndEmptyLists) {
  FactsBuilder b;
  const json report = report_for(b.facts());
  EXPECT_TRUE(report["latency_ms"]["write"]["p50"].is_null());
  EXPECT_TRUE(report["availability"]["write"].is_null());
  EXPECT_TRUE(report["replication_lag_ms"]["us-east-1-0"]["max"].is_null());
  EXPECT_TRUE(report["failovers"].is_array());
  EXPECT_TRUE(report["failovers"].empty());
  EXPECT_TRUE(report["recovery"].is_array());
  EXPECT_TRUE(report["slo"].is_array());
  EXPECT_TRUE(report["rto_ms"].is_null());
  EXPECT_EQ(report["data_loss"]["rpo_ms"], 0.0);
}

TEST(Report, RoundsFloatsToTheMicrosecond) {
  FactsBuilder b;
  b.simulated_s(1.23456);
  b.write(0, 1, OpOutcome::kOk, 1, version(1, 1));
  b.write(0, 1, OpOutcome::kOk, 2, version(1, 2));
  b.write(0, 2, OpOutcome::kOk, 3, version(1, 3));
  b.write(0, 2, OpOutcome::kFailed, 3, version(0, 0));
  b.facts().lag.lag_ms = {{0.1234567}, {-0.0001}};
  const json report = report_for(b.facts());

  EXPECT_EQ(report["simulated_s"], 1.235);
  EXPECT_EQ(report["latency_ms"]["write"]["mean"], 1.333);
  EXPECT_EQ(report["replication_lag_ms"]["us-east-1-0"]["max"], 0.123);
  EXPECT_EQ(report["availability"]["write"], 0.75);
  const std::string text = report.dump();
  EXPECT_NE(text.find("\"mean\":1.333,"), std::string::npos);
  EXPECT_EQ(text.find("1.3333"), std::string::npos);
  EXPECT_EQ(text.find("-0.0"), std::string::npos);  // -0.0001 rounds to 0, not -0
}

TEST(Report, IsIdenticalForTheSameFacts) {
  const std::vector<SloSpec> slos = {{"p99", "latency_ms.write.p99", "<", 50}};
  EXPECT_EQ(report_for(failover_run(), slos).dump(), report_for(failover_run(), slos).dump());
}

TEST(Report, SummaryNamesTheFailingSlo) {
  const json report =
      report_for(failover_run(), {{"no loss", "data_loss.acknowledged_writes_lost", "==", 0},
                                  {"fast writes", "latency_ms.write.p50", "<", 50}});
  const std::string summary = render_summary(report);
  EXPECT_NE(summary.find("FAIL  no loss"), std::string::npos) << summary;
  EXPECT_NE(summary.find("PASS  fast writes"), std::string::npos) << summary;
  EXPECT_NE(summary.find("1 of 2 held"), std::string::npos) << summary;
  EXPECT_NE(summary.find("us-east-1-0 -> eu-west-1-0"), std::string::npos) << summary;
  EXPECT_NE(summary.find("RPO 600.000 ms"), std::string::npos) << summary;
  EXPECT_NE(summary.find("66.6667%"), std::string::npos) << summary;
  const auto lines = std::count(summary.begin(), summary.end(), '\n');
  EXPECT_GE(lines, 15);
  EXPECT_LE(lines, 25);
}

TEST(Report, SummaryExplainsMissingRecovery) {
  FactsBuilder b;
  b.fault("partition", 500, std::nullopt, true);
  const std::string summary = render_summary(report_for(b.facts()));
  EXPECT_NE(summary.find("not recovered"), std::string::npos) << summary;
  EXPECT_NE(summary.find("n/a"), std::string::npos) << summary;
}

TEST(Report, TimeseriesCsvHasAHeaderAndOneRowPerSample) {
  RunFacts facts = failover_run();
  facts.lag.lag_ms[1][1] = std::numeric_limits<double>::quiet_NaN();
  const std::string csv = render_timeseries_csv(facts);
  std::istringstream in(csv);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], "time_s,primary,lag_ms.us-east-1-0,lag_ms.eu-west-1-0");
  EXPECT_EQ(lines[1], "0.000,us-east-1-0,0.000,1.500");
  EXPECT_EQ(lines[2], "1.000,us-east-1-0,0.000,");  // unknown lag: empty cell
  EXPECT_EQ(lines[3], "2.000,,0.000,1000.000");     // no primary: empty cell
  EXPECT_EQ(lines[4], "3.000,eu-west-1-0,1000.000,0.000");
}

// Differential: each number is what a classic-locale stream writes with std::fixed and 3
// decimals after rounding to 3 places, over lags from 1e-6 to 1e9 ms, of either sign.
TEST(Report, TimeseriesCsvNumbersAreThoseOfAFixedPointStream) {
  RunFacts facts = failover_run();
  models::Rng rng(17);
  constexpr std::size_t kSamples = 5000;
  facts.lag.times.clear();
  facts.lag.primary.assign(kSamples, std::nullopt);
  for (std::size_t i = 0; i < kSamples; ++i) facts.lag.times.push_back(at_ms(100.0 * i));
  for (auto& series : facts.lag.lag_ms) {
    series.clear();
    for (std::size_t i = 0; i < kSamples; ++i) {
      const double sign = rng.bernoulli(0.5) ? 1.0 : -1.0;
      series.push_back(sign * std::pow(10.0, -6.0 + 15.0 * rng.uniform01()));
    }
  }
  const std::string csv = render_timeseries_csv(facts);
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);  // the header
  for (std::size_t i = 0; i < facts.lag.times.size(); ++i) {
    ASSERT_TRUE(std::getline(in, line));
    std::string want;
    for (const auto& series : facts.lag.lag_ms) {
      std::ostringstream cell;
      cell.imbue(std::locale::classic());
      const double rounded = std::round(series[i] * 1000.0) / 1000.0;
      cell << std::fixed << std::setprecision(3) << (rounded == 0.0 ? 0.0 : rounded);
      want += "," + cell.str();
    }
    EXPECT_EQ(line.substr(line.size() - want.size()), want) << line;
  }
}

TEST(Report, TimeseriesCsvOfARunWithoutSamplesIsJustTheHeader) {
  FactsBuilder b;
  EXPECT_EQ(render_timeseries_csv(b.facts()),
            "time_s,primary,lag_ms.us-east-1-0,lag_ms.eu-west-1-0\n");
}

// --- SLO evaluation ----------------------------------------------------------------------------

json slo_result(const std::string& metric, const std::string& op, double limit) {
  const json report = report_for(failover_run(), {{"slo", metric, op, limit}});
  return report["slo"][0];
}

TEST(Slo, EachComparisonIsEvaluatedAgainstTheReportedValue) {
  // latency_ms.write.max is 100.000.
  const std::string metric = "latency_ms.write.max";
  EXPECT_TRUE(slo_result(metric, "<", 100.001)["ok"]);
  EXPECT_FALSE(slo_result(metric, "<", 100)["ok"]);
  EXPECT_TRUE(slo_result(metric, "<=", 100)["ok"]);
  EXPECT_FALSE(slo_result(metric, "<=", 99.999)["ok"]);
  EXPECT_TRUE(slo_result(metric, ">", 99.999)["ok"]);
  EXPECT_FALSE(slo_result(metric, ">", 100)["ok"]);
  EXPECT_TRUE(slo_result(metric, ">=", 100)["ok"]);
  EXPECT_FALSE(slo_result(metric, ">=", 100.001)["ok"]);
  EXPECT_TRUE(slo_result(metric, "==", 100)["ok"]);
  EXPECT_FALSE(slo_result(metric, "==", 100.001)["ok"]);
}

TEST(Slo, ResultEchoesTheSpecAndValue) {
  const json result = slo_result("data_loss.acknowledged_writes_lost", "==", 0);
  EXPECT_EQ(result, json::parse(R"({"name":"slo","metric":"data_loss.acknowledged_writes_lost",
      "op":"==","value":1,"limit":0.0,"ok":false})"));
}

TEST(Slo, ComparesAgainstTheRoundedValueAndTheExactLimit) {
  // availability.write is 4/6 = 0.666667 as reported; the limit is not rounded.
  EXPECT_TRUE(slo_result("availability.write", ">=", 0.666667)["ok"]);
  EXPECT_FALSE(slo_result("availability.write", ">=", 0.6666671)["ok"]);
  EXPECT_EQ(slo_result("availability.write", ">=", 0.6666671)["limit"], 0.6666671);
}

TEST(Slo, NullMetricFails) {
  for (const char* op : {"<", "<=", ">", ">=", "=="}) {
    const json result = slo_result("latency_ms.read.p99", op, 1e9);  // no reads
    EXPECT_TRUE(result["value"].is_null()) << op;
    EXPECT_FALSE(result["ok"]) << op;
  }
}

TEST(Slo, UnknownMetricFails) {
  const json result = slo_result("latency_ms.write.p75", "<", 1e9);
  EXPECT_TRUE(result["value"].is_null());
  EXPECT_FALSE(result["ok"]);
  EXPECT_FALSE(slo_result("latency_ms.write", "<", 1e9)["ok"]);  // an object, not a number
  EXPECT_FALSE(slo_result("run.wall_clock_s", "<", 1e9)["ok"]);  // not a measured value
}

TEST(Slo, UnknownComparisonIsRejected) {
  EXPECT_THROW(report_for(failover_run(), {{"bad", "rto_ms", "!=", 1}}), std::invalid_argument);
  EXPECT_THROW(report_for(failover_run(), {{"bad", "no.such.metric", "=>", 1}}),
               std::invalid_argument);
}

TEST(Slo, ResolvesRegionAndReplicaNamesWithDashes) {
  EXPECT_EQ(slo_result("latency_ms.by_region.eu-west-1.write.max", "==", 100)["value"], 100.0);
  EXPECT_EQ(slo_result("replication_lag_ms.eu-west-1-0.max", "==", 1000)["ok"], true);
  EXPECT_EQ(lookup_metric(report_for(failover_run()), "rto_ms"), 1000.0);
  EXPECT_FALSE(lookup_metric(report_for(failover_run()), "").has_value());
}

TEST(Slo, AllHeldOnlyWhenEverySloHeld) {
  const RunFacts facts = failover_run();
  EXPECT_TRUE(all_slos_held(report_for(facts)));  // no SLOs: nothing failed
  EXPECT_TRUE(all_slos_held(report_for(facts, {{"a", "rto_ms", "<", 2000}})));
  EXPECT_FALSE(all_slos_held(
      report_for(facts, {{"a", "rto_ms", "<", 2000}, {"b", "failover_count", "==", 0}})));
}

}  // namespace
}  // namespace cutover::analysis
