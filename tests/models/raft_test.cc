// Unit tests for Raft, one group per rule of the Raft paper (§) or Ongaro's thesis (thesis §).
//
// Single-node tests feed one input to a Raft node over a RecordingContext and assert the exact
// outputs. Cluster tests use the in-memory RaftCluster (no faults unless the test adds them)
// and derive expected values from the configuration they set.
#include "models/replication/raft/raft.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/core/message.h"
#include "models/core/rng.h"
#include "models/core/storage.h"
#include "models/core/types.h"

#include "tests/harness/raft_cluster.h"
#include "tests/harness/recording_context.h"

namespace cutover::models::raft {
namespace {

using testing::RaftCluster;
using testing::RecordingContext;

constexpr Duration kElectionMin = from_ms(150);
constexpr Duration kElectionMax = from_ms(300);
constexpr Duration kHeartbeat = from_ms(30);
constexpr Duration kDelay = from_ms(10);

Config base_config() {
  return Config{.election_timeout_min = kElectionMin,
                .election_timeout_max = kElectionMax,
                .heartbeat_interval = kHeartbeat,
                .pre_vote = true,
                .check_quorum = true};
}

Config node_config(NodeId self, std::uint32_t voters, Config config = base_config()) {
  config.self = self;
  config.voters.clear();
  for (std::uint32_t i = 0; i < voters; ++i) config.voters.emplace_back(i);
  return config;
}

LogEntry entry(std::uint64_t term, std::uint64_t index, Key key = 1) {
  return LogEntry{.version = Version{Epoch(term), LogIndex(index)},
                  .key = key,
                  .value_bytes = 100,
                  .request = RequestId{.client = ClientId(9), .sequence = index}};
}

// A node whose storage already holds `log` (durable) and `term`, started and quiet.
struct SingleNode {
  explicit SingleNode(Config config, std::vector<LogEntry> log = {}, std::uint64_t term = 0)
      : node(std::move(config)) {
    ctx.storage().append(log);
    if (term > 0) ctx.storage().set_hard_state(HardState{.epoch = Epoch(term)});
    ctx.storage().sync_through(ctx.storage().write_sequence());
    node.on_start(ctx);
    ctx.clear_outputs();
  }
  void deliver(NodeId from, const Message& message) { node.on_message(from, message, ctx); }
  void fire(TimerId id) { node.on_timer(id, ctx); }
  Raft node;
  RecordingContext ctx;
};

RaftCluster::Options cluster_options(std::uint32_t voters, Config config = base_config(),
                                     std::uint32_t others = 0) {
  return RaftCluster::Options{.voters = voters,
                              .others = others,
                              .config = config,
                              .delay_min = kDelay,
                              .delay_max = kDelay,
                              .fsync = from_ms(1)};
}

NodeId elect(RaftCluster& cluster) {
  EXPECT_TRUE(cluster.run_until_leader(cluster.now() + from_ms(3000)));
  cluster.run_for(from_ms(100));  // the no-op commits
  return *cluster.leader();
}

NodeId other_than(NodeId a, std::uint32_t n, NodeId b = NodeId(99)) {
  for (std::uint32_t i = 0; i < n; ++i) {
    if (NodeId(i) != a && NodeId(i) != b) return NodeId(i);
  }
  return NodeId(0);
}

// ============================================================================================
// §5.2 Vote granting
// ============================================================================================

TEST(RaftVote, Section5_2_GrantsOneVotePerTermAndOnlyOnceItIsDurable) {
  SingleNode n(node_config(NodeId(1), 3));
  n.ctx.advance(kElectionMin);  // past the restart stickiness
  n.deliver(NodeId(0), VoteRequest{.epoch = Epoch(1), .last_index = {}, .last_epoch = {}});
  EXPECT_TRUE(n.ctx.sent<VoteResponse>().empty()) << "vote sent before it was durable";
  EXPECT_EQ(n.ctx.storage().hard_state().voted_for, NodeId(0));
  n.ctx.complete_all_persists(n.node);
  auto responses = n.ctx.sent<VoteResponse>();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_TRUE(responses[0].second.granted);
  EXPECT_EQ(responses[0].second.epoch, Epoch(1));
  // The vote survives a crash: it was durable before it left.
  n.ctx.crash();
  Raft restarted(node_config(NodeId(1), 3));
  restarted.on_start(n.ctx);
  n.ctx.advance(kElectionMin);
  n.ctx.clear_outputs();
  restarted.on_message(NodeId(2), VoteRequest{.epoch = Epoch(1)}, n.ctx);
  n.ctx.complete_all_persists(restarted);
  responses = n.ctx.sent<VoteResponse>();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_FALSE(responses[0].second.granted) << "a second vote in term 1";
}

struct UpToDateCase {
  std::string name;
  std::uint64_t candidate_last_term;
  std::uint64_t candidate_last_index;
  bool granted;
};

class RaftUpToDate : public ::testing::TestWithParam<UpToDateCase> {};

// §5.4.1: the voter's log ends at (term 2, index 2).
TEST_P(RaftUpToDate, Section5_4_1_VoteOnlyForALogAtLeastAsUpToDate) {
  const UpToDateCase& c = GetParam();
  SingleNode n(node_config(NodeId(1), 3), {entry(1, 1), entry(2, 2)}, 2);
  n.ctx.advance(kElectionMin);
  n.deliver(NodeId(0), VoteRequest{.epoch = Epoch(3),
                                   .last_index = LogIndex(c.candidate_last_index),
                                   .last_epoch = Epoch(c.candidate_last_term)});
  n.ctx.complete_all_persists(n.node);
  const auto responses = n.ctx.sent<VoteResponse>();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].second.granted, c.granted);
  EXPECT_EQ(n.node.view().epoch, Epoch(3)) << "the higher term is adopted either way (§5.1)";
}

