// The scheduler's queue against an ordered reference: the same order (time, then first queued
// first) under random pushes and pops that respect the clock, including pushes earlier than a
// time already looked at but not yet taken (another actor acting before the scheduler's next
// event, scheduler.h).
#include "sim/transport/time_queue.h"

#include <cstdint>
#include <map>
#include <random>
#include <utility>

#include <gtest/gtest.h>

namespace cutover::sim {
namespace {

struct Mix {
  const char* name;
  std::uint64_t max_delay;  // a push lands up to this far after the last time taken
  double push_chance;
  bool peek_before_push;
};

class TimeQueueAgainstReference : public ::testing::TestWithParam<Mix> {};

TEST_P(TimeQueueAgainstReference, PopsInTimeThenQueueOrder) {
  const Mix mix = GetParam();
  std::mt19937_64 rng(7);
  TimeQueue queue;
  std::map<std::pair<std::uint64_t, std::uint32_t>, bool> reference;  // (time, order)
  std::uint64_t now = 0;
  std::uint32_t next_value = 0;
  for (int step = 0; step < 200000; ++step) {
    if (mix.peek_before_push && !queue.empty()) {
      ASSERT_EQ(queue.top_time(), reference.begin()->first.first);
    }
    if (queue.empty() || std::bernoulli_distribution(mix.push_chance)(rng)) {
      // Log-uniform delays when the range is wide, so short ones are common too.
      const std::uint64_t range =
          mix.max_delay > (1u << 20) ? (std::uint64_t{1} << (rng() % 41)) : mix.max_delay + 1;
      const std::uint64_t time = now + rng() % range;
      queue.push(time, next_value);
      reference.emplace(std::make_pair(time, next_value), true);
      ++next_value;
      continue;
    }
    ASSERT_EQ(queue.top_time(), reference.begin()->first.first) << "step " << step;
    const TimeQueue::Entry taken = queue.pop();
    const auto [time, value] = reference.begin()->first;
    reference.erase(reference.begin());
    ASSERT_EQ(taken.time, time) << "step " << step;
    ASSERT_EQ(taken.value, value) << "step " << step << ": equal times leave in queue order";
    now = taken.time;
    ASSERT_EQ(queue.size(), reference.size());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Mixes, TimeQueueAgainstReference,
    ::testing::Values(
        // Many equal times: the first-queued-first rule decides most pops.
        Mix{.name = "ties", .max_delay = 3, .push_chance = 0.5, .peek_before_push = false},
        // Spread times over many buckets, with a queue of thousands.
        Mix{.name = "spread",
            .max_delay = 1'000'000,
            .push_chance = 0.55,
            .peek_before_push = false},
        // Delays from microseconds to days: entries start in every byte's buckets.
        Mix{.name = "wide",
            .max_delay = std::uint64_t{1} << 40,
            .push_chance = 0.55,
            .peek_before_push = true},
        // Looking first, then pushing before what was seen.
        Mix{.name = "peek_then_push",
            .max_delay = 5000,
            .push_chance = 0.5,
            .peek_before_push = true}),
    [](const ::testing::TestParamInfo<Mix>& param_info) { return param_info.param.name; });

TEST(TimeQueue, APushBeforeTheTimeLookedAtComesOutFirst) {
  TimeQueue queue;
  queue.push(100, 1);
  queue.push(50, 2);
  EXPECT_EQ(queue.pop().value, 2u);  // now 50
  EXPECT_EQ(queue.top_time(), 100u);
  queue.push(60, 3);  // another actor, at 60: before the 100 just looked at
  EXPECT_EQ(queue.top_time(), 60u);
  EXPECT_EQ(queue.pop().value, 3u);
  EXPECT_EQ(queue.pop().value, 1u);
  EXPECT_TRUE(queue.empty());
}

TEST(TimeQueue, APushIntoThePastIsABug) {
  TimeQueue queue;
  queue.push(10, 1);
  queue.pop();
  EXPECT_THROW(queue.push(9, 2), models::InvariantViolation);
}

}  // namespace
}  // namespace cutover::sim
