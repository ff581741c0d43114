#include "analysis/checkers/session_guarantees.h"

#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "models/core/rng.h"

#include "facts_builder.h"

namespace cutover::analysis {
namespace {

using testing::FactsBuilder;
using testing::version;

TEST(SessionGuarantees, ASessionThatSeesItsWritesAndNeverGoesBackIsClean) {
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 1));
  b.read_of(20, 30, OpOutcome::kOk, 1, version(1, 1));
  b.read_of(40, 50, OpOutcome::kOk, 1, version(1, 3));  // someone else's newer write
  b.read_of(60, 70, OpOutcome::kOk, 1, version(1, 3));
  b.read_of(80, 90, OpOutcome::kOk, 2, version(0, 0));  // another key: no constraint

  const SessionGuarantees result = check_session_guarantees(b.facts());
  EXPECT_EQ(result.read_your_writes_violations, 0u);
  EXPECT_EQ(result.monotonic_read_violations, 0u);
}

TEST(SessionGuarantees, AReadMissingTheSessionsOwnAcknowledgedWriteBreaksReadYourWrites) {
  FactsBuilder b;
  const auto write = b.write(0, 10, OpOutcome::kOk, 1, version(1, 2));
  const auto read = b.read_of(20, 30, OpOutcome::kOk, 1, version(1, 1));  // e.g. a lagging backup

  const SessionGuarantees result = check_session_guarantees(b.facts());
  EXPECT_EQ(result.read_your_writes_violations, 1u);
  ASSERT_EQ(result.read_your_writes_examples.size(), 1u);
  EXPECT_EQ(result.read_your_writes_examples[0].earlier, write);
  EXPECT_EQ(result.read_your_writes_examples[0].read, read);
  EXPECT_EQ(result.monotonic_read_violations, 0u);
}

TEST(SessionGuarantees, AReadGoingBackInTimeForOneSessionBreaksMonotonicReads) {
  FactsBuilder b;
  const auto first = b.read_of(0, 10, OpOutcome::kOk, 1, version(1, 5));
  const auto back = b.read_of(20, 30, OpOutcome::kOk, 1, version(1, 4));
  // The same going-back by a different session is not a violation of this one.
  const auto other = b.read_of(0, 10, OpOutcome::kOk, 1, version(1, 9));
  b.op(other).session = 1;

  const SessionGuarantees result = check_session_guarantees(b.facts());
  EXPECT_EQ(result.monotonic_read_violations, 1u);
  ASSERT_EQ(result.monotonic_read_examples.size(), 1u);
  EXPECT_EQ(result.monotonic_read_examples[0].earlier, first);
  EXPECT_EQ(result.monotonic_read_examples[0].read, back);
  EXPECT_EQ(result.read_your_writes_violations, 0u);
}

TEST(SessionGuarantees, OverlappingOperationsOfASessionConstrainNothing) {
  FactsBuilder b;
  b.write(0, 25, OpOutcome::kOk, 1, version(1, 2));  // acked after the read began
  b.read_of(5, 20, OpOutcome::kOk, 1, version(1, 7));
  b.read_of(20, 30, OpOutcome::kOk, 1, version(1, 1));     // begins as the 1,7 read completes
  b.write(0, 10, OpOutcome::kTimedOut, 1, version(1, 9));  // the client never learnt it

  const SessionGuarantees result = check_session_guarantees(b.facts());
  EXPECT_EQ(result.read_your_writes_violations, 0u);
  EXPECT_EQ(result.monotonic_read_violations, 0u);
}

TEST(SessionGuarantees, ExamplesAreCappedButEveryViolationIsCounted) {
  FactsBuilder b;
  b.write(0, 1, OpOutcome::kOk, 1, version(1, 100));
  for (int i = 0; i < 15; ++i)
    b.read_of(10 + i * 10, 15 + i * 10, OpOutcome::kOk, 1, version(1, 1));

  const SessionGuarantees result = check_session_guarantees(b.facts());
  EXPECT_EQ(result.read_your_writes_violations, 15u);
  EXPECT_EQ(result.read_your_writes_examples.size(), SessionGuarantees::kExamplesMax);
  EXPECT_EQ(result.monotonic_read_violations, 0u);  // the reads agree with each other
}

