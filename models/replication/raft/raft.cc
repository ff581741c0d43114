// Raft: lifecycle, role transitions, the message prelude (term rules) and dispatch, client
// requests, operator commands and the storage bookkeeping shared by every role.
#include "models/replication/raft/raft.h"

#include <algorithm>

#include "models/core/check.h"
#include "models/replication/client_writes.h"

namespace cutover::models::raft {

namespace {

bool ascending_unique(const std::vector<NodeId>& nodes) {
  return std::is_sorted(nodes.begin(), nodes.end()) &&
         std::adjacent_find(nodes.begin(), nodes.end()) == nodes.end();
}

Epoch epoch_of(const Message& message) {
  return std::visit([](const auto& m) { return m.epoch; }, message);
}

}  // namespace

std::string Config::validate() const {
  if (voters.empty()) return "no voters";
  if (!ascending_unique(voters) || !ascending_unique(learners)) {
    return "voters and learners must be ascending and unique";
  }
  for (NodeId learner : learners) {
    if (std::binary_search(voters.begin(), voters.end(), learner)) {
      return "a node cannot be both voter and learner";
    }
  }
  if (heartbeat_interval <= Duration::zero()) return "heartbeat interval must be positive";
  if (election_timeout_min <= heartbeat_interval) {
    return "election timeout min must exceed the heartbeat interval";
  }
  if (election_timeout_max <= election_timeout_min) {
    return "election timeout max must exceed min";
  }
  if (max_entries_per_append == 0 || max_inflight_appends == 0) return "bounds must be positive";
  if (max_clock_drift < 0.0 || max_clock_drift >= 1.0) return "max clock drift must be in [0, 1)";
  if (read_mode == ReadMode::kLease && !check_quorum) {
    return "lease reads need check_quorum (leader stickiness makes the lease safe)";
  }
  return {};
}

Raft::Raft(Config config) : config_(std::move(config)) {
  const std::string problem = config_.validate();
  CUTOVER_CHECK(problem.empty(), problem);
  kv_.set_deduplicate(config_.deduplicate_writes);
}

// --- lifecycle ------------------------------------------------------------------------------

void Raft::on_start(Context& ctx) {
  const Storage& storage = ctx.storage();
  // After a (re)start everything in storage is durable: the driver crashed away the rest.
  term_ = storage.hard_state().epoch;
  durable_.start(storage);
  applied_membership_ = Membership{.voters = config_.voters, .learners = config_.learners};
  if (const auto& snapshot = storage.snapshot()) {
    kv_.restore(snapshot->cells, snapshot->recent_writes, snapshot->last_index);
    applied_membership_ = snapshot->membership;
  }
  commit_index_ = storage.snapshot_index();
  adopt_membership_from_log(storage);
  // A restarted voter may have heard a leader just before it crashed: it stays sticky for a
  // minimum election timeout (what the lease relies on).
  last_heard_leader_ = ctx.now();
  if (self_voter_) {
    role_ = Role::kBackup;
    const bool fresh_cluster = term_ == Epoch(0) && storage.last_index() == LogIndex(0) &&
                               storage.snapshot_index() == LogIndex(0);
    if (config_.campaign_at_start && fresh_cluster) {
      campaign(/*pre_vote=*/false, /*transfer=*/true, ctx);
    } else {
      arm_election_timer(ctx);
    }
  } else {
    role_ = Role::kLearner;  // a learner or a node waiting to be added: passive until contacted
  }
}

void Raft::on_timer(TimerId id, Context& ctx) {
  if (id == kHeartbeatTimer) {
    if (role_ == Role::kPrimary) on_heartbeat_timer(ctx);
  } else if (id == kElectionTimer) {
    on_election_timer(ctx);
  }
}

void Raft::on_persisted(WriteToken token, Context& ctx) {
  durable_.on_persisted(token, ctx);
  if (win_sequence_ && durable_.is_durable(*win_sequence_)) {
    win_sequence_.reset();
    become_leader(ctx);
    return;
  }
  if (role_ == Role::kPrimary) advance_commit(ctx);
}

NodeView Raft::view() const {
  return NodeView{.role = role_,
                  .epoch = term_,
                  .known_primary = leader_,
                  .commit_index = commit_index_,
                  .voter = self_voter_,
                  .member = membership_.is_member(config_.self)};
}

bool Raft::caught_up(const Progress& progress, Context& ctx) const {
  const Storage& storage = ctx.storage();
  const TimePoint now = ctx.now();
  if (now - progress.last_heard >= config_.election_timeout_min) return false;
  const LogIndex first_missing(progress.match_index.value + 1);
  if (first_missing > storage.last_index()) return true;
  if (first_missing < storage.first_index()) return false;  // it needs a snapshot first
  return now - storage.entry(first_missing).created_at < config_.election_timeout_min;
}

std::optional<Protocol::MembershipView> Raft::membership_view() const {
  return MembershipView{.membership = membership_, .settled = membership_index_ <= commit_index_};
}

// --- roles ----------------------------------------------------------------------------------

void Raft::enter_term(Epoch term, Context& ctx) {
  CUTOVER_CHECK(term > term_, "terms only grow");
  term_ = term;
  votes_.clear();
  win_sequence_.reset();
  // §5.1: a new term starts with no vote cast; persisted before anything this term leaves.
  durable_.write_hard_state(HardState{.epoch = term_, .voted_for = std::nullopt}, ctx);
  durable_.request_persist(ctx);
}

void Raft::leave_leadership(Context& ctx) {
  CUTOVER_CHECK(role_ == Role::kPrimary, "only a leader steps down");
  ctx.emit(TraceEvent{.kind = TraceKind::kSteppedDown,
                      .epoch = term_,
                      .index = ctx.storage().last_index(),
                      .other = std::nullopt});
  ctx.cancel_timer(kHeartbeatTimer);
  track_progress({});
  // Uncommitted writes get no answer: the next leader decides their fate (the client sees a
  // timeout, an unknown outcome). Reads were not served, so they can be refused.
  pending_writes_.clear();
  for (const PendingRead& read : pending_reads_) {
    ctx.reply(read.client, ClientReply{.id = read.request.id, .status = ReplyStatus::kNotPrimary});
  }
  pending_reads_.clear();
  round_starts_.clear();
  transfer_target_.reset();
  timeout_now_sent_ = false;
  leader_.reset();
}

void Raft::become_follower(Epoch term, std::optional<NodeId> leader, Context& ctx) {
  CUTOVER_CHECK(term >= term_, "follower of an older term");
  if (term > term_) enter_term(term, ctx);
  if (role_ == Role::kPrimary) leave_leadership(ctx);
  pre_voting_ = transfer_campaign_ = false;
  votes_.clear();
  win_sequence_.reset();
  leader_ = leader;
  if (leader) {
    last_leader_ = leader;
    last_heard_leader_ = ctx.now();
  }
  if (self_voter_) {
    role_ = Role::kBackup;
    arm_election_timer(ctx);
  } else {
    become_learner(ctx);
  }
}

void Raft::become_learner(Context& ctx) {
  CUTOVER_CHECK(!self_voter_, "a voter is not a learner");
  if (role_ == Role::kPrimary) leave_leadership(ctx);
  role_ = Role::kLearner;
  votes_.clear();
  win_sequence_.reset();
  ctx.cancel_timer(kElectionTimer);
}

void Raft::become_candidate() {
  CUTOVER_CHECK(role_ != Role::kPrimary, "a leader cannot campaign");
  CUTOVER_CHECK(self_voter_, "only voters campaign");
  role_ = Role::kCandidate;
  leader_.reset();
}

void Raft::become_leader(Context& ctx) {
  CUTOVER_CHECK(role_ == Role::kCandidate, "only a candidate becomes leader");
  CUTOVER_CHECK(ctx.storage().hard_state().epoch == term_, "leader of an unpersisted term");
  CUTOVER_CHECK(!highest_leader_term_seen_ || *highest_leader_term_seen_ < term_,
                "a second leader in term " + std::to_string(term_.value));
  highest_leader_term_seen_ = term_;
  role_ = Role::kPrimary;
  const std::optional<NodeId> previous = last_leader_;
  leader_ = last_leader_ = config_.self;
  votes_.clear();
  lease_given_up_ = false;
  round_starts_.clear();
  ctx.cancel_timer(kElectionTimer);
  track_progress({});
  sync_progress_with_membership(ctx);
  ctx.emit(TraceEvent{.kind = TraceKind::kBecamePrimary,
                      .epoch = term_,
                      .index = ctx.storage().last_index(),
                      .other = previous});
  // §5.4.2 / §8: a no-op of the new term lets the leader commit the earlier terms' entries
  // and learn the commit index ReadIndex needs.
  first_index_of_term_ = append_as_leader(LogEntry{.kind = EntryKind::kNoOp}, ctx);
  broadcast_round(ctx);
  ctx.set_timer(kHeartbeatTimer, config_.heartbeat_interval);
}

// --- messages: the prelude (term rules, §5.1) then the role's step --------------------------

void Raft::on_message(NodeId from, const Message& message, Context& ctx) {
  if (!handle_term(from, message, ctx)) return;
  switch (role_) {
    case Role::kPrimary:
      step_leader(from, message, ctx);
      break;
    case Role::kCandidate:
      step_candidate(from, message, ctx);
      break;
    case Role::kBackup:
    case Role::kLearner:
      step_follower(from, message, ctx);
      break;
  }
}

// Returns whether the message is still to be handled by the role's step function.
bool Raft::handle_term(NodeId from, const Message& message, Context& ctx) {
  const Epoch epoch = epoch_of(message);
  const auto* vote = std::get_if<VoteRequest>(&message);
  if (epoch > term_) {
    if (vote && vote->pre_vote) return true;  // a pre-vote changes no state (thesis §9.6)
    const auto* response = std::get_if<VoteResponse>(&message);
    if (response && response->pre_vote && response->granted) return true;
    if (vote && config_.check_quorum && !vote->transfer && sticky(ctx.now())) {
      // Leader stickiness (thesis §4.2.3): a voter that hears a live leader ignores a
      // disruptive candidate, and does not even adopt its term.
      ctx.send(from, VoteResponse{.epoch = term_, .granted = false, .pre_vote = false});
      return false;
    }
    const bool from_leader = std::holds_alternative<AppendEntries>(message) ||
                             std::holds_alternative<InstallSnapshot>(message) ||
                             std::holds_alternative<TimeoutNow>(message);
    become_follower(epoch, from_leader ? std::optional<NodeId>(from) : std::nullopt, ctx);
    return true;
  }
  if (epoch < term_) {
    // §5.1: a stale term is rejected. Answering a stale leader makes it step down.
    if (std::holds_alternative<AppendEntries>(message) ||
        std::holds_alternative<InstallSnapshot>(message)) {
      ctx.send(from, AppendResponse{.epoch = term_, .success = false});
    } else if (vote) {
      ctx.send(from, VoteResponse{.epoch = term_, .granted = false, .pre_vote = vote->pre_vote});
    }
    return false;
  }
  return true;
}

void Raft::step_leader(NodeId from, const Message& message, Context& ctx) {
  if (const auto* response = std::get_if<AppendResponse>(&message)) {
    on_append_response(from, *response, ctx);
  } else if (const auto* snapshot = std::get_if<InstallSnapshotResponse>(&message)) {
    on_snapshot_response(from, *snapshot, ctx);
  } else if (const auto* vote = std::get_if<VoteRequest>(&message)) {
    on_vote_request(from, *vote, ctx);
  } else if (std::holds_alternative<AppendEntries>(message) ||
             std::holds_alternative<InstallSnapshot>(message)) {
    CUTOVER_CHECK(false, "two leaders in term " + std::to_string(term_.value));
  }
}

void Raft::step_candidate(NodeId from, const Message& message, Context& ctx) {
  if (const auto* vote = std::get_if<VoteRequest>(&message)) {
    on_vote_request(from, *vote, ctx);
  } else if (const auto* response = std::get_if<VoteResponse>(&message)) {
    on_vote_response(from, *response, ctx);
  } else if (std::holds_alternative<AppendEntries>(message) ||
             std::holds_alternative<InstallSnapshot>(message)) {
    // §5.2: a leader of our term exists; we lost.
    become_follower(term_, from, ctx);
    step_follower(from, message, ctx);
  }
}

void Raft::step_follower(NodeId from, const Message& message, Context& ctx) {
  if (const auto* append = std::get_if<AppendEntries>(&message)) {
    on_append_entries(from, *append, ctx);
  } else if (const auto* install = std::get_if<InstallSnapshot>(&message)) {
    on_install_snapshot(from, *install, ctx);
  } else if (const auto* vote = std::get_if<VoteRequest>(&message)) {
    on_vote_request(from, *vote, ctx);
  } else if (const auto* timeout = std::get_if<TimeoutNow>(&message)) {
    on_timeout_now(from, *timeout, ctx);
  }
}

// --- clients and operators ------------------------------------------------------------------

void Raft::on_client_request(ClientId from, const ClientRequest& request, Context& ctx) {
  const bool leader = role_ == Role::kPrimary;
  if (request.kind == OpKind::kRead && request.allow_backup_read &&
      (leader || membership_.is_member(config_.self))) {
    reply_read(from, request, ctx);  // stale read: this node's own applied state
    return;
  }
  if (!leader) {
    reply_not_leader(from, request, ctx);
    return;
  }
  if (request.kind == OpKind::kRead) {
    read_as_leader(from, request, ctx);
    return;
  }
  if (answer_repeated_write(kv_, from, request, ctx)) return;
  if (transfer_target_ || !self_voter_) {
    // Thesis §3.10: no new writes while leadership is being handed over (or given up).
    ctx.reply(from, ClientReply{.id = request.id, .status = ReplyStatus::kUnavailable});
    return;
  }
  const LogIndex index = append_as_leader(
      LogEntry{.key = request.key, .value_bytes = request.value_bytes, .request = request.id}, ctx);
  pending_writes_.add(index, from, request.id);
}

void Raft::reply_not_leader(ClientId from, const ClientRequest& request, Context& ctx) {
  std::optional<NodeId> hint = leader_;
  if (hint == config_.self) hint.reset();
  ctx.reply(from, ClientReply{
                      .id = request.id, .status = ReplyStatus::kNotPrimary, .primary_hint = hint});
}

void Raft::on_admin(const AdminCommand& command, Context& ctx) {
  // Operator commands go to the leader; elsewhere they are ignored (the operator retries).
  if (role_ != Role::kPrimary) return;
  on_admin_as_leader(command, ctx);
}

void Raft::on_admin_as_leader(const AdminCommand& command, Context& ctx) {
  if (const auto* transfer = std::get_if<TransferLeadership>(&command)) {
    start_transfer(transfer->target, ctx);
    return;
  }
  if (!can_change_membership()) return;
  Membership next = membership_;
  auto insert = [](std::vector<NodeId>& nodes, NodeId node) {
    nodes.insert(std::upper_bound(nodes.begin(), nodes.end(), node), node);
  };
  auto erase = [](std::vector<NodeId>& nodes, NodeId node) { std::erase(nodes, node); };
  if (const auto* add = std::get_if<AddLearner>(&command)) {
    if (membership_.is_member(add->node)) return;
    insert(next.learners, add->node);
  } else if (const auto* promote = std::get_if<PromoteLearner>(&command)) {
    if (!membership_.is_learner(promote->node)) return;
    // Thesis §4.2.1: only a caught-up learner becomes a voter. A lagging or unreachable one
    // would count in the new majority at once and could stall commits for good (with one
    // voter down, promoting a dead learner leaves no majority to undo it). Caught up, as in
    // the thesis's rounds: it was heard within an election timeout and what it still misses
    // is younger than one (under load a remote learner is always a round trip behind).
    const Progress* learner = progress_of(promote->node);
    if (learner == nullptr || !caught_up(*learner, ctx)) return;
    erase(next.learners, promote->node);
    insert(next.voters, promote->node);
  } else if (const auto* remove = std::get_if<RemoveNode>(&command)) {
    if (!membership_.is_member(remove->node)) return;
    if (membership_.is_voter(remove->node) && membership_.voters.size() == 1) return;
    erase(next.voters, remove->node);
    erase(next.learners, remove->node);
  } else {
    return;  // PromoteNow: primary-backup only
  }
  propose_membership(std::move(next), ctx);
}

// --- storage bookkeeping --------------------------------------------------------------------

void Raft::truncate_log_after(LogIndex keep_through, Context& ctx) {
  CUTOVER_CHECK(role_ != Role::kPrimary, "a leader never truncates its own log");
  CUTOVER_CHECK(keep_through >= commit_index_,
                "truncation of committed entry " + std::to_string(commit_index_.value));
  ctx.storage().truncate_after(keep_through);
  durable_.note_write(ctx);
  durable_.clamp(keep_through);
  ctx.emit(TraceEvent{
      .kind = TraceKind::kTruncated, .epoch = term_, .index = keep_through, .other = leader_});
  if (membership_index_ > keep_through) {
    adopt_membership_from_log(ctx.storage());
    membership_changed(ctx);
  }
}

void Raft::set_commit_index(LogIndex commit, Context& ctx) {
  CUTOVER_CHECK(commit >= commit_index_, "commit index goes back");
  CUTOVER_CHECK(commit <= ctx.storage().last_index(), "commit index beyond the log");
  commit_index_ = commit;
  apply_committed(ctx);
  // Compaction waits for the caller: the leader still reads the newly committed entries.
}

void Raft::apply_committed(Context& ctx) {
  const Storage& storage = ctx.storage();
  while (kv_.applied_index() < commit_index_) {
    const LogEntry& entry = storage.entry(LogIndex(kv_.applied_index().value + 1));
    kv_.apply(entry);
    if (entry.kind == EntryKind::kConfig) applied_membership_ = *entry.membership;
  }
}

Raft::Progress* Raft::progress_of(NodeId node) {
  if (node.value >= progress_position_.size()) return nullptr;
  const std::uint32_t position = progress_position_[node.value];
  return position == kUntracked ? nullptr : &progress_[position];
}

void Raft::track_progress(std::vector<Progress> progress) {
  progress_ = std::move(progress);
  progress_position_.clear();
  for (std::uint32_t position = 0; position < progress_.size(); ++position) {
    const NodeId node = progress_[position].node;
    if (node.value >= progress_position_.size())
      progress_position_.resize(node.value + 1, kUntracked);
    progress_position_[node.value] = position;
  }
  // Who counts may have changed, and a follower's new progress starts from nothing.
  commit_quorum_.reset();
  round_quorum_.reset();
}

const Raft::Progress* Raft::progress_of(NodeId node) const {
  return const_cast<Raft*>(this)->progress_of(node);
}

LogIndex Raft::testing_match_index(NodeId follower) const {
  const Progress* progress = progress_of(follower);
  return progress ? progress->match_index : LogIndex(0);
}

// --- invariants -----------------------------------------------------------------------------

void Raft::check_invariants(const Storage& storage) const {
  CUTOVER_CHECK(commit_index_ <= storage.last_index(), "commit index beyond the log");
  CUTOVER_CHECK(kv_.applied_index() <= commit_index_, "applied beyond the commit index");
  CUTOVER_CHECK(kv_.applied_index() >= storage.snapshot_index(), "applied behind the snapshot");
  CUTOVER_CHECK(durable_.durable_index() <= storage.last_index(), "durable index beyond the log");
  CUTOVER_CHECK(storage.hard_state().epoch <= term_, "in-memory term behind storage");
  CUTOVER_CHECK(storage.last_epoch() <= term_, "log holds an entry from a future term");
  CUTOVER_CHECK(storage.epoch_at(commit_index_) <= storage.last_epoch(),
                "log terms go back after the commit index");
  if (role_ == Role::kPrimary) {
    CUTOVER_CHECK(storage.hard_state().epoch == term_, "leader's term is not persisted");
    CUTOVER_CHECK(storage.hard_state().voted_for == config_.self, "leader did not vote for itself");
    CUTOVER_CHECK(leader_ == config_.self, "a leader follows another node");
    // No check that the leader synced what it committed: it writes its log in parallel with
    // replicating it (thesis §10.2.1), so a majority of followers can commit an entry before
    // the leader's own fsync ends (found by `cutover explore`: a slow disk on the leader).
    CUTOVER_CHECK(pending_writes_.none_committed_by(commit_index_),
                  "a committed write is still waiting for its reply");
  } else {
    CUTOVER_CHECK(progress_.empty(), "a non-leader tracks followers");
    CUTOVER_CHECK(leader_ != config_.self, "a non-leader believes it leads");
  }
  if (role_ == Role::kCandidate || role_ == Role::kBackup) {
    CUTOVER_CHECK(self_voter_, "a non-voter campaigns or votes");
  }
}

}  // namespace cutover::models::raft
