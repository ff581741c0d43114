// for_each_key (analysis/checkers/operations_by_key.h) gathers each key's operations by passes
// over the packed history, one per batch of keys. However the keys fall into batches, every key
// must be visited once, in ascending order, with exactly its operations that take part, in
// history order.
#include "analysis/checkers/operations_by_key.h"

#include <map>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "models/core/rng.h"

#include "facts_builder.h"

namespace cutover::analysis {
namespace {

using Visits = std::vector<std::pair<Key, std::vector<std::uint32_t>>>;

bool acknowledged(const Operation& op) { return op.outcome == OpOutcome::kOk; }

Visits visits(const OperationLog& operations, std::size_t batch_operations) {
  Visits seen;
  for_each_key(
      operations, acknowledged,
      [&](Key key, std::span<const KeyedOperation> ops) {
        seen.emplace_back(key, std::vector<std::uint32_t>());
        for (const KeyedOperation& op : ops) seen.back().second.push_back(op.index);
      },
      batch_operations);
  return seen;
}

// The same grouping worked out naively: a map from key to the indices, in history order.
Visits expected_visits(const OperationLog& operations) {
  std::map<Key, std::vector<std::uint32_t>> by_key;
  for (std::uint32_t i = 0; i < operations.size(); ++i) {
    if (acknowledged(operations[i])) by_key[operations[i].key].push_back(i);
  }
  return Visits(by_key.begin(), by_key.end());
}

// 2,000 operations over up to 40 keys, one key ~20 times as busy as the others (a batch of its
// own when batches are small), 1 in 10 timed out (not taking part); keys from `key_base` on.
OperationLog random_history(Key key_base) {
  models::Rng rng(11);
  OperationLog operations;
  for (std::uint32_t i = 0; i < 2000; ++i) {
    Operation op;
    op.key = key_base + (rng.bernoulli(0.3) ? 17 : rng.uniform_below(40));
    op.kind = rng.bernoulli(0.5) ? OpKind::kWrite : OpKind::kRead;
    op.outcome = rng.bernoulli(0.1) ? OpOutcome::kTimedOut : OpOutcome::kOk;
    op.invoked_at = testing::at_ms(i);
    op.completed_at = testing::at_ms(i + 1);
    op.version = testing::version(1, i);
    op.session = i;
    op.client = models::ClientId(i % 7);
    operations.push_back(op);
  }
  return operations;
}

TEST(ForEachKey, EveryBatchSizeVisitsEachKeyOnceWithItsOperationsInHistoryOrder) {
  for (const Key key_base : {Key{0}, Key{1} << 40}) {  // an array of counts, then a hash map
    const OperationLog operations = random_history(key_base);
    const Visits expected = expected_visits(operations);
    ASSERT_GE(expected.size(), 30u);
    for (const std::size_t batch :
         {std::size_t{1}, std::size_t{7}, std::size_t{100}, std::size_t{1'000'000}}) {
      SCOPED_TRACE(::testing::Message() << "keys from " << key_base << ", batches of " << batch);
      EXPECT_EQ(visits(operations, batch), expected);
    }
  }
}

// The counts start in an array indexed by key; a key too large for it, met half-way, moves
// them to a hash map without losing any.
TEST(ForEachKey, ALargeKeyMetHalfWayKeepsTheCountsSoFar) {
  OperationLog operations = random_history(0);
  Operation op = operations[1000];
  op.key = Key{1} << 40;
  op.outcome = OpOutcome::kOk;
  operations.replace(1000, op);
  const Visits expected = expected_visits(operations);
  ASSERT_EQ(expected.back().first, Key{1} << 40);
  EXPECT_EQ(visits(operations, 100), expected);
}

TEST(ForEachKey, KeyedOperationsCarryTheOperationsFields) {
  testing::FactsBuilder b;
  const auto write = b.write(10, 20, OpOutcome::kOk, 5, testing::version(2, 3), 1);
  b.op(write).client = models::ClientId(4);
  b.op(write).session = 9;
  const RunFacts& facts = b.facts();
  std::size_t visited = 0;
  for_each_key(facts.operations, acknowledged, [&](Key key, std::span<const KeyedOperation> ops) {
    ++visited;
    EXPECT_EQ(key, Key{5});
    ASSERT_EQ(ops.size(), 1u);
    EXPECT_EQ(ops[0].index, write);
    EXPECT_EQ(ops[0].client_region, 1u);
    EXPECT_EQ(ops[0].client, models::ClientId(4));
    EXPECT_EQ(ops[0].session, 9u);
    EXPECT_EQ(ops[0].kind, OpKind::kWrite);
    EXPECT_EQ(ops[0].outcome, OpOutcome::kOk);
    EXPECT_EQ(ops[0].version, testing::version(2, 3));
    EXPECT_EQ(ops[0].invoked_at, testing::at_ms(10));
    EXPECT_EQ(ops[0].completed_at, testing::at_ms(20));
  });
  EXPECT_EQ(visited, 1u);
}

TEST(ForEachKey, AnEmptyHistoryVisitsNothing) {
  std::size_t visited = 0;
  for_each_key(OperationLog(), acknowledged,
               [&](Key, std::span<const KeyedOperation>) { ++visited; });
  EXPECT_EQ(visited, 0u);
}

}  // namespace
}  // namespace cutover::analysis
