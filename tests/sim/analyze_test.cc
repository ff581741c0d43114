// `cutover analyze` as a user runs it: the table and analysis.json for a shipped scenario, with
// figures worked out by hand from the built-in RTT table, and the model checked against the
// simulator: the commit latency analyze predicts for a leader, plus the client's round trip to
// it, is the write latency a run measures.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace cutover::sim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::CommandResult;
using test_support::run_cutover;
using test_support::TempDir;

// Built-in RTTs (Skyplane, April 2022) between the regions these scenarios use, in ms.
constexpr double kEastWest = 68.38;  // us-east-1 <-> us-west-2
constexpr double kEastEu = 84.94;    // us-east-1 <-> eu-west-1
constexpr double kWestEu = 122.29;   // us-west-2 <-> eu-west-1
constexpr double kFsyncMs = 1;       // node.fsync_ms of both scenarios

fs::path shipped(const std::string& relative) {
  return test_support::source_dir() / "scenarios" / relative;
}

json analyze_to_json(const fs::path& scenario, const TempDir& dir,
                     CommandResult* printed = nullptr) {
  const fs::path out = dir / "analysis";
  const CommandResult result = run_cutover({"analyze", scenario.string(), "--out", out.string()});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  if (printed != nullptr) *printed = result;
  return json::parse(test_support::read_text(out / "analysis.json"));
}

const json& site(const json& analysis, const std::string& name) {
  for (const json& entry : analysis["sites"]) {
    if (entry["site"] == name) return entry;
  }
  ADD_FAILURE() << "no site " << name;
  return analysis["sites"][0];
}

const json& failure(const json& analysis, const std::string& name) {
  for (const json& entry : analysis["failures"]) {
    if (entry["name"] == name) return entry;
  }
  ADD_FAILURE() << "no failure " << name;
  return analysis["failures"][0];
}

// 5 voters: eu-west-1 (1), us-east-1 (2), us-west-2 (2); majority 3, so a leader waits for the
// 2nd nearest other voter.
TEST(AnalyzeCommand, LeaderRegionLossScenarioIsAnalysedAsWorkedByHand) {
  const TempDir dir;
  CommandResult printed;
  const json analysis = analyze_to_json(shipped("raft/leader-region-loss.json"), dir, &printed);
  EXPECT_EQ(analysis["protocol"]["majority"], 3);
  // eu-west-1: others at 84.94, 84.94, 122.29, 122.29 -> 84.94.
  EXPECT_DOUBLE_EQ(site(analysis, "eu-west-1")["quorum_rtt_ms"].get<double>(), kEastEu);
  EXPECT_DOUBLE_EQ(site(analysis, "eu-west-1")["commit_latency_ms"].get<double>(),
                   kEastEu + kFsyncMs);
  // us-east-1: its second voter at 0.5 (intra), then us-west-2 at 68.38 -> 68.38.
  EXPECT_DOUBLE_EQ(site(analysis, "us-east-1")["quorum_rtt_ms"].get<double>(), kEastWest);
  // Without us-east-1, 3 voters remain: a leader in us-west-2 waits for eu-west-1 (122.29).
  const json& without_east = failure(analysis, "us-east-1");
  EXPECT_TRUE(without_east["writes_survive"].get<bool>());
  EXPECT_DOUBLE_EQ(without_east["best_commit_latency_ms"].get<double>(), kWestEu + kFsyncMs);
  for (const json& entry : analysis["failures"]) {
    EXPECT_TRUE(entry["writes_survive"].get<bool>()) << entry["name"];
  }
  // Cutting eu-west-1 off takes its 2 links; stopping writes takes all 3.
  EXPECT_EQ(analysis["min_cut"]["links"], 2);
  EXPECT_EQ(analysis["links_to_stop_writes"]["links"], 3);

  EXPECT_NE(printed.out.find("topology risk: raft-leader-region-loss (raft, 5 voters, majority 3"),
            std::string::npos)
      << printed.out;
  EXPECT_NE(printed.out.find("  region us-east-1"), std::string::npos) << printed.out;
  EXPECT_NE(printed.out.find("min cut: 2 links"), std::string::npos) << printed.out;
}

