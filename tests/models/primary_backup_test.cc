// Unit tests for the primary-backup protocol, without SimGrid.
//
// Single-node tests feed one input to a PrimaryBackup over a RecordingContext and assert the
// exact outputs. Cluster tests run several nodes in a MemCluster (in-memory network, simulated
// clock, fsync delays) and derive every expected time from the delays they configure: a write
// reaches a backup after the one-way delay, is durable there after its fsync, and the
// acknowledgement travels back, so a semi-sync ack lands at 2 * delay + backup fsync.
#include "models/replication/primary_backup/primary_backup.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/core/message.h"
#include "models/core/storage.h"
#include "models/core/types.h"

#include "tests/harness/mem_cluster.h"
#include "tests/harness/recording_context.h"

namespace cutover::models {

// Readable failure messages for the strong types.
template <typename Tag, typename Rep>
void PrintTo(const StrongId<Tag, Rep>& id, std::ostream* os) {
  *os << id.value;
}
inline void PrintTo(const Version& v, std::ostream* os) {
  *os << "(epoch " << v.epoch.value << ", index " << v.index.value << ")";
}

namespace primary_backup {
namespace {

using testing::MemCluster;
using testing::MessageRecord;
using testing::RecordingContext;
using testing::ReplyRecord;
using testing::TraceRecord;

constexpr Duration kHeartbeat = from_ms(50);
constexpr Duration kFailoverTimeout = from_ms(1000);

TimePoint at_ms(double ms) { return TimePoint(from_ms(ms)); }
double ms_of(TimePoint t) { return to_ms(t.time_since_epoch()); }

Config make_config(AckMode mode, std::uint32_t acks = 1, bool automatic = true) {
  Config config;
  config.initial_primary = NodeId(0);
  config.ack_mode = mode;
  config.semi_sync_acks = acks;
  config.heartbeat_interval = kHeartbeat;
  config.failover_timeout = kFailoverTimeout;
  config.automatic_failover = automatic;
  return config;
}

// The configuration of one node of an n-replica cluster (for single-node tests).
Config node_config(NodeId self, std::uint32_t replicas, Config config) {
  config.self = self;
  config.replicas.clear();
  for (std::uint32_t i = 0; i < replicas; ++i) config.replicas.emplace_back(i);
  return config;
}

LogEntry entry(std::uint64_t epoch, std::uint64_t index, Key key) {
  return LogEntry{.version = Version{Epoch(epoch), LogIndex(index)},
                  .key = key,
                  .value_bytes = 100,
                  .request = RequestId{.client = ClientId(9), .sequence = index}};
}

Version version(std::uint64_t epoch, std::uint64_t index) {
  return Version{Epoch(epoch), LogIndex(index)};
}

std::vector<Version> versions_of(const std::vector<LogEntry>& log) {
  std::vector<Version> out;
  for (const LogEntry& e : log) out.push_back(e.version);
  return out;
}

// When the last message of type T from `from` (any sender if unset) reached `to`.
template <typename T>
std::optional<TimePoint> last_delivery(const MemCluster& cluster, std::optional<NodeId> from,
                                       NodeId to) {
  std::optional<TimePoint> last;
  for (const MessageRecord* m : cluster.messages_of<T>(from, to)) {
    if (!last || m->delivered_at > *last) last = m->delivered_at;
  }
  return last;
}

// When `from` first sent a message of type T (whether or not it arrived).
template <typename T>
std::optional<TimePoint> first_send(const MemCluster& cluster, NodeId from) {
  auto sent = cluster.messages_of<T>(from, std::nullopt, /*delivered_only=*/false);
  if (sent.empty()) return std::nullopt;
  return sent.front()->sent_at;
}

// A primary promoted at `promoted` runs its heartbeat at promoted + k * heartbeat. The first
// tick strictly after `threshold` is when a "longer than failover_timeout" check first holds.
TimePoint first_tick_after(TimePoint promoted, TimePoint threshold) {
  TimePoint tick = promoted;
  while (tick <= threshold) tick += kHeartbeat;
  return tick;
}

TimePoint became_primary_at(const MemCluster& cluster, NodeId node, Epoch epoch) {
  for (const TraceRecord* t : cluster.traces_of(TraceKind::kBecamePrimary, node)) {
    if (t->event.epoch == epoch) return t->at;
  }
  ADD_FAILURE() << "node " << node.value << " never became primary in epoch " << epoch.value;
  return TimePoint{};
}

// ============================================================================================
// 1. Acknowledgement rules
// ============================================================================================

// Four replicas: primary 0 and backups 1, 2, 3 at increasing one-way delays.
constexpr Duration kDelayTo[] = {Duration::zero(), from_ms(10), from_ms(20), from_ms(40)};
constexpr Duration kPrimaryFsync = from_ms(5);
constexpr Duration kBackupFsync = from_ms(7);
constexpr Duration kSlowFsync = from_ms(60);
// When backup i's durable ack reaches the primary, counted from the write.
constexpr Duration backup_ack(int i, Duration backup_fsync = kBackupFsync) {
  return 2 * kDelayTo[i] + backup_fsync;
}

struct AckCase {
  std::string name;
  AckMode mode;
  std::uint32_t acks;  // k, semi_sync only
  std::vector<std::uint32_t> cut_backups;
  Duration primary_fsync = kPrimaryFsync;
  Duration backup_fsync = kBackupFsync;
  std::optional<Duration> expected;  // ack delay after the write; unset: no ack at all
};

class PrimaryBackupAck : public ::testing::TestWithParam<AckCase> {};

TEST_P(PrimaryBackupAck, WriteIsAcknowledgedExactlyWhenItsAckModeIsSatisfied) {
  const AckCase& c = GetParam();
  MemCluster cluster({.replicas = 4,
                      .config = make_config(c.mode, c.acks),
                      .delay = from_ms(10),
                      .fsync = c.backup_fsync});
  cluster.set_fsync(NodeId(0), c.primary_fsync);
  for (std::uint32_t i = 1; i <= 3; ++i) cluster.set_link_delay(NodeId(0), NodeId(i), kDelayTo[i]);
  cluster.start();
  const TimePoint t0 = at_ms(1000);  // steady state, between two heartbeats
  cluster.run_until(t0);
  ASSERT_EQ(cluster.primary(), NodeId(0));
  for (std::uint32_t b : c.cut_backups) cluster.cut(NodeId(0), NodeId(b));

  const RequestId write = cluster.write(NodeId(0), 7);
  // Well past every expected ack, well before failover_timeout could change the in-sync set.
  cluster.run_until(t0 + from_ms(400));

  const ReplyRecord* reply = cluster.reply_for(write);
  if (!c.expected) {
    EXPECT_EQ(reply, nullptr) << "acknowledged at " << ms_of(reply->at) << " ms";
    EXPECT_EQ(cluster.view(NodeId(0)).commit_index, LogIndex(0));
    return;
  }
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->reply.status, ReplyStatus::kOk);
  EXPECT_EQ(reply->reply.version, version(1, 1));
  // Exactly then: not one microsecond before the rule is met.
  EXPECT_DOUBLE_EQ(to_ms(reply->at - t0), to_ms(*c.expected));
}

INSTANTIATE_TEST_SUITE_P(
    Modes, PrimaryBackupAck,
    ::testing::Values(AckCase{.name = "AsyncAcksAfterThePrimarysOwnFsync",
                              .mode = AckMode::kAsync,
                              .acks = 1,
                              .cut_backups = {},
                              .expected = kPrimaryFsync},
                      AckCase{.name = "AsyncNeedsNoBackupAtAll",
                              .mode = AckMode::kAsync,
                              .acks = 1,
                              .cut_backups = {1, 2, 3},
                              .expected = kPrimaryFsync},
                      AckCase{.name = "SemiSyncOneAckWaitsForTheNearestBackupsDurableAck",
                              .mode = AckMode::kSemiSync,
                              .acks = 1,
                              .cut_backups = {},
                              .expected = backup_ack(1)},
                      AckCase{.name = "SemiSyncOneAckIncludesTheBackupsFsync",
                              .mode = AckMode::kSemiSync,
                              .acks = 1,
                              .cut_backups = {},
                              .backup_fsync = kSlowFsync,
                              .expected = backup_ack(1, kSlowFsync)},
                      AckCase{.name = "SemiSyncOneAckStillWaitsForAPrimaryFsyncSlowerThanTheBackup",
                              .mode = AckMode::kSemiSync,
                              .acks = 1,
                              .cut_backups = {},
                              .primary_fsync = kSlowFsync,
                              .expected = std::max(kSlowFsync, backup_ack(1))},
                      AckCase{.name = "SemiSyncOneAckUsesTheNextBackupWhenTheNearestIsCut",
                              .mode = AckMode::kSemiSync,
                              .acks = 1,
                              .cut_backups = {1},
                              .expected = backup_ack(2)},
                      AckCase{.name = "SemiSyncWaitsForKBackups",
                              .mode = AckMode::kSemiSync,
                              .acks = 2,
                              .cut_backups = {},
                              .expected = backup_ack(2)},
                      AckCase{.name = "SemiSyncTwoAcksNeverAcksWithOneBackupReachable",
                              .mode = AckMode::kSemiSync,
                              .acks = 2,
                              .cut_backups = {2, 3},
                              .expected = std::nullopt},
                      AckCase{.name = "SemiSyncThreeAcksWaitsForTheFarthestBackup",
                              .mode = AckMode::kSemiSync,
                              .acks = 3,
                              .cut_backups = {},
                              .expected = backup_ack(3)},
                      AckCase{.name = "SyncWaitsForEveryInSyncBackup",
                              .mode = AckMode::kSync,
                              .acks = 1,
                              .cut_backups = {},
                              .expected = backup_ack(3)},
                      AckCase{.name = "SyncDoesNotAckWhileACutBackupIsStillInSync",
                              .mode = AckMode::kSync,
                              .acks = 1,
                              .cut_backups = {3},
                              .expected = std::nullopt}),
    [](const ::testing::TestParamInfo<AckCase>& row) { return row.param.name; });

TEST(PrimaryBackupBackupAck, BackupAcknowledgesAnAppendOnlyOnceItsPersistCompletes) {
  RecordingContext ctx;
  PrimaryBackup backup(node_config(NodeId(1), 3, make_config(AckMode::kSemiSync)));
  backup.on_start(ctx);
  ctx.clear_outputs();

  backup.on_message(NodeId(0),
                    AppendEntries{.epoch = Epoch(1),
                                  .prev_index = LogIndex(0),
                                  .prev_epoch = Epoch(0),
                                  .commit_index = LogIndex(0),
                                  .entries = {entry(1, 1, 10), entry(1, 2, 11)}},
                    ctx);
  // Written, not durable, not acknowledged.
  EXPECT_EQ(ctx.storage().last_index(), LogIndex(2));
  EXPECT_EQ(ctx.storage().durable_last_index(), LogIndex(0));
  EXPECT_TRUE(ctx.sent<AppendResponse>().empty());
  ASSERT_FALSE(ctx.unsynced().empty());

  // Complete the persists one at a time: the ack leaves with the one that makes both entries
  // durable, never earlier.
  std::size_t completions = 0;
  while (ctx.sent<AppendResponse>().empty()) {
    ASSERT_TRUE(ctx.complete_next_persist(backup)) << "persists done, still no ack";
    ++completions;
  }
  EXPECT_EQ(ctx.storage().durable_last_index(), LogIndex(2));
  EXPECT_TRUE(ctx.unsynced().empty()) << "acked before its last persist completed";
  const auto responses = ctx.sent<AppendResponse>();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].first, NodeId(0));
  EXPECT_EQ(responses[0].second.epoch, Epoch(1));
  EXPECT_TRUE(responses[0].second.success);
  EXPECT_EQ(responses[0].second.match_index, LogIndex(2));
  EXPECT_GE(completions, 1u);

