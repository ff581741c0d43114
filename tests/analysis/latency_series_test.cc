// Latency over time and the latency CDF (analysis/latency_series.h) on hand-written histories:
// each expectation is worked out from the operations listed beside it.
#include "analysis/latency_series.h"

#include <algorithm>
#include <array>
#include <vector>

#include <gtest/gtest.h>

#include "analysis/quantile.h"
#include "models/core/rng.h"

#include "tests/analysis/facts_builder.h"

namespace cutover::analysis {
namespace {

using testing::FactsBuilder;

TEST(LatencyBucketWidth, IsTheSmallestRoundWidthThatFitsTheBucketCount) {
  EXPECT_DOUBLE_EQ(latency_bucket_s(61, 120), 1.0);   // 0.508 s per bucket needed: 1 s
  EXPECT_DOUBLE_EQ(latency_bucket_s(52, 120), 0.5);   // 0.433 s: 0.5 s
  EXPECT_DOUBLE_EQ(latency_bucket_s(10, 100), 0.1);   // exactly 0.1 s
  EXPECT_DOUBLE_EQ(latency_bucket_s(3000, 120), 50);  // 25 s: 50 s
  EXPECT_DOUBLE_EQ(latency_bucket_s(0, 120), 0.001);  // an empty run: the 1 ms floor
}

TEST(LatencyOverTime, BucketsByCompletionWithExactPercentilesAndErrorCounts) {
  FactsBuilder b;
  b.simulated_s(3);
  // Bucket [0, 1): three acknowledged writes of 10, 30 and 20 ms.
  b.write(90, 100, OpOutcome::kOk, 1, testing::version(1, 1));
  b.write(470, 500, OpOutcome::kOk, 2, testing::version(1, 2));
  b.write(880, 900, OpOutcome::kOk, 3, testing::version(1, 3));
  // Invoked in bucket 0, completed in bucket 1 (40 ms): counted where it completes.
  b.write(990, 1030, OpOutcome::kOk, 4, testing::version(1, 4));
  // Bucket [1, 2): a timeout and a failure are errors; a rejected write is neither.
  b.write(500, 1500, OpOutcome::kTimedOut, 5, Version{});
  b.write(1600, 1601, OpOutcome::kFailed, 6, Version{});
  b.write(1700, 1700, OpOutcome::kRejected, 7, Version{});
  // Completed at the run's end exactly: the last bucket.
  b.read(2995, 3000, OpOutcome::kOk);

  const LatencyTimeline timeline = latency_over_time(b.facts(), 1.0);
  ASSERT_EQ(timeline.start_s, (std::vector<double>{0, 1, 2}));
  const std::vector<LatencyBucket>& writes = timeline.by_kind[0];
  const std::vector<LatencyBucket>& reads = timeline.by_kind[1];
  ASSERT_EQ(writes.size(), 3u);
  // p50 of {10, 20, 30}: rank ceil(1.5) = 2 -> 20; p99: rank ceil(2.97) = 3 -> 30.
  EXPECT_EQ(writes[0].ok, 3u);
  EXPECT_EQ(writes[0].errors, 0u);
  EXPECT_NEAR(*writes[0].p50_ms, 20, 1e-9);
  EXPECT_NEAR(*writes[0].p99_ms, 30, 1e-9);
  EXPECT_EQ(writes[1].ok, 1u);
  EXPECT_EQ(writes[1].errors, 2u);
  EXPECT_NEAR(*writes[1].p99_ms, 40, 1e-9);
  EXPECT_EQ(writes[2].ok, 0u);
  EXPECT_FALSE(writes[2].p50_ms.has_value());
  EXPECT_EQ(reads[2].ok, 1u);
  EXPECT_NEAR(*reads[2].p50_ms, 5, 1e-9);
}

TEST(LatencyCdf, ListsEachDistinctLatencyWithTheFractionAtOrBelowIt) {
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, testing::version(1, 1));
  b.write(0, 20, OpOutcome::kOk, 2, testing::version(1, 2));
  b.write(100, 120, OpOutcome::kOk, 3, testing::version(1, 3));
  b.write(0, 40, OpOutcome::kOk, 4, testing::version(1, 4));
  b.write(0, 500, OpOutcome::kTimedOut, 5, Version{});  // not acknowledged: not in the CDF
  b.read(0, 1, OpOutcome::kFailed);