INSTANTIATE_TEST_SUITE_P(
    Table, RaftUpToDate,
    ::testing::Values(UpToDateCase{"LowerLastTermLongerLogIsDenied", 1, 5, false},
                      UpToDateCase{"SameLastTermShorterLogIsDenied", 2, 1, false},
                      UpToDateCase{"SameLastTermSameLengthIsGranted", 2, 2, true},
                      UpToDateCase{"SameLastTermLongerLogIsGranted", 2, 3, true},
                      UpToDateCase{"HigherLastTermShorterLogIsGranted", 3, 1, true}),
    [](const ::testing::TestParamInfo<UpToDateCase>& row) { return row.param.name; });

// ============================================================================================
// §5.1 Term rules
// ============================================================================================

TEST(RaftTerm, Section5_1_HigherTermMakesAFollowerAndPersistsTheTerm) {
  SingleNode n(node_config(NodeId(1), 3), {}, 2);
  n.deliver(NodeId(0), AppendEntries{.epoch = Epoch(5)});
  EXPECT_EQ(n.node.view().epoch, Epoch(5));
  EXPECT_EQ(n.node.view().known_primary, NodeId(0));
  EXPECT_EQ(n.ctx.storage().hard_state().epoch, Epoch(5));
  EXPECT_EQ(n.ctx.storage().hard_state().voted_for, std::nullopt);
}

TEST(RaftTerm, Section5_1_StaleTermIsRejectedWithTheCurrentTerm) {
  SingleNode n(node_config(NodeId(1), 3), {}, 4);
  n.deliver(NodeId(0), AppendEntries{.epoch = Epoch(3)});
  const auto responses = n.ctx.sent<AppendResponse>();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_FALSE(responses[0].second.success);
  EXPECT_EQ(responses[0].second.epoch, Epoch(4));
  EXPECT_EQ(n.node.view().known_primary, std::nullopt);
  n.ctx.clear_outputs();
  n.deliver(NodeId(2), VoteRequest{.epoch = Epoch(3)});
  ASSERT_EQ(n.ctx.sent<VoteResponse>().size(), 1u);
  EXPECT_FALSE(n.ctx.sent<VoteResponse>()[0].second.granted);
}

TEST(RaftTerm, Section5_1_LeaderStepsDownOnAHigherTermAndAtMostOneLeaderPerTerm) {
  RaftCluster cluster(cluster_options(3));
  cluster.start();
  const NodeId leader = elect(cluster);
  const Epoch term = cluster.view(leader).epoch;
  cluster.isolate(leader);
  cluster.run_for(from_ms(1500));
  cluster.heal_all();
  cluster.run_for(from_ms(1000));
  const NodeId now_leader = *cluster.leader();
  EXPECT_GT(cluster.view(now_leader).epoch, term);
  for (std::uint32_t i = 0; i < 3; ++i) {
    if (NodeId(i) != now_leader) {
      EXPECT_NE(cluster.view(NodeId(i)).role, Role::kPrimary);
    }
  }
  // The harness checked Election Safety after every input; the traces agree.
  std::map<std::uint64_t, std::uint32_t> leaders;
  for (const auto* t : cluster.traces_of(TraceKind::kBecamePrimary)) {
    EXPECT_TRUE(leaders.emplace(t->event.epoch.value, t->node.value).second);
  }
  EXPECT_FALSE(cluster.traces_of(TraceKind::kElectionStarted).empty());
}

// ============================================================================================
// §5.3 Append consistency check and conflict handling
// ============================================================================================

struct AppendCase {
  std::string name;
  std::uint64_t prev_index;
  std::uint64_t prev_term;
  std::vector<LogEntry> entries;
  bool success;
  std::uint64_t match_index;    // success: acknowledged; failure: the hint
  std::uint64_t conflict_term;  // failure only
  std::uint64_t last_index;     // the follower's log afterwards
};

class RaftAppend : public ::testing::TestWithParam<AppendCase> {};

// The follower holds (t1,1) (t1,2) (t2,3) (t2,4).
TEST_P(RaftAppend, Section5_3_ConsistencyCheckAndConflictHint) {
  const AppendCase& c = GetParam();
  SingleNode n(node_config(NodeId(1), 3), {entry(1, 1), entry(1, 2), entry(2, 3), entry(2, 4)}, 3);
  n.deliver(NodeId(0), AppendEntries{.epoch = Epoch(3),
                                     .prev_index = LogIndex(c.prev_index),
                                     .prev_epoch = Epoch(c.prev_term),
                                     .commit_index = LogIndex(0),
                                     .entries = c.entries});
  n.ctx.complete_all_persists(n.node);
  const auto responses = n.ctx.sent<AppendResponse>();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].second.success, c.success);
  EXPECT_EQ(responses[0].second.match_index, LogIndex(c.match_index));
  if (!c.success) {
    EXPECT_EQ(responses[0].second.conflict_epoch, Epoch(c.conflict_term));
  }
  EXPECT_EQ(n.ctx.storage().last_index(), LogIndex(c.last_index));
}

INSTANTIATE_TEST_SUITE_P(
    Table, RaftAppend,
    ::testing::Values(
        AppendCase{"MatchingPrevAppends", 4, 2, {entry(3, 5)}, true, 5, 0, 5},
        AppendCase{"PrevBeyondTheLogHintsTheLastIndex", 6, 3, {}, false, 4, 0, 4},
        AppendCase{"PrevTermMismatchHintsBeforeTheConflictingTerm", 4, 3, {}, false, 2, 2, 4},
        AppendCase{"ConflictingEntryTruncatesTheSuffix", 2, 1, {entry(3, 3)}, true, 3, 0, 3},
        AppendCase{"DuplicateEntriesDoNotTruncate", 1, 1, {entry(1, 2)}, true, 2, 0, 4}),
    [](const ::testing::TestParamInfo<AppendCase>& row) { return row.param.name; });