  // A heartbeat with nothing new to persist is answered at once.
  ctx.clear_outputs();
  backup.on_message(NodeId(0),
                    AppendEntries{.epoch = Epoch(1),
                                  .prev_index = LogIndex(2),
                                  .prev_epoch = Epoch(1),
                                  .commit_index = LogIndex(2),
                                  .entries = {}},
                    ctx);
  const auto heartbeat_responses = ctx.sent<AppendResponse>();
  ASSERT_EQ(heartbeat_responses.size(), 1u);
  EXPECT_TRUE(heartbeat_responses[0].second.success);
  EXPECT_EQ(heartbeat_responses[0].second.match_index, LogIndex(2));
  EXPECT_TRUE(ctx.persists.empty());
  EXPECT_EQ(backup.view().commit_index, LogIndex(2));
}

TEST(PrimaryBackupBackupAck, WriteIsNotAcknowledgedByABackupThatCrashedBeforeItsFsync) {
  // Semi-sync k=1 with backup 2 cut off: only backup 1 can acknowledge. Backup 1's fsync is
  // slow and it crashes before finishing it, so the write must wait for its retransmission.
  constexpr Duration kSlowBackupFsync = from_ms(100);
  MemCluster cluster({.replicas = 3, .config = make_config(AckMode::kSemiSync)});
  cluster.set_fsync(NodeId(1), kSlowBackupFsync);
  cluster.start();
  cluster.run_until(at_ms(1000));
  cluster.cut(NodeId(0), NodeId(2));
  const RequestId write = cluster.write(NodeId(0), 7);
  cluster.run_until(at_ms(1050));  // backup 1 has it (1010), its fsync is due at 1110
  EXPECT_EQ(cluster.storage(NodeId(1)).last_index(), LogIndex(1));
  cluster.crash(NodeId(1));
  EXPECT_EQ(cluster.storage(NodeId(1)).last_index(), LogIndex(0)) << "unsynced entry survived";
  cluster.restart(NodeId(1));

  bool durable_when_acked = false;
  ASSERT_TRUE(cluster.run_until_true(
      [&] {
        if (cluster.reply_for(write) == nullptr) return false;
        durable_when_acked = cluster.storage(NodeId(1)).durable_last_index() >= LogIndex(1);
        return true;
      },
      at_ms(3000)));
  EXPECT_TRUE(durable_when_acked);
  EXPECT_GE(cluster.reply_for(write)->at, at_ms(1050) + kSlowBackupFsync);
}

// ============================================================================================
// 2. Promotion
// ============================================================================================

enum class PrimaryStop { kCrash, kIsolate };
void PrintTo(PrimaryStop stop, std::ostream* os) {
  *os << (stop == PrimaryStop::kCrash ? "crash" : "isolate");
}

class PrimaryBackupFailover : public ::testing::TestWithParam<PrimaryStop> {};

