#include "models/replication/primary_backup/primary_backup.h"

#include <algorithm>
#include <functional>

#include "models/core/check.h"
#include "models/replication/client_writes.h"

namespace cutover::models::primary_backup {
std::string Config::validate() const {
  if (replicas.empty()) return "no replicas";
  if (!std::is_sorted(replicas.begin(), replicas.end()) ||
      std::adjacent_find(replicas.begin(), replicas.end()) != replicas.end()) {
    return "replicas must be ascending and unique";
  }
  auto is_replica = [&](NodeId n) {
    return std::binary_search(replicas.begin(), replicas.end(), n);
  };
  if (!is_replica(self)) return "self is not a replica";
  if (!is_replica(initial_primary)) return "initial primary is not a replica";
  if (ack_mode == AckMode::kSemiSync &&
      (semi_sync_acks < 1 || semi_sync_acks + 1 > replicas.size())) {
    return "semi_sync_acks must be between 1 and the number of backups";
  }
  if (heartbeat_interval <= Duration::zero()) return "heartbeat interval must be positive";
  if (failover_timeout <= heartbeat_interval) {
    return "failover timeout must exceed the heartbeat interval";
  }
  if (max_entries_per_append == 0 || max_inflight_appends == 0) return "bounds must be positive";
  return {};
}

PrimaryBackup::PrimaryBackup(Config config) : config_(std::move(config)) {
  const std::string problem = config_.validate();
  CUTOVER_CHECK(problem.empty(), problem);
}

// --- lifecycle ------------------------------------------------------------------------------

void PrimaryBackup::on_start(Context& ctx) {
  const Storage& storage = ctx.storage();
  // After a (re)start everything in storage is durable: the driver crashed away the rest.
  epoch_ = storage.hard_state().epoch;
  durable_.start(storage);
  role_ = Role::kBackup;
  const bool fresh_cluster = epoch_ == Epoch(0);
  if (fresh_cluster && config_.self == config_.initial_primary) {
    // The configured primary takes epoch 1 once that is durable; no election is needed.
    epoch_ = Epoch(1);
    durable_.write_hard_state(HardState{.epoch = epoch_, .voted_for = config_.self}, ctx);
    promotion_sequence_ = ctx.storage().write_sequence();
    durable_.request_persist(ctx);
    return;
  }
  arm_failover_timer(ctx);
}

void PrimaryBackup::on_timer(TimerId id, Context& ctx) {
  if (id == kHeartbeatTimer) {
    if (role_ == Role::kPrimary) on_heartbeat_timer(ctx);
  } else if (id == kFailoverTimer) {
    on_failover_timer(ctx);
  }
}

void PrimaryBackup::on_persisted(WriteToken token, Context& ctx) {
  durable_.on_persisted(token, ctx);
  if (promotion_sequence_ && durable_.is_durable(*promotion_sequence_)) {
    promotion_sequence_.reset();
    become_primary(ctx);
    answer_held_requests(ctx);
    return;
  }
  if (role_ == Role::kPrimary) advance_commit(ctx);
}

void PrimaryBackup::on_admin(const AdminCommand& command, Context& ctx) {
  // Only scripted promotion applies; the Raft membership and transfer commands do not.
  if (!std::holds_alternative<PromoteNow>(command)) return;
  if (role_ == Role::kPrimary || promotion_sequence_) return;
  // A scripted promotion: the operator vouches for this node; no vote is asked.
  epoch_ = Epoch(epoch_.value + 1);
  durable_.write_hard_state(HardState{.epoch = epoch_, .voted_for = config_.self}, ctx);
  promotion_sequence_ = ctx.storage().write_sequence();
  durable_.request_persist(ctx);
}

NodeView PrimaryBackup::view() const {
  return NodeView{.role = role_,
                  .epoch = epoch_,
                  .known_primary = known_primary_,
                  .commit_index = commit_index_};
}

// --- roles ----------------------------------------------------------------------------------

void PrimaryBackup::become_primary(Context& ctx) {
  CUTOVER_CHECK(role_ != Role::kPrimary, "already primary");
  CUTOVER_CHECK(ctx.storage().hard_state().epoch == epoch_, "promoted in an unpersisted epoch");
  role_ = Role::kPrimary;
  const std::optional<NodeId> previous = last_known_primary_;
  known_primary_ = last_known_primary_ = config_.self;
  const TimePoint now = ctx.now();
  progress_.clear();
  for (NodeId node : config_.replicas) {
    if (node == config_.self) continue;
    // Every backup gets a full failover timeout before it counts as silent. In sync mode only
    // the voters start in sync: they are alive and hold everything this primary has, and a
    // dead old primary must not block writes. The others join once they catch up.
    const bool voted = std::find(votes_.begin(), votes_.end(), node) != votes_.end();
    const bool vouched = !config_.automatic_failover || epoch_ == Epoch(1);
    progress_.push_back(Progress{.node = node,
                                 .next_index = LogIndex(ctx.storage().last_index().value + 1),
                                 .last_heard = now,
                                 .in_sync = voted || vouched});
  }
  votes_.clear();
  ctx.cancel_timer(kFailoverTimer);
  ctx.emit(TraceEvent{.kind = TraceKind::kBecamePrimary,
                      .epoch = epoch_,
                      .index = ctx.storage().last_index(),
                      .other = previous});
  on_heartbeat_timer(ctx);
}

void PrimaryBackup::become_backup(Epoch epoch, std::optional<NodeId> primary, Context& ctx) {
  CUTOVER_CHECK(epoch >= epoch_, "backup of an older epoch");
  if (epoch > epoch_) {
    epoch_ = epoch;
    durable_.write_hard_state(HardState{.epoch = epoch_, .voted_for = std::nullopt}, ctx);
    durable_.request_persist(ctx);
  }
  if (role_ == Role::kPrimary) {
    ctx.emit(TraceEvent{.kind = TraceKind::kSteppedDown,
                        .epoch = epoch_,
                        .index = ctx.storage().last_index(),
                        .other = primary});
    ctx.cancel_timer(kHeartbeatTimer);
  }
  role_ = Role::kBackup;
  progress_.clear();
  votes_.clear();
  pending_writes_.clear();
  promotion_sequence_.reset();
  known_primary_ = primary;
  if (primary) {
    last_known_primary_ = primary;
    heard_primary_ = true;
    last_heard_primary_ = ctx.now();
  } else {
    heard_primary_ = false;
  }
  arm_failover_timer(ctx);
  answer_held_requests(ctx);  // a promotion that did not happen: they are redirected
}

void PrimaryBackup::become_candidate(Context& ctx) {
  CUTOVER_CHECK(role_ != Role::kPrimary, "a primary cannot campaign");
  CUTOVER_CHECK(config_.automatic_failover, "elections only in automatic failover mode");
  role_ = Role::kCandidate;
  known_primary_.reset();
  heard_primary_ = false;
  start_vote(/*pre_vote=*/true, ctx);
}

// --- messages -------------------------------------------------------------------------------

void PrimaryBackup::on_message(NodeId from, const Message& message, Context& ctx) {
  if (const auto* append = std::get_if<AppendEntries>(&message)) {
    on_append_entries(from, *append, ctx);
  } else if (const auto* response = std::get_if<AppendResponse>(&message)) {
    if (response->epoch > epoch_) {
      become_backup(response->epoch, std::nullopt, ctx);
    } else if (role_ == Role::kPrimary && response->epoch == epoch_) {
      on_append_response(from, *response, ctx);
    }
  } else if (const auto* request = std::get_if<VoteRequest>(&message)) {
    on_vote_request(from, *request, ctx);
  } else if (const auto* vote = std::get_if<VoteResponse>(&message)) {
    on_vote_response(from, *vote, ctx);
  }
  // Raft's TimeoutNow and snapshot messages have no meaning here and are ignored.
}

void PrimaryBackup::on_client_request(ClientId from, const ClientRequest& request, Context& ctx) {
  if (promotion_sequence_ && held_requests_.size() < kMaxHeldRequests) {
    // Taking office once the new epoch is durable (one fsync): answering "not primary" now
    // would fail requests that a moment later this node serves.
    held_requests_.push_back(HeldRequest{.client = from, .request = request});
    return;
  }
  const bool primary = role_ == Role::kPrimary;
  if (request.kind == OpKind::kWrite && primary) {
    if (answer_repeated_write(kv_, from, request, ctx)) return;
    write_as_primary(from, request, ctx);
    return;
  }
  if (request.kind == OpKind::kRead && (primary || request.allow_backup_read)) {
    const std::optional<Version> version = kv_.read(request.key);
    ctx.reply(from, ClientReply{.id = request.id,
                                .status = ReplyStatus::kOk,
                                .version = version.value_or(Version{}),
                                .value_bytes = version ? request.value_bytes : 0});
    return;
  }
  std::optional<NodeId> hint = known_primary_;
  if (hint == config_.self) hint.reset();
  ctx.reply(from, ClientReply{
                      .id = request.id, .status = ReplyStatus::kNotPrimary, .primary_hint = hint});
}

void PrimaryBackup::answer_held_requests(Context& ctx) {
  std::deque<HeldRequest> held;
  held.swap(held_requests_);
  for (const HeldRequest& request : held) on_client_request(request.client, request.request, ctx);
}

}  // namespace cutover::models::primary_backup
