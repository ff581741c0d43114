#include "analysis/checkers/session_guarantees.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace cutover::analysis
