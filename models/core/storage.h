// A node's durable state: a log of entries plus a small hard state (epoch and vote), with an
// explicit line between what has been written and what has been made durable (fsynced).
//
// Writes apply at once to the current view (what the running process sees). sync_through(s)
// makes every write with sequence <= s durable; crash() throws away all writes that were not
// synced, which is exactly what a power loss does to a write-ahead log (LevelDB's fault
// injection idea). The driver owns the Storage, so it outlives protocol objects across
// crashes; a restarted protocol rebuilds itself from it.
//
// Compaction (Raft §7): a snapshot may replace a committed log prefix. The log then holds the
// entries first_index() .. last_index(), and index first_index() - 1 is the snapshot's last
// index (its epoch is still known). A snapshot written by compact_through or install_snapshot
// is a write like any other: pending until synced, dropped by crash().
//
// Invariants: entries are contiguous from first_index(); sequences increase by one per
// mutation; the snapshot (if any) covers exactly the indices below first_index().
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
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
  LogIndex first_index() const { return LogIndex(snapshot_index().value + 1); }
  LogIndex last_index() const { return LogIndex(snapshot_index().value + log_.size()); }
  Epoch last_epoch() const { return log_.empty() ? snapshot_epoch() : log_.back().version.epoch; }
  // REQUIRES: first_index() <= index <= last_index()
  const LogEntry& entry(LogIndex index) const;
  // Epoch of the entry at `index`; Epoch(0) for index 0 (the empty prefix), the snapshot's
  // epoch for its last index. REQUIRES: first_index() - 1 <= index <= last_index()
  Epoch epoch_at(LogIndex index) const;
  // The entries from max(first, first_index()) to the end.
  std::span<const LogEntry> entries_from(LogIndex first) const;
  const HardState& hard_state() const { return hard_state_; }
  // The snapshot that replaced the log prefix; null if the log was never compacted.
  const std::shared_ptr<const Snapshot>& snapshot() const { return snapshot_; }
  LogIndex snapshot_index() const { return snapshot_ ? snapshot_->last_index : LogIndex(0); }
  Epoch snapshot_epoch() const { return snapshot_ ? snapshot_->last_epoch : Epoch(0); }

  // --- writes (not durable until synced) --------------------------------------------------
  void append(std::span<const LogEntry> entries);
  void truncate_after(LogIndex keep_through);  // drop entries with index > keep_through
  void set_hard_state(const HardState& state);
  // Drops the log prefix through snapshot->last_index, which the snapshot replaces.
  // REQUIRES: snapshot_index() < snapshot->last_index <= last_index() and the epochs agree.
  void compact_through(std::shared_ptr<const Snapshot> snapshot);
  // A snapshot from another node (Raft §7, Figure 13): if the log holds the snapshot's last
  // entry, the entries after it are kept; otherwise the whole log is discarded.
  // REQUIRES: snapshot->last_index > snapshot_index()
  void install_snapshot(std::shared_ptr<const Snapshot> snapshot);
  std::uint64_t write_sequence() const { return next_sequence_ - 1; }

  // --- durability (driven by the simulated disk) ------------------------------------------
  void sync_through(std::uint64_t sequence);
  void crash();
  LogIndex durable_last_index() const {
    return LogIndex((durable_snapshot_ ? durable_snapshot_->last_index.value : 0) +
                    durable_log_.size());
  }
  const std::shared_ptr<const Snapshot>& durable_snapshot() const { return durable_snapshot_; }

 private:
  // Entries appended to the current view. They are read from log_ when synced, which then
  // still holds them: a truncation, compaction or install first copies the entries of every
  // pending append into `copied` (copying each append's entries up front was 3% of a run).
  struct Append {
    LogIndex first;
    std::uint64_t count = 0;
    std::vector<LogEntry> copied;
  };
  struct Truncate {
    LogIndex keep_through;
  };
  struct SetHardState {
    HardState state;
  };
  struct Compact {
    std::shared_ptr<const Snapshot> snapshot;
  };
  struct Install {
    std::shared_ptr<const Snapshot> snapshot;
  };
  struct PendingWrite {
    std::uint64_t sequence;
    std::variant<Append, Truncate, SetHardState, Compact, Install> write;
  };

  void apply_to_durable(const PendingWrite& pending);
  // Before the current view's log loses or replaces entries (see Append).
  void copy_pending_appends();
  std::span<const LogEntry> still_held(const Append& append) const;  // not yet copied
  // The log and snapshot pair that a write changes: the current view or the durable one.
  struct LogState {
    std::vector<LogEntry>& log;
    std::shared_ptr<const Snapshot>& snapshot;
  };
  static void truncate(LogState state, LogIndex keep_through);
  static void compact(LogState state, const std::shared_ptr<const Snapshot>& snapshot);
  static void install(LogState state, const std::shared_ptr<const Snapshot>& snapshot);

  std::vector<LogEntry> log_;  // entries first_index() .. last_index()
  std::shared_ptr<const Snapshot> snapshot_;
  HardState hard_state_;
  std::vector<LogEntry> durable_log_;
  std::shared_ptr<const Snapshot> durable_snapshot_;
  HardState durable_hard_state_;
  std::deque<PendingWrite> pending_;  // writes not yet synced, in sequence order
  std::uint64_t next_sequence_ = 1;
};

}  // namespace cutover::models
