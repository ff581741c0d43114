#include "analysis/checkers/linearizability.h"

#include <algorithm>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "models/core/rng.h"

#include "facts_builder.h"
#include "generated_history.h"

namespace cutover::analysis {
namespace {

using testing::FactsBuilder;
using testing::generated_history;
using testing::Indices;
using testing::version;
using Verdict = LinearizabilityVerdict;

Linearizability check(const RunFacts& facts, const LinearizabilityConfig& config = {}) {
  return check_linearizability(facts, config);
}

// --- Linearizable histories ---------------------------------------------------------------------

TEST(Linearizability, SequentialReadsOfTheLatestWriteAreLinearizable) {
  FactsBuilder b;
  b.read_of(0, 1, OpOutcome::kOk, 1, version(0, 0));  // never written yet
  b.write(2, 3, OpOutcome::kOk, 1, version(1, 1));
  b.read_of(4, 5, OpOutcome::kOk, 1, version(1, 1));
  b.write(6, 7, OpOutcome::kOk, 1, version(1, 2));
  b.read_of(8, 9, OpOutcome::kOk, 1, version(1, 2));

  const Linearizability result = check(b.facts());
  EXPECT_EQ(result.verdict, Verdict::kLinearizable);
  EXPECT_EQ(result.checked_keys, 1u);
  EXPECT_TRUE(result.counterexample.empty());
}

TEST(Linearizability, AReadConcurrentWithAWriteMaySeeEitherVersion) {
  // W(1,1) spans [0, 100]; a read inside it may be ordered before or after the write.
  for (const Version seen : {version(0, 0), version(1, 1)}) {
    FactsBuilder b;
    b.write(0, 100, OpOutcome::kOk, 1, version(1, 1));
    b.read_of(10, 20, OpOutcome::kOk, 1, seen);
    EXPECT_EQ(check(b.facts()).verdict, Verdict::kLinearizable) << seen.index.value;
  }
}

TEST(Linearizability, OperationsTouchingAtAnInstantAreConcurrent) {
  // The write is acknowledged at 10 ms, the instant the read begins: either order is allowed.
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 1));
  b.read_of(10, 12, OpOutcome::kOk, 1, version(0, 0));
  EXPECT_EQ(check(b.facts()).verdict, Verdict::kLinearizable);
}

TEST(Linearizability, ATimedOutWriteThatLaterAppearsTookEffect) {
  // The client gave up at 1 s; the write had been applied, and a read at 2 s returns it.
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 1));
  b.write(20, 1020, OpOutcome::kTimedOut, 1, version(1, 2));
  b.read_of(2000, 2010, OpOutcome::kOk, 1, version(1, 2));
  b.read_of(2100, 2110, OpOutcome::kOk, 1, version(1, 2));
  EXPECT_EQ(check(b.facts()).verdict, Verdict::kLinearizable);
}

TEST(Linearizability, ATimedOutWriteOfUnknownVersionExplainsAnOrphanRead) {
  // The client never learnt the version; a later read returns one no known write produced.
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 1));
  b.write(20, 1020, OpOutcome::kTimedOut, 1, version(0, 0));
  b.read_of(2000, 2010, OpOutcome::kOk, 1, version(1, 7));
  EXPECT_EQ(check(b.facts()).verdict, Verdict::kLinearizable);
}

TEST(Linearizability, ATimedOutWriteMayNeverTakeEffect) {
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 1));
  b.write(20, 1020, OpOutcome::kTimedOut, 1, version(1, 2));
  b.read_of(2000, 2010, OpOutcome::kOk, 1, version(1, 1));
  EXPECT_EQ(check(b.facts()).verdict, Verdict::kLinearizable);
}

TEST(Linearizability, FailedOperationsHadNoEffect) {
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 1));
  b.write(20, 30, OpOutcome::kFailed, 1, version(0, 0));
  b.read_of(40, 50, OpOutcome::kFailed, 1, version(0, 0));
  b.read_of(60, 70, OpOutcome::kOk, 1, version(1, 1));
  EXPECT_EQ(check(b.facts()).verdict, Verdict::kLinearizable);
}

