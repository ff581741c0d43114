// A node's durable state: a log of entries plus a small hard state (epoch and vote), with an
// explicit line between what has been written and what has been made durable (fsynced).
//
// Writes apply at once to the current view (what the running process sees). sync_through(s)
// makes every write with sequence <= s durable; crash() throws away all writes that were not
// synced, which is exactly what a power loss does to a write-ahead log (LevelDB's fault
// injection idea). The driver owns the Storage, so it outlives protocol objects across
// crashes; a restarted protocol rebuilds itself from it.
//
// The durable state is not kept as a second copy: it is the current view with the unsynced
// writes undone. Each pending write keeps what it replaced (the entries a truncation removed,
// the snapshot and hard state before it), and crash() undoes them newest first. A prefix a
// snapshot replaced stays in place, out of the view, until no snapshot is pending. Why: a
// second copy of the log was written on every sync, once per entry per replica; dropping it
// cut the reference run's L2 misses per message by a fifth (BENCHMARKS.md).
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
  LogIndex last_index() const { return LogIndex(snapshot_index().value + live_count()); }
  Epoch last_epoch() const {
    return live_count() == 0 ? snapshot_epoch() : log_.back().version.epoch;
  }
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
  LogIndex durable_last_index() const { return durable_last_index_; }

 private:
  // A pending write and what undoes it. Undone newest first, each finds the log exactly as
  // its write left it: appended entries at the end, a truncation's cut at the end, a
  // snapshot's kept suffix at the front.
  struct Append {
    std::uint64_t count = 0;
  };
  struct Truncate {
    std::vector<LogEntry> removed;  // the entries after the cut
  };
  struct SetHardState {
    HardState previous;
  };
  // A compaction or an install: the snapshot replaced `removed` entries at the front of the
  // view (an install that did not hold the snapshot's last entry removed all of them). They
  // stay in log_, just before the view, until no pending write can bring them back.
  struct ReplacePrefix {
    std::shared_ptr<const Snapshot> previous;
    std::size_t removed = 0;
  };
  using Undo = std::variant<Append, Truncate, SetHardState, ReplacePrefix>;
  struct PendingWrite {
    std::uint64_t sequence;
    LogIndex last_index_after;  // of the current view, right after this write
    Undo undo;
  };

  void record(Undo undo);
  void undo(PendingWrite& pending);
  // Drops the entries before the view once no pending snapshot can bring them back.
  void forget_replaced_prefix();
  std::size_t live_count() const { return log_.size() - replaced_; }
  // Replaces the log prefix through snapshot->last_index (all of it if `whole_log`) by the
  // snapshot, keeping what it removed for an undo.
  void replace_prefix(std::shared_ptr<const Snapshot> snapshot, bool whole_log);

  // Entries first_index() .. last_index(), after `replaced_` entries that pending snapshots
  // replaced.
  std::vector<LogEntry> log_;
  std::size_t replaced_ = 0;
  std::size_t pending_replacements_ = 0;  // ReplacePrefix writes in pending_
  std::shared_ptr<const Snapshot> snapshot_;
  HardState hard_state_;
  std::deque<PendingWrite> pending_;  // writes not yet synced, in sequence order
  LogIndex durable_last_index_;
  std::uint64_t next_sequence_ = 1;
};

}  // namespace cutover::models
