#include "analysis/checkers/lost_writes.h"

#include <vector>

#include <gtest/gtest.h>

#include "facts_builder.h"

namespace cutover::analysis {
namespace {

using testing::FactsBuilder;
using testing::Indices;
using testing::version;

TEST(LostWrites, NothingIsLostWhenEveryAckedWriteSurvives) {
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 1));
  b.write(5, 20, OpOutcome::kOk, 2, version(1, 2));
  b.survive(1, version(1, 1)).survive(2, version(1, 2));
  b.failover(500, 0, 1, 2);

  const LostWrites lost = find_lost_writes(b.facts());
  EXPECT_EQ(lost.count, 0u);
  EXPECT_TRUE(lost.lost_operations.empty());
  EXPECT_EQ(lost.rpo_ms, 0.0);
}

TEST(LostWrites, OverwrittenWriteIsStillPresent) {
  // Two writes to key 7: the later one does not hide the earlier one, both are in the log.
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 7, version(1, 1));
  b.write(20, 30, OpOutcome::kOk, 7, version(1, 2));
  b.survive(7, version(1, 1)).survive(7, version(1, 2));

  EXPECT_EQ(find_lost_writes(b.facts()).count, 0u);
}

TEST(LostWrites, OnlyTheMissingVersionOfAnOverwrittenKeyIsLost) {
  FactsBuilder b;
  const auto first = b.write(0, 10, OpOutcome::kOk, 7, version(1, 1));
  b.write(20, 30, OpOutcome::kOk, 7, version(1, 2));
  b.survive(7, version(1, 2));
  b.failover(100, 0, 1, 2);

  const LostWrites lost = find_lost_writes(b.facts());
  EXPECT_EQ(lost.lost_operations, (Indices{first}));
  EXPECT_DOUBLE_EQ(lost.rpo_ms, 90.0);  // failover at 100 - ack at 10
}

TEST(LostWrites, ACompactedPrefixKeepsTheWritesItsStateStillHolds) {
  // Raft compacted indices 1..3 into a snapshot: key 7 holds version (1,3), key 8 (1,2). The
  // same with keys from 2^40 on (the snapshot is searched instead of indexed by key).
  for (const Key base : {Key{0}, Key{1} << 40}) {
    SCOPED_TRACE(::testing::Message() << "keys from " << base);
    FactsBuilder b;
    b.write(0, 10, OpOutcome::kOk, base + 7, version(1, 1));  // overwritten by (1,3): kept
    b.write(0, 10, OpOutcome::kOk, base + 8, version(1, 2));  // the key's state: kept
    b.write(0, 10, OpOutcome::kOk, base + 7, version(1, 3));  // the key's state: kept
    const auto unknown_key = b.write(0, 10, OpOutcome::kOk, base + 9, version(1, 2));
    const auto below_keys = b.write(0, 10, OpOutcome::kOk, base + 2, version(1, 1));
    const auto after_snapshot = b.write(0, 10, OpOutcome::kOk, base + 7, version(1, 4));
    b.facts().final_state.survivor = NodeId(0);
    b.facts().final_state.snapshot_index = models::LogIndex(3);
    b.facts().final_state.snapshot_cells = {{.key = base + 7, .version = version(1, 3)},
                                            {.key = base + 8, .version = version(1, 2)}};
    b.failover(100, 0, 1, 2);

    // Version (1,4) lies after the snapshot and is not in the log: lost. Keys 2 and 9 are in no
    // state.
    EXPECT_EQ(find_lost_writes(b.facts()).lost_operations,
              (Indices{unknown_key, below_keys, after_snapshot}));
  }
}

TEST(LostWrites, VersionPresentUnderAnotherKeyIsLost) {
  // The new primary reused (epoch 1, index 3) for a different key: the acknowledged write to
  // key 5 is gone even though its version number appears in the log.
  FactsBuilder b;
  const auto op = b.write(0, 40, OpOutcome::kOk, 5, version(1, 3));
  b.survive(6, version(1, 3));
  b.failover(50, 0, 1, 2);

  const LostWrites lost = find_lost_writes(b.facts());
  EXPECT_EQ(lost.count, 1u);
  EXPECT_EQ(lost.lost_operations, (Indices{op}));
  EXPECT_DOUBLE_EQ(lost.rpo_ms, 10.0);
}

