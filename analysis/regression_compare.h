// `cutover compare`: two multi-seed result sets of (usually) the same scenario, metric by
// metric, with a verdict a CI job can act on.
//
// Method: the percentile bootstrap of the difference of means (candidate - base), 10,000
// resamples from a fixed seed, 95%. Chosen over Mann-Whitney because the question is "how
// much worse", in the metric's own unit, which is what a threshold is written in: a bootstrap
// interval says "p99 rose by 4 to 9 ms", a rank test only that the distributions differ. With
// the few seeds a CI job can afford, the percentile bootstrap is optimistic (its intervals are
// a little narrow), which the threshold absorbs.
//
// A metric with a known direction (the table in regression_compare.cc: latency, lag, lost
// writes, RPO, RTO, errors, stale reads, dollars of the cost section are lower-is-better;
// availability is higher-is-better) is:
//   better     the interval lies entirely on the better side of zero;
//   worse      entirely on the worse side, but the mean moved by no more than the threshold;
//   regressed  entirely on the worse side and the mean moved by more than the threshold, a
//              percentage of |base mean| (default 5%; when the base mean is 0, any
//              significant worsening regresses);
//   no change  otherwise.
// rto_ms is also regressed when more candidate seeds than base seeds never recovered (null).
// Other metrics are informational: shown with their change, never failing. A metric needs two
// values on each side to be compared; one null in every seed of both sets is "not measured"
// (e.g. RTO in a run without faults) and is left out of the JUnit file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/seed_summary.h"

namespace cutover::analysis {

enum class Direction { kLowerIsBetter, kHigherIsBetter, kInformational };

// The direction of a report metric given by JSON pointer ("/latency_ms/write/p99").
Direction metric_direction(const std::string& pointer);

enum class Verdict {
  kBetter,
  kWorse,
  kRegressed,
  kNoChange,
  kInformational,
  kTooFewValues,
  kNotMeasured,  // null (or absent) in every seed of both sets: nothing to compare
};
const char* verdict_name(Verdict verdict);

struct ComparisonSettings {
  double default_threshold_pct = 5;
  // Pattern (dotted path or JSON pointer; '*' matches one segment) -> percentage. The most
  // specific match wins: the one with the fewest '*', then the last given.
  std::vector<std::pair<std::string, double>> thresholds;
  std::size_t bootstrap_resamples = 10000;
  std::uint64_t bootstrap_seed = 20260527;
  double confidence = 0.95;
};

// The threshold (percent) that applies to `pointer`.
double threshold_pct_for(const std::string& pointer, const ComparisonSettings& settings);

struct MetricComparison {
  std::string pointer;
  Direction direction = Direction::kInformational;
  std::size_t base_count = 0;  // seeds with a value
  std::size_t candidate_count = 0;
  std::size_t base_missing = 0;  // seeds whose value was null or absent
  std::size_t candidate_missing = 0;
  std::optional<double> base_mean;
  std::optional<double> candidate_mean;
  std::optional<double> difference;  // candidate - base
  std::optional<double> difference_low;
  std::optional<double> difference_high;
  std::optional<double> change_pct;  // difference / |base mean|; none when the base mean is 0
  double threshold_pct = 0;
  Verdict verdict = Verdict::kInformational;
  std::string reason;  // one sentence: why this verdict
};

// One report per seed, each flattened with flatten_report_metrics.
using SeedSet = std::vector<FlatMetrics>;

// Every metric present in either set, in pointer order.
std::vector<MetricComparison> compare_seed_sets(const SeedSet& base, const SeedSet& candidate,
                                                const ComparisonSettings& settings);

// The table a person reads. Rows: every metric with a direction that changed, the headline
// metrics always, and with `all` every metric (informational ones too); then a count of the
// rest and of regressions.
std::string render_comparison(const std::vector<MetricComparison>& comparisons, bool all);

// JUnit XML: one <testcase> per metric with a direction, a <failure> for each regression.
std::string render_junit(const std::vector<MetricComparison>& comparisons,
                         const std::string& suite_name);

}  // namespace cutover::analysis
