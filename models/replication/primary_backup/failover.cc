// Automatic failover: failure detection, pre-vote and vote, and the bookkeeping that makes
// votes and epochs durable before they count.
#include <algorithm>

#include "models/core/check.h"
#include "models/replication/primary_backup/primary_backup.h"

namespace cutover::models::primary_backup {

namespace {

// A random part of one heartbeat interval keeps backups from campaigning in lockstep.
Duration failover_jitter(const Config& config, Context& ctx) {
  return Duration(static_cast<Duration::rep>(
      ctx.rng().uniform_below(static_cast<std::uint64_t>(config.heartbeat_interval.count()))));
}

// The epoch an election in `current` runs for. Epoch 1 belongs to the configured initial
// primary, which takes it without a vote and takes it again after a restart if it crashed
// before that was durable; an election in a fresh cluster therefore skips to epoch 2, or two
// primaries could share epoch 1.
Epoch election_epoch(Epoch current) { return Epoch(std::max<std::uint64_t>(current.value + 1, 2)); }

}  // namespace

void PrimaryBackup::arm_failover_timer(Context& ctx) {
  if (!config_.automatic_failover) return;
  if (role_ == Role::kCandidate) {
    // A round that ended without a winner backs off by a random part of a whole failover
    // timeout: candidates that retry closer together than a round trip split the vote again.
    const auto backoff = Duration(static_cast<Duration::rep>(
        ctx.rng().uniform_below(static_cast<std::uint64_t>(config_.failover_timeout.count()))));
    ctx.set_timer(kFailoverTimer, config_.failover_timeout + backoff);
    return;
  }
  ctx.set_timer(kFailoverTimer, config_.failover_timeout + failover_jitter(config_, ctx));
}

bool PrimaryBackup::should_yield_to(NodeId candidate, const VoteRequest& request,
                                    const Storage& storage) const {
  // Backups lose the primary at nearly the same moment and would split the vote. A candidate
  // steps aside for a better one: a more up-to-date log, or an equal log and a lower node id.
  // So the most up-to-date reachable backup is the one promoted, usually in one round.
  if (request.last_epoch != storage.last_epoch()) return request.last_epoch > storage.last_epoch();
  if (request.last_index != storage.last_index()) return request.last_index > storage.last_index();
  return candidate < config_.self;
}

bool PrimaryBackup::lease_holds(TimePoint now) const {
  if (role_ == Role::kPrimary) return hears_majority(now);
  return heard_primary_ && now - last_heard_primary_ < config_.failover_timeout;
}

void PrimaryBackup::on_failover_timer(Context& ctx) {
  if (role_ == Role::kPrimary || !config_.automatic_failover) return;
  const TimePoint now = ctx.now();
  if (role_ == Role::kBackup && lease_holds(now)) {
    // Heartbeats kept coming; check again when the last one would expire. The jitter again:
    // backups that heard the same last heartbeat must not campaign at the same instant.
    const auto remaining = config_.failover_timeout - (now - last_heard_primary_);
    ctx.set_timer(kFailoverTimer, remaining + failover_jitter(config_, ctx));
    return;
  }
  if (role_ == Role::kBackup) {
    become_candidate(ctx);
  } else {
    start_vote(/*pre_vote=*/true, ctx);  // the last round ended without a result
  }
}

void PrimaryBackup::start_vote(bool pre_vote, Context& ctx) {
  CUTOVER_CHECK(role_ == Role::kCandidate, "only candidates ask for votes");
  pre_voting_ = pre_vote;
  votes_ = {config_.self};
  const Storage& storage = ctx.storage();
  VoteRequest request{.epoch = election_epoch(epoch_),
                      .last_index = storage.last_index(),
                      .last_epoch = storage.last_epoch(),
                      .pre_vote = pre_vote};
  if (!pre_vote) {
    epoch_ = request.epoch;
    durable_.write_hard_state(HardState{.epoch = epoch_, .voted_for = config_.self}, ctx);
  }
  arm_failover_timer(ctx);
  for (NodeId node : config_.replicas) {
    if (node == config_.self) continue;
    // A real vote request may only leave once our own vote for ourselves is durable.
    if (pre_vote) {
      ctx.send(node, request);
    } else {
      durable_.send_when_durable(node, request, ctx);
    }
  }
  if (votes_.size() >= config_.majority()) {  // a single-replica cluster
    if (pre_vote) {
      start_vote(/*pre_vote=*/false, ctx);
    } else {
      promotion_sequence_ = ctx.storage().write_sequence();
      durable_.request_persist(ctx);
    }
  }
}

bool PrimaryBackup::candidate_log_is_current(const VoteRequest& request,
                                             const Storage& storage) const {
  // Raft §5.4.1: the candidate's last entry is at least as up to date as ours.
  if (request.last_epoch != storage.last_epoch()) return request.last_epoch > storage.last_epoch();
  return request.last_index >= storage.last_index();
}

void PrimaryBackup::on_vote_request(NodeId from, const VoteRequest& request, Context& ctx) {
  const TimePoint now = ctx.now();
  const bool log_ok = candidate_log_is_current(request, ctx.storage());
  if (request.pre_vote) {
    const bool grant = request.epoch > epoch_ && !lease_holds(now) && log_ok;
    ctx.send(from, VoteResponse{.epoch = request.epoch, .granted = grant, .pre_vote = true});
    if (grant && role_ == Role::kCandidate && pre_voting_ &&
        should_yield_to(from, request, ctx.storage())) {
      role_ = Role::kBackup;
      votes_.clear();
      arm_failover_timer(ctx);
    }
    return;
  }
  if (request.epoch < epoch_ || lease_holds(now)) {
    ctx.send(from, VoteResponse{.epoch = epoch_, .granted = false, .pre_vote = false});
    return;
  }
  if (request.epoch > epoch_) become_backup(request.epoch, std::nullopt, ctx);
  const std::optional<NodeId> voted = ctx.storage().hard_state().voted_for;
  if (!log_ok || (voted && *voted != from)) {
    ctx.send(from, VoteResponse{.epoch = epoch_, .granted = false, .pre_vote = false});
    return;
  }
  durable_.write_hard_state(HardState{.epoch = epoch_, .voted_for = from}, ctx);
  arm_failover_timer(ctx);  // give the candidate we voted for time to win
  durable_.send_when_durable(
      from, VoteResponse{.epoch = epoch_, .granted = true, .pre_vote = false}, ctx);
}

void PrimaryBackup::on_vote_response(NodeId from, const VoteResponse& response, Context& ctx) {
  if (!response.pre_vote && response.epoch > epoch_) {
    become_backup(response.epoch, std::nullopt, ctx);
    return;
  }
  if (role_ != Role::kCandidate || response.pre_vote != pre_voting_ || promotion_sequence_) return;
  const Epoch expected = pre_voting_ ? election_epoch(epoch_) : epoch_;
  if (response.epoch != expected || !response.granted) return;
  if (std::find(votes_.begin(), votes_.end(), from) != votes_.end()) return;
  votes_.push_back(from);
  if (votes_.size() < config_.majority()) return;
  if (pre_voting_) {
    start_vote(/*pre_vote=*/false, ctx);
  } else {
    // Our vote for ourselves went out with the requests, so the epoch is normally durable
    // already and no on_persisted will come to complete the promotion: take over now.
    promotion_sequence_ = ctx.storage().write_sequence();
    if (durable_.is_durable(*promotion_sequence_)) {
      promotion_sequence_.reset();
      become_primary(ctx);
    } else {
      durable_.request_persist(ctx);
    }
  }
}

// --- storage bookkeeping --------------------------------------------------------------------

void PrimaryBackup::truncate_log_after(LogIndex keep_through, Context& ctx) {
  if (commit_index_ > keep_through) {
    CUTOVER_CHECK(!committed_entries_are_safe(),
                  "committed entry " + std::to_string(commit_index_.value) +
                      " truncated although the ack mode promises it is kept");
    commit_index_ = keep_through;
  }
  ctx.storage().truncate_after(keep_through);
  durable_.note_write(ctx);
  durable_.clamp(keep_through);
  if (kv_.applied_index() > keep_through) kv_.reset();  // rebuilt from the log on next apply
  ctx.emit(TraceEvent{.kind = TraceKind::kTruncated,
                      .epoch = epoch_,
                      .index = keep_through,
                      .other = known_primary_});
}

bool PrimaryBackup::committed_entries_are_safe() const {
  switch (config_.ack_mode) {
    case AckMode::kAsync:
      return false;
    case AckMode::kSemiSync:
      // A committed entry is on the primary and k backups; every electing majority holds one
      // of those k + 1 copies when they overlap, and a voter refuses a less up-to-date log.
      return config_.semi_sync_acks + 1 + config_.majority() > config_.replicas.size();
    case AckMode::kSync:
      return true;
  }
  return false;
}

void PrimaryBackup::set_commit_index(LogIndex commit, Context& ctx) {
  CUTOVER_CHECK(commit >= commit_index_, "commit index goes back");
  CUTOVER_CHECK(commit <= ctx.storage().last_index(), "commit index beyond the log");
  commit_index_ = commit;
  apply_committed(ctx);
}

void PrimaryBackup::apply_committed(Context& ctx) {
  while (kv_.applied_index() < commit_index_) {
    kv_.apply(ctx.storage().entry(LogIndex(kv_.applied_index().value + 1)));
  }
}

PrimaryBackup::Progress* PrimaryBackup::progress_of(NodeId node) {
  for (Progress& progress : progress_) {
    if (progress.node == node) return &progress;
  }
  return nullptr;
}

const PrimaryBackup::Progress* PrimaryBackup::progress_of(NodeId node) const {
  return const_cast<PrimaryBackup*>(this)->progress_of(node);
}

LogIndex PrimaryBackup::testing_match_index(NodeId backup) const {
  const Progress* progress = progress_of(backup);
  return progress ? progress->match_index : LogIndex(0);
}

bool PrimaryBackup::testing_in_sync(NodeId backup) const {
  const Progress* progress = progress_of(backup);
  return progress != nullptr && progress->in_sync;
}

void PrimaryBackup::check_invariants(const Storage& storage) const {
  CUTOVER_CHECK(commit_index_ <= storage.last_index(), "commit index beyond the log");
  CUTOVER_CHECK(durable_.durable_index() <= storage.last_index(), "durable index beyond the log");
  CUTOVER_CHECK(kv_.applied_index() <= commit_index_, "applied beyond the commit index");
  CUTOVER_CHECK(storage.hard_state().epoch <= epoch_, "in-memory epoch behind storage");
  CUTOVER_CHECK(storage.last_epoch() <= epoch_, "log holds an entry from a future epoch");
  if (role_ == Role::kPrimary) {
    CUTOVER_CHECK(storage.hard_state().epoch == epoch_, "primary's epoch is not persisted");
    CUTOVER_CHECK(commit_index_ <= durable_.durable_index(),
                  "primary committed what it has not synced");
    CUTOVER_CHECK(progress_.size() + 1 == config_.replicas.size(), "progress per backup");
  }
}

}  // namespace cutover::models::primary_backup
