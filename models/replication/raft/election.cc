// Raft elections (§5.2, §5.4.1), PreVote (thesis §9.6), CheckQuorum and leader stickiness
// (thesis §6.2, §4.2.3) and leadership transfer (thesis §3.10).
#include <algorithm>

#include "models/core/check.h"
#include "models/replication/raft/raft.h"

namespace cutover::models::raft {

// --- the election timer ---------------------------------------------------------------------

void Raft::arm_election_timer(Context& ctx) {
  // §5.2: a fresh random timeout per election spreads candidates apart.
  const auto span = static_cast<std::uint64_t>(
      (config_.election_timeout_max - config_.election_timeout_min).count());
  election_timeout_ = config_.election_timeout_min +
                      Duration(static_cast<Duration::rep>(ctx.rng().uniform_below(span)));
  election_reset_at_ = ctx.now();
  ctx.set_timer(kElectionTimer, election_timeout_);
}

void Raft::on_election_timer(Context& ctx) {
  if (role_ == Role::kPrimary || role_ == Role::kLearner) return;
  const TimePoint now = ctx.now();
  // Hearing the leader only moves election_reset_at_ (no timer traffic per heartbeat); the
  // timer is re-armed for what remains.
  const TimePoint due = std::max(election_reset_at_, last_heard_leader_) + election_timeout_;
  if (now < due) {
    ctx.set_timer(kElectionTimer, due - now);
    return;
  }
  campaign(config_.pre_vote, /*transfer=*/false, ctx);
}

bool Raft::sticky(TimePoint now) const {
  // A leader hears itself; a follower heard a leader (or restarted) less than a minimum
  // election timeout ago.
  return role_ == Role::kPrimary || now - last_heard_leader_ < config_.election_timeout_min;
}

// --- campaigning ----------------------------------------------------------------------------

void Raft::campaign(bool pre_vote, bool transfer, Context& ctx) {
  become_candidate();
  pre_voting_ = pre_vote;
  transfer_campaign_ = transfer;
  votes_ = {config_.self};
  win_sequence_.reset();
  const Storage& storage = ctx.storage();
  VoteRequest request{.epoch = Epoch(term_.value + 1),
                      .last_index = storage.last_index(),
                      .last_epoch = storage.last_epoch(),
                      .pre_vote = pre_vote,
                      .transfer = transfer};
  if (!pre_vote) {
    // §5.2: increment the term and vote for itself; both durable before any request leaves.
    term_ = request.epoch;
    durable_.write_hard_state(HardState{.epoch = term_, .voted_for = config_.self}, ctx);
    ctx.emit(TraceEvent{.kind = TraceKind::kElectionStarted,
                        .epoch = term_,
                        .index = storage.last_index(),
                        .other = last_leader_});
  }
  arm_election_timer(ctx);
  for (NodeId node : membership_.voters) {
    if (node == config_.self) continue;
    if (pre_vote) {
      ctx.send(node, request);
    } else {
      durable_.send_when_durable(node, request, ctx);
    }
  }
  maybe_win(ctx);  // a single-voter cluster needs no one else
}

void Raft::maybe_win(Context& ctx) {
  if (votes_.size() < membership_.majority() || win_sequence_) return;
  if (pre_voting_) {
    campaign(/*pre_vote=*/false, transfer_campaign_, ctx);
    return;
  }
  // Our own vote must be durable before we act on the election.
  win_sequence_ = ctx.storage().write_sequence();
  if (durable_.is_durable(*win_sequence_)) {
    win_sequence_.reset();
    become_leader(ctx);
  } else {
    durable_.request_persist(ctx);
  }
}

bool Raft::log_is_current(const VoteRequest& request, const Storage& storage) const {
  // §5.4.1: the later last term wins; with equal last terms, the longer log.
  if (request.last_epoch != storage.last_epoch()) return request.last_epoch > storage.last_epoch();
  return request.last_index >= storage.last_index();
}

void Raft::on_vote_request(NodeId from, const VoteRequest& request, Context& ctx) {
  const bool log_ok = log_is_current(request, ctx.storage());
  if (request.pre_vote) {
    // Thesis §9.6: grant only what a real vote would grant, and not while a leader is heard.
    const bool stickiness = config_.check_quorum || config_.pre_vote;
    const bool grant =
        request.epoch > term_ && log_ok && !(stickiness && !request.transfer && sticky(ctx.now()));
    ctx.send(from, VoteResponse{
                       .epoch = grant ? request.epoch : term_, .granted = grant, .pre_vote = true});
    return;
  }
  CUTOVER_CHECK(request.epoch == term_, "vote request of another term after the prelude");
  const std::optional<NodeId> voted = ctx.storage().hard_state().voted_for;
  // §5.2: at most one vote per term, first come first served (a repeat is answered again).
  const bool grant = role_ != Role::kPrimary && log_ok && (!voted || *voted == from);
  if (!grant) {
    ctx.send(from, VoteResponse{.epoch = term_, .granted = false, .pre_vote = false});
    return;
  }
  if (!voted) durable_.write_hard_state(HardState{.epoch = term_, .voted_for = from}, ctx);
  election_reset_at_ = ctx.now();  // give the candidate time to win
  durable_.send_when_durable(from, VoteResponse{.epoch = term_, .granted = true, .pre_vote = false},
                             ctx);
}

void Raft::on_vote_response(NodeId from, const VoteResponse& response, Context& ctx) {
  if (response.pre_vote != pre_voting_ || win_sequence_) return;
  const Epoch expected = pre_voting_ ? Epoch(term_.value + 1) : term_;
  if (response.epoch != expected || !response.granted) return;
  if (!membership_.is_voter(from)) return;  // only voters count (learners never vote)
  if (std::find(votes_.begin(), votes_.end(), from) != votes_.end()) return;
  votes_.push_back(from);
  maybe_win(ctx);
}

// --- CheckQuorum ----------------------------------------------------------------------------

void Raft::check_quorum(Context& ctx) {
  // Thesis §6.2: a leader that has not heard from a quorum of voters within an election
  // timeout steps down, so a partitioned leader stops serving (and its clients retry).
  const TimePoint now = ctx.now();
  std::size_t heard = self_voter_ ? 1 : 0;
  for (const Progress& progress : progress_) {
    if (progress.voter && now - progress.last_heard < config_.election_timeout_min) {
      ++heard;
    }
  }
  if (heard < membership_.majority()) become_follower(term_, std::nullopt, ctx);
}

// --- leadership transfer (thesis §3.10) ----------------------------------------------------

void Raft::start_transfer(NodeId target, Context& ctx) {
  if (target == config_.self || !membership_.is_voter(target)) return;
  Progress* progress = progress_of(target);
  if (progress == nullptr || transfer_target_ == target) return;
  // Writes stop; the target is brought up to date; then TimeoutNow. Aborted after an election
  // timeout (the heartbeat timer checks the deadline).
  transfer_target_ = target;
  transfer_deadline_ = ctx.now() + config_.election_timeout_min;
  timeout_now_sent_ = false;
  maybe_send_timeout_now(*progress, ctx);
  if (!timeout_now_sent_) send_appends_to(*progress, /*heartbeat=*/false, ctx);
}

void Raft::maybe_send_timeout_now(Progress& progress, Context& ctx) {
  if (transfer_target_ != progress.node || timeout_now_sent_) return;
  if (progress.match_index < ctx.storage().last_index()) return;
  ctx.send(progress.node, TimeoutNow{.epoch = term_});
  timeout_now_sent_ = true;
  // The target's election bypasses stickiness, so the lease cannot be trusted any more.
  lease_given_up_ = true;
}

void Raft::on_timeout_now(NodeId from, const TimeoutNow& message, Context& ctx) {
  CUTOVER_CHECK(message.epoch == term_, "TimeoutNow of another term after the prelude");
  if (!self_voter_ || leader_ != from) return;
  // Start the real election at once: no pre-vote, and voters ignore their stickiness.
  campaign(/*pre_vote=*/false, /*transfer=*/true, ctx);
}

}  // namespace cutover::models::raft
