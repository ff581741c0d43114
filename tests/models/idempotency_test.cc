// A client may send the same write again (a retry after a timeout or a failover). The replicated
// state applies it once, and every acknowledgement of it names the same version, with both
// protocols and across a change of leader.
#include <gtest/gtest.h>

#include "models/kv/kv_state_machine.h"
#include "models/replication/primary_backup/primary_backup.h"
#include "models/replication/raft/raft.h"

#include "tests/harness/mem_cluster.h"
#include "tests/harness/raft_cluster.h"

namespace cutover::models {
namespace {

LogEntry write_entry(std::uint64_t index, Key key, RequestId request) {
  return LogEntry{.version = Version{Epoch(1), LogIndex(index)},
                  .key = key,
                  .value_bytes = 10,
                  .request = request};
}

TEST(KvIdempotency, ARepeatedRequestIsAppliedOnceAndRemembersWhereItTookEffect) {
  KvStateMachine kv;
  const RequestId request{.client = ClientId(3), .sequence = 7};
  kv.apply(write_entry(1, 5, request));
  kv.apply(write_entry(2, 6, RequestId{.client = ClientId(3), .sequence = 8}));
  kv.apply(write_entry(3, 5, request));  // the retry, appended again
  EXPECT_EQ(kv.read(5), (Version{Epoch(1), LogIndex(1)})) << "the retry changed the key";
  EXPECT_EQ(kv.applied_version(request), (Version{Epoch(1), LogIndex(1)}));
  EXPECT_EQ(kv.applied_index(), LogIndex(3));
  EXPECT_EQ(kv.repeats_skipped(), 1u);
  // The same sequence from another client is another write.
  kv.apply(write_entry(4, 5, RequestId{.client = ClientId(4), .sequence = 7}));
  EXPECT_EQ(kv.read(5), (Version{Epoch(1), LogIndex(4)}));
}

// Keys below KvStateMachine's dense limit and far above it behave alike: reads see the last
// write, a snapshot lists every key once in ascending order, and restoring it gives the state.
TEST(KvState, DenseAndSparseKeysReadAndSnapshotAlike) {
  KvStateMachine kv;
  const std::vector<Key> keys = {70000, 3, 1ULL << 40, 0, 65535, 65536, 3};  // 3 written twice
  for (std::uint64_t i = 0; i < keys.size(); ++i) {
    kv.apply(write_entry(i + 1, keys[i], RequestId{.client = ClientId(1), .sequence = i}));
  }
  EXPECT_EQ(kv.key_count(), 6u);
  EXPECT_EQ(kv.read(3), (Version{Epoch(1), LogIndex(7)}));
  EXPECT_EQ(kv.read(1ULL << 40), (Version{Epoch(1), LogIndex(3)}));
  EXPECT_FALSE(kv.read(4).has_value());
  EXPECT_FALSE(kv.read(70001).has_value());
  EXPECT_EQ(kv.value_bytes(65536), 10u);
  const std::vector<KvCell> cells = kv.cells();
  std::vector<Key> listed;
  for (const KvCell& cell : cells) listed.push_back(cell.key);
  EXPECT_EQ(listed, (std::vector<Key>{0, 3, 65535, 65536, 70000, 1ULL << 40}));
  KvStateMachine restored;
  restored.restore(cells, kv.recent_writes(), kv.applied_index());
  EXPECT_EQ(restored.cells(), cells);
  EXPECT_EQ(restored.key_count(), 6u);
}

// The planted bug the duplicate checker must catch: with deduplication off, a repeat is
// applied again, counted, and retries look new to the protocol.
TEST(KvIdempotency, WithoutDeduplicationARepeatIsAppliedAgainAndCounted) {
  KvStateMachine kv;
  kv.set_deduplicate(false);
  const RequestId request{.client = ClientId(3), .sequence = 7};
  kv.apply(write_entry(1, 5, request));
  kv.apply(write_entry(2, 5, request));
  kv.apply(write_entry(3, 5, request));
  EXPECT_EQ(kv.read(5), (Version{Epoch(1), LogIndex(3)})) << "applied again";
  ASSERT_EQ(kv.applied_more_than_once().size(), 1u);
  EXPECT_EQ(kv.applied_more_than_once().at(request), 3u);
  EXPECT_FALSE(kv.applied_version(request).has_value()) << "the protocol would append a retry";
  EXPECT_EQ(kv.repeats_skipped(), 0u);
}

TEST(KvIdempotency, TheTableSurvivesASnapshotAndForgetsBeyondItsWindow) {
  KvStateMachine kv;
  const ClientId client(1);
  kv.apply(write_entry(1, 1, RequestId{.client = client, .sequence = 0}));
  kv.apply(
      write_entry(2, 2, RequestId{.client = client, .sequence = KvStateMachine::kDedupWindow}));
  // Sequence 0 is now a full window behind the newest: forgotten.
  EXPECT_FALSE(kv.applied_version(RequestId{.client = client, .sequence = 0}).has_value());
  KvStateMachine restored;
  restored.restore(kv.cells(), kv.recent_writes(), kv.applied_index());
  const RequestId newest{.client = client, .sequence = KvStateMachine::kDedupWindow};
  EXPECT_EQ(restored.applied_version(newest), (Version{Epoch(1), LogIndex(2)}));
  restored.apply(write_entry(3, 2, newest));
  EXPECT_EQ(restored.read(2), (Version{Epoch(1), LogIndex(2)}));
}

TEST(RaftIdempotency, ARetryBeforeAndAfterCommitAndAtANewLeaderIsAppliedOnce) {
  testing::RaftCluster cluster(
      testing::RaftCluster::Options{.voters = 3,
                                    .config = raft::Config{.election_timeout_min = from_ms(150),
                                                           .election_timeout_max = from_ms(300),
                                                           .heartbeat_interval = from_ms(30)}});
  cluster.start();
  ASSERT_TRUE(cluster.run_until_leader(cluster.now() + from_ms(3000)));
  cluster.run_for(from_ms(100));
  const NodeId leader = *cluster.leader();
  const RequestId id = cluster.write(leader, 42);
  const ClientRequest request{.id = id, .kind = OpKind::kWrite, .key = 42, .value_bytes = 100};
  cluster.submit(leader, request);  // retry while the original is uncommitted
  cluster.run_for(from_ms(100));
  cluster.submit(leader, request);  // retry after the commit: answered at once
  cluster.crash(leader);
  ASSERT_TRUE(cluster.run_until_leader(cluster.now() + from_ms(3000)));
  cluster.run_for(from_ms(100));
  cluster.submit(*cluster.leader(), request);  // retry at the next leader
  cluster.run_for(from_ms(100));

  const auto replies = cluster.replies_for(id);
  ASSERT_EQ(replies.size(), 4u);
  for (const auto* reply : replies) {
    EXPECT_EQ(reply->reply.status, ReplyStatus::kOk);
    EXPECT_EQ(reply->reply.version, replies.front()->reply.version);
  }
  const KvStateMachine& kv = cluster.node(*cluster.leader()).testing_kv();
  EXPECT_EQ(kv.read(42), replies.front()->reply.version) << "a retry took effect again";
  EXPECT_GE(kv.repeats_skipped(), 1u) << "the uncommitted retry was appended and skipped";
}

TEST(PrimaryBackupIdempotency, ARetryAtTheSamePrimaryIsAnsweredWithTheOriginalVersion) {
  primary_backup::Config config{.ack_mode = primary_backup::AckMode::kSemiSync};
  testing::MemCluster cluster({.replicas = 3, .config = config});
  cluster.start();
  cluster.run_until(TimePoint{} + from_ms(100));
  const RequestId id = cluster.write(NodeId(0), 9);
  const ClientRequest request{.id = id, .kind = OpKind::kWrite, .key = 9, .value_bytes = 100};
  cluster.submit(NodeId(0), request);
  cluster.run_until(TimePoint{} + from_ms(200));
  cluster.submit(NodeId(0), request);
  cluster.run_until(TimePoint{} + from_ms(300));
  std::vector<Version> versions;
  for (const auto& reply : cluster.replies()) {
    if (reply.reply.id != id) continue;
    EXPECT_EQ(reply.reply.status, ReplyStatus::kOk);
    versions.push_back(reply.reply.version);
  }
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions[1], versions[0]);
  EXPECT_EQ(versions[2], versions[0]);
  EXPECT_EQ(cluster.storage(NodeId(0)).last_index(), LogIndex(2)) << "original, one retry";
}

}  // namespace
}  // namespace cutover::models