TEST(RaftAppend, Section5_3_TruncationIsTraced) {
  SingleNode n(node_config(NodeId(1), 3), {entry(1, 1), entry(2, 2)}, 2);
  n.deliver(NodeId(0), AppendEntries{.epoch = Epoch(3),
                                     .prev_index = LogIndex(1),
                                     .prev_epoch = Epoch(1),
                                     .entries = {entry(3, 2)}});
  ASSERT_EQ(n.ctx.traces.size(), 1u);
  EXPECT_EQ(n.ctx.traces[0].kind, TraceKind::kTruncated);
  EXPECT_EQ(n.ctx.traces[0].index, LogIndex(1));
}

// ============================================================================================
// §5.4.2 Commit rule (Figure 8)
// ============================================================================================

TEST(RaftCommit, Section5_4_2_Figure8_AnOldTermEntryIsNotCommittedByCountingReplicas) {
  // Node 0 holds (t1,1) (t2,2) in term 2 and wins term 3; its no-op goes to index 3.
  Config config = node_config(NodeId(0), 3);
  config.pre_vote = false;
  SingleNode n(config, {entry(1, 1), entry(2, 2)}, 2);
  n.ctx.advance(kElectionMax);
  n.fire(kElectionTimer);
  n.ctx.complete_all_persists(n.node);
  n.deliver(NodeId(1), VoteResponse{.epoch = Epoch(3), .granted = true});
  n.ctx.complete_all_persists(n.node);
  ASSERT_EQ(n.node.view().role, Role::kPrimary);
  ASSERT_EQ(n.ctx.storage().last_index(), LogIndex(3));
  EXPECT_EQ(n.ctx.storage().entry(LogIndex(3)).kind, EntryKind::kNoOp);
  // A majority (0 and 1) holds index 2 of term 2: not committed by counting (Figure 8).
  n.deliver(NodeId(1),
            AppendResponse{.epoch = Epoch(3), .success = true, .match_index = LogIndex(2)});
  EXPECT_EQ(n.node.view().commit_index, LogIndex(0));
  // Once the term-3 no-op is on a majority, it commits and index 2 with it.
  n.deliver(NodeId(1),
            AppendResponse{.epoch = Epoch(3), .success = true, .match_index = LogIndex(3)});
  EXPECT_EQ(n.node.view().commit_index, LogIndex(3));
  EXPECT_EQ(n.node.testing_kv().applied_index(), LogIndex(3));
}

TEST(RaftCommit, Section5_3_WriteIsAcknowledgedOnceOnAMajorityAndFollowersAckOnlyDurable) {
  RaftCluster cluster(cluster_options(3));
  cluster.start();
  const NodeId leader = elect(cluster);
  cluster.isolate(other_than(leader, 3));  // one follower cut: a majority remains
  const TimePoint t0 = cluster.now();
  const RequestId write = cluster.write(leader, 7);
  cluster.run_for(from_ms(200));
  const auto* reply = cluster.reply_for(write);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->reply.status, ReplyStatus::kOk);
  // Out and back, plus the follower's fsync before it may acknowledge.
  EXPECT_GE(reply->at - t0, 2 * kDelay + from_ms(1));
  EXPECT_EQ(reply->reply.version.epoch, cluster.view(leader).epoch);
  // With both followers cut, nothing more commits.
  cluster.isolate(leader);
  const RequestId stuck = cluster.write(leader, 8);
  cluster.run_for(from_ms(100));
  EXPECT_EQ(cluster.reply_for(stuck), nullptr);
}

// Node 0 of `voters` (0 .. voters - 1), with node `voters` as a learner whose answers must
// not count, and no pre-vote (win_first_election).
Config leader_with_a_learner(std::uint32_t voters) {
  Config config = node_config(NodeId(0), voters);
  config.pre_vote = false;
  config.learners = {NodeId(voters)};
  return config;
}

// Node 0 of `voters` wins term 1 (pre-vote off in its config): every other voter grants.
void win_first_election(SingleNode& n, std::uint32_t voters) {
  n.ctx.advance(kElectionMax);
  n.fire(kElectionTimer);
  n.ctx.complete_all_persists(n.node);
  for (std::uint32_t v = 1; v < voters; ++v) {
    n.deliver(NodeId(v), VoteResponse{.epoch = Epoch(1), .granted = true});
  }
  n.ctx.complete_all_persists(n.node);
}

// The leader counts the commit quorum again only when enough voters passed its last count;
// after every input the commit index must still be what a full count gives: the highest
// index a majority of voters holds durably (the leader: what it synced), never going back.
// Acknowledgements arrive in a random order, late (below what the follower confirmed) and
// from a learner that must not count; the leader's own fsyncs finish in between.
class RaftCommitCount : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(RaftCommitCount, CommitIsTheMajorityMatchAfterEveryAcknowledgementAndFsync) {
  const std::uint32_t voters = GetParam();
  SingleNode n(leader_with_a_learner(voters));
  win_first_election(n, voters);
  ASSERT_EQ(n.node.view().role, Role::kPrimary);
  constexpr std::uint64_t kWrites = 60;
  for (std::uint64_t w = 1; w <= kWrites; ++w) {
    n.node.on_client_request(ClientId(1),
                             ClientRequest{.id = RequestId{.client = ClientId(1), .sequence = w},
                                           .kind = OpKind::kWrite,
                                           .key = w % 7,
                                           .value_bytes = 10},
                             n.ctx);
  }
  const std::uint64_t last = n.ctx.storage().last_index().value;
  ASSERT_EQ(last, kWrites + 1);  // after the no-op