TEST_P(PrimaryBackupFailover, MostUpToDateBackupBecomesPrimaryInTheNextEpoch) {
  constexpr Duration kDelay = from_ms(10);
  constexpr Duration kFsync = from_ms(1);
  MemCluster cluster({.replicas = 3,
                      .config = make_config(AckMode::kSemiSync, 1),
                      .delay = kDelay,
                      .fsync = kFsync});
  cluster.start();
  cluster.run_until(at_ms(500));
  cluster.write(NodeId(0), 1);  // reaches both backups
  cluster.run_until(at_ms(1000));
  // Backup 2 stops hearing the primary; two more writes commit with backup 1 alone.
  cluster.cut(NodeId(0), NodeId(2));
  const RequestId w2 = cluster.write(NodeId(0), 2);
  const RequestId w3 = cluster.write(NodeId(0), 3);
  cluster.run_until(at_ms(1200));
  ASSERT_NE(cluster.reply_for(w2), nullptr);
  ASSERT_NE(cluster.reply_for(w3), nullptr);
  ASSERT_EQ(cluster.storage(NodeId(1)).last_index(), LogIndex(3));
  ASSERT_EQ(cluster.storage(NodeId(2)).last_index(), LogIndex(1));

  if (GetParam() == PrimaryStop::kCrash) {
    cluster.crash(NodeId(0));
  } else {
    cluster.isolate(NodeId(0));
  }
  cluster.run_until(at_ms(4000));

  // Backup 1, the longer log, won epoch 2.
  ASSERT_EQ(cluster.primary(), NodeId(1));
  EXPECT_EQ(cluster.view(NodeId(1)).epoch, Epoch(2));
  EXPECT_EQ(cluster.view(NodeId(2)).role, Role::kBackup);
  EXPECT_EQ(cluster.view(NodeId(2)).epoch, Epoch(2));
  EXPECT_EQ(cluster.view(NodeId(2)).known_primary, NodeId(1));
  const auto became = cluster.traces_of(TraceKind::kBecamePrimary, NodeId(1));
  ASSERT_EQ(became.size(), 1u);
  EXPECT_EQ(became[0]->event.other, NodeId(0));  // took over from the old primary
  EXPECT_EQ(became[0]->event.index, LogIndex(3));

  // Backup 1 campaigned failover_timeout (plus under one heartbeat of jitter) after it last
  // heard the primary, then won after pre-vote (one round trip) and vote (a round trip with an
  // fsync on each side).
  const std::optional<TimePoint> last_heard =
      last_delivery<AppendEntries>(cluster, NodeId(0), NodeId(1));
  const std::optional<TimePoint> campaign = first_send<VoteRequest>(cluster, NodeId(1));
  ASSERT_TRUE(last_heard && campaign);
  EXPECT_GE(*campaign, *last_heard + kFailoverTimeout);
  EXPECT_LT(*campaign, *last_heard + kFailoverTimeout + kHeartbeat);
  EXPECT_EQ(became[0]->at, *campaign + 4 * kDelay + 2 * kFsync);

  // Backup 2 campaigned too (it lost the primary first) and backup 1 refused it every time.
  const auto asked = cluster.messages_of<VoteRequest>(NodeId(2), NodeId(1));
  ASSERT_FALSE(asked.empty());
  for (const MessageRecord* m : cluster.messages_of<VoteResponse>(NodeId(1), NodeId(2))) {
    EXPECT_FALSE(std::get<VoteResponse>(m->message).granted) << "at " << ms_of(m->sent_at);
  }
  EXPECT_FALSE(cluster.messages_of<VoteResponse>(NodeId(1), NodeId(2)).empty());

  // The new primary's log is complete, and backup 2 catches up to it.
  const RequestId w4 = cluster.write(NodeId(1), 4);
  cluster.run_until(at_ms(4500));
  const ReplyRecord* r4 = cluster.reply_for(w4);
  ASSERT_NE(r4, nullptr);
  EXPECT_EQ(r4->reply.version, version(2, 4));
  const std::vector<Version> expected = {version(1, 1), version(1, 2), version(1, 3),
                                         version(2, 4)};
  EXPECT_EQ(versions_of(cluster.log(NodeId(1))), expected);
  EXPECT_EQ(versions_of(cluster.log(NodeId(2))), expected);
}

INSTANTIATE_TEST_SUITE_P(HowThePrimaryStops, PrimaryBackupFailover,
                         ::testing::Values(PrimaryStop::kCrash, PrimaryStop::kIsolate),
                         [](const ::testing::TestParamInfo<PrimaryStop>& row) {
                           return row.param == PrimaryStop::kCrash ? "Crash" : "Isolate";
                         });

