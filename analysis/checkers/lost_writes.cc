#include "analysis/checkers/lost_writes.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace cutover::analysis {

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
  auto kept_by_snapshot = [&](const Operation& op) {
    if (op.version.index > final_state.snapshot_index) return false;
    const auto cell =
        std::lower_bound(final_state.snapshot_cells.begin(), final_state.snapshot_cells.end(),
                         op.key, [](const models::KvCell& c, Key key) { return c.key < key; });
    return cell != final_state.snapshot_cells.end() && cell->key == op.key &&
           !(cell->version < op.version);
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