  std::vector<std::uint64_t> confirmed(voters + 1, 0);  // by node; [0] unused (the leader)
  std::uint64_t expected_commit = 0;
  Rng rng(20261126 + voters);
  for (int step = 0; step < 1500; ++step) {
    if (rng.bernoulli(0.1)) {
      n.ctx.complete_next_persist(n.node);
    } else {
      const auto from = static_cast<std::uint32_t>(1 + rng.uniform_below(voters));
      // Mostly ahead of what it confirmed, sometimes a late answer behind it.
      const std::uint64_t low = confirmed[from] > 3 ? confirmed[from] - 3 : 0;
      const std::uint64_t match = std::min(last, low + rng.uniform_below(16));
      n.deliver(NodeId(from),
                AppendResponse{.epoch = Epoch(1), .success = true, .match_index = LogIndex(match)});
      confirmed[from] = std::max(confirmed[from], match);
    }
    std::vector<std::uint64_t> held{n.ctx.storage().durable_last_index().value};
    for (std::uint32_t v = 1; v < voters; ++v) held.push_back(confirmed[v]);
    std::sort(held.begin(), held.end(), std::greater<>());
    expected_commit = std::max(expected_commit, held[voters / 2]);  // the majority's k-th
    ASSERT_EQ(n.node.view().commit_index, LogIndex(expected_commit)) << "step " << step;
  }
  EXPECT_GT(expected_commit, 1u);  // the walk committed writes, not just the no-op
  n.ctx.complete_all_persists(n.node);
  for (std::uint32_t v = 1; v < voters; ++v) {
    n.deliver(NodeId(v),
              AppendResponse{.epoch = Epoch(1), .success = true, .match_index = LogIndex(last)});
  }
  EXPECT_EQ(n.node.view().commit_index, LogIndex(last));
}

INSTANTIATE_TEST_SUITE_P(Voters, RaftCommitCount, ::testing::Values(1u, 3u, 4u, 7u, 60u));

// ReadIndex (thesis §6.4): a read waits for a heartbeat round sent after it came, and the
// leader counts the round a majority answered again only when enough voters passed its last
// count. After every input, the reads answered must be exactly those whose round a majority
// of voters (the leader answers its own at once) has answered. Answers arrive in a random
// order, late (below what the follower answered before) and from a learner that must not
// count.
class RaftReadRoundCount : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(RaftReadRoundCount, ReadsAreAnsweredOnceAMajorityAnsweredTheirRound) {
  const std::uint32_t voters = GetParam();
  SingleNode n(leader_with_a_learner(voters));
  win_first_election(n, voters);
  ASSERT_EQ(n.node.view().role, Role::kPrimary);
  const LogIndex last = n.ctx.storage().last_index();
  for (std::uint32_t v = 1; v <= voters; ++v) {
    n.deliver(NodeId(v), AppendResponse{.epoch = Epoch(1), .success = true, .match_index = last});
  }
  ASSERT_EQ(n.node.view().commit_index, last) << "the no-op commits: reads can be indexed";

  std::uint64_t leader_round = 0;  // the highest round the leader has sent
  std::uint64_t answered = 0;      // reads answered so far
  auto take_outputs = [&] {
    for (const auto& [to, append] : n.ctx.sent<AppendEntries>()) {
      leader_round = std::max(leader_round, append.round);
    }
    for (const auto& sent : n.ctx.replies) {
      ASSERT_EQ(sent.reply.status, ReplyStatus::kOk);
      ++answered;
    }
    n.ctx.clear_outputs();
  };
  take_outputs();
  std::vector<std::uint64_t> round_needed;          // by read, in arrival order
  std::vector<std::uint64_t> acked(voters + 1, 0);  // by node; [0] is the leader
  Rng rng(20261127 + voters);
  for (std::uint64_t step = 0; step < 1500; ++step) {
    if (rng.bernoulli(0.3)) {
      round_needed.push_back(leader_round + 1);  // the round after the one current
      n.node.on_client_request(
          ClientId(1),
          ClientRequest{.id = RequestId{.client = ClientId(1), .sequence = step + 1},
                        .kind = OpKind::kRead,
                        .key = 3},
          n.ctx);
    } else {
      const auto from = static_cast<std::uint32_t>(1 + rng.uniform_below(voters));
      const std::uint64_t low = acked[from] > 2 ? acked[from] - 2 : 0;
      const std::uint64_t round = std::min(leader_round, low + rng.uniform_below(4));
      n.deliver(
          NodeId(from),
          AppendResponse{.epoch = Epoch(1), .success = true, .match_index = last, .round = round});
      acked[from] = std::max(acked[from], round);
    }
    take_outputs();
    std::vector<std::uint64_t> rounds{leader_round};
    for (std::uint32_t v = 1; v < voters; ++v) rounds.push_back(acked[v]);
    std::sort(rounds.begin(), rounds.end(), std::greater<>());
    const std::uint64_t confirmed = rounds[voters / 2];
    const auto due = static_cast<std::uint64_t>(
        std::count_if(round_needed.begin(), round_needed.end(),
                      [&](std::uint64_t needed) { return needed <= confirmed; }));
    ASSERT_EQ(answered, due) << "step " << step << ", round confirmed " << confirmed;
  }
  EXPECT_GT(answered, 100u);  // the walk confirmed rounds, not just the first
}

INSTANTIATE_TEST_SUITE_P(Voters, RaftReadRoundCount, ::testing::Values(1u, 3u, 4u, 7u, 60u));

// ============================================================================================
// PreVote (thesis §9.6) and CheckQuorum (thesis §6.2)
// ============================================================================================

class RaftPreVote : public ::testing::TestWithParam<bool> {};