TEST(PrimaryBackupElection, BackupsEquallyFarFromTheDeadPrimaryDoNotCampaignInLockstep) {
  // Both backups last heard the primary at the same instant. The failover timer's random part
  // must still apply, or they campaign at the same microsecond and split the vote.
  MemCluster cluster({.replicas = 3, .config = make_config(AckMode::kSemiSync)});
  cluster.start();
  cluster.run_until(at_ms(1000));
  cluster.crash(NodeId(0));
  cluster.run_until(at_ms(3000));

  const auto heard1 = last_delivery<AppendEntries>(cluster, NodeId(0), NodeId(1));
  const auto heard2 = last_delivery<AppendEntries>(cluster, NodeId(0), NodeId(2));
  ASSERT_TRUE(heard1 && heard2);
  ASSERT_EQ(*heard1, *heard2);
  const auto campaign1 = first_send<VoteRequest>(cluster, NodeId(1));
  const auto campaign2 = first_send<VoteRequest>(cluster, NodeId(2));
  ASSERT_TRUE(campaign1 || campaign2);
  for (const auto& campaign : {campaign1, campaign2}) {
    if (!campaign) continue;  // won before its own timer fired
    EXPECT_GE(*campaign, *heard1 + kFailoverTimeout);
    EXPECT_LT(*campaign, *heard1 + kFailoverTimeout + kHeartbeat);
  }
  EXPECT_NE(campaign1, campaign2) << "both backups campaigned at " << ms_of(*campaign1) << " ms";
  // Candidates closer together than a round trip can still split a vote; a later round, again
  // with jitter, settles it.
  EXPECT_TRUE(cluster.run_until_true([&] { return cluster.primary().has_value(); }, at_ms(20'000)));
}

TEST(PrimaryBackupElection, PreVoteIsDeniedWhileTheOthersStillHearThePrimary) {
  // Backup 2 loses the primary but still reaches backup 1, which hears the primary fine.
  MemCluster cluster({.replicas = 3, .config = make_config(AckMode::kSemiSync)});
  cluster.start();
  cluster.run_until(at_ms(1000));
  cluster.cut(NodeId(0), NodeId(2));
  cluster.run_until(at_ms(6000));

  const auto requests = cluster.messages_of<VoteRequest>(NodeId(2), NodeId(1));
  ASSERT_GE(requests.size(), 3u) << "backup 2 should have tried several rounds";
  for (const MessageRecord* m : requests) {
    EXPECT_TRUE(std::get<VoteRequest>(m->message).pre_vote);
    EXPECT_EQ(std::get<VoteRequest>(m->message).epoch, Epoch(2));  // the epoch it would use
  }
  // Backup 1 answered every round (the last answer may still be in flight), always "no".
  const auto answers = cluster.messages_of<VoteResponse>(NodeId(1), NodeId(2));
  EXPECT_GE(answers.size() + 1, requests.size());
  for (const MessageRecord* m : answers) EXPECT_FALSE(std::get<VoteResponse>(m->message).granted);
  // No real vote ever started, so nobody's epoch moved.
  for (const MessageRecord* m :
       cluster.messages_of<VoteRequest>(std::nullopt, std::nullopt, /*delivered_only=*/false)) {
    EXPECT_TRUE(std::get<VoteRequest>(m->message).pre_vote);
  }
  EXPECT_EQ(cluster.primary(), NodeId(0));
  for (std::uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(cluster.view(NodeId(i)).epoch, Epoch(1)) << "node " << i;
    EXPECT_EQ(cluster.storage(NodeId(i)).hard_state().epoch, Epoch(1)) << "node " << i;
  }
  EXPECT_TRUE(cluster.traces_of(TraceKind::kSteppedDown).empty());
}

TEST(PrimaryBackupElection, IsolatedBackupDoesNotInflateItsEpoch) {
  MemCluster cluster({.replicas = 3, .config = make_config(AckMode::kSemiSync)});
  cluster.start();
  cluster.run_until(at_ms(1000));
  cluster.isolate(NodeId(2));
  cluster.run_until(at_ms(8000));

  // Several pre-vote rounds, all for epoch 2, none of them answered.
  const auto rounds = cluster.messages_of<VoteRequest>(NodeId(2), NodeId(1), false);
  ASSERT_GE(rounds.size(), 5u);
  for (const MessageRecord* m : rounds) {
    EXPECT_TRUE(std::get<VoteRequest>(m->message).pre_vote);
    EXPECT_EQ(std::get<VoteRequest>(m->message).epoch, Epoch(2));
  }
  EXPECT_EQ(cluster.view(NodeId(2)).role, Role::kCandidate);
  EXPECT_EQ(cluster.view(NodeId(2)).epoch, Epoch(1));
  EXPECT_EQ(cluster.storage(NodeId(2)).hard_state().epoch, Epoch(1));

  // Back on the network it rejoins the primary of epoch 1 without disturbing it.
  cluster.heal_all();
  cluster.run_until(at_ms(8500));
  EXPECT_EQ(cluster.primary(), NodeId(0));
  EXPECT_EQ(cluster.view(NodeId(0)).epoch, Epoch(1));
  EXPECT_EQ(cluster.view(NodeId(2)).role, Role::kBackup);
  EXPECT_EQ(cluster.view(NodeId(2)).known_primary, NodeId(0));
  EXPECT_TRUE(cluster.traces_of(TraceKind::kSteppedDown).empty());
}

TEST(PrimaryBackupElection, InitialPrimaryKeepsItsRoleWhenTheFirstAcksTakeLongerThanAHeartbeat) {
  // Cross-region: the first round trip plus the backups' fsync exceeds one heartbeat interval.
  constexpr Duration kDelay = from_ms(40);
  constexpr Duration kFsync = from_ms(7);
  static_assert(2 * kDelay + kFsync > kHeartbeat);
  MemCluster cluster(
      {.replicas = 3, .config = make_config(AckMode::kSemiSync), .delay = kDelay, .fsync = kFsync});
  cluster.start();
  cluster.run_until(at_ms(3000));

  EXPECT_EQ(cluster.primary(), NodeId(0));
  EXPECT_EQ(cluster.view(NodeId(0)).epoch, Epoch(1));
  EXPECT_TRUE(cluster.traces_of(TraceKind::kSteppedDown).empty());
  EXPECT_TRUE(cluster.messages_of<VoteRequest>(std::nullopt, std::nullopt, false).empty());

  const RequestId write = cluster.write(NodeId(0), 1);
  cluster.run_until(at_ms(3500));
  const ReplyRecord* reply = cluster.reply_for(write);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->reply.version, version(1, 1));
  EXPECT_EQ(reply->at, at_ms(3000) + 2 * kDelay + kFsync);
}

TEST(PrimaryBackupElection, InitialPrimaryWhoseEpochNeverBecameDurableCannotReuseEpochOne) {
  // The configured primary crashes before its epoch 1 is durable; the backups elect a primary.
  // When the old node restarts it finds an empty hard state and takes epoch 1 again: that must
  // not be the epoch the backups elected someone in.
  MemCluster cluster({.replicas = 3, .config = make_config(AckMode::kSemiSync)});
  cluster.set_fsync(NodeId(0), from_ms(50));
  cluster.start();
  cluster.run_until(at_ms(10));
  cluster.crash(NodeId(0));
  cluster.run_until(at_ms(3000));
  const std::optional<NodeId> elected = cluster.primary();
  ASSERT_TRUE(elected.has_value());
  EXPECT_GE(cluster.view(*elected).epoch, Epoch(2));

  cluster.restart(NodeId(0));
  EXPECT_NO_THROW(cluster.run_until(at_ms(6000)));
  EXPECT_EQ(cluster.primary(), elected);
  EXPECT_EQ(cluster.view(NodeId(0)).role, Role::kBackup);
  EXPECT_EQ(cluster.view(NodeId(0)).epoch, cluster.view(*elected).epoch);
  EXPECT_EQ(cluster.view(NodeId(0)).known_primary, elected);
}

// Vote rules, one request at a time, against a voter whose log is
// [(1,1) (1,2) (2,3)] in epoch 2.
struct VoteCase {
  std::string name;
  bool voter_hears_primary;
  VoteRequest request;
  bool granted;
  Epoch voter_epoch_after;
};

class PrimaryBackupVote : public ::testing::TestWithParam<VoteCase> {};

TEST_P(PrimaryBackupVote, VoterAppliesTheVoteRules) {
  const VoteCase& c = GetParam();
  RecordingContext ctx;
  ctx.set_now(at_ms(10'000));
  const LogEntry voter_log[] = {entry(1, 1, 1), entry(1, 2, 2), entry(2, 3, 3)};
  ctx.storage().append(voter_log);
  ctx.storage().set_hard_state(HardState{.epoch = Epoch(2), .voted_for = std::nullopt});
  ctx.storage().sync_through(ctx.storage().write_sequence());
  PrimaryBackup voter(node_config(NodeId(2), 3, make_config(AckMode::kSemiSync)));
  voter.on_start(ctx);
  if (c.voter_hears_primary) {
    voter.on_message(NodeId(0),
                     AppendEntries{.epoch = Epoch(2),
                                   .prev_index = LogIndex(3),
                                   .prev_epoch = Epoch(2),
                                   .commit_index = LogIndex(3),
                                   .entries = {}},
                     ctx);
    ctx.advance(kFailoverTimeout / 2);
  }
  ctx.complete_all_persists(voter);
  ctx.clear_outputs();
  const std::uint64_t sequence_before = ctx.storage().write_sequence();

  voter.on_message(NodeId(1), c.request, ctx);
  if (c.granted && !c.request.pre_vote) {
    // A real vote counts only once it is durable.
    EXPECT_TRUE(ctx.sent<VoteResponse>().empty()) << "vote sent before it was durable";
    ctx.complete_all_persists(voter);
    EXPECT_EQ(ctx.storage().hard_state(),
              (HardState{.epoch = c.request.epoch, .voted_for = NodeId(1)}));
  }
  const auto responses = ctx.sent<VoteResponse>();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].first, NodeId(1));
  EXPECT_EQ(responses[0].second.granted, c.granted);
  EXPECT_EQ(responses[0].second.pre_vote, c.request.pre_vote);
  EXPECT_EQ(voter.view().epoch, c.voter_epoch_after);
  if (c.request.pre_vote) {
    // A pre-vote changes nothing on the voter.
    EXPECT_EQ(ctx.storage().write_sequence(), sequence_before);
    EXPECT_TRUE(ctx.persists.empty());
    EXPECT_EQ(responses[0].second.epoch, c.request.epoch);
  }
}

VoteRequest pre_vote(std::uint64_t epoch, std::uint64_t last_index, std::uint64_t last_epoch) {
  return VoteRequest{.epoch = Epoch(epoch),
                     .last_index = LogIndex(last_index),
                     .last_epoch = Epoch(last_epoch),
                     .pre_vote = true};
}
VoteRequest real_vote(std::uint64_t epoch, std::uint64_t last_index, std::uint64_t last_epoch) {
  VoteRequest request = pre_vote(epoch, last_index, last_epoch);
  request.pre_vote = false;
  return request;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, PrimaryBackupVote,
    ::testing::Values(
        VoteCase{"PreVoteGrantedToAnEqualLog", false, pre_vote(3, 3, 2), true, Epoch(2)},
        VoteCase{"PreVoteDeniedToAShorterLogOfTheSameEpoch", false, pre_vote(3, 2, 2), false,
                 Epoch(2)},
        VoteCase{"PreVoteGrantedToALongerLog", false, pre_vote(3, 4, 2), true, Epoch(2)},
        VoteCase{"PreVoteGrantedToAHigherLastEpochEvenIfShorter", false, pre_vote(4, 1, 3), true,
                 Epoch(2)},
        VoteCase{"PreVoteDeniedToALowerLastEpochEvenIfLonger", false, pre_vote(3, 5, 1), false,
                 Epoch(2)},
        VoteCase{"PreVoteDeniedWhileTheVoterHearsThePrimary", true, pre_vote(3, 4, 2), false,
                 Epoch(2)},
        VoteCase{"PreVoteDeniedForAnEpochNotAboveTheVoters", false, pre_vote(2, 3, 2), false,
                 Epoch(2)},
        VoteCase{"VoteGrantedToACurrentCandidateOnceDurable", false, real_vote(3, 3, 2), true,
                 Epoch(3)},
        VoteCase{"VoteDeniedToAShorterLogButItsEpochIsAdopted", false, real_vote(3, 2, 2), false,
                 Epoch(3)},
        VoteCase{"VoteDeniedWhileTheVoterHearsThePrimary", true, real_vote(3, 3, 2), false,
                 Epoch(2)},
        VoteCase{"VoteDeniedForAStaleEpoch", false, real_vote(1, 3, 2), false, Epoch(2)}),
    [](const ::testing::TestParamInfo<VoteCase>& row) { return row.param.name; });

TEST(PrimaryBackupVoteOnce, SecondCandidateInTheSameEpochIsDenied) {
  RecordingContext ctx;
  PrimaryBackup voter(node_config(NodeId(0), 3, make_config(AckMode::kSemiSync)));
  ctx.storage().set_hard_state(HardState{.epoch = Epoch(4), .voted_for = std::nullopt});
  ctx.storage().sync_through(ctx.storage().write_sequence());
  voter.on_start(ctx);
  voter.on_message(NodeId(1), real_vote(5, 0, 0), ctx);
  ctx.complete_all_persists(voter);
  voter.on_message(NodeId(2), real_vote(5, 0, 0), ctx);
  ctx.complete_all_persists(voter);
  const auto responses = ctx.sent<VoteResponse>();
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].first, NodeId(1));
  EXPECT_TRUE(responses[0].second.granted);
  EXPECT_EQ(responses[1].first, NodeId(2));
  EXPECT_FALSE(responses[1].second.granted);
  EXPECT_EQ(ctx.storage().hard_state(), (HardState{.epoch = Epoch(5), .voted_for = NodeId(1)}));
}

