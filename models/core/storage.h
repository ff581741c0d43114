// A node's durable state: a log of entries plus a small hard state (epoch and vote), with an
// explicit line between what has been written and what has been made durable (fsynced).
//
// Writes apply at once to the current view (what the running process sees). sync_through(s)
// makes every write with sequence <= s durable; crash() throws away all writes that were not
// synced, which is exactly what a power loss does to a write-ahead log (LevelDB's fault
// injection idea). The driver owns the Storage, so it outlives protocol objects across
// crashes; a restarted protocol rebuilds itself from it.
//
// Invariants: entries are contiguous from index 1; sequences increase by one per mutation.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "models/core/message.h"
#include "models/core/types.h"

namespace cutover::models {

struct HardState {
  Epoch epoch;                      // highest epoch this node has seen
  std::optional<NodeId> voted_for;  // vote cast in `epoch`, if any
  bool operator==(const HardState&) const = default;
};

class Storage {
 public:
  // --- current view -----------------------------------------------------------------------
  LogIndex last_index() const { return LogIndex(log_.size()); }
  Epoch last_epoch() const { return log_.empty() ? Epoch(0) : log_.back().version.epoch; }
  // REQUIRES: 1 <= index <= last_index()
  const LogEntry& entry(LogIndex index) const;
  // Epoch of the entry at `index`; Epoch(0) for index 0 (the empty prefix).
  Epoch epoch_at(LogIndex index) const;
  std::span<const LogEntry> entries_from(LogIndex first) const;
  const HardState& hard_state() const { return hard_state_; }

  // --- writes (not durable until synced) --------------------------------------------------
  void append(std::span<const LogEntry> entries);
  void truncate_after(LogIndex keep_through);  // drop entries with index > keep_through
  void set_hard_state(const HardState& state);
  std::uint64_t write_sequence() const { return next_sequence_ - 1; }

  // --- durability (driven by the simulated disk) ------------------------------------------
  void sync_through(std::uint64_t sequence);
  void crash();
  LogIndex durable_last_index() const { return LogIndex(durable_log_.size()); }

 private:
  struct Append {
    std::vector<LogEntry> entries;
  };
  struct Truncate {
    LogIndex keep_through;
  };
  struct SetHardState {
    HardState state;
  };
  struct PendingWrite {
    std::uint64_t sequence;
    std::variant<Append, Truncate, SetHardState> write;
  };

  void apply_to_durable(const PendingWrite& pending);

  std::vector<LogEntry> log_;
  HardState hard_state_;
  std::vector<LogEntry> durable_log_;
  HardState durable_hard_state_;
  std::deque<PendingWrite> pending_;  // writes not yet synced, in sequence order
  std::uint64_t next_sequence_ = 1;
};

}  // namespace cutover::models
