// The replicated key-value state: key -> version (and value size) of the last write applied.
//
// Values are modelled by size only (the network charges for them); what a read observes is
// the version, which is all that consistency and data-loss checks need. Apply is
// deterministic; the state can be rebuilt from any log prefix, or restored from a snapshot
// (Raft §7) whose cells are in key order, so equal states give equal snapshots.
#pragma once

#include <optional>
#include <unordered_map>
#include <vector>

#include "models/core/message.h"
#include "models/core/types.h"

namespace cutover::models {

class KvStateMachine {
 public:
  // No-op and configuration entries advance the applied index and change no key.
  // REQUIRES: entry.version.index == applied_index() + 1
  void apply(const LogEntry& entry);
  std::optional<Version> read(Key key) const;
  // The value size of the last write to `key`, 0 if never written.
  std::uint32_t value_bytes(Key key) const;
  LogIndex applied_index() const { return applied_index_; }
  std::size_t key_count() const { return cells_.size(); }
  void reset();

  // Every key in ascending order (the snapshot's payload).
  std::vector<KvCell> cells() const;
  // Replaces the state with a snapshot's: applied through `last_index`.
  void restore(const std::vector<KvCell>& cells, LogIndex last_index);

 private:
  struct Cell {
    Version version;
    std::uint32_t value_bytes = 0;
  };
  std::unordered_map<Key, Cell> cells_;  // iterated only into a sorted vector
  LogIndex applied_index_;
};

}  // namespace cutover::models