// --- scripted promotion ---------------------------------------------------------------------

TEST(PrimaryBackupScripted, PromoteNowMakesTheNodePrimaryInTheNextEpochOnceDurable) {
  RecordingContext ctx;
  PrimaryBackup node(node_config(NodeId(1), 3, make_config(AckMode::kSemiSync, 1, false)));
  node.on_start(ctx);
  EXPECT_FALSE(ctx.armed(kFailoverTimer).has_value()) << "scripted mode arms no failover timer";
  node.on_message(NodeId(0),
                  AppendEntries{.epoch = Epoch(1),
                                .prev_index = LogIndex(0),
                                .prev_epoch = Epoch(0),
                                .commit_index = LogIndex(1),
                                .entries = {entry(1, 1, 5)}},
                  ctx);
  ctx.complete_all_persists(node);
  ASSERT_EQ(node.view().epoch, Epoch(1));
  ctx.clear_outputs();

  node.on_admin(PromoteNow{}, ctx);
  // Not primary until the new epoch is durable.
  EXPECT_NE(node.view().role, Role::kPrimary);
  EXPECT_TRUE(ctx.sends.empty());
  EXPECT_TRUE(ctx.traces.empty());
  EXPECT_EQ(ctx.storage().hard_state(), (HardState{.epoch = Epoch(2), .voted_for = NodeId(1)}));
  ASSERT_FALSE(ctx.unsynced().empty());
  node.on_admin(PromoteNow{}, ctx);  // a repeated command changes nothing
  EXPECT_EQ(ctx.storage().hard_state().epoch, Epoch(2));

  ctx.complete_all_persists(node);
  EXPECT_EQ(node.view().role, Role::kPrimary);
  EXPECT_EQ(node.view().epoch, Epoch(2));
  EXPECT_EQ(node.view().known_primary, NodeId(1));
  ASSERT_EQ(ctx.traces.size(), 1u);
  EXPECT_EQ(ctx.traces[0].kind, TraceKind::kBecamePrimary);
  EXPECT_EQ(ctx.traces[0].epoch, Epoch(2));
  EXPECT_EQ(ctx.traces[0].index, LogIndex(1));
  EXPECT_EQ(ctx.traces[0].other, NodeId(0));
  const auto appends = ctx.sent<AppendEntries>();
  ASSERT_EQ(appends.size(), 2u);
  EXPECT_EQ(appends[0].first, NodeId(0));
  EXPECT_EQ(appends[1].first, NodeId(2));
  for (const auto& [to, append] : appends) {
    EXPECT_EQ(append.epoch, Epoch(2));
    EXPECT_EQ(append.prev_index, LogIndex(1));
    EXPECT_EQ(append.prev_epoch, Epoch(1));
  }
  EXPECT_TRUE(ctx.armed(kHeartbeatTimer).has_value());
}

TEST(PrimaryBackupScripted, PromotionLostInACrashBeforeItsFsyncNeverHappened) {
  RecordingContext ctx;
  const Config config = node_config(NodeId(1), 3, make_config(AckMode::kSemiSync, 1, false));
  auto node = std::make_unique<PrimaryBackup>(config);
  node->on_start(ctx);
  node->on_message(NodeId(0),
                   AppendEntries{.epoch = Epoch(1),
                                 .prev_index = LogIndex(0),
                                 .prev_epoch = Epoch(0),
                                 .commit_index = LogIndex(0),
                                 .entries = {}},
                   ctx);
  ctx.complete_all_persists(*node);
  node->on_admin(PromoteNow{}, ctx);
  ctx.crash();
  node = std::make_unique<PrimaryBackup>(config);
  node->on_start(ctx);
  EXPECT_EQ(node->view().role, Role::kBackup);
  EXPECT_EQ(node->view().epoch, Epoch(1));
  EXPECT_EQ(ctx.storage().hard_state(), (HardState{.epoch = Epoch(1), .voted_for = std::nullopt}));
}

TEST(PrimaryBackupScripted, NoElectionHappensWhenThePrimaryGoesSilentUntilAnOperatorPromotes) {
  constexpr Duration kDelay = from_ms(10);
  constexpr Duration kFsync = from_ms(1);
  MemCluster cluster({.replicas = 3,
                      .config = make_config(AckMode::kSemiSync, 1, /*automatic=*/false),
                      .delay = kDelay,
                      .fsync = kFsync});
  cluster.start();
  cluster.run_until(at_ms(1000));
  cluster.write(NodeId(0), 1);
  cluster.run_until(at_ms(1100));
  cluster.crash(NodeId(0));
  cluster.run_until(at_ms(1100) + 10 * kFailoverTimeout);

  EXPECT_TRUE(cluster.messages_of<VoteRequest>(std::nullopt, std::nullopt, false).empty());
  EXPECT_FALSE(cluster.primary().has_value());
  for (std::uint32_t i = 1; i <= 2; ++i) {
    EXPECT_EQ(cluster.view(NodeId(i)).role, Role::kBackup);
    EXPECT_EQ(cluster.view(NodeId(i)).epoch, Epoch(1));
  }

  const TimePoint promote_at = cluster.now();
  cluster.admin(NodeId(2), PromoteNow{});
  cluster.run_for(from_ms(100));
  ASSERT_EQ(cluster.primary(), NodeId(2));
  EXPECT_EQ(cluster.view(NodeId(2)).epoch, Epoch(2));
  EXPECT_EQ(became_primary_at(cluster, NodeId(2), Epoch(2)), promote_at + kFsync);
  EXPECT_EQ(cluster.view(NodeId(1)).known_primary, NodeId(2));

  // The new primary commits with backup 1 (the old primary stays down).
  const TimePoint write_at = cluster.now();
  const RequestId write = cluster.write(NodeId(2), 2);
  cluster.run_for(from_ms(100));
  const ReplyRecord* reply = cluster.reply_for(write);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->reply.version, version(2, 2));
  EXPECT_EQ(reply->at, write_at + 2 * kDelay + kFsync);
}

