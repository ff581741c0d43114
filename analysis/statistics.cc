#include "analysis/statistics.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <boost/math/distributions/students_t.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "analysis/quantile.h"
#include "models/core/check.h"

namespace cutover::analysis {
namespace {

using ConstVector = Eigen::Map<const Eigen::VectorXd>;

ConstVector as_vector(std::span<const double> samples) {
  return ConstVector(samples.data(), static_cast<Eigen::Index>(samples.size()));
}

// The two-sided critical value of Student's t with `degrees` degrees of freedom.
double t_critical(double confidence, std::size_t degrees) {
  const boost::math::students_t distribution(static_cast<double>(degrees));
  return boost::math::quantile(boost::math::complement(distribution, (1.0 - confidence) / 2.0));
}

// The mean of one bootstrap resample: `count` draws from `samples` with replacement.
double resampled_mean(const Eigen::VectorXd& samples, std::size_t count,
                      boost::random::mt19937_64& random) {
  // Boost's distribution, not std::uniform_int_distribution: the standard leaves the
  // algorithm to the library, and the interval must not change with the platform.
  boost::random::uniform_int_distribution<Eigen::Index> pick(0, samples.size() - 1);
  double sum = 0;
  for (std::size_t i = 0; i < count; ++i) sum += samples[pick(random)];
  return sum / static_cast<double>(count);
}

}  // namespace

SampleStatistics describe_sample(std::span<const double> samples, double confidence) {
  CUTOVER_CHECK(!samples.empty(), "statistics of no samples");
  CUTOVER_CHECK(confidence > 0 && confidence < 1,
                "confidence " + std::to_string(confidence) + " outside (0, 1)");
  const ConstVector values = as_vector(samples);
  CUTOVER_CHECK(values.allFinite(), "a sample is not a finite number");
  SampleStatistics stats;
  stats.count = samples.size();
  stats.mean = values.mean();
  stats.min = values.minCoeff();
  stats.max = values.maxCoeff();
  if (stats.count < 2) return stats;
  const double n = static_cast<double>(stats.count);
  const double squares = (values.array() - stats.mean).square().sum();
  stats.sd = std::sqrt(squares / (n - 1));
  stats.ci_half_width = t_critical(confidence, stats.count - 1) * *stats.sd / std::sqrt(n);
  stats.ci_low = stats.mean - *stats.ci_half_width;
  stats.ci_high = stats.mean + *stats.ci_half_width;
  return stats;
}

DifferenceInterval bootstrap_mean_difference(std::span<const double> base,
                                             std::span<const double> candidate,
                                             const BootstrapSettings& settings) {
  CUTOVER_CHECK(!base.empty(), "bootstrap of an empty base set");
  CUTOVER_CHECK(!candidate.empty(), "bootstrap of an empty candidate set");
  CUTOVER_CHECK(settings.resamples > 0, "bootstrap with no resamples");
  const Eigen::VectorXd base_values = as_vector(base);
  const Eigen::VectorXd candidate_values = as_vector(candidate);
  boost::random::mt19937_64 random(settings.seed);
  std::vector<double> differences(settings.resamples);
  for (double& difference : differences) {
    const double base_mean = resampled_mean(base_values, base.size(), random);
    difference = resampled_mean(candidate_values, candidate.size(), random) - base_mean;
  }
  std::sort(differences.begin(), differences.end());
  const double tail = (1.0 - settings.confidence) / 2.0;
  return {.difference = candidate_values.mean() - base_values.mean(),
          .low = *exact_percentile(differences, tail),
          .high = *exact_percentile(differences, 1.0 - tail)};
}

}  // namespace cutover::analysis