TEST_P(RaftPreVote, Thesis9_6_AnIsolatedNodeInflatesItsTermOnlyWithoutPreVote) {
  const bool pre_vote = GetParam();
  Config config = base_config();
  config.pre_vote = pre_vote;
  RaftCluster cluster(cluster_options(3, config));
  cluster.start();
  const NodeId leader = elect(cluster);
  const Epoch term = cluster.view(leader).epoch;
  const NodeId lonely = other_than(leader, 3);
  cluster.isolate(lonely);
  cluster.run_for(10 * kElectionMax);
  if (pre_vote) {
    EXPECT_EQ(cluster.view(lonely).epoch, term);
  } else {
    EXPECT_GT(cluster.view(lonely).epoch.value, term.value + 2);
  }
  cluster.heal_all();
  cluster.run_for(from_ms(1000));
  ASSERT_TRUE(cluster.leader());
  if (pre_vote) {  // the rejoining node did not disturb the leader
    EXPECT_EQ(*cluster.leader(), leader);
    EXPECT_EQ(cluster.view(leader).epoch, term);
  }
}

INSTANTIATE_TEST_SUITE_P(WithAndWithout, RaftPreVote, ::testing::Bool());

class RaftCheckQuorum : public ::testing::TestWithParam<bool> {};

TEST_P(RaftCheckQuorum, Thesis6_2_ALeaderCutFromTheQuorumStepsDownOnlyWithCheckQuorum) {
  const bool check_quorum = GetParam();
  Config config = base_config();
  config.check_quorum = check_quorum;
  RaftCluster cluster(cluster_options(3, config));
  cluster.start();
  const NodeId leader = elect(cluster);
  cluster.isolate(leader);
  // Within an election timeout plus one heartbeat tick it notices.
  cluster.run_for(kElectionMin + 2 * kHeartbeat);
  EXPECT_EQ(cluster.view(leader).role == Role::kPrimary, !check_quorum);
  if (check_quorum) {
    auto downs = cluster.traces_of(TraceKind::kSteppedDown);
    ASSERT_FALSE(downs.empty());
    EXPECT_EQ(downs.back()->node, leader);
  }
}

INSTANTIATE_TEST_SUITE_P(WithAndWithout, RaftCheckQuorum, ::testing::Bool());

class RaftStickiness : public ::testing::TestWithParam<bool> {};

TEST_P(RaftStickiness, Thesis4_2_3_AFollowerHearingItsLeaderIgnoresAHigherTermCandidate) {
  const bool check_quorum = GetParam();
  Config config = node_config(NodeId(1), 3);
  config.check_quorum = check_quorum;
  config.pre_vote = false;
  SingleNode n(config);
  n.ctx.advance(kElectionMin);
  n.deliver(NodeId(0), AppendEntries{.epoch = Epoch(1)});
  n.ctx.advance(kElectionMin / 2);  // the leader was heard recently
  n.ctx.clear_outputs();
  n.deliver(NodeId(2), VoteRequest{.epoch = Epoch(2)});
  n.ctx.complete_all_persists(n.node);
  const auto responses = n.ctx.sent<VoteResponse>();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].second.granted, !check_quorum);
  EXPECT_EQ(n.node.view().epoch, check_quorum ? Epoch(1) : Epoch(2));
  // A transfer's election bypasses stickiness.
  n.ctx.clear_outputs();
  n.deliver(NodeId(2), VoteRequest{.epoch = Epoch(3), .transfer = true});
  n.ctx.complete_all_persists(n.node);
  ASSERT_EQ(n.ctx.sent<VoteResponse>().size(), 1u);
  EXPECT_TRUE(n.ctx.sent<VoteResponse>()[0].second.granted);
}

INSTANTIATE_TEST_SUITE_P(WithAndWithout, RaftStickiness, ::testing::Bool());

// ============================================================================================
// Leadership transfer (thesis §3.10)
// ============================================================================================

TEST(RaftTransfer, Thesis3_10_TargetTakesOverInTheNextTermAndWritesPauseMeanwhile) {
  RaftCluster cluster(cluster_options(3));
  cluster.start();
  const NodeId leader = elect(cluster);
  const Epoch term = cluster.view(leader).epoch;
  const NodeId target = other_than(leader, 3);
  cluster.write(leader, 1);
  cluster.admin(leader, TransferLeadership{target});
  const RequestId during = cluster.write(leader, 2);
  const auto* refused = cluster.reply_for(during);
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->reply.status, ReplyStatus::kUnavailable);
  // Far sooner than any election timeout: a few message delays.
  cluster.run_for(10 * kDelay);
  ASSERT_EQ(cluster.leader(), target);
  EXPECT_EQ(cluster.view(target).epoch, Epoch(term.value + 1));
  EXPECT_EQ(cluster.sent_of<TimeoutNow>(leader, target).size(), 1u);
  // The target held every committed entry when it campaigned: nothing was lost.
  EXPECT_GE(cluster.storage(target).last_index(), cluster.max_committed());
}

// Bootstrap: the configured node of a fresh cluster campaigns at once, so the first leader is
// the one the operator chose; after a restart it waits its election timeout like the others.
TEST(RaftBootstrap, TheBootstrapNodeCampaignsAtOnceOnlyInAFreshCluster) {
  Config config = node_config(NodeId(2), 3);
  config.campaign_at_start = true;
  Raft fresh(config);
  RecordingContext ctx;
  fresh.on_start(ctx);
  EXPECT_EQ(fresh.view().role, Role::kCandidate);
  ctx.complete_all_persists(fresh);
  const auto requests = ctx.sent<VoteRequest>();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& [to, request] : requests) {
    EXPECT_FALSE(request.pre_vote);
    EXPECT_TRUE(request.transfer) << "voters just started are sticky; bootstrap must bypass it";
    EXPECT_EQ(request.epoch, Epoch(1));
  }

  SingleNode restarted(config, {entry(1, 1)}, /*term=*/1);
  EXPECT_EQ(restarted.node.view().role, Role::kBackup);
  EXPECT_TRUE(restarted.ctx.sent<VoteRequest>().empty());
}

