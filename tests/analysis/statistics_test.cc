// The statistics behind `cutover run --seeds` and `cutover compare`, checked against values
// worked by hand (the t quantiles come from a printed table).
#include "analysis/statistics.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace cutover::analysis {
namespace {

TEST(DescribeSample, SmallSampleHasHandWorkedMeanSdAndStudentInterval) {
  // Sum 40 over 8 values: mean 5. Squared deviations 9+1+1+1+0+0+4+16 = 32, so the sample
  // variance is 32/7 and sd = 2.13809. t(0.975, 7 df) = 2.364624 from the table, so the half
  // width is 2.364624 * 2.13809 / sqrt(8) = 1.78749.
  const std::vector<double> sample = {2, 4, 4, 4, 5, 5, 7, 9};
  const SampleStatistics stats = describe_sample(sample);
  EXPECT_EQ(stats.count, 8u);
  EXPECT_DOUBLE_EQ(stats.mean, 5.0);
  ASSERT_TRUE(stats.sd.has_value());
  EXPECT_NEAR(*stats.sd, std::sqrt(32.0 / 7.0), 1e-12);
  ASSERT_TRUE(stats.ci_half_width.has_value());
  EXPECT_NEAR(*stats.ci_half_width, 1.78749, 1e-4);
  EXPECT_NEAR(*stats.ci_low, 5.0 - 1.78749, 1e-4);
  EXPECT_NEAR(*stats.ci_high, 5.0 + 1.78749, 1e-4);
  EXPECT_DOUBLE_EQ(stats.min, 2.0);
  EXPECT_DOUBLE_EQ(stats.max, 9.0);
}

TEST(DescribeSample, FourSeedsUseThreeDegreesOfFreedom) {
  // 10, 12, 14, 16: mean 13, variance (9+1+1+9)/3 = 20/3, t(0.975, 3) = 3.182446.
  const std::vector<double> sample = {10, 12, 14, 16};
  const SampleStatistics stats = describe_sample(sample);
  EXPECT_DOUBLE_EQ(stats.mean, 13.0);
  EXPECT_NEAR(*stats.ci_half_width, 3.182446 * std::sqrt(20.0 / 3.0) / 2.0, 1e-5);
}

TEST(DescribeSample, OneSampleHasNoSpread) {
  const std::vector<double> sample = {42};
  const SampleStatistics stats = describe_sample(sample);
  EXPECT_DOUBLE_EQ(stats.mean, 42.0);
  EXPECT_FALSE(stats.sd.has_value());
  EXPECT_FALSE(stats.ci_half_width.has_value());
  EXPECT_DOUBLE_EQ(stats.min, 42.0);
  EXPECT_DOUBLE_EQ(stats.max, 42.0);
}

TEST(BootstrapMeanDifference, ClearlyDifferentSamplesGiveAnIntervalAroundTheDifference) {
  // Means 2.5 and 12.5: the difference is 10. Each set's population variance is 1.25, so a
  // resampled mean of 4 values has sd sqrt(1.25 / 4) = 0.559 and the difference of two has
  // sd 0.791: a 95% interval of about 10 -/+ 1.96 * 0.791 = [8.45, 11.55] (the bootstrap
  // distribution is discrete, hence the slack).
  const std::vector<double> base = {1, 2, 3, 4};
  const std::vector<double> candidate = {11, 12, 13, 14};
  const DifferenceInterval interval = bootstrap_mean_difference(base, candidate, {.seed = 7});
  EXPECT_DOUBLE_EQ(interval.difference, 10.0);
  EXPECT_NEAR(interval.low, 8.45, 0.35);
  EXPECT_NEAR(interval.high, 11.55, 0.35);
  EXPECT_GT(interval.low, 0.0);
}

TEST(BootstrapMeanDifference, IdenticalSamplesGiveAnIntervalThatStraddlesZero) {
  // {5, 7, 9}: population variance 8/3, a resampled mean of 3 has sd 0.943, the difference of
  // two has sd 1.333: about -/+ 2.61.
  const std::vector<double> sample = {5, 7, 9};
  const DifferenceInterval interval = bootstrap_mean_difference(sample, sample, {.seed = 7});
  EXPECT_DOUBLE_EQ(interval.difference, 0.0);
  EXPECT_NEAR(interval.low, -2.61, 0.6);
  EXPECT_NEAR(interval.high, 2.61, 0.6);
}

TEST(BootstrapMeanDifference, ConstantIdenticalSamplesGiveExactlyZero) {
  const std::vector<double> sample = {3, 3, 3, 3};
  const DifferenceInterval interval = bootstrap_mean_difference(sample, sample, {.seed = 1});
  EXPECT_EQ(interval.low, 0.0);
  EXPECT_EQ(interval.high, 0.0);
}

TEST(BootstrapMeanDifference, SameSeedGivesTheSameInterval) {
  const std::vector<double> base = {1, 5, 2, 8, 3};
  const std::vector<double> candidate = {2, 6, 4, 9, 1};
  const DifferenceInterval first = bootstrap_mean_difference(base, candidate, {.seed = 99});
  const DifferenceInterval again = bootstrap_mean_difference(base, candidate, {.seed = 99});
  EXPECT_EQ(first.low, again.low);
  EXPECT_EQ(first.high, again.high);
}

}  // namespace
}  // namespace cutover::analysis
