#include "analysis/checkers/availability.h"

#include <gtest/gtest.h>

#include "facts_builder.h"

namespace cutover::analysis {
namespace {

using testing::at_ms;
using testing::FactsBuilder;
using testing::version;

TEST(Availability, CountsEveryOutcomePerKind) {
  FactsBuilder b;
  b.write(0, 1, OpOutcome::kOk, 1, version(1, 1));
  b.write(0, 1, OpOutcome::kOk, 1, version(1, 2));
  b.write(0, 1, OpOutcome::kFailed, 1, version(0, 0));
  b.write(0, 1, OpOutcome::kTimedOut, 1, version(0, 0));
  b.read(0, 1, OpOutcome::kOk);
  b.read(0, 1, OpOutcome::kTimedOut);

  const OpCounts writes = count_operations(b.facts(), OpKind::kWrite);
  EXPECT_EQ(writes.attempted, 4u);
  EXPECT_EQ(writes.ok, 2u);
  EXPECT_EQ(writes.failed, 1u);
  EXPECT_EQ(writes.timed_out, 1u);
  EXPECT_DOUBLE_EQ(*availability(writes), 0.5);

  const OpCounts reads = count_operations(b.facts(), OpKind::kRead);
  EXPECT_EQ(reads.attempted, 2u);
  EXPECT_DOUBLE_EQ(*availability(reads), 0.5);
}

TEST(Availability, NoOperationsIsNoValue) {
  FactsBuilder b;
  b.write(0, 1, OpOutcome::kOk, 1, version(1, 1));
  EXPECT_FALSE(availability(count_operations(b.facts(), OpKind::kRead)).has_value());
  EXPECT_DOUBLE_EQ(*availability(count_operations(b.facts(), OpKind::kWrite)), 1.0);
}

TEST(Rto, FirstWriteInvokedAfterTheFaultDefinesRecovery) {
  FactsBuilder b;
  b.fault("region_outage us-east-1", 1000, 4000, true);
  // In flight at the fault start, acked by the old primary: says nothing about recovery.
  b.write(990, 1005, OpOutcome::kOk, 1, version(1, 1));
  b.write(1100, 2100, OpOutcome::kTimedOut, 1, version(0, 0));
  b.write(1200, 1210, OpOutcome::kFailed, 1, version(0, 0));
  b.write(2500, 2600, OpOutcome::kOk, 1, version(2, 1));
  b.write(2550, 2580, OpOutcome::kOk, 1, version(2, 2));  // completes first
  b.read(1100, 1101, OpOutcome::kOk);                     // reads do not count

  const Recovery recovery = measure_recovery(b.facts());
  ASSERT_EQ(recovery.faults.size(), 1u);
  EXPECT_TRUE(recovery.faults[0].recovered());
  EXPECT_DOUBLE_EQ(*recovery.faults[0].rto_ms, 1580.0);
  EXPECT_EQ(recovery.faults[0].description, "region_outage us-east-1");
  EXPECT_EQ(recovery.faults[0].start, at_ms(1000));
  EXPECT_EQ(recovery.faults[0].end, at_ms(4000));
  EXPECT_DOUBLE_EQ(*recovery.rto_ms, 1580.0);
}

TEST(Rto, WriteInvokedAtTheFaultStartCounts) {
  FactsBuilder b;
  b.fault("partition", 1000, std::nullopt, true);
  b.write(1000, 1020, OpOutcome::kOk, 1, version(1, 1));
  EXPECT_DOUBLE_EQ(*measure_recovery(b.facts()).rto_ms, 20.0);
}

TEST(Rto, IsTheWorstOfSeveralDisruptiveFaults) {
  FactsBuilder b;
  b.fault("outage a", 1000, 2000, true);
  b.fault("latency spike", 1500, 1800, false);
  b.fault("outage b", 5000, 6000, true);
  b.write(1200, 1300, OpOutcome::kOk, 1, version(2, 1));  // 300 ms after a
  b.write(5000, 5900, OpOutcome::kOk, 1, version(3, 1));  // 900 ms after b

  const Recovery recovery = measure_recovery(b.facts());
  ASSERT_EQ(recovery.faults.size(), 2u);  // the latency spike is not measured
  EXPECT_EQ(recovery.faults[0].fault_index, 0u);
  EXPECT_EQ(recovery.faults[1].fault_index, 2u);
  EXPECT_DOUBLE_EQ(*recovery.faults[0].rto_ms, 300.0);
  EXPECT_DOUBLE_EQ(*recovery.faults[1].rto_ms, 900.0);
  EXPECT_DOUBLE_EQ(*recovery.rto_ms, 900.0);
}

TEST(Rto, NeverRecoveredFaultMakesRtoNull) {
  FactsBuilder b;
  b.fault("outage a", 1000, 2000, true);
  b.fault("outage b", 5000, std::nullopt, true);
  b.write(1200, 1300, OpOutcome::kOk, 1, version(2, 1));
  b.write(4990, 5010, OpOutcome::kOk, 1, version(2, 2));  // invoked before b: does not count
  b.write(5100, 8000, OpOutcome::kTimedOut, 1, version(0, 0));

  const Recovery recovery = measure_recovery(b.facts());
  ASSERT_EQ(recovery.faults.size(), 2u);
  EXPECT_TRUE(recovery.faults[0].recovered());
  EXPECT_FALSE(recovery.faults[1].recovered());
  EXPECT_FALSE(recovery.faults[1].end.has_value());
  EXPECT_FALSE(recovery.rto_ms.has_value());
}

TEST(Rto, NoDisruptiveFaultsIsNull) {
  FactsBuilder b;
  b.fault("latency spike", 1000, 2000, false);
  b.write(1200, 1300, OpOutcome::kOk, 1, version(1, 1));

  const Recovery recovery = measure_recovery(b.facts());
  EXPECT_TRUE(recovery.faults.empty());
  EXPECT_FALSE(recovery.rto_ms.has_value());
}

}  // namespace
}  // namespace cutover::analysis