TEST(AnalyzeCommand, BadScenarioExitsWithCodeTwoAndOneLine) {
  const TempDir dir;
  const fs::path file = dir / "broken.json";
  test_support::write_text(file, "{\"name\": ");
  const CommandResult result = run_cutover({"analyze", file.string()});
  EXPECT_EQ(result.exit_code, 2) << result.describe();
  EXPECT_EQ(result.err.rfind("cutover: " + file.string() + ": (root): not valid JSON", 0), 0u)
      << result.err;
}

// --- the model against the simulator ---------------------------------------------------------

// A shipped scenario without its faults, shorter: steady state only.
fs::path steady_copy(const fs::path& scenario, const TempDir& dir) {
  json doc = json::parse(test_support::read_text(scenario));
  doc["faults"] = json::array();
  doc["slo"] = json::array();
  doc["duration_s"] = 8;
  const fs::path file = dir / scenario.filename();
  test_support::write_text(file, doc.dump(2));
  return file;
}

// Write latency p50 of the clients in `region`, as the model predicts it: the client's round
// trip to the leader, the leader's service time, and its commit latency from analyze.
// Tolerance: the histogram's bins (0.5% relative error) plus one fsync, because with group
// commit an acknowledger's write may wait behind an fsync already running.
void expect_write_p50(const json& report, const std::string& region, double expected_ms) {
  const double measured = report["latency_ms"]["by_region"][region]["write"]["p50"].get<double>();
  EXPECT_NEAR(measured, expected_ms, expected_ms * 0.005 + kFsyncMs) << region;
}

TEST(AnalyzeAgainstSimulation, RaftCommitLatencyPredictsTheMeasuredWriteLatency) {
  const TempDir dir;
  const fs::path scenario = steady_copy(shipped("raft/leader-region-loss.json"), dir);
  const json analysis = analyze_to_json(scenario, dir);
  const double commit_ms = site(analysis, "eu-west-1")["commit_latency_ms"].get<double>();
  ASSERT_DOUBLE_EQ(commit_ms, kEastEu + kFsyncMs);
  const test_support::ScenarioRun run = test_support::run_scenario_file(scenario);
  ASSERT_EQ(run.command.exit_code, 0) << run.command.describe();
  constexpr double kServiceMs = 0.1;  // constant service time of the scenario
  // The leader is eu-west-1-0 (initial_leader).
  expect_write_p50(run.report, "us-east-1", kEastEu + kServiceMs + commit_ms);
  expect_write_p50(run.report, "us-west-2", kWestEu + kServiceMs + commit_ms);
}

TEST(AnalyzeAgainstSimulation, SemiSyncCommitLatencyPredictsTheMeasuredWriteLatency) {
  const TempDir dir;
  const fs::path scenario = steady_copy(shipped("failover/region-loss-semisync.json"), dir);
  const json analysis = analyze_to_json(scenario, dir);
  // Primary in us-east-1, one ack: the nearest backup, us-west-2.
  const double commit_ms = site(analysis, "us-east-1")["commit_latency_ms"].get<double>();
  ASSERT_DOUBLE_EQ(commit_ms, kEastWest + kFsyncMs);
  const test_support::ScenarioRun run = test_support::run_scenario_file(scenario);
  ASSERT_EQ(run.command.exit_code, 0) << run.command.describe();
  constexpr double kServiceMs = 0.2;  // mean of the exponential service time
  constexpr double kIntraMs = 0.5;    // us-east-1's clients reach the primary locally
  expect_write_p50(run.report, "us-east-1", kIntraMs + kServiceMs + commit_ms);
  expect_write_p50(run.report, "us-west-2", kEastWest + kServiceMs + commit_ms);
  expect_write_p50(run.report, "eu-west-1", kEastEu + kServiceMs + commit_ms);
}

}  // namespace
}  // namespace cutover::sim
