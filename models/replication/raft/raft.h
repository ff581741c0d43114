// Raft (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm", and
// Ongaro's thesis "Consensus: Bridging Theory and Practice") as a sans-IO state machine.
//
// Who calls it: a driver (the SimGrid node actor, the in-memory test clusters) feeds inputs
// through the Protocol interface and carries out what the node queued on its Context.
//
// What it implements:
//   - Elections (§5.2) with a randomized timeout drawn from ctx.rng() per election, terms and
//     votes persisted before any vote or vote request leaves (§5.1, Figure 2 "persistent
//     state"), the up-to-date check (§5.4.1), optional PreVote (thesis §9.6) and CheckQuorum
//     with leader stickiness (thesis §6.2 / §9.6, §4.2.3).
//   - Log replication (§5.3): pipelined appends (at most max_inflight_appends per follower,
//     max_entries_per_append per message), one probe at a time after a rejection, fast
//     backtracking with the follower's conflict hint, commit by counting only entries of the
//     current term (§5.4.2, Figure 8), a no-op entry on election. Followers acknowledge only
//     what is durable; the leader counts itself only for what it has synced.
//   - Leadership transfer (thesis §3.10), learners and single-server membership changes
//     (thesis §4.1 and §4.2), log compaction with InstallSnapshot (§7).
//   - Reads: ReadIndex (thesis §6.4) or a leader lease (thesis §6.4.1), or stale reads from
//     any member's applied state when the client allows it.
//
// Membership: single-server changes, not joint consensus. Adding or removing one voter at a
// time keeps every majority of the old configuration intersecting every majority of the new
// one, so no intermediate joint configuration is needed and each change is one log entry. We
// use the thesis's rule that a configuration takes effect as soon as it is appended (not when
// committed), allow one uncommitted change at a time, and apply the published fix to the
// single-server algorithm (Ongaro, raft-dev 2015): a leader proposes a change only after it has
// committed an entry of its own term (its no-op). Joint consensus would allow arbitrary changes
// in one step, which our operators (add a replica, promote it, remove an old one) never need.
//
// Lease reads and the clock assumption: a leader that sent heartbeat round R at time s (its own
// clock) and heard a quorum of voters answer R may serve reads locally until
//     s + election_timeout_min * (1 - max_clock_drift).
// Why: every voter in that quorum heard the leader at or after s, and with check_quorum a voter
// refuses any vote (leader stickiness) for election_timeout_min after it last heard the leader,
// measured on its own clock; any new leader needs a vote from that quorum. The assumption is
// that clocks *rates* differ by at most max_clock_drift (no bound on offsets is needed). A
// restarted voter is sticky for election_timeout_min from its restart, since it may have
// forgotten hearing the leader. A leader that sends TimeoutNow gives its lease up for the rest
// of its term: the target's election bypasses stickiness.
//
// Invariants (check_invariants, and inline where cheap): the commit index never goes back,
// applied <= commit <= last index, a leader's term is persisted and it never truncates its own
// log, entries' terms are non-decreasing, one leader per term as far as this node can see.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "models/kv/kv_state_machine.h"
#include "models/replication/client_writes.h"
#include "models/replication/durable_writes.h"
#include "models/replication/protocol.h"
#include "models/replication/raft/quorum_count.h"

