// The one definition of "percentile" used throughout the report, so the histogram estimate
// and the exact summaries (lag) answer the same question.
//
// The q-quantile of N samples (q in [0, 1]) is the smallest value v such that at least q*N
// samples are <= v: the k-th smallest sample with k = ceil(q*N), and k = 1 when q = 0 (the
// minimum). No interpolation between samples: every reported percentile is (an estimate of)
// a value that was actually observed.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace cutover::analysis {

// The 1-based rank k of the q-quantile among n samples. REQUIRES: n > 0, 0 <= q <= 1.
// q*n is computed in floating point, where 0.99 * 100 may land a hair above 99; a tolerance
// of 1e-9 keeps such products on the integer they denote (any real quantile that close to
// an integer rank is indistinguishable from it anyway).
std::size_t quantile_rank(double q, std::size_t n);

// The exact q-quantile of `sorted` (ascending). nullopt when there are no samples.
std::optional<double> exact_percentile(const std::vector<double>& sorted, double q);

}  // namespace cutover::analysis
