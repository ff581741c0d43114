// LatencyHistogram: percentiles of a latency distribution in bounded memory.
//
// A run can complete millions of operations; keeping every latency just to sort it would make
// memory grow with the run. Boost.Histogram with a log-transformed regular axis gives bins of
// constant *relative* width, so the error of a percentile is bounded relative to its value at
// every scale, from 1 us to hours.
//
// Axis: [1e-3 ms, 1e7 ms) split into 2315 bins of ratio (1e10)^(1/2315) ~= 1.00999. A bin is
// reported by its geometric midpoint, so the relative error of a percentile is at most
// sqrt(1.00999) - 1 ~= 0.4986% (<= 0.5%). Values below 1 us (e.g. 0) fall in the underflow bin
// and values >= 1e7 ms in the overflow bin; those bins have no midpoint, so they report the
// exact min and max respectively. count, min, max and mean are exact (tracked alongside).
//
// Percentile definition (see analysis/quantile.h): the smallest value v such that at least
// q*N samples are <= v, i.e. the k-th smallest sample with k = ceil(q*N) (k = 1 for q = 0).
// percentile(q) returns the geometric midpoint of the bin holding the k-th sample, clamped to
// [min, max] (clamping can only move the estimate towards the true value). When k is 1 or N
// the answer is the exact min or max, which are known.
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>

#include <boost/histogram.hpp>

namespace cutover::analysis {

class LatencyHistogram {
 public:
  static constexpr double kLowestMs = 1e-3;  // 1 us: the simulated clock's resolution
  static constexpr double kHighestMs = 1e7;  // ~2.8 hours: longer than any run
  static constexpr double kMaxBinRatio = 1.01;

  LatencyHistogram();

  // REQUIRES: ms is finite and >= 0 (a negative latency is a recording bug).
  void add(double ms);
  // Adds `ms` here and to `also`, finding its bin once: the logarithm that finds it is most of
  // what adding costs, and the report adds every latency to two histograms.
  void add(double ms, LatencyHistogram& also);

  std::uint64_t count() const { return count_; }
  // q in [0, 1]. nullopt when empty.
  std::optional<double> percentile(double q) const;
  std::optional<double> mean() const;
  std::optional<double> min() const;
  std::optional<double> max() const;

  // The ratio upper/lower edge of every bin (for tests and documentation).
  double bin_ratio() const;

 private:
  using Axis = boost::histogram::axis::regular<double, boost::histogram::axis::transform::log>;
  using Histogram =
      boost::histogram::histogram<std::tuple<Axis>, boost::histogram::dense_storage<std::uint64_t>>;

  void count(double ms);

  Histogram histogram_;
  std::uint64_t count_ = 0;
  double sum_ = 0;
  double min_ = 0;
  double max_ = 0;
};

}  // namespace cutover::analysis
