#include "analysis/checkers/reconciliation.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "facts_builder.h"

namespace cutover::analysis {
namespace {

using testing::FactsBuilder;
using testing::version;
using Cells = std::vector<std::pair<Key, Version>>;

// Keys 0..999, each at version (1, key + 1).
Cells full_state() {
  Cells cells;
  for (Key key = 0; key < 1000; ++key) cells.emplace_back(key, version(1, key + 1));
  return cells;
}

// 4^2 = 16 leaves over 1000 keys: 63 keys per leaf.
constexpr ReconciliationConfig kSmallTree{.fanout = 4, .depth = 2};

TEST(Reconciliation, IdenticalReplicasDoNotDiverge) {
  FactsBuilder b;
  b.replica_state(0, full_state()).replica_state(1, full_state());
  const Reconciliation result = reconcile_replicas(b.facts(), kSmallTree);
  EXPECT_TRUE(result.compared);
  EXPECT_EQ(result.replicas_compared, 1u);
  EXPECT_EQ(result.diverging_ranges, 0u);
  EXPECT_EQ(result.diverging_keys, 0u);
}

TEST(Reconciliation, ASingleDifferingKeyIsLocalizedToItsLeafRange) {
  Cells lagging = full_state();
  lagging[500].second = version(1, 400);  // key 500 missed its last write
  FactsBuilder b;
  b.replica_state(0, full_state()).replica_state(1, lagging);

  const Reconciliation result = reconcile_replicas(b.facts(), kSmallTree);
  EXPECT_EQ(result.diverging_ranges, 1u);
  EXPECT_EQ(result.diverging_keys, 1u);
  ASSERT_EQ(result.replicas.size(), 1u);
  EXPECT_EQ(result.replicas[0].replica, NodeId(1));
  // Leaf 500 / 63 = 7 covers keys 441..503.
  EXPECT_EQ(result.replicas[0].ranges, (std::vector<KeyRange>{{441, 503}}));
  EXPECT_EQ(result.replicas[0].keys, (std::vector<Key>{500}));
}

TEST(Reconciliation, DivergentReplicasListEveryRangeAndKey) {
  Cells missing_and_extra = full_state();
  missing_and_extra.erase(missing_and_extra.begin() + 10);  // key 10 never arrived
  missing_and_extra.back().second = version(2, 7);          // key 999 written differently
  Cells other = full_state();
  other[11].second = version(1, 1);  // key 11, same leaf as key 10
  FactsBuilder b;
  b.facts().replicas.push_back("eu-west-1-1");
  b.replica_state(0, full_state()).replica_state(1, missing_and_extra).replica_state(2, other);

  const Reconciliation result = reconcile_replicas(b.facts(), kSmallTree);
  EXPECT_EQ(result.replicas_compared, 2u);
  EXPECT_EQ(result.diverging_ranges, 2u);  // leaves 0 and 15
  EXPECT_EQ(result.diverging_keys, 3u);    // 10, 11, 999
  EXPECT_EQ(result.replicas[0].keys, (std::vector<Key>{10, 999}));
  EXPECT_EQ(result.replicas[0].ranges, (std::vector<KeyRange>{{0, 62}, {945, 1007}}));
  EXPECT_EQ(result.replicas[1].keys, (std::vector<Key>{11}));
}

TEST(Reconciliation, ADifferentValueSizeAloneDiverges) {
  FactsBuilder b;
  b.replica_state(0, full_state()).replica_state(1, full_state());
  b.facts().replica_states[1].cells[3].value_bytes = 99;
  EXPECT_EQ(reconcile_replicas(b.facts(), kSmallTree).diverging_keys, 1u);
}

TEST(Reconciliation, TheSurvivorIsTheReference) {
  Cells lagging = full_state();
  lagging.pop_back();
  FactsBuilder b;
  b.replica_state(0, lagging).replica_state(1, full_state());
  b.facts().final_state.survivor = NodeId(1);
  const Reconciliation result = reconcile_replicas(b.facts(), kSmallTree);
  ASSERT_EQ(result.replicas.size(), 1u);
  EXPECT_EQ(result.replicas[0].replica, NodeId(0));
  EXPECT_EQ(result.replicas[0].keys, (std::vector<Key>{999}));
}

TEST(Reconciliation, WithoutASurvivorStateNothingIsCompared) {
  FactsBuilder b;
  b.replica_state(1, full_state());  // the survivor, node 0, recorded no state
  EXPECT_FALSE(reconcile_replicas(b.facts(), kSmallTree).compared);
  b.facts().final_state.survivor.reset();
  EXPECT_FALSE(reconcile_replicas(b.facts(), kSmallTree).compared);
}

TEST(Reconciliation, Fnv1aMatchesThePublishedTestVectors) {
  // From the FNV reference (Fowler, Noll, Vo): FNV-1a 64 of "" and of "a".
  EXPECT_EQ(fnv1a(kFnvOffsetBasis, nullptr, 0), 0xcbf29ce484222325ull);
  const unsigned char a = 'a';
  EXPECT_EQ(fnv1a(kFnvOffsetBasis, &a, 1), 0xaf63dc4c8601ec8cull);
}

}  // namespace
}  // namespace cutover::analysis