// ============================================================================================
// 3. The old primary rejoins as a backup
// ============================================================================================

class PrimaryBackupRejoin : public ::testing::TestWithParam<PrimaryStop> {};

TEST_P(PrimaryBackupRejoin, OldAsyncPrimaryTruncatesWhatTheNewPrimaryNeverHad) {
  MemCluster cluster({.replicas = 3, .config = make_config(AckMode::kAsync)});
  cluster.start();
  cluster.run_until(at_ms(500));
  const RequestId w1 = cluster.write(NodeId(0), 1);
  cluster.run_until(at_ms(1000));
  ASSERT_EQ(cluster.storage(NodeId(1)).last_index(), LogIndex(1));
  ASSERT_EQ(cluster.storage(NodeId(2)).last_index(), LogIndex(1));

  // Cut off, the async primary still acknowledges two writes nobody else will ever see.
  cluster.isolate(NodeId(0));
  const RequestId w2 = cluster.write(NodeId(0), 2);
  const RequestId w3 = cluster.write(NodeId(0), 3);
  cluster.run_until(at_ms(1100));
  for (RequestId w : {w1, w2, w3}) {
    ASSERT_NE(cluster.reply_for(w), nullptr);
    EXPECT_EQ(cluster.reply_for(w)->reply.status, ReplyStatus::kOk);
  }
  EXPECT_EQ(cluster.reply_for(w3)->reply.version, version(1, 3));
  if (GetParam() == PrimaryStop::kCrash) cluster.crash(NodeId(0));

  // A backup takes over (the backups are equally far from the old primary, so a split vote
  // may cost a round) and takes new writes at the indexes the old primary used.
  ASSERT_TRUE(cluster.run_until_true(
      [&] { return cluster.primary().has_value() && *cluster.primary() != NodeId(0); },
      at_ms(20'000)));
  const NodeId primary = *cluster.primary();
  const Epoch epoch = cluster.view(primary).epoch;
  EXPECT_GE(epoch, Epoch(2));
  cluster.run_for(from_ms(200));
  const RequestId w4 = cluster.write(primary, 4);
  const RequestId w5 = cluster.write(primary, 2);  // overwrites key 2
  cluster.run_for(from_ms(100));
  ASSERT_NE(cluster.reply_for(w5), nullptr);
  EXPECT_EQ(cluster.reply_for(w4)->reply.version, (Version{epoch, LogIndex(2)}));
  EXPECT_EQ(cluster.reply_for(w5)->reply.version, (Version{epoch, LogIndex(3)}));

  // The old primary comes back.
  if (GetParam() == PrimaryStop::kCrash) {
    EXPECT_EQ(cluster.storage(NodeId(0)).last_index(), LogIndex(3)) << "acked writes were synced";
    cluster.heal_all();
    cluster.restart(NodeId(0));
  } else {
    EXPECT_NE(cluster.view(NodeId(0)).role, Role::kPrimary);
    cluster.heal_all();
  }
  cluster.run_for(from_ms(1000));

  EXPECT_EQ(cluster.primary(), primary);
  EXPECT_EQ(cluster.view(NodeId(0)).role, Role::kBackup);
  EXPECT_EQ(cluster.view(NodeId(0)).epoch, epoch);
  EXPECT_EQ(cluster.view(NodeId(0)).known_primary, primary);
  const auto truncated = cluster.traces_of(TraceKind::kTruncated, NodeId(0));
  ASSERT_EQ(truncated.size(), 1u);
  EXPECT_EQ(truncated[0]->event.index, LogIndex(1));  // kept (1,1), dropped (1,2) and (1,3)
  EXPECT_EQ(truncated[0]->event.epoch, epoch);
  EXPECT_EQ(truncated[0]->event.other, primary);

  // Exactly the new primary's log, durable, and its state machine follows it.
  const std::vector<LogEntry> expected = cluster.log(primary);
  ASSERT_EQ(expected.size(), 3u);
  const std::vector<LogEntry> rejoined = cluster.log(NodeId(0));
  ASSERT_EQ(rejoined.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(rejoined[i].version, expected[i].version) << "index " << i + 1;
    EXPECT_EQ(rejoined[i].key, expected[i].key) << "index " << i + 1;
    EXPECT_EQ(rejoined[i].request, expected[i].request) << "index " << i + 1;
  }
  EXPECT_EQ(cluster.storage(NodeId(0)).durable_last_index(), LogIndex(3));
  EXPECT_EQ(cluster.view(NodeId(0)).commit_index, LogIndex(3));
  const RequestId read2 = cluster.read(NodeId(0), 2, /*allow_backup_read=*/true);
  const RequestId read3 = cluster.read(NodeId(0), 3, /*allow_backup_read=*/true);
  EXPECT_EQ(cluster.reply_for(read2)->reply.version, (Version{epoch, LogIndex(3)}));
  EXPECT_EQ(cluster.reply_for(read3)->reply.version, Version{}) << "lost write still readable";
}

INSTANTIATE_TEST_SUITE_P(HowThePrimaryStops, PrimaryBackupRejoin,
                         ::testing::Values(PrimaryStop::kCrash, PrimaryStop::kIsolate),
                         [](const ::testing::TestParamInfo<PrimaryStop>& row) {
                           return row.param == PrimaryStop::kCrash ? "Crash" : "Isolate";
                         });

// ============================================================================================
// 4. Step-down
// ============================================================================================

TEST(PrimaryBackupStepDown, IsolatedPrimaryStepsDownAfterFailoverTimeoutAndRefusesWrites) {
  MemCluster cluster({.replicas = 3, .config = make_config(AckMode::kSemiSync)});
  cluster.start();
  cluster.run_until(at_ms(1000));
  cluster.isolate(NodeId(0));
  const RequestId during = cluster.write(NodeId(0), 1);
  cluster.run_until(at_ms(3000));

  // It steps down at the first heartbeat more than failover_timeout after it last heard a
  // backup.
  const std::optional<TimePoint> last_heard =
      last_delivery<AppendResponse>(cluster, std::nullopt, NodeId(0));
  ASSERT_TRUE(last_heard.has_value());
  const TimePoint promoted = became_primary_at(cluster, NodeId(0), Epoch(1));
  const auto stepped = cluster.traces_of(TraceKind::kSteppedDown, NodeId(0));
  ASSERT_EQ(stepped.size(), 1u);
  EXPECT_EQ(stepped[0]->at, first_tick_after(promoted, *last_heard + kFailoverTimeout))
      << "last heard a backup at " << ms_of(*last_heard) << " ms";
  EXPECT_EQ(stepped[0]->event.epoch, Epoch(1));
  EXPECT_NE(cluster.view(NodeId(0)).role, Role::kPrimary);
  EXPECT_EQ(cluster.view(NodeId(0)).epoch, Epoch(1));

  // The write it took while isolated was never acknowledged, and new writes are refused.
  EXPECT_EQ(cluster.reply_for(during), nullptr);
  const RequestId after = cluster.write(NodeId(0), 2);
  const ReplyRecord* refused = cluster.reply_for(after);
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->reply.status, ReplyStatus::kNotPrimary);
  EXPECT_EQ(refused->reply.primary_hint, std::nullopt);
  EXPECT_EQ(cluster.storage(NodeId(0)).last_index(), LogIndex(1)) << "refused write was logged";
}

TEST(PrimaryBackupStepDown, ScriptedPrimaryNeverStepsDown) {
  MemCluster cluster({.replicas = 3, .config = make_config(AckMode::kAsync, 1, false)});
  cluster.start();
  cluster.run_until(at_ms(1000));
  cluster.isolate(NodeId(0));
  cluster.run_until(at_ms(1000) + 5 * kFailoverTimeout);
  EXPECT_EQ(cluster.primary(), NodeId(0));
  EXPECT_TRUE(cluster.traces_of(TraceKind::kSteppedDown).empty());
  const TimePoint write_at = cluster.now();
  const RequestId write = cluster.write(NodeId(0), 1);
  cluster.run_for(from_ms(10));
  ASSERT_NE(cluster.reply_for(write), nullptr);
  EXPECT_EQ(cluster.reply_for(write)->at, write_at + from_ms(1));  // async: its own fsync
}

// ============================================================================================
// 5. Requests at non-primaries
// ============================================================================================

TEST(PrimaryBackupRequests, BackupRefusesWritesAndPrimaryOnlyReadsWithAPrimaryHint) {
  MemCluster cluster({.replicas = 3, .config = make_config(AckMode::kSemiSync)});
  cluster.start();
  cluster.run_until(at_ms(1000));
  cluster.write(NodeId(0), 7);
  cluster.run_until(at_ms(1200));

  for (std::uint32_t b = 1; b <= 2; ++b) {
    const RequestId write = cluster.write(NodeId(b), 8);
    const RequestId read = cluster.read(NodeId(b), 7, /*allow_backup_read=*/false);
    for (RequestId id : {write, read}) {
      const ReplyRecord* reply = cluster.reply_for(id);
      ASSERT_NE(reply, nullptr);
      EXPECT_EQ(reply->node, NodeId(b));
      EXPECT_EQ(reply->reply.status, ReplyStatus::kNotPrimary);
      EXPECT_EQ(reply->reply.primary_hint, NodeId(0));
    }
    EXPECT_EQ(cluster.storage(NodeId(b)).last_index(), LogIndex(1));
  }
  // The primary serves the same read.
  const RequestId read = cluster.read(NodeId(0), 7, false);
  EXPECT_EQ(cluster.reply_for(read)->reply.status, ReplyStatus::kOk);
  EXPECT_EQ(cluster.reply_for(read)->reply.version, version(1, 1));
}

// The initial primary takes office once epoch 1 is durable (one fsync); a write that reaches
// it meanwhile waits for that instead of failing with "not primary".
TEST(PrimaryBackupRequests, WriteArrivingWhileThePrimaryTakesOfficeIsServedOnceItHas) {
  MemCluster cluster({.replicas = 3, .config = make_config(AckMode::kAsync)});
  cluster.start();
  const RequestId early = cluster.write(NodeId(0), 7);  // at time 0, before the first fsync
  EXPECT_EQ(cluster.reply_for(early), nullptr) << "answered before taking office";
  cluster.run_until(at_ms(100));
  const ReplyRecord* reply = cluster.reply_for(early);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->reply.status, ReplyStatus::kOk);
  EXPECT_EQ(reply->reply.version, version(1, 1));
}

TEST(PrimaryBackupRequests, BackupServesAllowedReadsFromItsAppliedState) {
  MemCluster cluster({.replicas = 3, .config = make_config(AckMode::kSemiSync)});
  cluster.start();
  cluster.run_until(at_ms(1000));
  cluster.write(NodeId(0), 7);
  cluster.run_until(at_ms(1200));  // the commit index reached the backups with a heartbeat
  const RequestId read = cluster.read(NodeId(1), 7, /*allow_backup_read=*/true);
  const ReplyRecord* reply = cluster.reply_for(read);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->node, NodeId(1));
  EXPECT_EQ(reply->reply.status, ReplyStatus::kOk);
  EXPECT_EQ(reply->reply.version, version(1, 1));
  const RequestId missing = cluster.read(NodeId(1), 99, true);
  EXPECT_EQ(cluster.reply_for(missing)->reply.status, ReplyStatus::kOk);
  EXPECT_EQ(cluster.reply_for(missing)->reply.version, Version{});
}