TEST(LostWrites, TimedOutAndFailedWritesNeverCount) {
  FactsBuilder b;
  b.write(0, 1000, OpOutcome::kTimedOut, 1, version(1, 1));  // effect unknown
  b.write(0, 5, OpOutcome::kFailed, 2, version(0, 0));       // refused
  b.failover(2000, 0, 1, 2);

  const LostWrites lost = find_lost_writes(b.facts());
  EXPECT_EQ(lost.count, 0u);
  EXPECT_EQ(lost.rpo_ms, 0.0);
}

TEST(LostWrites, ReadsAreNeverLostWrites) {
  FactsBuilder b;
  b.read(0, 5, OpOutcome::kOk);
  EXPECT_EQ(find_lost_writes(b.facts()).count, 0u);
}

TEST(LostWrites, RpoIsTheLargerGapOfTwoFailovers) {
  FactsBuilder b;
  // Lost by the failover at 1000 ms: earliest ack 900 -> window 100 ms.
  const auto a = b.write(850, 900, OpOutcome::kOk, 1, version(1, 10));
  const auto c = b.write(940, 950, OpOutcome::kOk, 2, version(1, 11));
  // Lost by the failover at 5000 ms: earliest ack 4700 -> window 300 ms.
  const auto d = b.write(4690, 4700, OpOutcome::kOk, 3, version(2, 5));
  const auto e = b.write(4900, 4990, OpOutcome::kOk, 4, version(2, 6));
  b.write(100, 110, OpOutcome::kOk, 9, version(1, 1));  // survives
  b.survive(9, version(1, 1));
  b.failover(1000, 0, 1, 2).failover(5000, 1, 0, 3);

  const LostWrites lost = find_lost_writes(b.facts());
  EXPECT_EQ(lost.count, 4u);
  EXPECT_EQ(lost.lost_operations, (Indices{a, c, d, e}));
  EXPECT_DOUBLE_EQ(lost.rpo_ms, 300.0);
}

TEST(LostWrites, FailoverAtTheAckInstantIsTheOneThatLostIt) {
  FactsBuilder b;
  b.write(0, 1000, OpOutcome::kOk, 1, version(1, 1));
  b.failover(1000, 0, 1, 2).failover(3000, 1, 0, 3);

  EXPECT_DOUBLE_EQ(find_lost_writes(b.facts()).rpo_ms, 0.0);
  EXPECT_EQ(find_lost_writes(b.facts()).count, 1u);
}

TEST(LostWrites, UnorderedFailoversAreAttributedByTime) {
  FactsBuilder b;
  b.write(0, 800, OpOutcome::kOk, 1, version(1, 1));
  b.failover(5000, 1, 0, 3).failover(1000, 0, 1, 2);

  EXPECT_DOUBLE_EQ(find_lost_writes(b.facts()).rpo_ms, 200.0);
}

TEST(LostWrites, NoSurvivorLosesEveryAckedWrite) {
  FactsBuilder b;
  const auto a = b.write(0, 100, OpOutcome::kOk, 1, version(1, 1));
  const auto c = b.write(200, 300, OpOutcome::kOk, 2, version(1, 2));
  b.write(400, 500, OpOutcome::kTimedOut, 3, version(1, 3));
  b.survive(1, version(1, 1));  // a log without a survivor does not count
  b.facts().final_state.survivor.reset();
  b.simulated_s(2);

  const LostWrites lost = find_lost_writes(b.facts());
  EXPECT_EQ(lost.lost_operations, (Indices{a, c}));
  // No failover after them: the loss is dated at the end of the run (2 s).
  EXPECT_DOUBLE_EQ(lost.rpo_ms, 1900.0);
}

TEST(LostWrites, WritesAfterTheLastFailoverAreDatedAtTheEndOfTheRun) {
  FactsBuilder b;
  b.write(0, 100, OpOutcome::kOk, 1, version(1, 1));      // lost by the failover at 1 s
  b.write(1500, 1600, OpOutcome::kOk, 2, version(1, 2));  // acked after it, also missing
  b.failover(1000, 0, 1, 2).simulated_s(3);

  const LostWrites lost = find_lost_writes(b.facts());
  EXPECT_EQ(lost.count, 2u);
  EXPECT_DOUBLE_EQ(lost.rpo_ms, 1400.0);  // max(1000 - 100, 3000 - 1600)
}

}  // namespace
}  // namespace cutover::analysis