namespace cutover::models::raft {

enum class ReadMode : std::uint8_t {
  kReadIndex,  // a heartbeat round confirms leadership before answering (thesis §6.4)
  kLease,      // answer locally while the lease from the last confirmed round holds (§6.4.1)
  // WRONG ON PURPOSE: answer from the local state whenever this node believes it leads, with
  // no confirmation. A deposed leader that has not noticed serves stale reads. It exists so
  // the checkers can be shown to catch the bug (scenario field read_mode "unsafe_local").
  kUnsafeLocal,
};

struct Config {
  NodeId self;
  std::vector<NodeId> voters;    // initial voting members, ascending
  std::vector<NodeId> learners;  // initial non-voting members, ascending, disjoint from voters
  // The election timeout is drawn uniformly from [min, max) for every election.
  Duration election_timeout_min = from_ms(1000);
  Duration election_timeout_max = from_ms(2000);
  Duration heartbeat_interval = from_ms(100);
  bool pre_vote = true;
  bool check_quorum = true;                 // also turns on leader stickiness for votes
  std::uint32_t max_inflight_appends = 32;  // per follower
  std::uint32_t max_entries_per_append = 256;
  // Snapshot and compact once this many applied entries lie beyond the last snapshot; 0 = never.
  std::uint64_t snapshot_threshold_entries = 0;
  ReadMode read_mode = ReadMode::kReadIndex;
  // Lease reads: the largest relative difference between two nodes' clock rates (0.1 = 10%).
  double max_clock_drift = 0.1;
  // Bootstrap: in a fresh cluster (term 0, empty log) this voter campaigns at once instead of
  // waiting an election timeout, as a deployment's bootstrap node does, so the first leader is
  // known. Its vote request bypasses stickiness: no leader can have existed yet.
  bool campaign_at_start = false;
  // WRONG ON PURPOSE when false: retried writes are applied again (see KvStateMachine); for
  // showing that the duplicate-application checker catches it. Default true.
  bool deduplicate_writes = true;

  // Empty when the configuration is usable; otherwise what is wrong.
  std::string validate() const;
};

// Timer slots this protocol uses.
inline constexpr TimerId kElectionTimer{1};   // follower/candidate: no leader heard
inline constexpr TimerId kHeartbeatTimer{2};  // leader: heartbeat round, CheckQuorum, transfer

class Raft final : public Protocol {
 public:
  explicit Raft(Config config);

  void on_start(Context& ctx) override;
  void on_message(NodeId from, const Message& message, Context& ctx) override;
  void on_timer(TimerId id, Context& ctx) override;
  void on_client_request(ClientId from, const ClientRequest& request, Context& ctx) override;
  void on_persisted(WriteToken token, Context& ctx) override;
  void on_admin(const AdminCommand& command, Context& ctx) override;
  NodeView view() const override;
  const KvStateMachine& applied_state() const override { return kv_; }
  std::optional<MembershipView> membership_view() const override;
  void check_invariants(const Storage& storage) const override;

  // --- for tests ---
  const KvStateMachine& testing_kv() const { return kv_; }
  const Membership& testing_membership() const { return membership_; }
  LogIndex testing_match_index(NodeId follower) const;
  std::optional<NodeId> testing_transfer_target() const { return transfer_target_; }
  bool testing_lease_valid(TimePoint now) const { return lease_valid(now); }

 private:
  enum class ProgressState : std::uint8_t { kProbe, kReplicate, kSnapshot };
  struct Inflight {
    LogIndex last_index;
    TimePoint sent_at;
  };
  struct Progress {  // the leader's view of one follower or learner
    NodeId node;
    bool voter = false;    // in membership_ (counts for commit), else a learner or removed
    LogIndex match_index;  // durable on the follower, confirmed in this term
    LogIndex next_index;
    ProgressState state = ProgressState::kProbe;
    bool probe_sent = false;        // kProbe: one append outstanding until answered or tick
    std::deque<Inflight> inflight;  // kReplicate: unanswered appends, in index order
    std::uint64_t acked_round = 0;  // highest heartbeat round it answered
    TimePoint last_heard{};         // CheckQuorum
    TimePoint snapshot_sent_at{};   // kSnapshot: resent if unanswered for an election timeout
  };
  struct PendingRead {  // a linearizable read waiting for its round and its apply
    ClientId client;
    ClientRequest request;
    LogIndex read_index;  // set once the leader has committed in its term
    bool indexed = false;
    std::uint64_t round;  // a heartbeat round started after the read arrived
  };
  struct RoundStart {  // when a heartbeat round was sent (lease)
    std::uint64_t round;
    TimePoint sent_at;
  };

