#include "models/core/storage.h"

#include <string>

#include "models/core/check.h"

namespace cutover::models {

namespace {

std::uint64_t base_of(const std::shared_ptr<const Snapshot>& snapshot) {
  return snapshot ? snapshot->last_index.value : 0;
}

}  // namespace

const LogEntry& Storage::entry(LogIndex index) const {
  const std::uint64_t base = snapshot_index().value;
  CUTOVER_CHECK(index.value > base && index.value <= base + log_.size(),
                "entry index " + std::to_string(index.value) + " outside the log");
  const LogEntry& found = log_[index.value - base - 1];
  CUTOVER_CHECK(found.version.index == index, "log entry stored at the wrong index");
  return found;
}

Epoch Storage::epoch_at(LogIndex index) const {
  if (index.value == 0) return Epoch(0);
  if (index == snapshot_index()) return snapshot_epoch();
  return entry(index).version.epoch;
}

std::span<const LogEntry> Storage::entries_from(LogIndex first) const {
  CUTOVER_CHECK(first.value >= 1, "entries_from(0)");
  const std::uint64_t base = snapshot_index().value;
  if (first.value <= base) return log_;
  if (first.value > base + log_.size()) return {};
  return std::span<const LogEntry>(log_).subspan(first.value - base - 1);
}

void Storage::append(std::span<const LogEntry> entries) {
  if (entries.empty()) return;
  for (const LogEntry& entry : entries) {
    CUTOVER_CHECK(entry.version.index.value == last_index().value + 1,
                  "append leaves a gap in the log");
    CUTOVER_CHECK(entry.version.epoch >= last_epoch(), "append goes back in epoch");
    log_.push_back(entry);
  }
  pending_.push_back(
      {next_sequence_++, Append{.first = entries.front().version.index, .count = entries.size()}});
}

void Storage::truncate_after(LogIndex keep_through) {
  if (keep_through >= last_index()) return;
  CUTOVER_CHECK(keep_through >= snapshot_index(), "truncation into the snapshot");
  copy_pending_appends();
  truncate(LogState{log_, snapshot_}, keep_through);
  pending_.push_back({next_sequence_++, Truncate{keep_through}});
}

void Storage::set_hard_state(const HardState& state) {
  CUTOVER_CHECK(state.epoch >= hard_state_.epoch, "hard state epoch goes back");
  hard_state_ = state;
  pending_.push_back({next_sequence_++, SetHardState{state}});
}

void Storage::compact_through(std::shared_ptr<const Snapshot> snapshot) {
  CUTOVER_CHECK(snapshot != nullptr, "compaction without a snapshot");
  CUTOVER_CHECK(snapshot->last_index > snapshot_index(), "compaction goes back");
  CUTOVER_CHECK(snapshot->last_index <= last_index(), "compaction beyond the log");
  CUTOVER_CHECK(epoch_at(snapshot->last_index) == snapshot->last_epoch,
                "snapshot epoch disagrees with the log");
  copy_pending_appends();
  compact(LogState{log_, snapshot_}, snapshot);
  pending_.push_back({next_sequence_++, Compact{std::move(snapshot)}});
}

void Storage::install_snapshot(std::shared_ptr<const Snapshot> snapshot) {
  CUTOVER_CHECK(snapshot != nullptr, "install without a snapshot");
  CUTOVER_CHECK(snapshot->last_index > snapshot_index(), "installed snapshot goes back");
  copy_pending_appends();
  install(LogState{log_, snapshot_}, snapshot);
  pending_.push_back({next_sequence_++, Install{std::move(snapshot)}});
}

void Storage::truncate(LogState state, LogIndex keep_through) {
  const std::uint64_t base = base_of(state.snapshot);
  if (keep_through.value < base + state.log.size()) state.log.resize(keep_through.value - base);
}

void Storage::compact(LogState state, const std::shared_ptr<const Snapshot>& snapshot) {
  const std::uint64_t base = base_of(state.snapshot);
  const std::uint64_t drop = snapshot->last_index.value - base;
  CUTOVER_CHECK(drop <= state.log.size(), "compaction of entries the log does not hold");
  state.log.erase(state.log.begin(), state.log.begin() + static_cast<std::ptrdiff_t>(drop));
  state.snapshot = snapshot;
}

void Storage::install(LogState state, const std::shared_ptr<const Snapshot>& snapshot) {
  const std::uint64_t base = base_of(state.snapshot);
  const std::uint64_t last = snapshot->last_index.value;
  const bool holds_last = last > base && last <= base + state.log.size() &&
                          state.log[last - base - 1].version.epoch == snapshot->last_epoch;
  if (holds_last) {
    compact(state, snapshot);
    return;
  }
  state.log.clear();
  state.snapshot = snapshot;
}

void Storage::apply_to_durable(const PendingWrite& pending) {
  const LogState durable{durable_log_, durable_snapshot_};
  if (const auto* append = std::get_if<Append>(&pending.write)) {
    if (append->count == append->copied.size()) {
      durable_log_.insert(durable_log_.end(), append->copied.begin(), append->copied.end());
    } else {
      const auto held = still_held(*append);
      durable_log_.insert(durable_log_.end(), held.begin(), held.end());
    }
  } else if (const auto* cut = std::get_if<Truncate>(&pending.write)) {
    truncate(durable, cut->keep_through);
  } else if (const auto* compaction = std::get_if<Compact>(&pending.write)) {
    compact(durable, compaction->snapshot);
  } else if (const auto* installed = std::get_if<Install>(&pending.write)) {
    install(durable, installed->snapshot);
  } else {
    durable_hard_state_ = std::get<SetHardState>(pending.write).state;
  }
}

std::span<const LogEntry> Storage::still_held(const Append& append) const {
  const std::span<const LogEntry> from = entries_from(append.first);
  CUTOVER_CHECK(from.size() >= append.count && from.front().version.index == append.first,
                "a pending append's entries left the log before they were copied");
  return from.first(append.count);
}

void Storage::copy_pending_appends() {
  for (PendingWrite& pending : pending_) {
    auto* append = std::get_if<Append>(&pending.write);
    if (append == nullptr || append->copied.size() == append->count) continue;
    const auto held = still_held(*append);
    append->copied.assign(held.begin(), held.end());
  }
}

void Storage::sync_through(std::uint64_t sequence) {
  while (!pending_.empty() && pending_.front().sequence <= sequence) {
    apply_to_durable(pending_.front());
    pending_.pop_front();
  }
}

void Storage::crash() {
  pending_.clear();
  log_ = durable_log_;
  snapshot_ = durable_snapshot_;
  hard_state_ = durable_hard_state_;
}

}  // namespace cutover::models
