// Raft log replication (§5.3): the leader's side (append, pipeline, probe, commit by counting
// current-term replicas), the follower's side (consistency check, truncate, persist,
// acknowledge) and log compaction with InstallSnapshot (§7).
#include <algorithm>
#include <deque>

#include "models/core/check.h"
#include "models/replication/client_writes.h"
#include "models/replication/raft/raft.h"

namespace cutover::models::raft {

namespace {

// Rounds kept for the lease; older ones cannot give a lease that still holds.
constexpr std::size_t kRoundStartsMax = 256;

}  // namespace

// --- leader ---------------------------------------------------------------------------------

LogIndex Raft::append_as_leader(LogEntry entry, Context& ctx) {
  CUTOVER_CHECK(role_ == Role::kPrimary, "only the leader appends new entries");
  Storage& storage = ctx.storage();
  entry.version = Version{term_, LogIndex(storage.last_index().value + 1)};
  entry.created_at = ctx.now();
  const bool config = entry.kind == EntryKind::kConfig;
  storage.append(std::span<const LogEntry>(&entry, 1));
  durable_.note_write(ctx);
  durable_.request_persist(ctx);
  if (config) {
    adopt_membership_from_log(storage);
    membership_changed(ctx);
  }
  for (Progress& progress : progress_) {
    if (progress.state == ProgressState::kReplicate) {
      send_appends_to(progress, /*heartbeat=*/false, ctx);
    }
  }
  advance_commit(ctx);  // a single-voter cluster commits on its own fsync
  return entry.version.index;
}

void Raft::on_heartbeat_timer(Context& ctx) {
  const TimePoint now = ctx.now();
  ctx.set_timer(kHeartbeatTimer, config_.heartbeat_interval);
  if (config_.check_quorum) {
    check_quorum(ctx);
    if (role_ != Role::kPrimary) return;
  }
  if (transfer_target_ && now >= transfer_deadline_) transfer_target_.reset();  // §3.10 abort
  // An append unanswered for this long was lost (or its answer was): probe from the match.
  const Duration lost_after =
      std::max(2 * config_.heartbeat_interval, config_.election_timeout_min / 2);
  for (Progress& progress : progress_) {
    if (progress.state == ProgressState::kReplicate && !progress.inflight.empty() &&
        now - progress.inflight.front().sent_at > lost_after) {
      progress.state = ProgressState::kProbe;
      progress.inflight.clear();
      progress.next_index = LogIndex(progress.match_index.value + 1);
    }
    progress.probe_sent = false;  // one probe per heartbeat
  }
  broadcast_round(ctx);
}

void Raft::broadcast_round(Context& ctx) {
  ++round_;
  const TimePoint now = ctx.now();
  round_starts_.push_back(RoundStart{.round = round_, .sent_at = now});
  while (round_starts_.size() > kRoundStartsMax ||
         (round_starts_.size() > 1 &&
          round_starts_.front().sent_at + config_.election_timeout_max < now)) {
    round_starts_.pop_front();
  }
  for (Progress& progress : progress_) send_appends_to(progress, /*heartbeat=*/true, ctx);
  serve_reads(ctx);  // a leader alone in its quorum confirms a round by itself
}

void Raft::send_appends_to(Progress& progress, bool heartbeat, Context& ctx) {
  const Storage& storage = ctx.storage();
  const std::uint64_t last = storage.last_index().value;
  auto pending = [&] { return last + 1 - progress.next_index.value; };
  if (progress.state != ProgressState::kSnapshot &&
      progress.next_index.value <= storage.snapshot_index().value) {
    send_snapshot_to(progress, ctx);  // §7: the entries it needs were compacted away
    return;
  }
  switch (progress.state) {
    case ProgressState::kSnapshot:
      if (heartbeat && ctx.now() - progress.snapshot_sent_at >= config_.election_timeout_max) {
        send_snapshot_to(progress, ctx);  // probably lost
      } else if (heartbeat) {
        send_append_batch(progress, 0, ctx);  // liveness only (prev 0, see send_append_batch)
      }
      return;
    case ProgressState::kProbe:
      if (progress.probe_sent) return;
      if (heartbeat || pending() > 0) {
        send_append_batch(progress,
                          std::min<std::uint64_t>(pending(), config_.max_entries_per_append), ctx);
        progress.probe_sent = true;
      }
      return;
    case ProgressState::kReplicate:
      break;
  }
  bool sent = false;
  while (pending() > 0 && progress.inflight.size() < config_.max_inflight_appends) {
    const std::uint64_t count = std::min<std::uint64_t>(pending(), config_.max_entries_per_append);
    CUTOVER_CHECK(
        progress.inflight.empty() || progress.inflight.back().last_index < progress.next_index,
        "appends in flight out of index order");
    send_append_batch(progress, count, ctx);
    progress.next_index = LogIndex(progress.next_index.value + count);
    progress.inflight.push_back(
        Inflight{.last_index = LogIndex(progress.next_index.value - 1), .sent_at = ctx.now()});
    sent = true;
  }
  if (heartbeat && !sent) send_append_batch(progress, 0, ctx);
}

void Raft::send_append_batch(Progress& progress, std::uint64_t count, Context& ctx) {
  const Storage& storage = ctx.storage();
  // Probes and batches start at next_index. An empty heartbeat to a pipelining follower is
  // anchored at its match index (it holds that for sure), so it never fails against appends
  // still in flight; one to a follower awaiting a snapshot is anchored at 0 (pure liveness).
  LogIndex prev(progress.next_index.value - 1);
  if (count == 0 && progress.state == ProgressState::kReplicate) prev = progress.match_index;
  if (count == 0 && progress.state == ProgressState::kSnapshot) prev = LogIndex(0);
  if (prev.value != 0 && prev < storage.snapshot_index()) prev = LogIndex(0);
  AppendEntries append{.epoch = term_,
                       .prev_index = prev,
                       .prev_epoch = storage.epoch_at(prev),
                       .commit_index = commit_index_,
                       .entries = {},
                       .round = round_};
  if (count > 0) {
    CUTOVER_CHECK(prev.value + 1 == progress.next_index.value, "a batch starts at next_index");
    auto entries = storage.entries_from(progress.next_index).first(count);
    append.entries.assign(entries.begin(), entries.end());
  }
  ctx.send(progress.node, std::move(append));
}

void Raft::send_snapshot_to(Progress& progress, Context& ctx) {
  const std::shared_ptr<const Snapshot>& snapshot = ctx.storage().snapshot();
  CUTOVER_CHECK(snapshot != nullptr, "a follower needs a snapshot that does not exist");
  progress.state = ProgressState::kSnapshot;
  progress.inflight.clear();
  progress.snapshot_sent_at = ctx.now();
  ctx.send(progress.node, InstallSnapshot{.epoch = term_, .snapshot = snapshot});
}

void Raft::on_append_response(NodeId from, const AppendResponse& response, Context& ctx) {
  Progress* progress = progress_of(from);
  if (progress == nullptr) return;  // no longer a member
  const Storage& storage = ctx.storage();
  progress->last_heard = ctx.now();
  if (response.round > progress->acked_round) {
    if (progress->voter) round_quorum_.note_growth(progress->acked_round, response.round);
    progress->acked_round = response.round;
  }
  if (!response.success) {
    on_append_rejected(*progress, response, ctx);
  } else {
    CUTOVER_CHECK(response.match_index <= storage.last_index(),
                  "follower acknowledged entries the leader never sent");
    const LogIndex match_before = progress->match_index;
    progress->match_index = std::max(progress->match_index, response.match_index);
    note_match_growth(*progress, match_before);
    // Appends go out in index order, so the answered ones are a prefix.
    std::deque<Inflight>& inflight = progress->inflight;
    while (!inflight.empty() && inflight.front().last_index <= response.match_index) {
      inflight.pop_front();
    }
    const LogIndex after_match(progress->match_index.value + 1);
    if (progress->state == ProgressState::kProbe ||
        (progress->state == ProgressState::kSnapshot &&
         progress->match_index >= storage.snapshot_index())) {
      progress->state = ProgressState::kReplicate;
      progress->inflight.clear();
      progress->next_index = after_match;
    }
    progress->next_index = std::max(progress->next_index, after_match);
    advance_commit(ctx);
    if (role_ != Role::kPrimary) return;  // a removed leader stepped down on this commit
    // A committed configuration change rebuilds progress_: look the follower up again.
    progress = progress_of(from);
    if (progress == nullptr) return;  // it was removed, and now knows it
    maybe_send_timeout_now(*progress, ctx);
  }
  send_appends_to(*progress, /*heartbeat=*/false, ctx);
  serve_reads(ctx);
}

void Raft::on_append_rejected(Progress& progress, const AppendResponse& response, Context& ctx) {
  if (progress.state == ProgressState::kSnapshot) return;  // the snapshot answers for it
  // The follower's hint (§5.3, "the first index it stores for the conflicting term"): retry
  // just before it. Never below what the follower confirmed, never beyond our log.
  const std::uint64_t hinted =
      std::min(response.match_index.value, ctx.storage().last_index().value) + 1;
  progress.next_index = LogIndex(std::max(hinted, progress.match_index.value + 1));
  progress.state = ProgressState::kProbe;
  progress.inflight.clear();
  progress.probe_sent = false;
}

void Raft::on_snapshot_response(NodeId from, const InstallSnapshotResponse& response,
                                Context& ctx) {
  Progress* progress = progress_of(from);
  if (progress == nullptr) return;
  CUTOVER_CHECK(response.last_index <= ctx.storage().last_index(),
                "follower installed a snapshot beyond the leader's log");
  progress->last_heard = ctx.now();
  const LogIndex match_before = progress->match_index;
  progress->match_index = std::max(progress->match_index, response.last_index);
  note_match_growth(*progress, match_before);
  progress->next_index = LogIndex(progress->match_index.value + 1);
  progress->state = ProgressState::kReplicate;
  progress->inflight.clear();
  advance_commit(ctx);
  if (role_ != Role::kPrimary) return;
  progress = progress_of(from);  // see on_append_response
  if (progress == nullptr) return;
  maybe_send_timeout_now(*progress, ctx);
  send_appends_to(*progress, /*heartbeat=*/false, ctx);
}

void Raft::note_match_growth(const Progress& progress, LogIndex before) {
  if (progress.voter) commit_quorum_.note_growth(before, progress.match_index);
}

Raft::CommitCountInputs Raft::commit_count_inputs() const {
  return CommitCountInputs{.term = term_,
                           .membership_index = membership_index_,
                           .self_durable = durable_.durable_index()};
}

LogIndex Raft::count_quorum_match(const CommitCountInputs& inputs) {
  // The highest index a majority of voters holds durably (self: what it has synced).
  std::vector<LogIndex>& matches = scratch_indices_;
  matches.clear();
  for_each_voter([&](NodeId voter, const Progress* progress) {
    matches.push_back(voter == config_.self ? durable_.durable_index()
                                            : (progress ? progress->match_index : LogIndex(0)));
  });
  return commit_quorum_.count(matches, membership_.majority(), inputs);
}

void Raft::advance_commit(Context& ctx) {
  if (role_ != Role::kPrimary) return;
  const CommitCountInputs inputs = commit_count_inputs();
  if (!commit_quorum_.may_have_moved(inputs)) return;
  const LogIndex candidate = count_quorum_match(inputs);
  if (candidate <= commit_index_) return;
  // §5.4.2 (Figure 8): only an entry of the current term is committed by counting replicas;
  // earlier terms' entries are committed with it, by the Log Matching Property.
  if (ctx.storage().epoch_at(candidate) != term_) return;
  const bool change_commits = commit_index_ < membership_index_ && membership_index_ <= candidate;
  set_commit_index(candidate, ctx);
  if (change_commits && role_ == Role::kPrimary) sync_progress_with_membership(ctx);
  pending_writes_.reply_committed(commit_index_, term_, ctx.storage(), kv_, ctx);
  maybe_compact(ctx);
  if (!self_voter_ && commit_index_ >= membership_index_) {
    become_learner(ctx);  // thesis §4.2.2: a removed leader steps down once Cnew commits
    return;
  }
  serve_reads(ctx);
}

// --- follower -------------------------------------------------------------------------------

void Raft::on_append_entries(NodeId from, const AppendEntries& append, Context& ctx) {
  CUTOVER_CHECK(append.epoch == term_, "append of another term after the prelude");
  if (role_ != Role::kBackup && role_ != Role::kLearner) become_follower(term_, from, ctx);
  if (leader_ != from) {
    CUTOVER_CHECK(!leader_, "two leaders in term " + std::to_string(term_.value));
    become_follower(term_, from, ctx);
  }
  last_heard_leader_ = ctx.now();
  const Storage& storage = ctx.storage();
  prefetch_cells_to_apply(append, storage);
  LogIndex prev = append.prev_index;
  std::span<const LogEntry> entries(append.entries);
  if (prev < commit_index_) {
    // Entries through our commit index match the leader's (State Machine Safety); skip them,
    // which also covers a prefix we compacted away. Our commit index then anchors the rest.
    const std::uint64_t skip =
        std::min<std::uint64_t>(commit_index_.value - prev.value, entries.size());
    if (skip > 0 && entries[skip - 1].version.index >= storage.first_index()) {
      CUTOVER_CHECK(
          storage.epoch_at(entries[skip - 1].version.index) == entries[skip - 1].version.epoch,
          "a committed entry differs from the leader's");
    }
    entries = entries.subspan(skip);
    prev = LogIndex(prev.value + skip);
    if (prev < commit_index_) {  // nothing beyond what we have committed
      durable_.send_when_durable(
          from,
          AppendResponse{
              .epoch = term_, .success = true, .match_index = prev, .round = append.round},
          ctx);
      return;
    }
  } else if (prev > storage.last_index() || storage.epoch_at(prev) != append.prev_epoch) {
    reject_append(from, append, ctx);  // §5.3 consistency check
    return;
  }
  append_after_match(from, prev, entries, append, ctx);
}

// The logged entries this append will commit are applied at the end of its handling: their
// cells are fetched meanwhile (each was a cache miss when applied, the largest single cost of
// a follower's append). Entries the append itself brings are fetched as they are logged
// (append_after_match).
void Raft::prefetch_cells_to_apply(const AppendEntries& append, const Storage& storage) const {
  constexpr std::uint64_t kAhead = 64;  // a long catch-up would evict its own first fetches
  const std::uint64_t first = std::max(kv_.applied_index().value + 1, storage.first_index().value);
  const std::uint64_t held = std::min(append.commit_index, storage.last_index()).value;
  const std::uint64_t last = std::min(held, first + kAhead - 1);
  for (std::uint64_t index = first; index <= last; ++index) {
    kv_.prefetch(storage.entry(LogIndex(index)).key);
  }
}

void Raft::reject_append(NodeId from, const AppendEntries& append, Context& ctx) {
  const Storage& storage = ctx.storage();
  AppendResponse response{.epoch = term_, .success = false, .round = append.round};
  if (append.prev_index > storage.last_index()) {
    response.match_index = storage.last_index();  // too short: continue after our last entry
  } else {
    // §5.3's optimisation: skip the whole conflicting term at once. Terms never decrease along
    // a log, so a binary search finds that term's first entry.
    const Epoch conflicting = storage.epoch_at(append.prev_index);
    auto held = storage.entries_from(storage.first_index());
    auto upto = held.first(append.prev_index.value - storage.first_index().value + 1);
    auto first = std::partition_point(
        upto.begin(), upto.end(), [&](const LogEntry& e) { return e.version.epoch < conflicting; });
    const std::uint64_t first_index =
        storage.first_index().value + static_cast<std::uint64_t>(first - upto.begin());
    response.conflict_epoch = conflicting;
    response.match_index = LogIndex(std::max(first_index - 1, commit_index_.value));
  }
  ctx.send(from, response);
}

void Raft::append_after_match(NodeId from, LogIndex prev, std::span<const LogEntry> entries,
                              const AppendEntries& append, Context& ctx) {
  Storage& storage = ctx.storage();
  std::size_t first_new = 0;
  for (; first_new < entries.size(); ++first_new) {
    const LogEntry& entry = entries[first_new];
    CUTOVER_CHECK(entry.version.index.value == prev.value + first_new + 1,
                  "append entries are not contiguous");
    if (entry.version.index > storage.last_index()) break;
    if (storage.epoch_at(entry.version.index) != entry.version.epoch) {
      // §5.3: a conflicting entry and all that follow it are deleted.
      truncate_log_after(LogIndex(entry.version.index.value - 1), ctx);
      break;
    }
  }
  const bool wrote = first_new < entries.size();
  if (wrote) {
    const auto fresh = entries.subspan(first_new);
    storage.append(fresh);
    // Applied once a later append brings the commit index past them; fetching their cells
    // now, and again when that append arrives, each cut the run by 3-4% (A/B, interleaved).
    for (const LogEntry& entry : fresh) kv_.prefetch(entry.key);
    durable_.note_write(ctx);
    const bool config = std::any_of(fresh.begin(), fresh.end(),
                                    [](const LogEntry& e) { return e.kind == EntryKind::kConfig; });
    if (config) {
      adopt_membership_from_log(storage);  // §4.1: in force once appended
      membership_changed(ctx);
    }
  }
  const LogIndex match(prev.value + entries.size());
  const LogIndex commit = std::min(append.commit_index, match);
  if (commit > commit_index_) {
    set_commit_index(commit, ctx);
    maybe_compact(ctx);
  }
  AppendResponse response{
      .epoch = term_, .success = true, .match_index = match, .round = append.round};
  if (!wrote && match <= durable_.durable_index()) {
    ctx.send(from, response);  // nothing new to make durable: a heartbeat is answered at once
  } else {
    durable_.send_when_durable(from, response, ctx);  // acknowledge only durable entries
  }
}

void Raft::on_install_snapshot(NodeId from, const InstallSnapshot& install, Context& ctx) {
  CUTOVER_CHECK(install.snapshot != nullptr, "InstallSnapshot without a snapshot");
  if (role_ != Role::kBackup && role_ != Role::kLearner) become_follower(term_, from, ctx);
  if (leader_ != from) become_follower(term_, from, ctx);
  last_heard_leader_ = ctx.now();
  const Snapshot& snapshot = *install.snapshot;
  Storage& storage = ctx.storage();
  if (snapshot.last_index > commit_index_) {
    const LogIndex old_snapshot = storage.snapshot_index();
    const bool keeps_suffix = snapshot.last_index <= storage.last_index() &&
                              storage.epoch_at(snapshot.last_index) == snapshot.last_epoch;
    storage.install_snapshot(install.snapshot);
    if (!keeps_suffix) {
      // The log was discarded: only the old snapshot is known durable until this syncs.
      durable_.clamp(old_snapshot);
    }
    durable_.note_write(ctx);
    kv_.restore(snapshot.cells, snapshot.recent_writes, snapshot.last_index);
    applied_membership_ = snapshot.membership;
    commit_index_ = snapshot.last_index;
    adopt_membership_from_log(storage);
    membership_changed(ctx);
  }
  durable_.send_when_durable(
      from, InstallSnapshotResponse{.epoch = term_, .last_index = snapshot.last_index}, ctx);
}

void Raft::maybe_compact(Context& ctx) {
  // The snapshot is taken now and the log compacted at the next commit, one input later, so
  // every committed entry stays in the log for at least the input that committed it (the test
  // harness checks committed entries between inputs; a real system compacts in the background).
  Storage& storage = ctx.storage();
  if (next_snapshot_ && next_snapshot_->last_index > storage.snapshot_index()) {
    storage.compact_through(std::move(next_snapshot_));
    durable_.note_write(ctx);  // made durable with the next fsync; a crash before it keeps the log
  }
  next_snapshot_.reset();
  if (config_.snapshot_threshold_entries == 0) return;
  const LogIndex applied = kv_.applied_index();
  if (applied.value - storage.snapshot_index().value < config_.snapshot_threshold_entries) return;
  next_snapshot_ =
      std::make_shared<const Snapshot>(Snapshot{.last_index = applied,
                                                .last_epoch = storage.epoch_at(applied),
                                                .membership = applied_membership_,
                                                .cells = kv_.cells(),
                                                .recent_writes = kv_.recent_writes()});
}

}  // namespace cutover::models::raft
