// The quorum count that Raft's leader keeps for its commit index and its read rounds
// (models/replication/raft/quorum_count.h): exact cases, then long random walks in which the
// value it gives must always be the full count's, while it counts far less often.
#include "models/replication/raft/quorum_count.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/core/rng.h"

namespace cutover::models::raft {
namespace {

struct Epoch {
  std::uint64_t value = 0;
  bool operator==(const Epoch&) const = default;
};
using Count = QuorumCount<std::uint64_t, Epoch>;

std::size_t majority_of(std::size_t voters) { return voters / 2 + 1; }

// The k-th largest, k a majority: the value a majority has reached.
std::uint64_t full_count(std::vector<std::uint64_t> values) {
  std::sort(values.begin(), values.end(), std::greater<>());
  return values[majority_of(values.size()) - 1];
}

struct GrowthCase {
  std::string name;
  std::vector<std::uint64_t> values;  // counted under Epoch{1}
  std::uint64_t before;               // then one voter grows
  std::uint64_t after;
  bool may_have_moved;
};

void PrintTo(const GrowthCase& c, std::ostream* out) { *out << c.name; }

class QuorumCountGrowth : public ::testing::TestWithParam<GrowthCase> {};

TEST_P(QuorumCountGrowth, OneVoterGrowingMovesTheCountOnlyOnceAMajorityIsBeyondIt) {
  const GrowthCase& c = GetParam();
  Count count;
  std::vector<std::uint64_t> values = c.values;
  EXPECT_EQ(count.count(values, majority_of(values.size()), Epoch{1}), full_count(c.values));
  EXPECT_FALSE(count.may_have_moved(Epoch{1}));
  EXPECT_TRUE(count.may_have_moved(Epoch{2})) << "another input means another count";
  count.note_growth(c.before, c.after);
  EXPECT_EQ(count.may_have_moved(Epoch{1}), c.may_have_moved);
}

INSTANTIATE_TEST_SUITE_P(
    Table, QuorumCountGrowth,
    ::testing::Values(
        // 5 voters, majority 3: the count is 3 and two voters are beyond it.
        GrowthCase{"ThirdVoterPassingMovesIt", {5, 5, 3, 1, 0}, 1, 4, true},
        GrowthCase{"TheOneAtTheCountPassingMovesIt", {5, 5, 3, 1, 0}, 3, 4, true},
        GrowthCase{"ReachingTheCountIsNotPassingIt", {5, 5, 3, 1, 0}, 1, 3, false},
        GrowthCase{"OneAlreadyBeyondGrowingChangesNothing", {5, 5, 3, 1, 0}, 5, 9, false},
        GrowthCase{"ALateAnswerChangesNothing", {5, 5, 3, 1, 0}, 1, 1, false},
        // Ties at the count: none beyond it, so a majority (3) must pass it.
        GrowthCase{"TiedVotersNeedAMajorityToPass", {2, 2, 2, 2, 2}, 2, 3, false},
        GrowthCase{"ASingleVoterMovesAtOnce", {7}, 7, 8, true}),
    [](const ::testing::TestParamInfo<GrowthCase>& row) { return row.param.name; });

TEST(QuorumCount, AValueIsNeededBeforeAsking) {
  Count count;
  EXPECT_TRUE(count.may_have_moved(Epoch{1}));
  count.note_growth(0, 5);  // nothing counted: nothing to count down
  EXPECT_THROW((void)count.value(), InvariantViolation);
  std::vector<std::uint64_t> values{4, 4, 4};
  count.count(values, 2, Epoch{1});
  count.reset();
  EXPECT_TRUE(count.may_have_moved(Epoch{1}));
}

// Random walks: voters' values grow, answers come late, and now and then an input changes
// (a new term), after which the values start again from nothing. Counting only when
// may_have_moved says so must give the full count after every step.
class QuorumCountWalk : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(QuorumCountWalk, EqualsTheFullCountAfterEveryStepAndCountsSeldom) {
  const std::uint32_t voters = GetParam();
  Rng rng(20261126 + voters);
  std::vector<std::uint64_t> values(voters, 0);
  Epoch epoch{1};
  Count count;
  std::vector<std::uint64_t> scratch;
  std::uint64_t counts = 0;
  constexpr int kSteps = 5000;
  for (int step = 0; step < kSteps; ++step) {
    if (rng.bernoulli(0.002)) {
      ++epoch.value;
      std::fill(values.begin(), values.end(), 0);
    } else {
      const std::size_t voter = rng.uniform_below(voters);
      const std::uint64_t before = values[voter];
      // Mostly a little ahead; sometimes late, below what the voter reached.
      const std::uint64_t low = before > 3 ? before - 3 : 0;
      const std::uint64_t answer = low + rng.uniform_below(8);
      values[voter] = std::max(before, answer);
      count.note_growth(before, answer);
    }
    if (count.may_have_moved(epoch)) {
      scratch = values;
      count.count(scratch, majority_of(voters), epoch);
      ++counts;
    }
    ASSERT_EQ(count.value(), full_count(values)) << "step " << step;
  }
  // The point of it: with many voters, most answers cannot move the count.
  if (voters >= 7) {
    EXPECT_LT(counts, kSteps / 3) << counts << " counts";
  }
}

INSTANTIATE_TEST_SUITE_P(Voters, QuorumCountWalk, ::testing::Values(1u, 2u, 3u, 4u, 7u, 60u));

}  // namespace
}  // namespace cutover::models::raft
