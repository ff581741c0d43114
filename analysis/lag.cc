#include "analysis/lag.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "analysis/quantile.h"

namespace cutover::analysis {

std::vector<LagSummary> summarize_lag(const RunFacts& facts) {
  std::vector<LagSummary> summaries;
  summaries.reserve(facts.replicas.size());
  for (std::size_t r = 0; r < facts.replicas.size(); ++r) {
    LagSummary summary;
    summary.replica = facts.replicas[r];
    std::vector<double> sorted;
    if (r < facts.lag.lag_ms.size()) {
      for (double sample : facts.lag.lag_ms[r]) {
        if (std::isfinite(sample)) sorted.push_back(sample);
      }
    }
    std::sort(sorted.begin(), sorted.end());
    summary.samples = sorted.size();
    summary.p50 = exact_percentile(sorted, 0.50);
    summary.p99 = exact_percentile(sorted, 0.99);
    summary.max = exact_percentile(sorted, 1.0);
    summaries.push_back(std::move(summary));
  }
  return summaries;
}

}  // namespace cutover::analysis