TEST(PrimaryBackupRequests, BackupReadSeesAnEntryOnlyOnceItIsCommitted) {
  RecordingContext ctx;
  PrimaryBackup backup(node_config(NodeId(1), 3, make_config(AckMode::kSemiSync)));
  backup.on_start(ctx);
  auto read = [&](std::uint64_t sequence) {
    ctx.clear_outputs();
    backup.on_client_request(ClientId(3),
                             ClientRequest{.id = RequestId{ClientId(3), sequence},
                                           .kind = OpKind::kRead,
                                           .key = 7,
                                           .allow_backup_read = true},
                             ctx);
    EXPECT_EQ(ctx.replies.size(), 1u);
    return ctx.replies.empty() ? ClientReply{} : ctx.replies[0].reply;
  };
  backup.on_message(NodeId(0),
                    AppendEntries{.epoch = Epoch(1),
                                  .prev_index = LogIndex(0),
                                  .prev_epoch = Epoch(0),
                                  .commit_index = LogIndex(0),
                                  .entries = {entry(1, 1, 7)}},
                    ctx);
  ctx.complete_all_persists(backup);
  EXPECT_EQ(read(1).version, Version{}) << "read an uncommitted entry";
  backup.on_message(NodeId(0),
                    AppendEntries{.epoch = Epoch(1),
                                  .prev_index = LogIndex(1),
                                  .prev_epoch = Epoch(1),
                                  .commit_index = LogIndex(1),
                                  .entries = {}},
                    ctx);
  const ClientReply after = read(2);
  EXPECT_EQ(after.status, ReplyStatus::kOk);
  EXPECT_EQ(after.version, version(1, 1));
  EXPECT_EQ(after.id, (RequestId{ClientId(3), 2}));
}

// ============================================================================================
// 6. Sync mode and the in-sync set
// ============================================================================================

TEST(PrimaryBackupSync, DeadBackupLeavesTheInSyncSetSoWritesCommitAndRejoinsWhenCaughtUp) {
  constexpr Duration kNear = from_ms(10);  // primary <-> backup 1
  constexpr Duration kFar = from_ms(30);   // primary <-> backup 2
  constexpr Duration kFsync = from_ms(1);
  MemCluster cluster(
      {.replicas = 3, .config = make_config(AckMode::kSync), .delay = kNear, .fsync = kFsync});
  cluster.set_link_delay(NodeId(0), NodeId(2), kFar);
  cluster.start();
  cluster.run_until(at_ms(1000));

  // Both backups in sync: the far one sets the pace.
  const RequestId a = cluster.write(NodeId(0), 1);
  cluster.run_until(at_ms(1100));
  ASSERT_NE(cluster.reply_for(a), nullptr);
  EXPECT_EQ(cluster.reply_for(a)->at, at_ms(1000) + 2 * kFar + kFsync);

  cluster.crash(NodeId(2));
  const RequestId b = cluster.write(NodeId(0), 2);
  cluster.run_until(at_ms(1100) + kFailoverTimeout / 2);
  EXPECT_EQ(cluster.reply_for(b), nullptr) << "sync acked without an in-sync backup";
  EXPECT_TRUE(cluster.node(NodeId(0)).testing_in_sync(NodeId(2)));

  // Backup 2 leaves the in-sync set at the first heartbeat more than failover_timeout after
  // the primary last heard it; that heartbeat commits the waiting write.
  cluster.run_until(at_ms(2500));
  const std::optional<TimePoint> last_heard =
      last_delivery<AppendResponse>(cluster, NodeId(2), NodeId(0));
  ASSERT_TRUE(last_heard.has_value());
  const TimePoint promoted = became_primary_at(cluster, NodeId(0), Epoch(1));
  ASSERT_NE(cluster.reply_for(b), nullptr);
  EXPECT_EQ(cluster.reply_for(b)->at, first_tick_after(promoted, *last_heard + kFailoverTimeout));
  EXPECT_FALSE(cluster.node(NodeId(0)).testing_in_sync(NodeId(2)));
  EXPECT_TRUE(cluster.node(NodeId(0)).testing_in_sync(NodeId(1)));
  EXPECT_EQ(cluster.primary(), NodeId(0));

  // Without it, writes commit at the near backup's pace.
  const RequestId c = cluster.write(NodeId(0), 3);
  cluster.run_until(at_ms(2600));
  ASSERT_NE(cluster.reply_for(c), nullptr);
  EXPECT_EQ(cluster.reply_for(c)->at, at_ms(2500) + 2 * kNear + kFsync);

  // Restarted, it catches up and is back in the set: the far backup sets the pace again.
  cluster.restart(NodeId(2));
  cluster.run_until(at_ms(3000));
  EXPECT_TRUE(cluster.node(NodeId(0)).testing_in_sync(NodeId(2)));
  EXPECT_EQ(cluster.node(NodeId(0)).testing_match_index(NodeId(2)), LogIndex(3));
  const RequestId d = cluster.write(NodeId(0), 4);
  cluster.run_until(at_ms(3200));
  ASSERT_NE(cluster.reply_for(d), nullptr);
  EXPECT_EQ(cluster.reply_for(d)->at, at_ms(3000) + 2 * kFar + kFsync);
  EXPECT_EQ(cluster.log(NodeId(2)).size(), 4u);
}

