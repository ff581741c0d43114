// The replicated key-value state: key -> version (and value size) of the last write applied.
//
// Values are modelled by size only (the network charges for them); what a read observes is
// the version, which is all that consistency and data-loss checks need. Apply is
// deterministic; the state can be rebuilt from any log prefix, or restored from a snapshot
// (Raft §7) whose cells are in key order, so equal states give equal snapshots.
//
// Idempotency: a client may send the same write again (a retry after a timeout or a failover)
// with the same RequestId. The state remembers the writes it applied, per client, and applies
// a repeated one as a no-op; the protocol answers the retry with the original version. The
// table is part of the replicated state (it is rebuilt from the log and travels in snapshots),
// so deduplication survives failover. It keeps each client's last kDedupWindow writes: a
// client's retries of older writes than that are applied again, and clients retry within
// seconds, far inside the window at any rate we simulate.
#pragma once

#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "models/core/message.h"
#include "models/core/types.h"

namespace cutover::models {

class KvStateMachine {
 public:
  static constexpr std::uint64_t kDedupWindow = 100'000;  // writes remembered per client

  // No-op and configuration entries advance the applied index and change no key; so does a
  // write whose request was applied before (a retry).
  // REQUIRES: entry.version.index == applied_index() + 1
  void apply(const LogEntry& entry);
  // Where the write with this request took effect, if it was applied (and is remembered).
  std::optional<Version> applied_version(RequestId request) const;
  // Writes skipped as repeats since the state was built (for tests and reports).
  std::uint64_t repeats_skipped() const { return repeats_skipped_; }

  // WRONG ON PURPOSE when false: a repeated request is applied again (the planted bug the
  // duplicate-application checker must catch). Default true.
  void set_deduplicate(bool on) { deduplicate_ = on; }
  // Writes applied more than once (only possible with deduplication off): request, count.
  const std::map<RequestId, std::uint32_t>& applied_more_than_once() const {
    return applied_more_than_once_;
  }
  std::optional<Version> read(Key key) const;
  // A hint: `key` will be applied or read soon, so its cell is fetched into the cache now.
  void prefetch(Key key) const { cells_.prefetch(key); }
  // The value size of the last write to `key`, 0 if never written.
  std::uint32_t value_bytes(Key key) const;
  LogIndex applied_index() const { return applied_index_; }
  std::size_t key_count() const { return cells_.size(); }
  void reset();

  // Every key in ascending order (the snapshot's payload).
  std::vector<KvCell> cells() const;
  // The dedup table (the snapshot's other payload; copying it is cheap, see dedup_table.h).
  const DedupTable& recent_writes() const { return applied_writes_; }
  // Replaces the state with a snapshot's: applied through `last_index`.
  void restore(const std::vector<KvCell>& cells, const DedupTable& recent_writes,
               LogIndex last_index);

 private:
  struct Cell {
    Version version;  // index 0: never written (applied entries start at index 1)
    std::uint32_t value_bytes = 0;
  };
  // key -> the last write applied to it. Workload keys are indices below the scenario's key
  // space, so keys below kDenseKeys sit in a vector indexed by key: one memory access per
  // apply or read, and already in key order for a snapshot (a hash map of nodes cost about two
  // cache misses per apply: 11% of the reference run's time). Other keys go to a hash map.
  class CellTable {
   public:
    static constexpr Key kDenseKeys = Key{1} << 16;  // 1.5 MiB per replica at most
    const Cell* find(Key key) const;
    void prefetch(Key key) const {
      if (key < dense_.size()) __builtin_prefetch(&dense_[key], 1);
    }
    void set(Key key, const Cell& cell);
    std::size_t size() const { return size_; }
    void clear();
    std::vector<KvCell> in_key_order() const;

   private:
    std::vector<Cell> dense_;  // grown to the largest dense key written
    std::unordered_map<Key, Cell> sparse_;
    std::size_t size_ = 0;
  };
  CellTable cells_;
  // Each client's writes within its last kDedupWindow request sequences.
  DedupTable applied_writes_;
  LogIndex applied_index_;
  std::uint64_t repeats_skipped_ = 0;
  bool deduplicate_ = true;
  std::map<RequestId, std::uint32_t> applied_more_than_once_;
};

}  // namespace cutover::models