TEST(RaftBootstrap, InAClusterTheBootstrapNodeLeadsFirst) {
  for (std::uint32_t bootstrap = 0; bootstrap < 3; ++bootstrap) {
    RaftCluster cluster(cluster_options(3));
    cluster.configure(NodeId(bootstrap), [](Config& c) { c.campaign_at_start = true; });
    cluster.start();
    ASSERT_TRUE(cluster.run_until_leader(cluster.now() + kElectionMin));
    EXPECT_EQ(cluster.leader(), NodeId(bootstrap));
    EXPECT_EQ(cluster.view(NodeId(bootstrap)).epoch, Epoch(1));
  }
}

TEST(RaftTransfer, Thesis3_10_TransferToAnUnreachableTargetAbortsAfterAnElectionTimeout) {
  RaftCluster cluster(cluster_options(3));
  cluster.start();
  const NodeId leader = elect(cluster);
  const NodeId target = other_than(leader, 3);
  cluster.cut(leader, target);
  cluster.write(leader, 1);  // the target misses it, so no TimeoutNow can be sent
  cluster.run_for(kDelay * 3);
  cluster.admin(leader, TransferLeadership{target});
  EXPECT_EQ(cluster.node(leader).testing_transfer_target(), target);
  cluster.run_for(kElectionMin + 2 * kHeartbeat);
  EXPECT_EQ(cluster.node(leader).testing_transfer_target(), std::nullopt);
  EXPECT_EQ(cluster.leader(), leader);
  const RequestId after = cluster.write(leader, 3);
  cluster.run_for(from_ms(100));
  ASSERT_NE(cluster.reply_for(after), nullptr);
  EXPECT_EQ(cluster.reply_for(after)->reply.status, ReplyStatus::kOk);
}

// ============================================================================================
// Learners and single-server membership changes (thesis §4.1, §4.2)
// ============================================================================================

TEST(RaftMembership, Thesis4_1_ALearnerReceivesTheLogButNeverCountsForCommit) {
  RaftCluster cluster(cluster_options(3, base_config(), /*others=*/1));
  cluster.start();
  const NodeId leader = elect(cluster);
  const NodeId learner(3);
  EXPECT_FALSE(cluster.view(learner).voter);
  cluster.admin(leader, AddLearner{learner});
  cluster.write(leader, 5);
  cluster.run_for(from_ms(200));
  EXPECT_TRUE(cluster.node(leader).testing_membership().is_learner(learner));
  EXPECT_EQ(cluster.storage(learner).last_index(), cluster.storage(leader).last_index());
  EXPECT_EQ(cluster.view(learner).role, Role::kLearner);
  EXPECT_FALSE(cluster.view(learner).voter);
  // Only the leader and the learner can talk: no majority of voters, so nothing commits.
  const NodeId a = other_than(leader, 3);
  const NodeId b = other_than(leader, 3, a);
  cluster.isolate(a);
  cluster.isolate(b);
  const LogIndex commit = cluster.view(leader).commit_index;
  const RequestId write = cluster.write(leader, 6);
  cluster.run_for(kElectionMin / 2);
  EXPECT_EQ(cluster.reply_for(write), nullptr);
  EXPECT_EQ(cluster.view(leader).commit_index, commit);
  EXPECT_GT(cluster.storage(learner).last_index(), commit) << "the learner still replicates";
}

TEST(RaftMembership, Thesis4_1_APromotedLearnerVotesAndCounts) {
  RaftCluster cluster(cluster_options(3, base_config(), /*others=*/1));
  cluster.start();
  const NodeId leader = elect(cluster);
  const NodeId node(3);
  cluster.admin(leader, AddLearner{node});
  cluster.run_for(from_ms(100));
  cluster.admin(leader, PromoteLearner{node});
  cluster.run_for(from_ms(100));
  const Membership& m = cluster.node(leader).testing_membership();
  EXPECT_TRUE(m.is_voter(node));
  EXPECT_EQ(m.voters.size(), 4u);
  EXPECT_TRUE(cluster.view(node).voter);
  EXPECT_EQ(cluster.view(node).role, Role::kBackup);
  // Four voters need three: with one follower cut, the new voter is needed to commit.
  cluster.isolate(other_than(leader, 3));
  const RequestId write = cluster.write(leader, 9);
  cluster.run_for(from_ms(100));
  ASSERT_NE(cluster.reply_for(write), nullptr);
  cluster.isolate(node);
  const RequestId stuck = cluster.write(leader, 10);
  cluster.run_for(from_ms(100));
  EXPECT_EQ(cluster.reply_for(stuck), nullptr) << "committed with two of four voters";
}

// Thesis §4.2.1: a learner that has not caught up (here: down) is not promoted. Promoting it
// would make 4 voters with 2 up and no way to commit the change that undoes it.
TEST(RaftMembership, Thesis4_2_1_ALearnerThatHasNotCaughtUpIsNotPromoted) {
  RaftCluster cluster(cluster_options(3, base_config(), /*others=*/1));
  cluster.start();
  const NodeId leader = elect(cluster);
  const NodeId learner(3);
  cluster.admin(leader, AddLearner{learner});
  cluster.run_for(from_ms(100));
  ASSERT_TRUE(cluster.node(leader).testing_membership().is_learner(learner));
  cluster.crash(learner);
  for (int i = 0; i < 5; ++i) cluster.write(leader, 20 + i);
  cluster.run_for(kElectionMin);
  cluster.admin(leader, PromoteLearner{learner});
  cluster.run_for(from_ms(100));
  EXPECT_TRUE(cluster.node(leader).testing_membership().is_learner(learner));
  EXPECT_EQ(cluster.node(leader).testing_membership().voters.size(), 3u);
  // Back and caught up, the same command promotes it.
  cluster.restart(learner);
  cluster.run_for(from_ms(300));
  cluster.admin(leader, PromoteLearner{learner});
  cluster.run_for(from_ms(100));
  EXPECT_TRUE(cluster.node(leader).testing_membership().is_voter(learner));
}