  const std::vector<CdfPoint> cdf = latency_cdf(b.facts(), OpKind::kWrite);
  ASSERT_EQ(cdf.size(), 3u);  // 10, 20 (twice), 40
  EXPECT_NEAR(cdf[0].latency_ms, 10, 1e-9);
  EXPECT_DOUBLE_EQ(cdf[0].fraction, 0.25);
  EXPECT_NEAR(cdf[1].latency_ms, 20, 1e-9);
  EXPECT_DOUBLE_EQ(cdf[1].fraction, 0.75);
  EXPECT_NEAR(cdf[2].latency_ms, 40, 1e-9);
  EXPECT_DOUBLE_EQ(cdf[2].fraction, 1.0);
  EXPECT_TRUE(latency_cdf(b.facts(), OpKind::kRead).empty());
}

TEST(LatencyCdf, ManyOperationsAreThinnedToQuantileLevelsKeepingTheTail) {
  FactsBuilder b;
  // 3,000 writes of 1, 2, ..., 3000 ms: the q-quantile is 3000 q ms exactly.
  constexpr int kWrites = 3000;
  for (int i = 1; i <= kWrites; ++i) {
    b.write(0, i, OpOutcome::kOk, static_cast<Key>(i), testing::version(1, i));
  }
  const std::vector<CdfPoint> cdf = latency_cdf(b.facts(), OpKind::kWrite);
  // 1,000 coarse levels; 1,000 tail levels above 0.99 cover ranks 2971..3000, 30 of them, of
  // which 0.99 itself (rank 2970) and the multiples of 1/1000 (every third rank) repeat.
  EXPECT_EQ(cdf.size(), 1000u + 20u);
  for (std::size_t i = 1; i < cdf.size(); ++i) {
    ASSERT_LT(cdf[i - 1].latency_ms, cdf[i].latency_ms);
    ASSERT_LT(cdf[i - 1].fraction, cdf[i].fraction);
  }
  EXPECT_NEAR(cdf.front().latency_ms, 3, 1e-9);  // level 0.001: rank 3
  EXPECT_NEAR(cdf[499].latency_ms, 1500, 1e-9);  // level 0.5
  EXPECT_DOUBLE_EQ(cdf[499].fraction, 0.5);
  EXPECT_NEAR(cdf.back().latency_ms, 3000, 1e-9);
  EXPECT_DOUBLE_EQ(cdf.back().fraction, 1.0);
  // Every one of the 30 slowest writes is its own point.
  EXPECT_NEAR(cdf[cdf.size() - 30].latency_ms, 2971, 1e-9);
}

// Differential: the series count, sort and select latencies their own way (as microsecond
// counts, by counting when they span little, by selection, both kinds in the same passes);
// over random latencies they must match a plain sort of the ms values. Two spans: up to
// ~0.5 s (counted per microsecond, stored in 4 bytes) and up to ~9.5 hours (sorted, stored in
// 8 bytes), ties included. Writes and reads get different spans (reads a tenth).
TEST(LatencySeries, MatchAPlainSortOfRandomLatencies) {
  for (const std::uint64_t magnitude_bits : {19u, 35u}) {
    SCOPED_TRACE(::testing::Message() << "latencies below 2^" << magnitude_bits << " us");
    models::Rng rng(8);
    FactsBuilder b;
    b.simulated_s(100);
    std::array<std::vector<double>, 2> latencies_ms;  // [0] writes, [1] reads
    std::array<std::vector<std::vector<double>>, 2> by_bucket;
    by_bucket.fill(std::vector<std::vector<double>>(10));
    for (int i = 0; i < 10'000; ++i) {
      const std::size_t kind = rng.bernoulli(0.5) ? 0 : 1;
      const double completed_ms = static_cast<double>(rng.uniform_below(100'000));
      const std::uint64_t magnitude = std::uint64_t{1} << rng.uniform_below(magnitude_bits + 1);
      const double latency_ms =
          static_cast<double>(rng.uniform_below(magnitude)) / (kind == 0 ? 1000.0 : 10'000.0);
      if (kind == 0) {
        b.write(completed_ms - latency_ms, completed_ms, OpOutcome::kOk, 1, testing::version(1, i));
      } else {
        b.read(completed_ms - latency_ms, completed_ms, OpOutcome::kOk);
      }
      latencies_ms[kind].push_back(
          models::to_ms(testing::at_ms(completed_ms) - testing::at_ms(completed_ms - latency_ms)));
      by_bucket[kind][static_cast<std::size_t>(completed_ms / 10'000)].push_back(
          latencies_ms[kind].back());
    }
    const LatencyTimeline timeline = latency_over_time(b.facts(), 10.0);
    for (std::size_t kind = 0; kind < 2; ++kind) {
      SCOPED_TRACE(kind == 0 ? "writes" : "reads");
      std::vector<double>& sorted = latencies_ms[kind];
      std::sort(sorted.begin(), sorted.end());
      const std::vector<CdfPoint> cdf =
          latency_cdf(b.facts(), kind == 0 ? OpKind::kWrite : OpKind::kRead);
      ASSERT_GT(cdf.size(), 500u);
      for (const CdfPoint& point : cdf) {
        const auto at_most =
            std::upper_bound(sorted.begin(), sorted.end(), point.latency_ms) - sorted.begin();
        ASSERT_TRUE(std::binary_search(sorted.begin(), sorted.end(), point.latency_ms));
        ASSERT_EQ(point.fraction,
                  static_cast<double>(at_most) / static_cast<double>(sorted.size()));
      }
      EXPECT_EQ(cdf.front().latency_ms, sorted[quantile_rank(0.001, sorted.size()) - 1]);
      EXPECT_EQ(cdf.back().latency_ms, sorted.back());

      ASSERT_EQ(timeline.by_kind[kind].size(), by_bucket[kind].size());
      for (std::size_t i = 0; i < by_bucket[kind].size(); ++i) {
        std::vector<double>& bucket = by_bucket[kind][i];
        std::sort(bucket.begin(), bucket.end());
        EXPECT_EQ(timeline.by_kind[kind][i].ok, bucket.size()) << i;
        EXPECT_EQ(timeline.by_kind[kind][i].p50_ms, exact_percentile(bucket, 0.50)) << i;
        EXPECT_EQ(timeline.by_kind[kind][i].p99_ms, exact_percentile(bucket, 0.99)) << i;
      }
    }
  }
}

}  // namespace
}  // namespace cutover::analysis