  // --- roles (raft.cc) ---
  void become_follower(Epoch term, std::optional<NodeId> leader, Context& ctx);
  void become_candidate();
  void become_leader(Context& ctx);
  void become_learner(Context& ctx);  // not a voter in the current configuration
  void enter_term(Epoch term, Context& ctx);
  void leave_leadership(Context& ctx);
  void step_leader(NodeId from, const Message& message, Context& ctx);
  void step_follower(NodeId from, const Message& message, Context& ctx);
  void step_candidate(NodeId from, const Message& message, Context& ctx);
  bool handle_term(NodeId from, const Message& message, Context& ctx);
  void on_admin_as_leader(const AdminCommand& command, Context& ctx);

  // --- elections (election.cc) ---
  void arm_election_timer(Context& ctx);
  void on_election_timer(Context& ctx);
  void campaign(bool pre_vote, bool transfer, Context& ctx);
  void on_vote_request(NodeId from, const VoteRequest& request, Context& ctx);
  void on_vote_response(NodeId from, const VoteResponse& response, Context& ctx);
  void maybe_win(Context& ctx);
  bool log_is_current(const VoteRequest& request, const Storage& storage) const;
  bool sticky(TimePoint now) const;
  void on_timeout_now(NodeId from, const TimeoutNow& message, Context& ctx);
  void check_quorum(Context& ctx);
  void start_transfer(NodeId target, Context& ctx);
  void maybe_send_timeout_now(Progress& progress, Context& ctx);

  // What a quorum count depends on besides the followers' progress (quorum_count.h).
  struct CommitCountInputs {
    Epoch term;
    LogIndex membership_index;
    LogIndex self_durable;  // the leader's own vote
    bool operator==(const CommitCountInputs&) const = default;
  };
  struct RoundCountInputs {
    Epoch term;
    LogIndex membership_index;
    std::uint64_t round = 0;  // the leader's own vote
    bool operator==(const RoundCountInputs&) const = default;
  };

  // --- replication (replication.cc) ---
  void on_heartbeat_timer(Context& ctx);
  void broadcast_round(Context& ctx);
  void send_appends_to(Progress& progress, bool heartbeat, Context& ctx);
  void send_append_batch(Progress& progress, std::uint64_t count, Context& ctx);
  void send_snapshot_to(Progress& progress, Context& ctx);
  void on_append_response(NodeId from, const AppendResponse& response, Context& ctx);
  void on_append_rejected(Progress& progress, const AppendResponse& response, Context& ctx);
  void on_snapshot_response(NodeId from, const InstallSnapshotResponse& response, Context& ctx);
  LogIndex append_as_leader(LogEntry entry, Context& ctx);
  void advance_commit(Context& ctx);
  void note_match_growth(const Progress& progress, LogIndex before);
  CommitCountInputs commit_count_inputs() const;
  LogIndex count_quorum_match(const CommitCountInputs& inputs);
  void on_append_entries(NodeId from, const AppendEntries& append, Context& ctx);
  void reject_append(NodeId from, const AppendEntries& append, Context& ctx);
  void prefetch_cells_to_apply(const AppendEntries& append, const Storage& storage) const;
  void append_after_match(NodeId from, LogIndex prev, std::span<const LogEntry> entries,
                          const AppendEntries& append, Context& ctx);
  void on_install_snapshot(NodeId from, const InstallSnapshot& install, Context& ctx);
  void maybe_compact(Context& ctx);

  // --- membership (membership.cc) ---
  void propose_membership(Membership next, Context& ctx);
  bool can_change_membership() const;
  bool caught_up(const Progress& progress, Context& ctx) const;
  void adopt_membership_from_log(const Storage& storage);
  void membership_changed(Context& ctx);
  void sync_progress_with_membership(Context& ctx);

  // --- reads (reads.cc) ---
  void read_as_leader(ClientId from, const ClientRequest& request, Context& ctx);
  void serve_reads(Context& ctx);
  void reply_read(ClientId to, const ClientRequest& request, Context& ctx);
  std::uint64_t quorum_round() const;
  bool lease_valid(TimePoint now) const;
  bool committed_in_term(const Storage& storage) const;

