// check_per_key runs linearizability, stale reads and session guarantees in one sweep over the
// history grouped by key (the report's path). It must find exactly what each checker finds on
// its own: every anomaly, on the right key and operation, with the same figures.
#include "analysis/checkers/per_key_checks.h"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "facts_builder.h"
#include "generated_history.h"

namespace cutover::analysis {
namespace {

using testing::FactsBuilder;
using testing::generated_history;
using testing::Indices;
using testing::version;

void expect_same(const Linearizability& a, const Linearizability& b) {
  EXPECT_EQ(a.verdict, b.verdict);
  EXPECT_EQ(a.checked_keys, b.checked_keys);
  EXPECT_EQ(a.violating_keys, b.violating_keys);
  EXPECT_EQ(a.unknown_keys, b.unknown_keys);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.counterexample_key, b.counterexample_key);
  EXPECT_EQ(a.counterexample, b.counterexample);
}

void expect_same(const StaleReadFigures& a, const StaleReadFigures& b) {
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.max_staleness_ms, b.max_staleness_ms);
}

void expect_same(const StaleReads& a, const StaleReads& b) {
  expect_same(a.overall, b.overall);
  ASSERT_EQ(a.by_region.size(), b.by_region.size());
  for (std::size_t r = 0; r < a.by_region.size(); ++r) expect_same(a.by_region[r], b.by_region[r]);
  ASSERT_EQ(a.by_phase.size(), b.by_phase.size());
  for (std::size_t p = 0; p < a.by_phase.size(); ++p) expect_same(a.by_phase[p], b.by_phase[p]);
  EXPECT_EQ(a.stale_operations, b.stale_operations);
}

void expect_same(const std::vector<SessionViolation>& a, const std::vector<SessionViolation>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].earlier, b[i].earlier);
    EXPECT_EQ(a[i].read, b[i].read);
  }
}

void expect_same(const SessionGuarantees& a, const SessionGuarantees& b) {
  EXPECT_EQ(a.read_your_writes_violations, b.read_your_writes_violations);
  EXPECT_EQ(a.monotonic_read_violations, b.monotonic_read_violations);
  expect_same(a.read_your_writes_examples, b.read_your_writes_examples);
  expect_same(a.monotonic_read_examples, b.monotonic_read_examples);
}

// The sweep against the three checkers run alone.
void expect_same_as_alone(const RunFacts& facts, const LinearizabilityConfig& config = {}) {
  const PerKeyFindings swept = check_per_key(facts, config);
  expect_same(swept.linearizability, check_linearizability(facts, config));
  expect_same(swept.stale_reads, find_stale_reads(facts));
  expect_same(swept.sessions, check_session_guarantees(facts));
}

// One key per anomaly, all in the one session FactsBuilder gives every operation. Worked by
// hand:
//   key 1: w(1,1) acked at 10, w(1,2) acked at 30, a read at 32-35 sees (1,2), then a read at
//          40-50 sees (1,1): stale by 40 - 30 = 10 ms, not linearizable, and for the session it
//          misses its own write (read-your-writes) and goes back from (1,2) (monotonic reads);
//   key 2: only a timed-out write nobody read: no finding, and no key checked;
//   key 3: a write and a read of it, a failed write in between: clean, one key checked;
//   key 4: a read at 60-70 of (2,1), written by nobody: not linearizable, and nothing else.
TEST(PerKeyChecks, OneSweepFindsEveryCheckersAnomaliesOnTheirKeys) {
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 1));
  const auto newer_write = b.write(20, 30, OpOutcome::kOk, 1, version(1, 2));
  const auto fresh_read = b.read_of(32, 35, OpOutcome::kOk, 1, version(1, 2));
  const auto stale_read = b.read_of(40, 50, OpOutcome::kOk, 1, version(1, 1), 1);
  b.write(5, 1005, OpOutcome::kTimedOut, 2, Version{});
  b.write(0, 5, OpOutcome::kOk, 3, version(1, 3));
  b.write(6, 7, OpOutcome::kFailed, 3, Version{});
  b.read_of(8, 9, OpOutcome::kOk, 3, version(1, 3));
  const auto orphan_read = b.read_of(60, 70, OpOutcome::kOk, 4, version(2, 1));
  b.phase("before", 0, 40).phase("from 40", 40, 100);
  const RunFacts& facts = b.facts();

  const PerKeyFindings found = check_per_key(facts, LinearizabilityConfig{});
  EXPECT_EQ(found.linearizability.verdict, LinearizabilityVerdict::kNotLinearizable);
  EXPECT_EQ(found.linearizability.checked_keys, 3u);
  EXPECT_EQ(found.linearizability.violating_keys, 2u);
  EXPECT_EQ(found.linearizability.counterexample_key, Key{1});
  EXPECT_EQ(found.stale_reads.overall.count, 1u);
  EXPECT_EQ(found.stale_reads.overall.max_staleness_ms, 10.0);
  EXPECT_EQ(found.stale_reads.stale_operations, (Indices{stale_read}));
  EXPECT_EQ(found.stale_reads.by_region[0].count, 0u);
  EXPECT_EQ(found.stale_reads.by_region[1].count, 1u);
  EXPECT_EQ(found.stale_reads.by_phase[0].count, 0u);
  EXPECT_EQ(found.stale_reads.by_phase[1].count, 1u);
  EXPECT_EQ(found.sessions.read_your_writes_violations, 1u);
  ASSERT_EQ(found.sessions.read_your_writes_examples.size(), 1u);
  EXPECT_EQ(found.sessions.read_your_writes_examples[0].earlier, newer_write);
  EXPECT_EQ(found.sessions.read_your_writes_examples[0].read, stale_read);
  EXPECT_EQ(found.sessions.monotonic_read_violations, 1u);
  ASSERT_EQ(found.sessions.monotonic_read_examples.size(), 1u);
  EXPECT_EQ(found.sessions.monotonic_read_examples[0].earlier, fresh_read);
  EXPECT_EQ(found.sessions.monotonic_read_examples[0].read, stale_read);
  static_cast<void>(orphan_read);
  expect_same_as_alone(facts);
}