// --- Violations ---------------------------------------------------------------------------------

TEST(Linearizability, AStaleReadAfterAFailoverIsAViolationWithAMinimalCounterexample) {
  FactsBuilder b;
  b.write(0, 1, OpOutcome::kOk, 1, version(1, 1));    // unrelated prefix: shrunk away
  b.read_of(2, 3, OpOutcome::kOk, 1, version(1, 1));  // unrelated prefix: shrunk away
  const auto old_write = b.write(4, 10, OpOutcome::kOk, 1, version(1, 4));
  const auto lost_write = b.write(90, 100, OpOutcome::kOk, 1, version(1, 5));
  b.failover(150, 0, 1, 2);
  const auto stale_read = b.read_of(200, 210, OpOutcome::kOk, 1, version(1, 4), 1);
  b.write(300, 310, OpOutcome::kOk, 2, version(2, 1));  // another key, linearizable

  const Linearizability result = check(b.facts());
  EXPECT_EQ(result.verdict, Verdict::kNotLinearizable);
  EXPECT_EQ(result.checked_keys, 2u);
  EXPECT_EQ(result.violating_keys, 1u);
  EXPECT_EQ(result.counterexample_key, Key{1});
  EXPECT_EQ(result.counterexample, (Indices{old_write, lost_write, stale_read}));
}

TEST(Linearizability, AReadOfAVersionNobodyWroteIsAViolation) {
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 1));
  const auto read = b.read_of(20, 30, OpOutcome::kOk, 1, version(1, 9));
  const Linearizability result = check(b.facts());
  EXPECT_EQ(result.verdict, Verdict::kNotLinearizable);
  EXPECT_EQ(result.counterexample, (Indices{read}));
}

TEST(Linearizability, AReadThatFinishesBeforeItsWriteBeginsIsAViolation) {
  // Also for a timed-out write: its interval is cut at the read, which is before it began.
  for (const OpOutcome outcome : {OpOutcome::kOk, OpOutcome::kTimedOut}) {
    FactsBuilder b;
    const auto read = b.read_of(0, 5, OpOutcome::kOk, 1, version(1, 1));
    const auto write = b.write(10, 20, outcome, 1, version(1, 1));
    const Linearizability result = check(b.facts());
    EXPECT_EQ(result.verdict, Verdict::kNotLinearizable);
    EXPECT_EQ(result.counterexample, (Indices{read, write}));
  }
}

TEST(Linearizability, TwoReadersDisagreeingOnTheOrderOfTwoWritesIsAViolation) {
  // W1 and W2 are concurrent and both done by 100 ms. Whatever their order, the register then
  // holds one version for good: reading (1,1), then (1,2), then (1,1) again is impossible.
  FactsBuilder b;
  b.write(0, 100, OpOutcome::kOk, 1, version(1, 1));
  b.write(0, 100, OpOutcome::kOk, 1, version(1, 2));
  b.read_of(200, 210, OpOutcome::kOk, 1, version(1, 1));
  b.read_of(220, 230, OpOutcome::kOk, 1, version(1, 2));
  b.read_of(240, 250, OpOutcome::kOk, 1, version(1, 1));
  const Linearizability result = check(b.facts());
  EXPECT_EQ(result.verdict, Verdict::kNotLinearizable);
  EXPECT_EQ(result.counterexample.size(), 4u);  // both writes, and two of the reads
}

// --- Budgets ------------------------------------------------------------------------------------

TEST(Linearizability, AnExhaustedStepBudgetGivesUnknown) {
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 1));
  b.read_of(20, 30, OpOutcome::kOk, 1, version(1, 1));
  b.write(40, 50, OpOutcome::kOk, 1, version(1, 2));
  const Linearizability result = check(b.facts(), {.steps_per_key_max = 2});
  EXPECT_EQ(result.verdict, Verdict::kUnknown);
  EXPECT_EQ(result.unknown_keys, 1u);
}

