#include "sim/observe/observer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>

#include "sim/transport/sim_clock.h"

namespace sg4 = simgrid::s4u;

namespace cutover::sim {

const NodeRuntime* current_primary(World& world) {
  const NodeRuntime* primary = nullptr;
  for (const auto& node : world.nodes()) {
    if (!node->up || node->live == nullptr) continue;
    const models::NodeView view = node->live->view();
    if (view.role != models::Role::kPrimary) continue;
    if (primary == nullptr || view.epoch > primary->live->view().epoch) primary = node.get();
  }
  return primary;
}

// Age of the oldest entry the primary has and the replica does not (0 when caught up).
// Logs that agree on an entry's epoch agree on everything before it, so the agreeing
// prefix is found by binary search. Snapshots hold committed entries only, so the prefix
// that either node compacted agrees. When the first missing entry is compacted away at the
// primary (the replica needs a snapshot), the age of the oldest entry it still holds is
// used: a lower bound.
double lag_ms(const models::Storage& primary, const models::Storage& replica,
              models::TimePoint now) {
  const std::uint64_t common = std::min(primary.last_index().value, replica.last_index().value);
  std::uint64_t low = std::max(primary.snapshot_index().value, replica.snapshot_index().value);
  low = std::min(low, common);
  std::uint64_t high = common;  // invariant: prefix up to `low` agrees
  while (low < high) {
    const std::uint64_t mid = low + (high - low + 1) / 2;
    if (primary.epoch_at(models::LogIndex(mid)) == replica.epoch_at(models::LogIndex(mid))) {
      low = mid;
    } else {
      high = mid - 1;
    }
  }
  if (low >= primary.last_index().value) return 0.0;
  const models::LogIndex first_missing(std::max(low + 1, primary.first_index().value));
  return models::to_ms(now - primary.entry(first_missing).created_at);
}

void run_sampler(World& world, const SamplerOptions& options) {
  const auto interval = models::from_ms(world.scenario().sample_interval_ms);
  analysis::LagSeries& series = world.facts().lag;
  series.lag_ms.assign(world.nodes().size(), {});
  int shown_percent = -1;
  for (models::TimePoint at = models::TimePoint{} + interval; at <= options.end; at += interval) {
    world.scheduler().sleep_until(models::to_seconds(at));
    const NodeRuntime* primary = current_primary(world);
    series.times.push_back(at);
    series.primary.push_back(primary ? std::optional(primary->id) : std::nullopt);
    for (const auto& node : world.nodes()) {
      // A node outside the cluster (not yet added, or removed) has no lag to speak of.
      const bool member = node->live == nullptr || node->live->view().member;
      series.lag_ms[node->id.value].push_back(primary && member
                                                  ? lag_ms(primary->storage, node->storage, at)
                                                  : std::numeric_limits<double>::quiet_NaN());
    }
    const int percent =
        static_cast<int>(100.0 * models::to_seconds(at) / models::to_seconds(options.end));
    if (options.show_progress && percent != shown_percent) {
      shown_percent = percent;
      std::fprintf(stderr, "\rsimulated %.1f / %.1f s", models::to_seconds(at),
                   models::to_seconds(options.end));
    }
  }
  if (options.show_progress) std::fprintf(stderr, "\r%40s\r", "");
}

std::vector<analysis::ReplicaState> read_replica_states(World& world) {
  std::vector<analysis::ReplicaState> states;
  for (const auto& node : world.nodes()) {
    if (!node->up || node->live == nullptr) continue;
    // Writes applied more than once: none while the state machine deduplicates by request.
    const models::KvStateMachine& state = node->live->applied_state();
    std::vector<analysis::AppliedWrite> repeated;
    for (const auto& [request, count] : state.applied_more_than_once()) {
      repeated.push_back(analysis::AppliedWrite{.write_id = request, .count = count});
    }
    states.push_back(analysis::ReplicaState{
        .node = node->id, .cells = state.cells(), .applied_writes = std::move(repeated)});
  }
  return states;
}

analysis::FinalState read_final_state(World& world) {
  analysis::FinalState state;
  const NodeRuntime* survivor = current_primary(world);
  if (survivor == nullptr) {
    // No primary at the end: the most up-to-date live replica is what a failover would keep.
    for (const auto& node : world.nodes()) {
      if (!node->up) continue;
      const auto key = [](const NodeRuntime& n) {
        return std::pair(n.storage.last_epoch(), n.storage.last_index());
      };
      if (survivor == nullptr || key(*node) > key(*survivor)) survivor = node.get();
    }
  }
  if (survivor == nullptr) return state;
  state.survivor = survivor->id;
  const auto log = survivor->storage.entries_from(models::LogIndex(1));
  state.surviving_log.assign(log.begin(), log.end());
  if (const auto& snapshot = survivor->storage.snapshot()) {
    state.snapshot_index = snapshot->last_index;
    state.snapshot_cells = snapshot->cells;
  }
  return state;
}

}  // namespace cutover::sim
