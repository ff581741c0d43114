#include "analysis/checkers/stale_reads.h"

#include <vector>

#include <gtest/gtest.h>

#include "facts_builder.h"

namespace cutover::analysis {
namespace {

using testing::FactsBuilder;
using testing::Indices;
using testing::version;

TEST(StaleReads, ReadOfTheLatestAcknowledgedWriteIsFresh) {
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 1));
  b.write(20, 30, OpOutcome::kOk, 1, version(1, 2));
  b.read_of(40, 45, OpOutcome::kOk, 1, version(1, 2));
  b.read_of(5, 8, OpOutcome::kOk, 1, version(0, 0));  // before any ack: the initial state

  const StaleReads stale = find_stale_reads(b.facts());
  EXPECT_EQ(stale.overall.count, 0u);
  EXPECT_EQ(stale.overall.max_staleness_ms, 0.0);
}

TEST(StaleReads, ReadRightAfterAFailoverMissesTheLastAcknowledgedWrite) {
  // The primary acknowledges (1,5) at 100 ms and dies; the backup it had not reached takes over
  // at 150 ms and answers a read at 200 ms with (1,4).
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 4));
  b.write(90, 100, OpOutcome::kOk, 1, version(1, 5));
  b.failover(150, 0, 1, 2);
  const auto r = b.read_of(200, 210, OpOutcome::kOk, 1, version(1, 4), 1);

  const StaleReads stale = find_stale_reads(b.facts());
  EXPECT_EQ(stale.stale_operations, (Indices{r}));
  EXPECT_EQ(stale.overall.count, 1u);
  EXPECT_DOUBLE_EQ(stale.overall.max_staleness_ms, 100.0);  // (1,5) acked 100 ms before
  EXPECT_EQ(stale.by_region[0].count, 0u);
  EXPECT_EQ(stale.by_region[1].count, 1u);
}

TEST(StaleReads, StalenessCountsFromTheEarliestNewerWrite) {
  // Read returns (1,1); (1,2) acked at 10 and (1,3) at 50 are both newer: stale since 10.
  FactsBuilder b;
  b.write(0, 5, OpOutcome::kOk, 1, version(1, 1));
  b.write(6, 10, OpOutcome::kOk, 1, version(1, 2));
  b.write(40, 50, OpOutcome::kOk, 1, version(1, 3));
  b.read_of(110, 111, OpOutcome::kOk, 1, version(1, 1));
  EXPECT_DOUBLE_EQ(find_stale_reads(b.facts()).overall.max_staleness_ms, 100.0);
}

TEST(StaleReads, ConcurrentUnacknowledgedAndOtherKeyWritesDoNotMakeAReadStale) {
  FactsBuilder b;
  b.write(0, 100, OpOutcome::kOk, 1, version(1, 2));       // acked as the read begins
  b.write(0, 50, OpOutcome::kTimedOut, 1, version(1, 3));  // never acknowledged
  b.write(0, 50, OpOutcome::kFailed, 1, version(0, 0));    // refused
  b.write(0, 10, OpOutcome::kOk, 2, version(1, 1));        // another key
  b.read_of(100, 120, OpOutcome::kOk, 1, version(0, 0));
  b.read_of(200, 220, OpOutcome::kTimedOut, 1, version(0, 0));  // returned nothing
  EXPECT_EQ(find_stale_reads(b.facts()).overall.count, 0u);
}

TEST(StaleReads, FiguresAreBrokenDownByPhase) {
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 2));
  b.read_of(30, 31, OpOutcome::kOk, 1, version(1, 1));    // steady, 20 ms stale
  b.read_of(110, 111, OpOutcome::kOk, 1, version(1, 1));  // cutover, 100 ms stale
  b.read_of(510, 511, OpOutcome::kOk, 1, version(1, 1));  // after every phase
  b.phase("steady", 0, 100).phase("cutover", 100, 500);

  const StaleReads stale = find_stale_reads(b.facts());
  EXPECT_EQ(stale.overall.count, 3u);
  EXPECT_DOUBLE_EQ(stale.overall.max_staleness_ms, 500.0);
  ASSERT_EQ(stale.by_phase.size(), 2u);
  EXPECT_EQ(stale.by_phase[0].count, 1u);
  EXPECT_DOUBLE_EQ(stale.by_phase[0].max_staleness_ms, 20.0);
  EXPECT_EQ(stale.by_phase[1].count, 1u);
  EXPECT_DOUBLE_EQ(stale.by_phase[1].max_staleness_ms, 100.0);
}

}  // namespace
}  // namespace cutover::analysis
