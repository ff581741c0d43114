// The verdict on an explored run (sim/faults/explore_verdict.h), on hand-written outcomes and
// reports: each check fails exactly on its own finding, and only when enabled.
#include "sim/faults/explore_verdict.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace cutover::sim {
namespace {

using nlohmann::json;

FaultModel every_check() {
  FaultModel model;
  for (const auto& [check, name] : kSafetyCheckNames) model.checks.push_back(check);
  model.healed_lag_ms_max = 500;
  return model;
}

// A report in which every check passes: nothing lost, no split brain, linearizable, and at the
// end a primary with both replicas caught up.
json clean_report() {
  return json::parse(R"({
    "data_loss": {"acknowledged_writes_lost": 0, "zero_loss_promised": true, "bound_writes": 0,
                  "exceeds_bound": false},
    "consistency": {"split_brain": {"count": 0, "windows": []}, "duplicate_applications": 0,
                    "linearizable": true,
                    "linearizability": {"violating_keys": 0, "counterexample_key": null}},
    "end_of_run": {"time_s": 11.0, "primary": "a-0", "has_primary": 1,
                   "lag_ms": {"a-0": 0.0, "b-0": 0.0}, "lag_ms_max": 0.0}
  })");
}

RunOutcome finished(const json& report, int exit_code = 0) {
  return {.exit_code = exit_code, .signal = 0, .stderr_text = "", .report = report};
}

std::vector<std::string> kinds(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const Finding& finding : findings) out.push_back(finding.kind);
  return out;
}

TEST(ExploreVerdict, ACleanRunPassesEvenWhenAnSloFailed) {
  EXPECT_TRUE(judge_run(finished(clean_report()), every_check()).empty());
  EXPECT_TRUE(judge_run(finished(clean_report(), 1), every_check()).empty());
}

TEST(ExploreVerdict, LostWritesBeyondTheBoundAreDataLoss) {
  json report = clean_report();
  report["data_loss"] = {{"acknowledged_writes_lost", 4},
                         {"zero_loss_promised", true},
                         {"bound_writes", 0},
                         {"exceeds_bound", true}};
  const auto findings = judge_run(finished(report), every_check());
  ASSERT_EQ(kinds(findings), std::vector<std::string>{"data_loss"});
  EXPECT_EQ(findings[0].detail, "4 acknowledged writes lost; the configuration promises none");
  // Async: within its bound is no finding; beyond it is, naming the bound.
  report["data_loss"] = {{"acknowledged_writes_lost", 7},
                         {"zero_loss_promised", false},
                         {"bound_writes", 5.5},
                         {"exceeds_bound", true}};
  EXPECT_EQ(judge_run(finished(report), every_check())[0].detail,
            "7 acknowledged writes lost; the configuration allows 5.5");
  report["data_loss"]["exceeds_bound"] = false;
  EXPECT_TRUE(judge_run(finished(report), every_check()).empty());
}

TEST(ExploreVerdict, EachConsistencyFindingHasItsKind) {
  json report = clean_report();
  report["consistency"]["split_brain"] =
      json::parse(R"({"count": 2, "windows": [{"start_ms": 2500.5, "nodes": ["a-0", "b-0"]}]})");
  report["consistency"]["duplicate_applications"] = 3;
  report["consistency"]["linearizable"] = false;
  report["consistency"]["linearizability"] = {{"violating_keys", 1}, {"counterexample_key", 42}};
  const auto findings = judge_run(finished(report), every_check());
  EXPECT_EQ(kinds(findings),
            (std::vector<std::string>{"split_brain", "duplicate_writes", "linearizability"}));
  EXPECT_EQ(findings[0].detail,
            "2 overlapping acknowledgement windows of two primaries, first at 2500.5 ms (a-0 and "
            "b-0)");
  EXPECT_EQ(findings[1].detail, "3 writes applied more than once");
  EXPECT_EQ(findings[2].detail,
            "the history is not linearizable (1 keys; counterexample on key 42)");
  // A null verdict (the checker's budget ran out) is not a failure.
  report["consistency"]["linearizable"] = nullptr;
  EXPECT_FALSE(has_kind(judge_run(finished(report), every_check()), "linearizability"));
}

TEST(ExploreVerdict, HealingNeedsAPrimaryAndEveryLagWithinTheLimit) {
  json report = clean_report();
  report["end_of_run"]["lag_ms"]["b-0"] = 500.0;  // at the limit: healed
  EXPECT_TRUE(judge_run(finished(report), every_check()).empty());
  report["end_of_run"]["lag_ms"]["b-0"] = 1250.0;
  auto findings = judge_run(finished(report), every_check());
  ASSERT_EQ(kinds(findings), std::vector<std::string>{"healing"});
  EXPECT_EQ(findings[0].detail, "b-0 still lags 1250 ms at the end (limit 500 ms)");
  report["end_of_run"]["has_primary"] = 0;
  findings = judge_run(finished(report), every_check());
  EXPECT_EQ(findings[0].detail, "no primary at the end of the run (t = 11 s)");
}

TEST(ExploreVerdict, OnlyEnabledChecksCount) {
  json report = clean_report();
  report["consistency"]["split_brain"]["count"] = 1;
  report["end_of_run"]["has_primary"] = 0;
  FaultModel model;
  model.checks = {SafetyCheck::kDataLoss, SafetyCheck::kHealing};
  EXPECT_EQ(kinds(judge_run(finished(report), model)), std::vector<std::string>{"healing"});
}

TEST(ExploreVerdict, BrokenInvariantsAndCrashesAreInvariantFailuresWhateverTheChecks) {
  FaultModel none;  // no check enabled
  const RunOutcome invariant{.exit_code = 3,
                             .signal = 0,
                             .stderr_text =
                                 "cutover: internal error: two primaries in epoch 4\n"
                                 "  on node b-0 at simulated t=3.2 s\n",
                             .report = std::nullopt};
  auto findings = judge_run(invariant, none);
  ASSERT_EQ(kinds(findings), std::vector<std::string>{"invariant"});
  EXPECT_EQ(findings[0].detail, "two primaries in epoch 4");
  const RunOutcome killed{.exit_code = -1, .signal = 6, .stderr_text = "", .report = std::nullopt};
  EXPECT_EQ(judge_run(killed, none)[0].detail, "the run was killed by signal 6");
}

TEST(ExploreVerdict, RunsThatDidNotFinishAreRunErrors) {
  const RunOutcome bad_input{.exit_code = 2,
                             .signal = 0,
                             .stderr_text = "cutover: x.json: /faults/0/at_s: fault starts late\n",
                             .report = std::nullopt};
  auto findings = judge_run(bad_input, every_check());
  ASSERT_EQ(kinds(findings), std::vector<std::string>{kRunErrorKind});
  EXPECT_EQ(findings[0].detail, "exit code 2: x.json: /faults/0/at_s: fault starts late");
  EXPECT_EQ(judge_run({.exit_code = 0, .signal = 0, .stderr_text = "", .report = std::nullopt},
                      every_check())[0]
                .detail,
            "the run wrote no readable report.json");
}

}  // namespace
}  // namespace cutover::sim