// Thesis §4.2.2: the removed server receives the entry that removes it, so it goes quiet. Without
// it (and with PreVote and CheckQuorum off) it would time out forever and depose leaders.
TEST(RaftMembership, Thesis4_2_2_ARemovedFollowerLearnsOfItsRemovalAndStaysQuiet) {
  Config config = base_config();
  config.pre_vote = false;
  config.check_quorum = false;
  RaftCluster cluster(cluster_options(4, config));
  cluster.start();
  const NodeId leader = elect(cluster);
  const NodeId removed = other_than(leader, 4);
  cluster.admin(leader, RemoveNode{removed});
  cluster.run_for(from_ms(200));
  ASSERT_FALSE(cluster.node(leader).testing_membership().is_member(removed));
  EXPECT_FALSE(cluster.view(removed).member) << "it never heard of its removal";
  EXPECT_EQ(cluster.view(removed).role, Role::kLearner);
  const std::size_t requests_before = cluster.sent_of<VoteRequest>(removed).size();
  cluster.run_for(from_ms(5000));
  EXPECT_EQ(cluster.sent_of<VoteRequest>(removed).size(), requests_before);
  EXPECT_EQ(cluster.leader(), leader);
}

TEST(RaftMembership, Thesis4_1_OneChangeAtATime) {
  RaftCluster cluster(cluster_options(3, base_config(), /*others=*/2));
  cluster.start();
  const NodeId leader = elect(cluster);
  cluster.isolate(other_than(leader, 3));
  cluster.isolate(other_than(leader, 3, other_than(leader, 3)));
  cluster.admin(leader, AddLearner{NodeId(3)});  // cannot commit: no quorum
  cluster.admin(leader, AddLearner{NodeId(4)});  // refused while the first is pending
  const Membership& m = cluster.node(leader).testing_membership();
  EXPECT_TRUE(m.is_learner(NodeId(3)));
  EXPECT_FALSE(m.is_member(NodeId(4)));
}

TEST(RaftMembership, Thesis4_2_2_ARemovedLeaderStepsDownOnceTheChangeCommits) {
  RaftCluster cluster(cluster_options(3));
  cluster.start();
  const NodeId leader = elect(cluster);
  cluster.admin(leader, RemoveNode{leader});
  EXPECT_EQ(cluster.view(leader).role, Role::kPrimary) << "leads until the change commits";
  cluster.run_for(from_ms(100));
  EXPECT_EQ(cluster.view(leader).role, Role::kLearner);
  EXPECT_FALSE(cluster.view(leader).voter);
  ASSERT_TRUE(cluster.run_until_leader(cluster.now() + from_ms(2000)));
  const NodeId next = *cluster.leader();
  EXPECT_NE(next, leader);
  EXPECT_EQ(cluster.node(next).testing_membership().voters.size(), 2u);
  const RequestId write = cluster.write(next, 1);
  cluster.run_for(from_ms(100));
  ASSERT_NE(cluster.reply_for(write), nullptr);
  EXPECT_EQ(cluster.reply_for(write)->reply.status, ReplyStatus::kOk);
}

// ============================================================================================
// Log compaction and InstallSnapshot (§7)
// ============================================================================================

TEST(RaftSnapshot, Section7_AFollowerFarBehindGetsASnapshotAndConverges) {
  Config config = base_config();
  config.snapshot_threshold_entries = 10;
  RaftCluster cluster(cluster_options(3, config));
  cluster.start();
  const NodeId leader = elect(cluster);
  const NodeId lagging = other_than(leader, 3);
  cluster.crash(lagging);
  constexpr std::uint32_t kValueBytes = 1000;
  for (Key k = 0; k < 40; ++k) cluster.write(leader, k % 25, kValueBytes);
  cluster.run_for(from_ms(200));
  ASSERT_GT(cluster.storage(leader).first_index(), LogIndex(1)) << "the leader compacted";
  cluster.restart(lagging);
  cluster.run_for(from_ms(500));
  const auto snapshots = cluster.sent_of<InstallSnapshot>(leader, lagging);
  ASSERT_FALSE(snapshots.empty());
  const auto& install = std::get<InstallSnapshot>(snapshots.front()->message);
  // Its weight is its content: 25 keys of kValueBytes each, and the dedup table's records of
  // the writes applied before it (one per write, no value).
  const std::size_t remembered = install.snapshot->recent_writes.size();
  EXPECT_GE(remembered, 25u);
  EXPECT_EQ(size_bytes(snapshots.front()->message),
            kMessageHeaderBytes + 25 * (kSnapshotCellOverheadBytes + kValueBytes) +
                remembered * kSnapshotCellOverheadBytes);
  EXPECT_EQ(install.snapshot->cells.size(), 25u);
  for (const AppliedWrite& write : install.snapshot->recent_writes.entries()) {
    EXPECT_EQ(cluster.node(lagging).testing_kv().applied_version(write.request), write.version)
        << "the dedup table travels with the snapshot";
  }
  EXPECT_EQ(cluster.storage(lagging).last_index(), cluster.storage(leader).last_index());
  EXPECT_EQ(cluster.view(lagging).commit_index, cluster.view(leader).commit_index);
  EXPECT_EQ(cluster.node(lagging).testing_kv().cells(), cluster.node(leader).testing_kv().cells());
}

