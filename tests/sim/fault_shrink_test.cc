// The shrinker's candidates (sim/faults/fault_shrink.h): ddmin's complements, one-change
// simplifications with the values worked out by hand, and combining edits.
#include "sim/faults/fault_shrink.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace cutover::sim {
namespace {

using nlohmann::ordered_json;

ordered_json crash(double at, double until) {
  return {{"type", "node_crash"}, {"node", "leader"}, {"at_s", at}, {"until_s", until}};
}

FaultList schedule_of(std::vector<ordered_json> faults) {
  FaultList list = FaultList::array();
  for (auto& fault : faults) list.push_back(std::move(fault));
  return list;
}

std::vector<double> starts(const FaultList& faults) {
  std::vector<double> out;
  for (const auto& fault : faults) out.push_back(fault["at_s"].get<double>());
  return out;
}

TEST(FaultShrink, RemovalTriesTheComplementOfEachChunk) {
  const FaultList four = schedule_of({crash(1, 2), crash(3, 4), crash(5, 6), crash(7, 8)});
  const auto halves = removal_candidates(four, 2);
  ASSERT_EQ(halves.size(), 2u);
  EXPECT_EQ(starts(halves[0].faults), (std::vector<double>{5, 7}));
  EXPECT_EQ(starts(halves[1].faults), (std::vector<double>{1, 3}));
  EXPECT_EQ(halves[0].change, "drop node_crash leader 1-2 s, node_crash leader 3-4 s");
  // More chunks than faults: each single fault dropped in turn.
  const auto singles = removal_candidates(four, 8);
  ASSERT_EQ(singles.size(), 4u);
  EXPECT_EQ(starts(singles[2].faults), (std::vector<double>{1, 3, 7}));
  // Three faults in two chunks: [0] and [1, 2].
  const auto uneven = removal_candidates(schedule_of({crash(1, 2), crash(3, 4), crash(5, 6)}), 2);
  EXPECT_EQ(starts(uneven[0].faults), (std::vector<double>{3, 5}));
  EXPECT_EQ(starts(uneven[1].faults), (std::vector<double>{1}));
  // One fault: the empty schedule is the only smaller one.
  const auto last = removal_candidates(schedule_of({crash(1, 2)}), 2);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_TRUE(last[0].faults.empty());
  EXPECT_TRUE(removal_candidates(FaultList::array(), 2).empty());
}

// A crash from 2.345 s to 5.301 s (2.956 s): halved to 1.478 s (until 3.823), its duration
// rounded down to 2.9 s (until 5.245), its start moved to 2 s (until 4.956).
TEST(FaultShrink, TimingCandidatesHalveRoundAndMove) {
  const auto candidates = simplification_candidates(schedule_of({crash(2.345, 5.301)}), nullptr);
  ASSERT_EQ(candidates.size(), 3u);
  EXPECT_EQ(candidates[0].faults[0]["until_s"], 3.823);
  EXPECT_EQ(candidates[0].change, "halve node_crash leader 2.345-5.301 s");
  EXPECT_EQ(candidates[1].faults[0]["until_s"], 5.245);
  EXPECT_EQ(candidates[2].faults[0]["at_s"], 2.0);
  EXPECT_EQ(candidates[2].faults[0]["until_s"], 4.956);
  for (const auto& candidate : candidates) EXPECT_EQ(candidate.faults[0]["node"], "leader");
}

TEST(FaultShrink, RoundFaultsOnlyGetShorter) {
  // A whole-second start and a tenth-of-a-second duration: only halving is left.
  const auto candidates = simplification_candidates(schedule_of({crash(3, 4)}), nullptr);
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0].faults[0]["until_s"], 3.5);
  // A fault that lasts to the end of the run is neither shortened nor moved.
  FaultList open = schedule_of({crash(3.5, 4)});
  open[0].erase("until_s");
  EXPECT_TRUE(simplification_candidates(open, nullptr).empty());
}

// fsync_factor 17 with the model's range [3, 20]: halfway to 3 is 10. At 3.1, halfway rounds
// to 3.1 again (one decimal), so the candidate is the floor itself.
TEST(FaultShrink, IntensitiesMoveHalfwayToTheModelsMildestValue) {
  FaultModel model;
  model.fault_types = {{.type = "slow_disk",
                        .duration_s = {1, 2},
                        .intensities = {{"fsync_factor", {3, 20}}},
                        .targets = {}}};
  ordered_json disk = {
      {"type", "slow_disk"}, {"node", "a-0"}, {"fsync_factor", 17}, {"at_s", 1}, {"until_s", 2}};
  auto candidates = simplification_candidates(schedule_of({disk}), &model);
  ASSERT_EQ(candidates.size(), 2u);  // halve, and lower fsync_factor
  EXPECT_EQ(candidates[1].faults[0]["fsync_factor"], 10.0);
  EXPECT_EQ(candidates[1].change,
            "lower fsync_factor of slow_disk a-0 fsync_factor=17 1-2 s to 10");
  disk["fsync_factor"] = 3.1;
  candidates = simplification_candidates(schedule_of({disk}), &model);
  EXPECT_EQ(candidates[1].faults[0]["fsync_factor"], 3.0);
  disk["fsync_factor"] = 3;
  EXPECT_EQ(simplification_candidates(schedule_of({disk}), &model).size(), 1u);
  // Without a model, the table's default lower bound (2) is the mildest.
  disk["fsync_factor"] = 4;
  EXPECT_EQ(simplification_candidates(schedule_of({disk}), nullptr)[1].faults[0]["fsync_factor"],
            3.0);
}

TEST(FaultShrink, EditsCombineAndTheFirstEditOfAFieldWins) {
  const FaultList two = schedule_of({crash(1, 3), crash(5, 9)});
  const FaultList edited =
      apply_edits(two, {{0, "until_s", 2.0}, {1, "until_s", 7.0}, {0, "until_s", 1.5}});
  EXPECT_EQ(edited[0]["until_s"], 2.0);
  EXPECT_EQ(edited[1]["until_s"], 7.0);
  EXPECT_EQ(two[0]["until_s"], 3.0);  // the input is left alone
}

TEST(FaultShrink, FaultsAreDescribedInOneLine) {
  const ordered_json partition = {
      {"type", "partition"}, {"groups", {{"a"}, {"b", "c"}}}, {"at_s", 2}, {"until_s", 3.5}};
  EXPECT_EQ(describe_fault(partition), "partition [a] | [b, c] 2-3.5 s");
  const ordered_json latency = {{"type", "link_latency"},
                                {"regions", {"a", "b"}},
                                {"extra_rtt_ms", 120.5},
                                {"at_s", 1},
                                {"until_s", 2}};
  EXPECT_EQ(describe_fault(latency), "link_latency a <-> b extra_rtt_ms=120.5 1-2 s");
}

}  // namespace
}  // namespace cutover::sim
