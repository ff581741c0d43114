// Statistics over a handful of runs of one scenario with different seeds: the summary of one
// metric across seeds (mean, standard deviation, Student-t confidence interval) and a
// bootstrap confidence interval for the difference between two such sets. Used by
// `cutover run --seeds`, `cutover compare`, `cutover sweep` and `cutover capacity`.
//
// Pure functions of their inputs: the bootstrap draws from its own generator seeded by the
// caller, so the same samples and seed give the same interval on every machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace cutover::analysis {

// One metric across seeds. With one sample the spread is unknown: sd and the interval are
// nullopt, not a made-up 0.
struct SampleStatistics {
  std::size_t count = 0;
  double mean = 0;
  std::optional<double> sd;  // sample standard deviation (n - 1 in the denominator)
  std::optional<double> ci_low;
  std::optional<double> ci_high;
  std::optional<double> ci_half_width;
  double min = 0;
  double max = 0;
};

// REQUIRES: samples is not empty, every sample finite, 0 < confidence < 1.
// The interval is mean +/- t(1 - (1 - confidence) / 2, n - 1) * sd / sqrt(n): it assumes the
// seed-to-seed variation of the mean is roughly normal, which is what a t interval over a few
// seeds can honestly claim.
SampleStatistics describe_sample(std::span<const double> samples, double confidence = 0.95);

struct BootstrapSettings {
  std::size_t resamples = 10000;
  std::uint64_t seed = 1;
  double confidence = 0.95;
};

// The difference mean(candidate) - mean(base) and its percentile-bootstrap interval.
struct DifferenceInterval {
  double difference = 0;
  double low = 0;
  double high = 0;
};

// Percentile bootstrap: `resamples` times, draw each set with replacement (independently,
// same sizes) and take the difference of the means; the interval is the central
// `confidence` share of those differences. REQUIRES: both sets not empty, resamples > 0.
DifferenceInterval bootstrap_mean_difference(std::span<const double> base,
                                             std::span<const double> candidate,
                                             const BootstrapSettings& settings);

}  // namespace cutover::analysis