TEST(StorageSnapshot, CompactionKeepsTheSuffixAndACrashDropsAnUnsyncedInstall) {
  Storage storage;
  std::vector<LogEntry> log = {entry(1, 1), entry(1, 2), entry(2, 3)};
  storage.append(log);
  auto snapshot =
      std::make_shared<const Snapshot>(Snapshot{.last_index = LogIndex(2), .last_epoch = Epoch(1)});
  storage.compact_through(snapshot);
  EXPECT_EQ(storage.first_index(), LogIndex(3));
  EXPECT_EQ(storage.epoch_at(LogIndex(2)), Epoch(1));
  EXPECT_EQ(storage.last_index(), LogIndex(3));
  storage.sync_through(storage.write_sequence());
  // An install that conflicts discards the log; unsynced, a crash brings the old state back.
  auto foreign =
      std::make_shared<const Snapshot>(Snapshot{.last_index = LogIndex(5), .last_epoch = Epoch(4)});
  storage.install_snapshot(foreign);
  EXPECT_EQ(storage.last_index(), LogIndex(5));
  EXPECT_EQ(storage.first_index(), LogIndex(6));
  storage.crash();
  EXPECT_EQ(storage.snapshot_index(), LogIndex(2));
  EXPECT_EQ(storage.last_index(), LogIndex(3));
  // Synced, it survives.
  storage.install_snapshot(foreign);
  storage.sync_through(storage.write_sequence());
  storage.crash();
  EXPECT_EQ(storage.snapshot_index(), LogIndex(5));
  EXPECT_EQ(storage.durable_last_index(), LogIndex(5));
}

// ============================================================================================
// Reads: ReadIndex and lease (thesis §6.4), stale reads
// ============================================================================================

TEST(RaftRead, Thesis6_4_ReadIndexWaitsForAHeartbeatRoundConfirmingLeadership) {
  RaftCluster cluster(cluster_options(3));
  cluster.start();
  const NodeId leader = elect(cluster);
  const RequestId write = cluster.write(leader, 4);
  cluster.run_for(from_ms(100));
  const Version written = cluster.reply_for(write)->reply.version;
  const TimePoint t0 = cluster.now();
  const RequestId read = cluster.read(leader, 4);
  EXPECT_EQ(cluster.reply_for(read), nullptr) << "answered without confirming leadership";
  cluster.run_for(from_ms(100));
  const auto* reply = cluster.reply_for(read);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->reply.status, ReplyStatus::kOk);
  EXPECT_EQ(reply->reply.version, written);
  EXPECT_GE(reply->at - t0, 2 * kDelay) << "a round trip to a follower";
  // An isolated leader cannot confirm a round: the read is never answered as OK.
  cluster.isolate(leader);
  const RequestId cut_read = cluster.read(leader, 4);
  cluster.run_for(kElectionMin / 2);
  EXPECT_EQ(cluster.reply_for(cut_read), nullptr);
}

TEST(RaftRead, Thesis6_4_1_LeaseReadsAreLocalWhileTheLeaseHoldsAndStopAfterATransfer) {
  Config config = base_config();
  config.read_mode = ReadMode::kLease;
  config.max_clock_drift = 0.2;
  RaftCluster cluster(cluster_options(3, config));
  cluster.start();
  const NodeId leader = elect(cluster);
  const RequestId read = cluster.read(leader, 4);
  ASSERT_NE(cluster.reply_for(read), nullptr) << "a lease read is answered at once";
  EXPECT_EQ(cluster.reply_for(read)->at, cluster.now());
  // Cut off, the lease runs out: election_timeout_min * (1 - drift) after the last confirmed
  // round was sent (at most one heartbeat before the cut).
  cluster.isolate(leader);
  const TimePoint cut_at = cluster.now();
  const Duration lease = from_ms(to_ms(kElectionMin) * (1.0 - config.max_clock_drift));
  EXPECT_TRUE(cluster.node(leader).testing_lease_valid(cut_at));
  EXPECT_FALSE(cluster.node(leader).testing_lease_valid(cut_at + lease));
  cluster.heal_all();
  cluster.run_for(from_ms(100));
  ASSERT_EQ(cluster.leader(), leader);
  EXPECT_TRUE(cluster.node(leader).testing_lease_valid(cluster.now()));
  cluster.admin(leader, TransferLeadership{other_than(leader, 3)});
  EXPECT_FALSE(cluster.node(leader).testing_lease_valid(cluster.now()));
}

TEST(RaftRead, StaleReadsAreServedByAnyMemberFromItsAppliedState) {
  RaftCluster cluster(cluster_options(3));
  cluster.start();
  const NodeId leader = elect(cluster);
  const NodeId follower = other_than(leader, 3);
  const RequestId first = cluster.write(leader, 4);
  cluster.run_for(from_ms(200));
  const Version v1 = cluster.reply_for(first)->reply.version;
  cluster.isolate(follower);
  const RequestId second = cluster.write(leader, 4);
  cluster.run_for(from_ms(100));
  ASSERT_NE(cluster.reply_for(second), nullptr);
  // The cut follower answers at once with what it applied: the older version.
  const RequestId stale = cluster.read(follower, 4, /*allow_backup_read=*/true);
  ASSERT_NE(cluster.reply_for(stale), nullptr);
  EXPECT_EQ(cluster.reply_for(stale)->reply.status, ReplyStatus::kOk);
  EXPECT_EQ(cluster.reply_for(stale)->reply.version, v1);
  // Without allow_backup_read a follower redirects to the leader.
  cluster.heal_all();
  cluster.run_for(from_ms(100));
  const RequestId redirected = cluster.read(follower, 4);
  ASSERT_NE(cluster.reply_for(redirected), nullptr);
  EXPECT_EQ(cluster.reply_for(redirected)->reply.status, ReplyStatus::kNotPrimary);
  EXPECT_EQ(cluster.reply_for(redirected)->reply.primary_hint, leader);
}

}  // namespace
}  // namespace cutover::models::raft
