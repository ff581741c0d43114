#include "models/core/storage.h"

#include <string>

#include "models/core/check.h"

namespace cutover::models {

const LogEntry& Storage::entry(LogIndex index) const {
  const std::uint64_t base = snapshot_index().value;
  CUTOVER_CHECK(index.value > base && index.value <= base + live_count(),
                "entry index " + std::to_string(index.value) + " outside the log");
  const LogEntry& found = log_[replaced_ + index.value - base - 1];
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
  const std::span<const LogEntry> live = std::span<const LogEntry>(log_).subspan(replaced_);
  if (first.value <= base) return live;
  if (first.value > base + live.size()) return {};
  return live.subspan(first.value - base - 1);
}

void Storage::append(std::span<const LogEntry> entries) {
  if (entries.empty()) return;
  for (const LogEntry& entry : entries) {
    CUTOVER_CHECK(entry.version.index.value == last_index().value + 1,
                  "append leaves a gap in the log");
    CUTOVER_CHECK(entry.version.epoch >= last_epoch(), "append goes back in epoch");
    log_.push_back(entry);
  }
  record(Append{.count = entries.size()});
}

void Storage::truncate_after(LogIndex keep_through) {
  if (keep_through >= last_index()) return;
  CUTOVER_CHECK(keep_through >= snapshot_index(), "truncation into the snapshot");
  const auto cut = log_.begin() + static_cast<std::ptrdiff_t>(replaced_ + keep_through.value -
                                                              snapshot_index().value);
  Truncate truncate{.removed = std::vector<LogEntry>(cut, log_.end())};
  log_.erase(cut, log_.end());
  record(std::move(truncate));
}

void Storage::set_hard_state(const HardState& state) {
  CUTOVER_CHECK(state.epoch >= hard_state_.epoch, "hard state epoch goes back");
  const HardState previous = hard_state_;
  hard_state_ = state;
  record(SetHardState{.previous = previous});
}

void Storage::compact_through(std::shared_ptr<const Snapshot> snapshot) {
  CUTOVER_CHECK(snapshot != nullptr, "compaction without a snapshot");
  CUTOVER_CHECK(snapshot->last_index > snapshot_index(), "compaction goes back");
  CUTOVER_CHECK(snapshot->last_index <= last_index(), "compaction beyond the log");
  CUTOVER_CHECK(epoch_at(snapshot->last_index) == snapshot->last_epoch,
                "snapshot epoch disagrees with the log");
  replace_prefix(std::move(snapshot), false);
}

void Storage::install_snapshot(std::shared_ptr<const Snapshot> snapshot) {
  CUTOVER_CHECK(snapshot != nullptr, "install without a snapshot");
  CUTOVER_CHECK(snapshot->last_index > snapshot_index(), "installed snapshot goes back");
  // Raft §7: a log that holds the snapshot's last entry keeps the entries after it.
  const LogIndex last = snapshot->last_index;
  const bool holds_last = last <= last_index() && entry(last).version.epoch == snapshot->last_epoch;
  replace_prefix(std::move(snapshot), !holds_last);
}

void Storage::replace_prefix(std::shared_ptr<const Snapshot> snapshot, bool whole_log) {
  const std::size_t removed =
      whole_log ? live_count() : snapshot->last_index.value - snapshot_index().value;
  ReplacePrefix replaced{.previous = std::move(snapshot_), .removed = removed};
  replaced_ += removed;
  snapshot_ = std::move(snapshot);
  ++pending_replacements_;
  record(std::move(replaced));
}

void Storage::record(Undo undo) {
  pending_.push_back(PendingWrite{
      .sequence = next_sequence_++, .last_index_after = last_index(), .undo = std::move(undo)});
}

void Storage::sync_through(std::uint64_t sequence) {
  while (!pending_.empty() && pending_.front().sequence <= sequence) {
    durable_last_index_ = pending_.front().last_index_after;
    if (std::holds_alternative<ReplacePrefix>(pending_.front().undo)) --pending_replacements_;
    pending_.pop_front();
  }
  forget_replaced_prefix();
}

void Storage::forget_replaced_prefix() {
  if (replaced_ == 0 || pending_replacements_ > 0) return;
  // Shifts only the entries after the snapshot, which compaction keeps few.
  log_.erase(log_.begin(), log_.begin() + static_cast<std::ptrdiff_t>(replaced_));
  replaced_ = 0;
}

void Storage::undo(PendingWrite& pending) {
  if (const auto* append = std::get_if<Append>(&pending.undo)) {
    log_.resize(log_.size() - append->count);
  } else if (auto* truncate = std::get_if<Truncate>(&pending.undo)) {
    log_.insert(log_.end(), std::make_move_iterator(truncate->removed.begin()),
                std::make_move_iterator(truncate->removed.end()));
  } else if (auto* replaced = std::get_if<ReplacePrefix>(&pending.undo)) {
    replaced_ -= replaced->removed;
    snapshot_ = std::move(replaced->previous);
    --pending_replacements_;
  } else {
    hard_state_ = std::get<SetHardState>(pending.undo).previous;
  }
}

void Storage::crash() {
  while (!pending_.empty()) {
    undo(pending_.back());
    pending_.pop_back();
  }
  forget_replaced_prefix();
  CUTOVER_CHECK(last_index() == durable_last_index_, "undoing the unsynced writes missed one");
}

}  // namespace cutover::models
