// Verdicts of `cutover compare` on hand-made seed sets, and summary.json's aggregation of
// report values (analysis/seed_summary.h).
#include "analysis/regression_compare.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "analysis/seed_summary.h"

namespace cutover::analysis {
namespace {

using nlohmann::json;

// One flattened report per value: `pointer` set to each value in turn.
SeedSet seeds_with(const std::string& pointer, const std::vector<std::optional<double>>& values) {
  SeedSet set;
  for (const auto& value : values) set.push_back({{pointer, value}});
  return set;
}

MetricComparison compare_one(const std::string& pointer,
                             const std::vector<std::optional<double>>& base,
                             const std::vector<std::optional<double>>& candidate,
                             const ComparisonSettings& settings = {}) {
  const auto comparisons =
      compare_seed_sets(seeds_with(pointer, base), seeds_with(pointer, candidate), settings);
  EXPECT_EQ(comparisons.size(), 1u);
  return comparisons.front();
}

TEST(MetricDirection, KnownMetricsHaveTheirDirectionAndOthersAreInformational) {
  EXPECT_EQ(metric_direction("/latency_ms/write/p99"), Direction::kLowerIsBetter);
  EXPECT_EQ(metric_direction("/latency_ms/by_region/us-east-1/read/p50"),
            Direction::kLowerIsBetter);
  EXPECT_EQ(metric_direction("/replication_lag_ms/b-0/max"), Direction::kLowerIsBetter);
  EXPECT_EQ(metric_direction("/data_loss/acknowledged_writes_lost"), Direction::kLowerIsBetter);
  EXPECT_EQ(metric_direction("/rto_ms"), Direction::kLowerIsBetter);
  EXPECT_EQ(metric_direction("/ops/write/failed"), Direction::kLowerIsBetter);
  EXPECT_EQ(metric_direction("/cost/total_usd"), Direction::kLowerIsBetter);
  EXPECT_EQ(metric_direction("/cost/egress/by_pair/a->b/replication/usd"),
            Direction::kLowerIsBetter);
  EXPECT_EQ(metric_direction("/cost/egress/by_pair/a->b/usd_per_gb"), Direction::kInformational);
  EXPECT_EQ(metric_direction("/availability/write"), Direction::kHigherIsBetter);
  EXPECT_EQ(metric_direction("/ops/write/attempted"), Direction::kInformational);
  EXPECT_EQ(metric_direction("/inter_region_bytes/total"), Direction::kInformational);
}

TEST(CompareSeedSets, MuchSlowerCandidateRegresses) {
  // Means 11 and 21: +90.9%, far beyond the default 5%.
  const MetricComparison c =
      compare_one("/latency_ms/write/p99", {10, 11, 12, 11}, {20, 21, 22, 21});
  EXPECT_EQ(c.verdict, Verdict::kRegressed) << c.reason;
  EXPECT_NEAR(*c.difference, 10.0, 1e-12);
  EXPECT_NEAR(*c.change_pct, 100.0 * 10.0 / 11.0, 1e-9);
  EXPECT_GT(*c.difference_low, 0.0);
}

TEST(CompareSeedSets, SignificantWorseningWithinTheThresholdIsOnlyWorse) {
  ComparisonSettings settings;
  settings.thresholds = {{"latency_ms.write.p99", 100}};
  const MetricComparison c =
      compare_one("/latency_ms/write/p99", {10, 11, 12, 11}, {20, 21, 22, 21}, settings);
  EXPECT_EQ(c.verdict, Verdict::kWorse) << c.reason;
  EXPECT_DOUBLE_EQ(c.threshold_pct, 100.0);
}

TEST(CompareSeedSets, ASetComparedWithItselfHasNoSignificantChange) {
  const std::vector<std::optional<double>> values = {10, 14, 9, 12, 11};
  const MetricComparison c = compare_one("/latency_ms/write/p99", values, values);
  EXPECT_EQ(c.verdict, Verdict::kNoChange) << c.reason;
  EXPECT_LE(*c.difference_low, 0.0);
  EXPECT_GE(*c.difference_high, 0.0);
}

TEST(CompareSeedSets, LowerAvailabilityRegressesAndHigherIsBetter) {
  const MetricComparison worse =
      compare_one("/availability/write", {0.999, 0.999, 0.998}, {0.90, 0.91, 0.92});
  EXPECT_EQ(worse.verdict, Verdict::kRegressed) << worse.reason;
  const MetricComparison better =
      compare_one("/availability/write", {0.90, 0.91, 0.92}, {0.999, 0.999, 0.998});
  EXPECT_EQ(better.verdict, Verdict::kBetter) << better.reason;
}

TEST(CompareSeedSets, LostWritesFromZeroRegressWhateverTheThreshold) {
  // A base mean of 0 has no percentage; any significant rise regresses.
  ComparisonSettings settings;
  settings.default_threshold_pct = 1000;
  const MetricComparison c =
      compare_one("/data_loss/acknowledged_writes_lost", {0, 0, 0}, {4, 5, 6}, settings);
  EXPECT_EQ(c.verdict, Verdict::kRegressed) << c.reason;
  EXPECT_FALSE(c.change_pct.has_value());
}

TEST(CompareSeedSets, InformationalMetricsNeverRegress) {
  const MetricComparison c = compare_one("/ops/write/attempted", {100, 101, 99}, {500, 501, 499});
  EXPECT_EQ(c.verdict, Verdict::kInformational);
}

TEST(CompareSeedSets, MoreSeedsThatNeverRecoveredIsARegression) {
  // rto_ms is null when a fault never recovered.
  const MetricComparison c =
      compare_one("/rto_ms", {900, 950, 1000}, {900, std::nullopt, std::nullopt});
  EXPECT_EQ(c.verdict, Verdict::kRegressed) << c.reason;
}

TEST(CompareSeedSets, OneSeedPerSideIsTooFewToJudge) {
  const MetricComparison c = compare_one("/latency_ms/write/p99", {10}, {50});
  EXPECT_EQ(c.verdict, Verdict::kTooFewValues);
}

TEST(ThresholdFor, TheMostSpecificPatternWins) {
  ComparisonSettings settings;
  settings.default_threshold_pct = 5;
  settings.thresholds = {{"latency_ms.write.p99", 20}, {"latency_ms.*.p99", 10}};
  EXPECT_DOUBLE_EQ(threshold_pct_for("/latency_ms/write/p99", settings), 20.0);
  EXPECT_DOUBLE_EQ(threshold_pct_for("/latency_ms/read/p99", settings), 10.0);
  EXPECT_DOUBLE_EQ(threshold_pct_for("/latency_ms/read/p50", settings), 5.0);
}

TEST(RenderJunit, OneTestcasePerJudgedMetricAndAFailurePerRegression) {
  SeedSet base = {{{"/latency_ms/write/p99", 10.0}, {"/ops/write/ok", 5.0}, {"/rto_ms", 100.0}},
                  {{"/latency_ms/write/p99", 11.0}, {"/ops/write/ok", 5.0}, {"/rto_ms", 100.0}}};
  SeedSet candidate = base;
  for (auto& seed : candidate) seed["/latency_ms/write/p99"] = *seed["/latency_ms/write/p99"] * 3;
  const std::string xml = render_junit(compare_seed_sets(base, candidate, {}), "suite <a&b>");
  EXPECT_NE(xml.find("tests=\"2\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"latency_ms.write.p99\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure type=\"regression\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("suite &lt;a&amp;b&gt;"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("ops.write.ok"), std::string::npos) << "informational metrics are not tests";
}

// --- summary.json -----------------------------------------------------------------------------

json small_report(double write_p99, const json& rto) {
  return {{"scenario", "s"},
          {"seed", 1},
          {"latency_ms", {{"write", {{"p99", write_p99}}}, {"read", {{"p99", nullptr}}}}},
          {"rto_ms", rto},
          {"linearizable", true},
          {"slo", json::array({{{"name", "fast"},
                                {"metric", "latency_ms.write.p99"},
                                {"op", "<"},
                                {"limit", 15},
                                {"value", write_p99},
                                {"ok", write_p99 < 15}}})},
          {"run", {{"wall_s", 1.5}}}};
}

TEST(FlattenReportMetrics, KeepsNumbersAndNullsButNotRunSeedSloOrBooleans) {
  const FlatMetrics flat = flatten_report_metrics(small_report(12, nullptr));
  EXPECT_EQ(flat.at("/latency_ms/write/p99"), 12.0);
  EXPECT_FALSE(flat.at("/latency_ms/read/p99").has_value());
  EXPECT_FALSE(flat.at("/rto_ms").has_value());
  EXPECT_FALSE(flat.contains("/run/wall_s"));
  EXPECT_FALSE(flat.contains("/seed"));
  EXPECT_FALSE(flat.contains("/slo/0/value"));
  EXPECT_FALSE(flat.contains("/linearizable"));
}

TEST(MetricPointer, DottedPathsAndPointersConvertBothWays) {
  EXPECT_EQ(metric_pointer("latency_ms.by_region.us-east-1.write.p99"),
            "/latency_ms/by_region/us-east-1/write/p99");
  EXPECT_EQ(metric_pointer("/rto_ms"), "/rto_ms");
  EXPECT_EQ(metric_path("/latency_ms/write/p99"), "latency_ms.write.p99");
}

TEST(BuildSeedSummary, AggregatesEveryMetricAndSortsTheHeadlineDistribution) {
  const std::vector<SeedOutcome> seeds = {
      {.seed = 7, .exit_code = 0, .report = small_report(10, 500)},
      {.seed = 8, .exit_code = 1, .report = small_report(20, nullptr)},
      {.seed = 9, .exit_code = 0, .report = small_report(12, 300)}};
  const json summary = build_seed_summary(seeds, {{"scenario", "s"}});
  const json& p99 = summary.at("metrics").at("/latency_ms/write/p99");
  EXPECT_EQ(p99.at("count"), 3);
  EXPECT_DOUBLE_EQ(p99.at("mean").get<double>(), 14.0);
  EXPECT_DOUBLE_EQ(p99.at("min").get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(p99.at("max").get<double>(), 20.0);
  // sd of 10, 20, 12: deviations -4, 6, -2, squares 56 / 2 = 28.
  EXPECT_NEAR(p99.at("sd").get<double>(), std::sqrt(28.0), 1e-6);
  const json& rto = summary.at("metrics").at("/rto_ms");
  EXPECT_EQ(rto.at("count"), 2);
  EXPECT_EQ(rto.at("missing"), 1);
  EXPECT_TRUE(rto.at("sd").is_number());
  EXPECT_EQ(summary.at("headline").at("/latency_ms/write/p99").at("sorted"),
            json::array({10.0, 12.0, 20.0}));
  EXPECT_TRUE(summary.at("headline").at("/rto_ms").at("by_seed").at("8").is_null());
  EXPECT_EQ(summary.at("runs").at("slo_held"), 2);
  EXPECT_EQ(summary.at("runs").at("slo_failed"), 1);
  EXPECT_EQ(summary.at("slo").at(0).at("held"), 2);
  EXPECT_FALSE(summary.at("metrics").contains("/run/wall_s"));
}

}  // namespace
}  // namespace cutover::analysis
