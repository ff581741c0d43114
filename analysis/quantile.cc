#include "analysis/quantile.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "models/core/check.h"

namespace cutover::analysis {

std::size_t quantile_rank(double q, std::size_t n) {
  CUTOVER_CHECK(n > 0, "quantile of no samples");
  CUTOVER_CHECK(q >= 0.0 && q <= 1.0, "quantile " + std::to_string(q) + " outside [0, 1]");
  const double product = q * static_cast<double>(n);
  const auto k = static_cast<std::size_t>(std::ceil(product - 1e-9));
  return std::clamp<std::size_t>(k, 1, n);
}

std::optional<double> exact_percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::nullopt;
  return sorted[quantile_rank(q, sorted.size()) - 1];
}

}  // namespace cutover::analysis
