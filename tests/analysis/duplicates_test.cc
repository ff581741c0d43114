#include "analysis/checkers/duplicates.h"

#include <gtest/gtest.h>

#include "facts_builder.h"

namespace cutover::analysis {
namespace {

using testing::FactsBuilder;
using testing::version;

WriteId write_id(std::uint32_t client, std::uint64_t sequence) {
  return WriteId{models::ClientId(client), sequence};
}

models::LogEntry entry(Key key, Version v, WriteId request,
                       models::EntryKind kind = models::EntryKind::kNormal) {
  models::LogEntry e;
  e.key = key;
  e.version = v;
  e.request = request;
  e.kind = kind;
  return e;
}

TEST(DuplicateApplications, EachWriteAppliedOnceIsClean) {
  FactsBuilder b;
  b.replica_state(0, {}, {{write_id(0, 1), 1}, {write_id(0, 2), 1}});
  b.replica_state(1, {}, {{write_id(0, 1), 1}});
  auto& log = b.facts().final_state.surviving_log;
  log = {entry(1, version(1, 1), write_id(0, 1)), entry(2, version(1, 2), write_id(0, 2)),
         // Raft no-ops carry no request: they share the default id without being duplicates.
         entry(0, version(2, 3), {}, models::EntryKind::kNoOp),
         entry(0, version(3, 4), {}, models::EntryKind::kNoOp)};

  const DuplicateApplications result = find_duplicate_applications(b.facts());
  EXPECT_EQ(result.count, 0u);
  EXPECT_TRUE(result.findings.empty());
}

TEST(DuplicateApplications, AWriteIdAppliedTwiceIsFoundOnTheReplicaThatAppliedItTwice) {
  // A redirected retry of write (client 3, seq 7) appended again by a primary whose state
  // machine forgot to deduplicate: replica 0 applied it twice, replica 1 once.
  FactsBuilder b;
  b.replica_state(0, {}, {{write_id(3, 7), 2}, {write_id(3, 8), 1}});
  b.replica_state(1, {}, {{write_id(3, 7), 1}});

  const DuplicateApplications result = find_duplicate_applications(b.facts());
  EXPECT_EQ(result.count, 1u);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].write_id, write_id(3, 7));
  EXPECT_EQ(result.findings[0].replica, NodeId(0));
  EXPECT_EQ(result.findings[0].times, 2u);
}

TEST(DuplicateApplications, DistinctWritesAreCountedOnce) {
  FactsBuilder b;
  b.replica_state(0, {}, {{write_id(0, 1), 3}, {write_id(1, 1), 2}});
  b.replica_state(1, {}, {{write_id(0, 1), 2}});
  const DuplicateApplications result = find_duplicate_applications(b.facts());
  EXPECT_EQ(result.count, 2u);
  EXPECT_EQ(result.findings.size(), 3u);
}

TEST(DuplicateApplications, ARequestTwiceInTheLogButAppliedOnceIsClean) {
  // A duplicated request reached the leader while the original was uncommitted: both entries
  // are in the log, and the deduplicating state machine applied the second as a no-op.
  FactsBuilder b;
  b.replica_state(0, {}, {{write_id(3, 7), 1}});
  b.facts().final_state.survivor = NodeId(0);
  b.facts().final_state.surviving_log = {entry(5, version(1, 1), write_id(3, 7)),
                                         entry(5, version(1, 2), write_id(3, 7))};
  EXPECT_EQ(find_duplicate_applications(b.facts()).count, 0u);
}

}  // namespace
}  // namespace cutover::analysis