TEST(PrimaryBackupSync, IsolatedPrimaryDoesNotShrinkItsInSyncSet) {
  // Scripted mode, so the isolated primary keeps the role: it must still not commit alone.
  MemCluster cluster({.replicas = 3, .config = make_config(AckMode::kSync, 1, false)});
  cluster.start();
  cluster.run_until(at_ms(1000));
  cluster.isolate(NodeId(0));
  const RequestId write = cluster.write(NodeId(0), 1);
  cluster.run_until(at_ms(1000) + 5 * kFailoverTimeout);
  EXPECT_EQ(cluster.primary(), NodeId(0));
  EXPECT_EQ(cluster.reply_for(write), nullptr);
  EXPECT_TRUE(cluster.node(NodeId(0)).testing_in_sync(NodeId(1)));
  EXPECT_TRUE(cluster.node(NodeId(0)).testing_in_sync(NodeId(2)));
  EXPECT_EQ(cluster.view(NodeId(0)).commit_index, LogIndex(0));
}

// ============================================================================================
// 7. Storage crash semantics
// ============================================================================================

struct StorageCrashCase {
  std::uint64_t synced_through;  // write sequence made durable before the crash
  std::uint64_t log_length;      // after the crash
  Epoch epoch;                   // hard state after the crash
};

class StorageCrash : public ::testing::TestWithParam<StorageCrashCase> {};

TEST_P(StorageCrash, CrashKeepsExactlyTheSyncedWrites) {
  // Writes, by sequence: 1 append (1,1) (1,2); 2 hard state epoch 1; 3 append (1,3);
  // 4 hard state epoch 2; 5 truncate after 1.
  Storage storage;
  const LogEntry first[] = {entry(1, 1, 1), entry(1, 2, 2)};
  storage.append(first);
  storage.set_hard_state(HardState{.epoch = Epoch(1), .voted_for = NodeId(0)});
  const LogEntry third[] = {entry(1, 3, 3)};
  storage.append(third);
  storage.set_hard_state(HardState{.epoch = Epoch(2), .voted_for = std::nullopt});
  storage.truncate_after(LogIndex(1));
  ASSERT_EQ(storage.write_sequence(), 5u);
  ASSERT_EQ(storage.last_index(), LogIndex(1));

  const StorageCrashCase& c = GetParam();
  storage.sync_through(c.synced_through);
  EXPECT_EQ(storage.durable_last_index(), LogIndex(c.log_length));
  storage.crash();
  EXPECT_EQ(storage.last_index(), LogIndex(c.log_length));
  EXPECT_EQ(storage.durable_last_index(), LogIndex(c.log_length));
  EXPECT_EQ(storage.hard_state().epoch, c.epoch);
  for (std::uint64_t i = 1; i <= c.log_length; ++i) {
    EXPECT_EQ(storage.entry(LogIndex(i)).key, i);
  }
}

INSTANTIATE_TEST_SUITE_P(
    SyncedPrefixes, StorageCrash,
    ::testing::Values(StorageCrashCase{0, 0, Epoch(0)}, StorageCrashCase{1, 2, Epoch(0)},
                      StorageCrashCase{2, 2, Epoch(1)}, StorageCrashCase{3, 3, Epoch(1)},
                      StorageCrashCase{4, 3, Epoch(2)}, StorageCrashCase{5, 1, Epoch(2)}),
    [](const ::testing::TestParamInfo<StorageCrashCase>& row) {
      return "SyncedThrough" + std::to_string(row.param.synced_through);
    });

TEST(StorageCrashSemantics, WritesAfterACrashContinueFromTheDurableState) {
  Storage storage;
  const LogEntry a[] = {entry(1, 1, 1), entry(1, 2, 2)};
  storage.append(a);
  storage.sync_through(storage.write_sequence());
  const LogEntry b[] = {entry(1, 3, 3)};
  storage.append(b);
  storage.crash();
  ASSERT_EQ(storage.last_index(), LogIndex(2));
  // The vanished entry's index is free again, and new writes become durable normally.
  const LogEntry c[] = {entry(2, 3, 30)};
  storage.append(c);
  storage.sync_through(storage.write_sequence());
  storage.crash();
  EXPECT_EQ(storage.last_index(), LogIndex(3));
  EXPECT_EQ(storage.entry(LogIndex(3)).key, 30u);
  EXPECT_EQ(storage.last_epoch(), Epoch(2));
}

// An append not yet synced makes durable the entries it wrote, even when the current view
// replaced them before the sync (a truncation, then a new entry at the same index).
TEST(StorageCrashSemantics, AnUnsyncedAppendMakesItsOwnEntriesDurableAfterATruncation) {
  Storage storage;
  const LogEntry a[] = {entry(1, 1, 1), entry(1, 2, 2)};
  storage.append(a);                    // sequence 1
  storage.truncate_after(LogIndex(1));  // 2
  const LogEntry b[] = {entry(2, 2, 20)};
  storage.append(b);  // 3
  ASSERT_EQ(storage.entry(LogIndex(2)).key, 20u);
  storage.sync_through(1);
  storage.crash();
  ASSERT_EQ(storage.last_index(), LogIndex(2));
  EXPECT_EQ(storage.entry(LogIndex(2)).key, 2u) << "what the first append wrote";
  storage.truncate_after(LogIndex(1));
  storage.append(b);
  storage.sync_through(storage.write_sequence());
  storage.crash();
  EXPECT_EQ(storage.entry(LogIndex(2)).key, 20u);
}

TEST(PrimaryBackupCrash, UnsyncedWriteVanishesWithThePrimaryAndIsNeverAcknowledged) {
  constexpr Duration kPrimaryDiskFsync = from_ms(50);
  MemCluster cluster({.replicas = 3, .config = make_config(AckMode::kAsync)});
  cluster.set_fsync(NodeId(0), kPrimaryDiskFsync);
  cluster.start();
  cluster.run_until(at_ms(500));
  const RequestId synced = cluster.write(NodeId(0), 1);
  cluster.run_until(at_ms(1000));
  ASSERT_NE(cluster.reply_for(synced), nullptr);
  EXPECT_EQ(cluster.reply_for(synced)->at, at_ms(500) + kPrimaryDiskFsync);

  cluster.isolate(NodeId(0));
  const RequestId lost = cluster.write(NodeId(0), 2);
  cluster.run_until(at_ms(1000) + kPrimaryDiskFsync / 2);
  EXPECT_EQ(cluster.storage(NodeId(0)).last_index(), LogIndex(2));
  cluster.crash(NodeId(0));
  EXPECT_EQ(cluster.storage(NodeId(0)).last_index(), LogIndex(1));
  EXPECT_EQ(cluster.log(NodeId(0))[0].key, 1u);
  cluster.restart(NodeId(0));
  cluster.run_until(at_ms(1500));
  EXPECT_EQ(cluster.reply_for(lost), nullptr);
  EXPECT_EQ(cluster.storage(NodeId(0)).last_index(), LogIndex(1));
}

}  // namespace
}  // namespace primary_backup
}  // namespace cutover::models