  // --- storage and apply (raft.cc) ---
  void truncate_log_after(LogIndex keep_through, Context& ctx);
  void set_commit_index(LogIndex commit, Context& ctx);
  void apply_committed(Context& ctx);
  Progress* progress_of(NodeId node);
  const Progress* progress_of(NodeId node) const;
  void track_progress(std::vector<Progress> progress);  // replaces progress_ and its index
  // f(voter, its progress or nullptr) for every voter, in id order. Voters and progress_ are
  // both sorted by id, so one merge walk does it (the quorum counts run on every
  // acknowledgement; a lookup per voter was 5% of the reference run).
  template <typename F>
  void for_each_voter(F&& f) const {
    auto progress = progress_.begin();
    for (NodeId voter : membership_.voters) {
      while (progress != progress_.end() && progress->node < voter) ++progress;
      f(voter, progress != progress_.end() && progress->node == voter ? &*progress : nullptr);
    }
  }
  void reply_not_leader(ClientId from, const ClientRequest& request, Context& ctx);

  const Config config_;
  Role role_ = Role::kLearner;
  Epoch term_;
  std::optional<NodeId> leader_;
  std::optional<NodeId> last_leader_;  // survives losing contact: "from" of an election
  TimePoint last_heard_leader_{};      // or the restart time: stickiness (see the header)
  bool sticky_since_start_ = true;
  Duration election_timeout_{};  // this election's randomized timeout
  TimePoint election_reset_at_{};
  LogIndex commit_index_;
  DurableWrites durable_;  // what is fsynced; replies that wait for it

  // Configuration: the latest in the log (in force) and the one applied with the state.
  Membership membership_;
  LogIndex membership_index_;  // its config entry; 0 or below first_index: initial/snapshot
  // membership_.is_voter(config_.self), set with membership_: asked on every input (the
  // invariants), where a search of a 60-voter list was 2% of a run.
  bool self_voter_ = false;
  Membership applied_membership_;

  // Candidate.
  bool pre_voting_ = false;
  bool transfer_campaign_ = false;
  std::vector<NodeId> votes_;
  std::optional<std::uint64_t> win_sequence_;  // won; leading once this write is durable

  // Leader.
  std::vector<Progress> progress_;  // one per member other than self, in id order
  // progress_of's index: by node id, the position in progress_ (or kUntracked). Every
  // acknowledgement looks its sender up; a binary search of 60 followers cost 3% of a run.
  static constexpr std::uint32_t kUntracked = ~std::uint32_t{0};
  std::vector<std::uint32_t> progress_position_;
  PendingClientWrites pending_writes_;
  std::deque<PendingRead> pending_reads_;
  std::uint64_t round_ = 0;
  std::deque<RoundStart> round_starts_;  // recent rounds, oldest first (bounded)
  bool lease_given_up_ = false;
  std::optional<NodeId> transfer_target_;
  TimePoint transfer_deadline_{};
  bool timeout_now_sent_ = false;
  std::optional<Epoch> highest_leader_term_seen_;
  LogIndex first_index_of_term_;  // the leader's no-op

  KvStateMachine kv_;
  std::shared_ptr<const Snapshot> next_snapshot_;      // taken, compacted into the log next commit
  mutable std::vector<LogIndex> scratch_indices_;      // count_quorum_match, reused
  mutable std::vector<std::uint64_t> scratch_rounds_;  // quorum_round, reused
  // The commit quorum's match and the heartbeat round a majority answered, each counted again
  // only when it can have moved (quorum_count.h): followers report their growth; the rest of
  // what a count depends on is its inputs.
  QuorumCount<LogIndex, CommitCountInputs> commit_quorum_;
  mutable QuorumCount<std::uint64_t, RoundCountInputs> round_quorum_;  // quorum_round() is const
};

}  // namespace cutover::models::raft
