// Log replication: the primary's side (append, stream, count acknowledgements, commit) and
// the backup's side (match, truncate, persist, acknowledge).
#include <algorithm>

#include "models/core/check.h"
#include "models/replication/client_writes.h"
#include "models/replication/primary_backup/primary_backup.h"

namespace cutover::models::primary_backup {

// --- primary --------------------------------------------------------------------------------

void PrimaryBackup::write_as_primary(ClientId from, const ClientRequest& request, Context& ctx) {
  Storage& storage = ctx.storage();
  const LogEntry entry{.version = Version{epoch_, LogIndex(storage.last_index().value + 1)},
                       .key = request.key,
                       .value_bytes = request.value_bytes,
                       .request = request.id,
                       .created_at = ctx.now()};
  storage.append(std::span<const LogEntry>(&entry, 1));
  durable_.note_write(ctx);
  durable_.request_persist(ctx);
  pending_writes_.add(entry.version.index, from, request.id);
  for (Progress& progress : progress_) {
    if (!progress.probing) send_appends_to(progress, /*heartbeat=*/false, ctx);
  }
}

void PrimaryBackup::on_heartbeat_timer(Context& ctx) {
  const TimePoint now = ctx.now();
  if (config_.automatic_failover && !hears_majority(now)) {
    // Cut off from the majority: another primary may be elected, so stop taking writes.
    become_backup(epoch_, std::nullopt, ctx);
    return;
  }
  update_in_sync_set(ctx);
  for (Progress& progress : progress_) {
    const bool silent = now - progress.last_heard > 2 * config_.heartbeat_interval;
    if (silent && !progress.probing) {
      // Appends may have been lost: fall back to one probe per heartbeat from the last match.
      progress.probing = true;
      progress.inflight = 0;
      progress.next_index = LogIndex(progress.match_index.value + 1);
    }
    send_appends_to(progress, /*heartbeat=*/true, ctx);
  }
  advance_commit(ctx);
  ctx.set_timer(kHeartbeatTimer, config_.heartbeat_interval);
}

void PrimaryBackup::send_appends_to(Progress& progress, bool heartbeat, Context& ctx) {
  const Storage& storage = ctx.storage();
  const std::uint64_t last = storage.last_index().value;
  auto send_batch = [&](std::uint64_t count) {
    const LogIndex prev(progress.next_index.value - 1);
    AppendEntries append{.epoch = epoch_,
                         .prev_index = prev,
                         .prev_epoch = storage.epoch_at(prev),
                         .commit_index = commit_index_,
                         .entries = {}};
    if (count > 0) {
      auto entries = storage.entries_from(progress.next_index).first(count);
      append.entries.assign(entries.begin(), entries.end());
    }
    ctx.send(progress.node, std::move(append));
    progress.next_index = LogIndex(progress.next_index.value + count);
  };
  auto pending = [&] { return last + 1 - progress.next_index.value; };
  if (progress.probing) {
    if (heartbeat || pending() > 0) {
      // In probe mode next_index is not advanced: the answer tells where to go on.
      const std::uint64_t count =
          std::min<std::uint64_t>(pending(), config_.max_entries_per_append);
      send_batch(count);
      progress.next_index = LogIndex(progress.next_index.value - count);
    }
    return;
  }
  bool sent = false;
  while (pending() > 0 && progress.inflight < config_.max_inflight_appends) {
    send_batch(std::min<std::uint64_t>(pending(), config_.max_entries_per_append));
    ++progress.inflight;
    sent = true;
  }
  if (heartbeat && !sent) send_batch(0);
}

void PrimaryBackup::on_append_response(NodeId from, const AppendResponse& response, Context& ctx) {
  Progress* progress = progress_of(from);
  if (progress == nullptr) return;
  const LogIndex last = ctx.storage().last_index();
  CUTOVER_CHECK(response.match_index <= last || !response.success,
                "backup acknowledged entries the primary never sent");
  progress->last_heard = ctx.now();
  if (!response.success) {
    // The backup's hint: where its log can still match ours. Never below what it confirmed.
    const std::uint64_t hinted = std::min(response.match_index.value, last.value) + 1;
    progress->next_index = LogIndex(std::max(hinted, progress->match_index.value + 1));
    progress->probing = true;
    progress->inflight = 0;
    send_appends_to(*progress, /*heartbeat=*/false, ctx);
    return;
  }
  if (response.match_index > progress->match_index) progress->match_index = response.match_index;
  if (progress->next_index.value <= progress->match_index.value) {
    progress->next_index = LogIndex(progress->match_index.value + 1);
  }
  if (progress->probing) {
    progress->probing = false;
    progress->inflight = 0;
  } else if (progress->inflight > 0) {
    --progress->inflight;
  }
  if (!progress->in_sync && progress->match_index >= commit_index_) progress->in_sync = true;
  advance_commit(ctx);
  send_appends_to(*progress, /*heartbeat=*/false, ctx);
}

bool PrimaryBackup::hears_majority(TimePoint now) const {
  std::size_t heard = 1;  // itself
  for (const Progress& progress : progress_) {
    if (now - progress.last_heard <= config_.failover_timeout) ++heard;
  }
  return heard >= config_.majority();
}

void PrimaryBackup::update_in_sync_set(Context& ctx) {
  if (config_.ack_mode != AckMode::kSync) return;
  const TimePoint now = ctx.now();
  // Shrinking needs the majority: an isolated primary must not shrink itself into
  // committing alone while the others elect a new primary.
  if (!hears_majority(now)) return;
  for (Progress& progress : progress_) {
    if (progress.in_sync && now - progress.last_heard > config_.failover_timeout) {
      progress.in_sync = false;
    }
  }
}

LogIndex PrimaryBackup::commit_candidate() const {
  switch (config_.ack_mode) {
    case AckMode::kAsync:
      return durable_.durable_index();
    case AckMode::kSemiSync: {
      std::vector<LogIndex> matches;
      for (const Progress& progress : progress_) matches.push_back(progress.match_index);
      if (matches.size() < config_.semi_sync_acks) return LogIndex(0);
      std::nth_element(matches.begin(), matches.begin() + (config_.semi_sync_acks - 1),
                       matches.end(), std::greater<>());
      return std::min(durable_.durable_index(), matches[config_.semi_sync_acks - 1]);
    }
    case AckMode::kSync: {
      LogIndex candidate = durable_.durable_index();
      for (const Progress& progress : progress_) {
        if (progress.in_sync) candidate = std::min(candidate, progress.match_index);
      }
      return candidate;
    }
  }
  return LogIndex(0);
}

void PrimaryBackup::advance_commit(Context& ctx) {
  const LogIndex candidate = commit_candidate();
  if (candidate <= commit_index_) return;
  // Raft's rule (§5.4.2): an entry of an earlier epoch is only committed by committing one of
  // this epoch after it, or a later primary could still overwrite it. Async promises nothing.
  if (config_.ack_mode != AckMode::kAsync && ctx.storage().epoch_at(candidate) != epoch_) return;
  set_commit_index(candidate, ctx);
  pending_writes_.reply_committed(commit_index_, epoch_, ctx.storage(), kv_, ctx);
}

// --- backup ---------------------------------------------------------------------------------

void PrimaryBackup::on_append_entries(NodeId from, const AppendEntries& append, Context& ctx) {
  if (append.epoch < epoch_) {
    ctx.send(from, AppendResponse{.epoch = epoch_, .success = false, .match_index = {}});
    return;
  }
  if (role_ == Role::kPrimary && append.epoch == epoch_) {
    // Two primaries in one epoch. Elections make it impossible; scripted promotions of two
    // nodes at once can do it, and then the lower node id keeps the role.
    CUTOVER_CHECK(!config_.automatic_failover,
                  "two primaries in epoch " + std::to_string(epoch_.value));
    if (config_.self < from) return;
  }
  if (append.epoch > epoch_ || role_ != Role::kBackup || known_primary_ != from) {
    become_backup(append.epoch, from, ctx);
  }
  heard_primary_ = true;
  last_heard_primary_ = ctx.now();
  const Storage& storage = ctx.storage();
  if (append.prev_index > storage.last_index()) {
    ctx.send(from, AppendResponse{
                       .epoch = epoch_, .success = false, .match_index = storage.last_index()});
    return;
  }
  if (storage.epoch_at(append.prev_index) != append.prev_epoch) {
    ctx.send(from, AppendResponse{.epoch = epoch_,
                                  .success = false,
                                  .match_index = conflict_hint(append.prev_index, storage)});
    return;
  }
  append_after_match(from, append, ctx);
}

LogIndex PrimaryBackup::conflict_hint(LogIndex prev_index, const Storage& storage) const {
  // Skip the whole conflicting epoch at once (Raft §5.3 optimisation): find the first entry of
  // that epoch. Epochs never decrease along a log, so a binary search finds it.
  const Epoch conflicting = storage.epoch_at(prev_index);
  auto entries = storage.entries_from(LogIndex(1)).first(prev_index.value);
  auto first = std::partition_point(entries.begin(), entries.end(), [&](const LogEntry& e) {
    return e.version.epoch < conflicting;
  });
  return LogIndex(static_cast<std::uint64_t>(first - entries.begin()));
}

void PrimaryBackup::append_after_match(NodeId from, const AppendEntries& append, Context& ctx) {
  Storage& storage = ctx.storage();
  std::size_t first_new = 0;
  for (; first_new < append.entries.size(); ++first_new) {
    const LogEntry& entry = append.entries[first_new];
    if (entry.version.index > storage.last_index()) break;
    if (storage.epoch_at(entry.version.index) != entry.version.epoch) {
      truncate_log_after(LogIndex(entry.version.index.value - 1), ctx);
      break;
    }
  }
  if (first_new < append.entries.size()) {
    storage.append(std::span<const LogEntry>(append.entries).subspan(first_new));
    durable_.note_write(ctx);
  }
  const LogIndex match(append.prev_index.value + append.entries.size());
  const LogIndex commit = std::min(append.commit_index, match);
  if (commit > commit_index_) set_commit_index(commit, ctx);
  durable_.send_when_durable(
      from, AppendResponse{.epoch = epoch_, .success = true, .match_index = match}, ctx);
}

}  // namespace cutover::models::primary_backup