// The definition in the header, applied literally: for each acknowledged read, every earlier
// acknowledged operation of its (client, session) and key, completed strictly before the read
// began; the newest of them (the first to complete among equals, then the lowest index) is
// what the read contradicts if it returns an older version.
struct NaiveFindings {
  std::vector<SessionViolation> read_your_writes;
  std::vector<SessionViolation> monotonic_reads;
};

NaiveFindings naive_session_check(const RunFacts& facts) {
  NaiveFindings found;
  const OperationLog& ops = facts.operations;
  for (std::size_t r = 0; r < ops.size(); ++r) {
    const Operation read = ops[r];
    if (read.kind != OpKind::kRead || read.outcome != OpOutcome::kOk) continue;
    std::optional<std::size_t> newest[2];  // [0] writes, [1] reads
    for (std::size_t e = 0; e < ops.size(); ++e) {
      const Operation earlier = ops[e];
      if (earlier.outcome != OpOutcome::kOk || earlier.key != read.key ||
          earlier.client != read.client || earlier.session != read.session ||
          !(earlier.completed_at < read.invoked_at)) {
        continue;
      }
      std::optional<std::size_t>& best = newest[earlier.kind == OpKind::kWrite ? 0 : 1];
      const bool better =
          !best || ops[*best].version < earlier.version ||
          (ops[*best].version == earlier.version &&
           std::pair(earlier.completed_at, e) < std::pair(ops[*best].completed_at, *best));
      if (better) best = e;
    }
    if (newest[0] && read.version < ops[*newest[0]].version) {
      found.read_your_writes.push_back({*newest[0], r});
    }
    if (newest[1] && read.version < ops[*newest[1]].version) {
      found.monotonic_reads.push_back({*newest[1], r});
    }
  }
  return found;
}

void expect_examples(const std::vector<SessionViolation>& examples,
                     const std::vector<SessionViolation>& all) {
  ASSERT_EQ(examples.size(), std::min(all.size(), SessionGuarantees::kExamplesMax));
  for (std::size_t i = 0; i < examples.size(); ++i) {
    EXPECT_EQ(examples[i].earlier, all[i].earlier) << i;
    EXPECT_EQ(examples[i].read, all[i].read) << i;
  }
}

// Differential: many sessions interleaved on few keys (so that the checker's grouping of a
// key's operations by session meets collisions and long sessions), random versions and
// overlapping times, some operations not acknowledged.
TEST(SessionGuarantees, MatchTheDefinitionOverManyInterleavedSessions) {
  models::Rng rng(5);
  FactsBuilder b;
  for (int i = 0; i < 1500; ++i) {
    const double invoked = static_cast<double>(rng.uniform_below(5000));
    const double completed = invoked + static_cast<double>(rng.uniform_below(40));
    const OpOutcome outcome = rng.bernoulli(0.9) ? OpOutcome::kOk : OpOutcome::kTimedOut;
    const Key key = rng.uniform_below(3);
    const Version v = version(1 + rng.uniform_below(2), rng.uniform_below(30));
    const auto index = rng.bernoulli(0.4) ? b.write(invoked, completed, outcome, key, v)
                                          : b.read_of(invoked, completed, outcome, key, v);
    b.op(index).client = models::ClientId(static_cast<std::uint32_t>(rng.uniform_below(20)));
    b.op(index).session = rng.uniform_below(3);
  }
  const RunFacts& facts = b.facts();
  const NaiveFindings expected = naive_session_check(facts);
  ASSERT_GT(expected.read_your_writes.size(), SessionGuarantees::kExamplesMax);
  ASSERT_GT(expected.monotonic_reads.size(), SessionGuarantees::kExamplesMax);

  const SessionGuarantees result = check_session_guarantees(facts);
  EXPECT_EQ(result.read_your_writes_violations, expected.read_your_writes.size());
  EXPECT_EQ(result.monotonic_read_violations, expected.monotonic_reads.size());
  expect_examples(result.read_your_writes_examples, expected.read_your_writes);
  expect_examples(result.monotonic_read_examples, expected.monotonic_reads);
}

}  // namespace
}  // namespace cutover::analysis