TEST(Linearizability, APathologicalSingleKeyHistoryGivesUnknownRatherThanRunningAway) {
  // 60 writes all concurrent, then reads that need two of them last: not linearizable, but
  // proving it means visiting every subset of the writes (60 * 2^59 configurations).
  FactsBuilder b;
  for (std::uint64_t i = 1; i <= 60; ++i) b.write(0, 100, OpOutcome::kOk, 1, version(1, i));
  b.read_of(200, 210, OpOutcome::kOk, 1, version(1, 1));
  b.read_of(220, 230, OpOutcome::kOk, 1, version(1, 2));
  b.read_of(240, 250, OpOutcome::kOk, 1, version(1, 1));
  const LinearizabilityConfig config;  // the defaults the report uses
  const Linearizability result = check(b.facts(), config);
  EXPECT_EQ(result.verdict, Verdict::kUnknown);
  EXPECT_EQ(result.unknown_keys, 1u);
  EXPECT_LE(result.steps, config.steps_per_key_max + 1);
}

TEST(Linearizability, TheTotalBudgetLeavesLaterKeysUnknown) {
  FactsBuilder b;
  for (Key key = 1; key <= 3; ++key) {
    b.write(0, 10, OpOutcome::kOk, key, version(1, key));
    b.read_of(20, 30, OpOutcome::kOk, key, version(1, key));
  }
  // Each key takes 2 steps (its two calls); 3 steps cover the first key only.
  const Linearizability result = check(b.facts(), {.steps_total_max = 3});
  EXPECT_EQ(result.verdict, Verdict::kUnknown);
  EXPECT_EQ(result.checked_keys, 3u);
  EXPECT_EQ(result.unknown_keys, 2u);
}

// --- Scale --------------------------------------------------------------------------------------

// A read r and writes a, c on its key with a acked before c began and c acked before r began:
// making r return a's version is a violation. Returns r's index.
std::size_t plant_stale_read(RunFacts& facts) {
  const auto& ops = facts.operations;
  for (std::size_t r = ops.size() / 2; r < ops.size(); ++r) {
    if (ops[r].kind != OpKind::kRead) continue;
    for (std::size_t a = 0; a < ops.size(); ++a) {
      if (ops[a].key != ops[r].key || ops[a].kind != OpKind::kWrite ||
          ops[a].outcome != OpOutcome::kOk) {
        continue;
      }
      for (std::size_t c = 0; c < ops.size(); ++c) {
        if (ops[c].key == ops[r].key && ops[c].kind == OpKind::kWrite &&
            ops[c].outcome == OpOutcome::kOk && ops[a].completed_at < ops[c].invoked_at &&
            ops[c].completed_at < ops[r].invoked_at && ops[r].version != ops[a].version) {
          Operation planted = ops[r];
          planted.version = ops[a].version;
          facts.operations.replace(r, planted);
          return r;
        }
      }
    }
  }
  ADD_FAILURE() << "no place to plant a stale read";
  return 0;
}

TEST(Linearizability, AHundredThousandOperationsOverAThousandKeysAreLinearizable) {
  const RunFacts facts = generated_history(100'000, 1'000, 200);
  const Linearizability result = check(facts);
  EXPECT_EQ(result.verdict, Verdict::kLinearizable);
  EXPECT_EQ(result.checked_keys, 1'000u);
  EXPECT_EQ(result.unknown_keys, 0u);
}

TEST(Linearizability, OneStaleReadAmongAHundredThousandOperationsIsFound) {
  RunFacts facts = generated_history(100'000, 1'000, 200);
  const std::size_t planted = plant_stale_read(facts);
  const Linearizability result = check(facts);
  EXPECT_EQ(result.verdict, Verdict::kNotLinearizable);
  EXPECT_EQ(result.violating_keys, 1u);
  EXPECT_EQ(result.counterexample_key, facts.operations[planted].key);
  EXPECT_TRUE(std::find(result.counterexample.begin(), result.counterexample.end(), planted) !=
              result.counterexample.end());
  EXPECT_LE(result.counterexample.size(), 4u);
}

}  // namespace
}  // namespace cutover::analysis
