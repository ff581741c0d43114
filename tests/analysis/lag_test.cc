#include "analysis/lag.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "facts_builder.h"

namespace cutover::analysis {
namespace {

using testing::FactsBuilder;

TEST(Lag, SummarisesEachReplicaExactly) {
  FactsBuilder b;
  RunFacts& facts = b.facts();
  facts.replicas = {"a-0", "b-0"};
  facts.lag.lag_ms.resize(2);
  for (int i = 100; i >= 1; --i) {  // unsorted on purpose
    facts.lag.lag_ms[0].push_back(i);
    facts.lag.lag_ms[1].push_back(0.0);
  }

  const auto summaries = summarize_lag(facts);
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].replica, "a-0");
  EXPECT_EQ(summaries[0].samples, 100u);
  EXPECT_DOUBLE_EQ(*summaries[0].p50, 50.0);  // smallest v with >= 50 samples <= v
  EXPECT_DOUBLE_EQ(*summaries[0].p99, 99.0);
  EXPECT_DOUBLE_EQ(*summaries[0].max, 100.0);
  EXPECT_DOUBLE_EQ(*summaries[1].p99, 0.0);
}

TEST(Lag, ReplicaWithoutSamplesHasNoValues) {
  FactsBuilder b;
  b.facts().lag.lag_ms = {{1.0, 2.0}};  // only the first replica was sampled

  const auto summaries = summarize_lag(b.facts());
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_FALSE(summaries[1].p50.has_value());
  EXPECT_FALSE(summaries[1].max.has_value());
}

TEST(Lag, NonFiniteSamplesAreSkipped) {
  FactsBuilder b;
  b.facts().lag.lag_ms = {{std::numeric_limits<double>::quiet_NaN(), 3.0, 1.0},
                          {std::numeric_limits<double>::infinity()}};

  const auto summaries = summarize_lag(b.facts());
  EXPECT_EQ(summaries[0].samples, 2u);
  EXPECT_DOUBLE_EQ(*summaries[0].max, 3.0);
  EXPECT_DOUBLE_EQ(*summaries[0].p50, 1.0);
  EXPECT_FALSE(summaries[1].max.has_value());
}

}  // namespace
}  // namespace cutover::analysis