// A generated correct history with reads turned back to "never written" every `every`
// operations: stale reads (once the key was written), linearizability violations and, where
// the same client wrote the key before, session violations.
RunFacts history_with_planted_reads(std::size_t operations, std::uint64_t keys,
                                    std::uint32_t clients, std::size_t every) {
  RunFacts facts = generated_history(operations, keys, clients);
  std::size_t planted = 0;
  for (std::size_t i = every; i < facts.operations.size(); i += every) {
    Operation op = facts.operations[i];
    if (op.kind != OpKind::kRead || op.outcome != OpOutcome::kOk) continue;
    op.version = Version{};
    op.client_region = static_cast<std::uint32_t>(i % facts.regions.size());
    facts.operations.replace(i, op);
    ++planted;
  }
  EXPECT_GT(planted, 0u);
  facts.phases = {Phase{.name = "first", .start = testing::at_ms(0), .end = testing::at_ms(500)},
                  Phase{.name = "all", .start = testing::at_ms(0), .end = testing::at_ms(1e9)}};
  return facts;
}

TEST(PerKeyChecks, PlantedAnomaliesInGeneratedHistoriesAreFoundAsByEachCheckerAlone) {
  struct Row {
    std::size_t operations;
    std::uint64_t keys;
    std::uint32_t clients;
    std::size_t every;
  };
  for (const Row& row : {Row{20'000, 200, 40, 997}, Row{5'000, 3, 4, 101}, Row{3'000, 50, 1, 7}}) {
    SCOPED_TRACE(::testing::Message() << row.operations << " operations over " << row.keys
                                      << " keys, " << row.clients << " clients");
    const RunFacts facts =
        history_with_planted_reads(row.operations, row.keys, row.clients, row.every);
    const PerKeyFindings found = check_per_key(facts, LinearizabilityConfig{});
    EXPECT_EQ(found.linearizability.verdict, LinearizabilityVerdict::kNotLinearizable);
    EXPECT_GT(found.stale_reads.overall.count, 0u);
    EXPECT_GT(found.sessions.read_your_writes_violations, 0u);
    expect_same_as_alone(facts);
  }
}

// A budget that runs out part-way leaves the later keys unknown, in the same key order.
TEST(PerKeyChecks, AnExhaustedTotalBudgetLeavesTheSameKeysUnknown) {
  const RunFacts facts = generated_history(5'000, 20, 10);
  const LinearizabilityConfig config{.steps_total_max = 3'000};
  const PerKeyFindings found = check_per_key(facts, config);
  EXPECT_EQ(found.linearizability.verdict, LinearizabilityVerdict::kUnknown);
  EXPECT_GT(found.linearizability.unknown_keys, 0u);
  expect_same_as_alone(facts, config);
}

// Keys far beyond the history's size are counted through a hash map instead of an array
// indexed by key: the same findings, on the same (shifted) keys.
TEST(PerKeyChecks, LargeKeysAreCheckedLikeSmallOnes) {
  RunFacts small = history_with_planted_reads(3'000, 30, 5, 11);
  RunFacts large = small;
  constexpr Key kOffset = Key{1} << 40;
  for (std::size_t i = 0; i < large.operations.size(); ++i) {
    Operation op = large.operations[i];
    op.key += kOffset;
    large.operations.replace(i, op);
  }
  expect_same_as_alone(large);
  const PerKeyFindings found_small = check_per_key(small, LinearizabilityConfig{});
  const PerKeyFindings found_large = check_per_key(large, LinearizabilityConfig{});
  EXPECT_EQ(found_large.linearizability.checked_keys, 30u);
  EXPECT_EQ(found_large.linearizability.counterexample_key,
            *found_small.linearizability.counterexample_key + kOffset);
  expect_same(found_large.stale_reads, found_small.stale_reads);
  expect_same(found_large.sessions, found_small.sessions);
}

}  // namespace
}  // namespace cutover::analysis
