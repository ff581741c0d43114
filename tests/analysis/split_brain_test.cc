#include "analysis/checkers/split_brain.h"

#include <gtest/gtest.h>

#include "facts_builder.h"

namespace cutover::analysis {
namespace {

using testing::at_ms;
using testing::FactsBuilder;

TEST(SplitBrain, AHandOverWithoutOverlapIsClean) {
  FactsBuilder b;
  b.ack(100, 0, 1).ack(200, 0, 1).failover(250, 0, 1, 2).ack(300, 1, 2).ack(400, 1, 2);

  const SplitBrain result = find_split_brain(b.facts());
  EXPECT_TRUE(result.windows.empty());
  EXPECT_EQ(result.deposed_acks, 0u);
}

TEST(SplitBrain, TwoPrimariesAcknowledgingAtOnceFormAWindow) {
  // Node 1 takes over at 250 ms while node 0, cut off, keeps acknowledging until 600 ms.
  FactsBuilder b;
  b.ack(100, 0, 1).failover(250, 0, 1, 2).ack(300, 1, 2).ack(500, 0, 1).ack(600, 0, 1);
  b.ack(700, 1, 2);

  const SplitBrain result = find_split_brain(b.facts());
  ASSERT_EQ(result.windows.size(), 1u);
  const SplitBrainWindow& window = result.windows[0];
  EXPECT_EQ(window.first, NodeId(0));
  EXPECT_EQ(window.first_epoch, models::Epoch(1));
  EXPECT_EQ(window.second, NodeId(1));
  EXPECT_EQ(window.second_epoch, models::Epoch(2));
  EXPECT_EQ(window.start, at_ms(300));
  EXPECT_EQ(window.end, at_ms(600));
  EXPECT_TRUE(window.cross_region);  // us-east-1 and eu-west-1
  EXPECT_EQ(result.cross_region_windows, 1u);
  EXPECT_EQ(result.deposed_acks, 2u);  // node 0's acks at 500 and 600 ms, epoch 1 < 2
}

TEST(SplitBrain, OverlapWithinOneRegionIsNotCrossRegion) {
  FactsBuilder b;
  b.facts().replicas.push_back("us-east-1-1");
  b.facts().replica_regions.push_back(0);
  b.ack(100, 0, 1).ack(150, 2, 2).ack(200, 0, 1);

  const SplitBrain result = find_split_brain(b.facts());
  ASSERT_EQ(result.windows.size(), 1u);
  EXPECT_FALSE(result.windows[0].cross_region);
  EXPECT_EQ(result.cross_region_windows, 0u);
}

TEST(SplitBrain, DeposedAcksCountTheSameWhateverOrderTheyWereRecordedIn) {
  // The simulator appends acks in time order; hand-built facts may not. Epoch 2 is established
  // at 300 ms (node 1's ack; the failover record comes later, at 350 ms): node 0's epoch-1 acks
  // at 500 and 600 ms are deposed, its one at 300 ms is not (strictly before), nor at 100 ms.
  FactsBuilder b;
  b.ack(600, 0, 1).ack(100, 0, 1).ack(500, 0, 1).ack(300, 1, 2).ack(300, 0, 1);
  b.failover(350, 0, 1, 2);
  EXPECT_EQ(find_split_brain(b.facts()).deposed_acks, 2u);
  FactsBuilder ordered;
  ordered.ack(100, 0, 1).ack(300, 1, 2).ack(300, 0, 1).ack(500, 0, 1).ack(600, 0, 1);
  ordered.failover(350, 0, 1, 2);
  EXPECT_EQ(find_split_brain(ordered.facts()).deposed_acks, 2u);
}

TEST(SplitBrain, ReadAcksNeverOpenAWindowButADeposedReadCounts) {
  // A deposed leader serving a read after the failover: no write overlap, one deposed ack.
  FactsBuilder b;
  b.ack(100, 0, 1).failover(200, 0, 1, 2).ack(250, 0, 1, OpKind::kRead).ack(300, 1, 2);

  const SplitBrain result = find_split_brain(b.facts());
  EXPECT_TRUE(result.windows.empty());
  EXPECT_EQ(result.deposed_acks, 1u);
}

TEST(SplitBrain, PhasesListTheRegionsThatAcceptedWrites) {
  FactsBuilder b;
  b.ack(100, 0, 1).ack(300, 1, 2);
  b.phase("before", 0, 200).phase("cutover", 0, 1000).phase("after", 1000, 2000);

  const SplitBrain result = find_split_brain(b.facts());
  ASSERT_EQ(result.write_regions_by_phase.size(), 3u);
  EXPECT_EQ(result.write_regions_by_phase[0], (std::vector<std::uint32_t>{0}));
  EXPECT_EQ(result.write_regions_by_phase[1], (std::vector<std::uint32_t>{0, 1}));
  EXPECT_TRUE(result.write_regions_by_phase[2].empty());
}

}  // namespace
}  // namespace cutover::analysis
