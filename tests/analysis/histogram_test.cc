#include "analysis/histogram.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "analysis/quantile.h"
#include "models/core/check.h"
#include "models/core/rng.h"

namespace cutover::analysis {
namespace {

// Latencies spread over six decades (log-uniform 10 us .. 10 s) with a heavy exponential tail:
// the shapes a failover run produces.
std::vector<double> random_latencies(std::uint64_t seed, std::size_t n) {
  models::Rng rng(seed);
  std::vector<double> samples;
  samples.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (rng.bernoulli(0.7)) {
      samples.push_back(std::pow(10.0, -2.0 + 6.0 * rng.uniform01()));
    } else {
      samples.push_back(5.0 + rng.exponential(200.0));
    }
  }
  return samples;
}

double relative_error(double estimate, double exact) {
  return std::abs(estimate - exact) / std::abs(exact);
}

TEST(Histogram, BinsAreNarrowEnoughForHalfPercentError) {
  const LatencyHistogram histogram;
  EXPECT_LE(histogram.bin_ratio(), LatencyHistogram::kMaxBinRatio);
  EXPECT_LE(std::sqrt(histogram.bin_ratio()) - 1.0, 0.005);
}

TEST(Histogram, PercentilesMatchSortedSamplesWithinOnePercent) {
  for (std::uint64_t seed : {1u, 42u, 2024u}) {
    std::vector<double> samples = random_latencies(seed, 200000);
    LatencyHistogram histogram;
    for (double ms : samples) histogram.add(ms);
    std::sort(samples.begin(), samples.end());
    for (double q : {0.5, 0.9, 0.99, 0.999}) {
      const double exact = *exact_percentile(samples, q);
      EXPECT_LE(relative_error(*histogram.percentile(q), exact), 0.01)
          << "seed " << seed << " q " << q;
    }
  }
}

TEST(Histogram, EveryPercentileIsWithinTheBinBound) {
  std::vector<double> samples = random_latencies(99, 50000);
  LatencyHistogram histogram;
  for (double ms : samples) histogram.add(ms);
  std::sort(samples.begin(), samples.end());
  const double bound = std::sqrt(histogram.bin_ratio()) - 1.0 + 1e-9;
  for (int permille = 0; permille <= 1000; ++permille) {
    const double q = permille / 1000.0;
    EXPECT_LE(relative_error(*histogram.percentile(q), *exact_percentile(samples, q)), bound)
        << "q " << q;
  }
}

TEST(Histogram, CountMeanMinAndMaxAreExact) {
  LatencyHistogram histogram;
  for (double ms : {1.5, 2.5, 100.25, 0.003}) histogram.add(ms);
  EXPECT_EQ(histogram.count(), 4u);
  EXPECT_DOUBLE_EQ(*histogram.mean(), (1.5 + 2.5 + 100.25 + 0.003) / 4);
  EXPECT_DOUBLE_EQ(*histogram.min(), 0.003);
  EXPECT_DOUBLE_EQ(*histogram.max(), 100.25);
}

TEST(Histogram, EmptyHistogramHasNoValues) {
  const LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_FALSE(histogram.percentile(0.5).has_value());
  EXPECT_FALSE(histogram.mean().has_value());
  EXPECT_FALSE(histogram.min().has_value());
  EXPECT_FALSE(histogram.max().has_value());
}

TEST(Histogram, SingleSampleIsEveryPercentileExactly) {
  LatencyHistogram histogram;
  histogram.add(12.345);
  for (double q : {0.0, 0.5, 0.99, 0.999, 1.0}) EXPECT_DOUBLE_EQ(*histogram.percentile(q), 12.345);
  EXPECT_DOUBLE_EQ(*histogram.mean(), 12.345);
  EXPECT_DOUBLE_EQ(*histogram.max(), 12.345);
}

TEST(Histogram, EqualSamplesGiveThatValueExactly) {
  LatencyHistogram histogram;
  for (int i = 0; i < 1000; ++i) histogram.add(7.77);
  for (double q : {0.0, 0.5, 0.9, 0.99, 0.999, 1.0})
    EXPECT_DOUBLE_EQ(*histogram.percentile(q), 7.77);
}

TEST(Histogram, ExtremesAreTheExactMinAndMax) {
  LatencyHistogram histogram;
  for (double ms : {3.0, 4.0, 5.0, 6.0}) histogram.add(ms);
  EXPECT_DOUBLE_EQ(*histogram.percentile(0.0), 3.0);
  EXPECT_DOUBLE_EQ(*histogram.percentile(0.25), 3.0);  // ceil(0.25 * 4) = 1st sample
  EXPECT_DOUBLE_EQ(*histogram.percentile(1.0), 6.0);
  EXPECT_NEAR(*histogram.percentile(0.5), 4.0, 4.0 * 0.005);  // 2nd sample, from its bin
}

TEST(Histogram, ValuesOutsideTheAxisReportTheExactExtremes) {
  LatencyHistogram histogram;
  histogram.add(0.0);  // below 1 us: underflow bin
  histogram.add(0.0);
  histogram.add(1.0);
  histogram.add(2e7);  // above 1e7 ms: overflow bin
  histogram.add(3e7);
  EXPECT_DOUBLE_EQ(*histogram.percentile(0.4), 0.0);  // 2nd sample, in underflow
  EXPECT_DOUBLE_EQ(*histogram.percentile(0.8), 3e7);  // 4th sample (2e7), overflow -> max
  EXPECT_NEAR(*histogram.percentile(0.6), 1.0, 0.005);
}

// add(ms, also) puts each sample in both histograms, as two add(ms) would: same bins (the
// underflow and overflow ones included), counts, sums and extremes.
TEST(Histogram, AddingToTwoAtOnceEqualsAddingToEach) {
  models::Rng rng(3);
  LatencyHistogram one_by_one;
  LatencyHistogram both;
  LatencyHistogram also;
  for (int i = 0; i < 2000; ++i) {
    const double ms = i % 100 == 0 ? 0.0 : i % 101 == 0 ? 3e7 : 0.01 + rng.uniform01() * 500.0;
    one_by_one.add(ms);
    both.add(ms, also);
  }
  for (const LatencyHistogram* h : {&both, &also}) {
    EXPECT_EQ(h->count(), one_by_one.count());
    EXPECT_EQ(h->mean(), one_by_one.mean());
    EXPECT_EQ(h->min(), one_by_one.min());
    EXPECT_EQ(h->max(), one_by_one.max());
    for (int permille = 0; permille <= 1000; ++permille) {
      ASSERT_EQ(h->percentile(permille / 1000.0), one_by_one.percentile(permille / 1000.0))
          << permille;
    }
  }
  EXPECT_THROW(both.add(-1.0, also), models::InvariantViolation);
}

TEST(Histogram, NegativeLatencyIsRejected) {
  LatencyHistogram histogram;
  EXPECT_THROW(histogram.add(-1.0), models::InvariantViolation);
}

TEST(Histogram, QuantileRankFollowsTheSmallestValueDefinition) {
  EXPECT_EQ(quantile_rank(0.0, 10), 1u);
  EXPECT_EQ(quantile_rank(0.5, 10), 5u);
  EXPECT_EQ(quantile_rank(0.51, 10), 6u);
  EXPECT_EQ(quantile_rank(0.99, 100), 99u);  // 0.99 * 100 is not exactly 99 in binary
  EXPECT_EQ(quantile_rank(0.999, 1000), 999u);
  EXPECT_EQ(quantile_rank(0.9, 10), 9u);
  EXPECT_EQ(quantile_rank(1.0, 10), 10u);
  EXPECT_EQ(quantile_rank(0.999, 3), 3u);
}

}  // namespace
}  // namespace cutover::analysis
