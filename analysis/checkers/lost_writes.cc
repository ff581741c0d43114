#include "analysis/checkers/lost_writes.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace cutover::analysis {
namespace {

// The snapshot's cell of a key. Looked up once per acknowledged write: through an array indexed
// by key when the keys are small integers (the simulator's key spaces), else a binary search.
class SnapshotCells {
 public:
  explicit SnapshotCells(const std::vector<models::KvCell>& cells) : cells_(cells) {
    if (cells.empty() ||
        cells.back().key >= std::max<Key>(Key{1} << 16, 4 * static_cast<Key>(cells.size()))) {
      return;
    }
    position_of_key_.assign(cells.back().key + 1, kNone);
    for (std::size_t i = 0; i < cells.size(); ++i) {
      position_of_key_[cells[i].key] = static_cast<std::uint32_t>(i);
    }
  }

  const models::KvCell* find(Key key) const {
    if (!position_of_key_.empty()) {
      if (key >= position_of_key_.size() || position_of_key_[key] == kNone) return nullptr;
      return &cells_[position_of_key_[key]];
    }
    const auto cell = std::lower_bound(cells_.begin(), cells_.end(), key,
                                       [](const models::KvCell& c, Key k) { return c.key < k; });
    return cell != cells_.end() && cell->key == key ? &*cell : nullptr;
  }

 private:
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};
  const std::vector<models::KvCell>& cells_;  // ascending by key
  std::vector<std::uint32_t> position_of_key_;
};

}  // namespace

LostWrites find_lost_writes(const RunFacts& facts) {
  // Sorted, for a binary search per acknowledged write (faster than a std::set's nodes).
  std::vector<std::pair<Version, Key>> surviving;
  if (facts.final_state.survivor.has_value()) {
    surviving.reserve(facts.final_state.surviving_log.size());
    for (const auto& entry : facts.final_state.surviving_log) {
      surviving.emplace_back(entry.version, entry.key);
    }
  }
  std::sort(surviving.begin(), surviving.end());

  const FinalState& final_state = facts.final_state;
  // A write in the compacted prefix survives if its key's state holds it or a later write:
  // the snapshot no longer says which versions came before (a limitation, documented).
  const SnapshotCells snapshot(final_state.snapshot_cells);
  auto kept_by_snapshot = [&](const Operation& op) {
    if (op.version.index > final_state.snapshot_index) return false;
    const models::KvCell* cell = snapshot.find(op.key);
    return cell != nullptr && !(cell->version < op.version);
  };

  LostWrites result;
  for (std::size_t i = 0; i < facts.operations.size(); ++i) {
    const Operation& op = facts.operations[i];
    if (op.kind != OpKind::kWrite || op.outcome != OpOutcome::kOk) continue;
    // The snapshot first: it answers for most writes of a long run, and cheaply for the rest
    // (newer than the snapshot).
    if (!kept_by_snapshot(op) &&
        !std::binary_search(surviving.begin(), surviving.end(), std::pair(op.version, op.key))) {
      result.lost_operations.push_back(i);
    }
  }
  result.count = result.lost_operations.size();
  if (result.count == 0) return result;

  // Failover instants in time order; the recorder appends them chronologically, but sorting
  // keeps the attribution correct whatever order they arrive in.
  std::vector<TimePoint> failover_times;
  failover_times.reserve(facts.failovers.size());
  for (const auto& failover : facts.failovers) failover_times.push_back(failover.at);
  std::sort(failover_times.begin(), failover_times.end());
  const TimePoint end_of_run = models::time_at_seconds(facts.simulated_s);

  // Loss instant (a failover, or the end of the run) -> earliest ack among the writes it lost.
  std::map<TimePoint, TimePoint> earliest_ack_by_loss;
  for (std::size_t index : result.lost_operations) {
    const TimePoint acked = facts.operations[index].completed_at;
    const auto it = std::lower_bound(failover_times.begin(), failover_times.end(), acked);
    const TimePoint lost_at = it != failover_times.end() ? *it : std::max(end_of_run, acked);
    auto [slot, inserted] = earliest_ack_by_loss.emplace(lost_at, acked);
    if (!inserted) slot->second = std::min(slot->second, acked);
  }
  for (const auto& [lost_at, earliest_ack] : earliest_ack_by_loss) {
    result.rpo_ms = std::max(result.rpo_ms, models::to_ms(lost_at - earliest_ack));
  }
  return result;
}

}  // namespace cutover::analysis
