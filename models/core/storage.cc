#include "models/core/storage.h"

#include <string>

#include "models/core/check.h"

namespace cutover::models {

const LogEntry& Storage::entry(LogIndex index) const {
  CUTOVER_CHECK(index.value >= 1 && index.value <= log_.size(),
                "entry index " + std::to_string(index.value) + " outside the log");
  const LogEntry& found = log_[index.value - 1];
  CUTOVER_CHECK(found.version.index == index, "log entry stored at the wrong index");
  return found;
}

Epoch Storage::epoch_at(LogIndex index) const {
  if (index.value == 0) return Epoch(0);
  return entry(index).version.epoch;
}

std::span<const LogEntry> Storage::entries_from(LogIndex first) const {
  CUTOVER_CHECK(first.value >= 1, "entries_from(0)");
  if (first.value > log_.size()) return {};
  return std::span<const LogEntry>(log_).subspan(first.value - 1);
}

void Storage::append(std::span<const LogEntry> entries) {
  if (entries.empty()) return;
  for (const LogEntry& entry : entries) {
    CUTOVER_CHECK(entry.version.index.value == log_.size() + 1, "append leaves a gap in the log");
    CUTOVER_CHECK(entry.version.epoch >= last_epoch(), "append goes back in epoch");
    log_.push_back(entry);
  }
  pending_.push_back({next_sequence_++, Append{{entries.begin(), entries.end()}}});
}

void Storage::truncate_after(LogIndex keep_through) {
  if (keep_through.value >= log_.size()) return;
  log_.resize(keep_through.value);
  pending_.push_back({next_sequence_++, Truncate{keep_through}});
}

void Storage::set_hard_state(const HardState& state) {
  CUTOVER_CHECK(state.epoch >= hard_state_.epoch, "hard state epoch goes back");
  hard_state_ = state;
  pending_.push_back({next_sequence_++, SetHardState{state}});
}

void Storage::apply_to_durable(const PendingWrite& pending) {
  if (const auto* append = std::get_if<Append>(&pending.write)) {
    durable_log_.insert(durable_log_.end(), append->entries.begin(), append->entries.end());
  } else if (const auto* truncate = std::get_if<Truncate>(&pending.write)) {
    if (truncate->keep_through.value < durable_log_.size()) {
      durable_log_.resize(truncate->keep_through.value);
    }
  } else {
    durable_hard_state_ = std::get<SetHardState>(pending.write).state;
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
  hard_state_ = durable_hard_state_;
}

}  // namespace cutover::models
