// Replication lag per replica, summarised over the sampled series (LagSeries).
//
// Percentiles here are exact: the series has one sample per grid tick per replica (a few
// thousand values), so sorting a copy is cheap and no histogram is needed. They follow the
// same definition as every other percentile in the report (analysis/quantile.h).
// Non-finite samples (a recorder may mark "unknown" as NaN) are skipped rather than poisoning
// the summary; a replica without finite samples gets null statistics.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "analysis/history.h"

namespace cutover::analysis {

struct LagSummary {
  std::string replica;
  std::size_t samples = 0;  // finite samples used
  std::optional<double> p50;
  std::optional<double> p99;
  std::optional<double> max;
};

// One summary per RunFacts::replicas, in that order (replica r reads LagSeries::lag_ms[r];
// a replica with no row has no samples).
std::vector<LagSummary> summarize_lag(const RunFacts& facts);

}  // namespace cutover::analysis
