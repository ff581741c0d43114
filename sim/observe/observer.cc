#include "sim/observe/observer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>

#include "sim/node/node_actor.h"
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

namespace {

struct FaultStep {
  double at_s;
  std::size_t fault;
  bool begins;
};

class FaultController {
 public:
  explicit FaultController(World& world)
      : world_(world),
        host_down_(world.nodes().size(), 0),
        link_down_(world.scenario().topology.regions.size(),
                   std::vector<int>(world.scenario().topology.regions.size(), 0)) {}

  void run() {
    const Scenario& scenario = world_.scenario();
    std::vector<FaultStep> steps;
    for (std::size_t i = 0; i < scenario.faults.size(); ++i) {
      const Fault& fault = scenario.faults[i];
      steps.push_back({fault.at_s, i, true});
      if (fault.until_s) steps.push_back({*fault.until_s, i, false});
      record_window(fault);
    }
    std::stable_sort(steps.begin(), steps.end(),
                     [](const FaultStep& a, const FaultStep& b) { return a.at_s < b.at_s; });
    std::vector<std::pair<double, const ScriptedPromotion*>> promotions;
    for (const auto& promotion : scenario.protocol.primary_backup.promotions) {
      promotions.emplace_back(promotion.at_s, &promotion);
    }
    std::stable_sort(promotions.begin(), promotions.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::size_t next_step = 0;
    std::size_t next_promotion = 0;
    while (next_step < steps.size() || next_promotion < promotions.size()) {
      const double step_at = next_step < steps.size() ? steps[next_step].at_s
                                                      : std::numeric_limits<double>::infinity();
      const double promotion_at = next_promotion < promotions.size()
                                      ? promotions[next_promotion].first
                                      : std::numeric_limits<double>::infinity();
      if (step_at <= promotion_at) {
        sg4::this_actor::sleep_until(step_at);
        apply(steps[next_step++]);
      } else {
        sg4::this_actor::sleep_until(promotion_at);
        promote(*promotions[next_promotion++].second);
      }
    }
  }

 private:
  void record_window(const Fault& fault) {
    analysis::FaultWindow window{.description = describe(fault),
                                 .start = models::time_at_seconds(fault.at_s),
                                 // Outages, partitions, crashes and pauses stop service;
                                 // slower links and disks only slow it.
                                 .disruptive = !std::holds_alternative<LinkLatency>(fault.what) &&
                                               !std::holds_alternative<SlowDisk>(fault.what)};
    if (fault.until_s) window.end = models::time_at_seconds(*fault.until_s);
    world_.facts().faults.push_back(window);
  }

  static std::string describe(const Fault& fault) {
    if (const auto* outage = std::get_if<RegionOutage>(&fault.what)) {
      return "region_outage " + outage->region;
    }
    if (const auto* partition = std::get_if<Partition>(&fault.what)) {
      std::string text = "partition";
      for (std::size_t g = 0; g < partition->groups.size(); ++g) {
        text += g == 0 ? " " : " | ";
        for (std::size_t r = 0; r < partition->groups[g].size(); ++r) {
          text += (r == 0 ? "" : ",") + partition->groups[g][r];
        }
      }
      return text;
    }
    if (const auto* crash = std::get_if<NodeCrash>(&fault.what)) {
      return "node_crash " + crash->node;
    }
    if (const auto* slow = std::get_if<SlowDisk>(&fault.what)) {
      char factor[32];
      std::snprintf(factor, sizeof factor, "%.3f", slow->fsync_factor);
      return "slow_disk " + slow->node + " fsync x" + factor;
    }
    if (const auto* pause = std::get_if<ProcessPause>(&fault.what)) {
      return "process_pause " + pause->node;
    }
    const auto& latency = std::get<LinkLatency>(fault.what);
    char extra[32];
    std::snprintf(extra, sizeof extra, "%.3f", latency.extra_rtt_ms);
    return "link_latency " + latency.region_a + "<->" + latency.region_b + " +" + extra + " ms rtt";
  }

  void apply(const FaultStep& step) {
    const Fault& fault = world_.scenario().faults[step.fault];
    const int delta = step.begins ? 1 : -1;
    if (const auto* outage = std::get_if<RegionOutage>(&fault.what)) {
      // The whole region goes dark: its processes die, its network is cut (packets in flight
      // to and from it are lost) and its clients stop (their users are served by nobody).
      const std::uint32_t region = world_.region_index(outage->region);
      for (const auto& node : world_.nodes()) {
        if (node->region == region) set_host(node->id.value, delta);
      }
      const auto regions = static_cast<std::uint32_t>(world_.scenario().topology.regions.size());
      for (std::uint32_t other = 0; other < regions; ++other) {
        if (other != region) set_link(region, other, delta);
      }
      world_.set_region_out(region, step.begins);
    } else if (const auto* partition = std::get_if<Partition>(&fault.what)) {
      for (std::size_t g = 0; g < partition->groups.size(); ++g) {
        for (std::size_t h = g + 1; h < partition->groups.size(); ++h) {
          for (const auto& a : partition->groups[g]) {
            for (const auto& b : partition->groups[h]) {
              set_link(world_.region_index(a), world_.region_index(b), delta);
            }
          }
        }
      }
    } else if (const auto* crash = std::get_if<NodeCrash>(&fault.what)) {
      if (const auto victim = target_of(step, crash->node)) {
        set_host(*victim, delta);
      }
    } else if (const auto* slow = std::get_if<SlowDisk>(&fault.what)) {
      if (const auto victim = target_of(step, slow->node)) {
        NodeRuntime& node = *world_.nodes()[*victim];
        node.fsync_factor = step.begins ? node.fsync_factor * slow->fsync_factor
                                        : node.fsync_factor / slow->fsync_factor;
      }
    } else if (const auto* pause = std::get_if<ProcessPause>(&fault.what)) {
      if (const auto victim = target_of(step, pause->node)) {
        NodeRuntime& node = *world_.nodes()[*victim];
        // A crash during the pause ends the process anyway; a restarted one is not paused.
        if (node.actor && step.begins) node.actor->suspend();
        if (node.actor && !step.begins) node.actor->resume();
      }
    } else {
      const auto& latency = std::get<LinkLatency>(fault.what);
      world_.add_extra_delay(world_.region_index(latency.region_a),
                             world_.region_index(latency.region_b),
                             models::from_ms(delta * latency.extra_rtt_ms / 2.0));
    }
  }

  // The node a node-level fault acts on. "leader" means whoever leads when the fault starts;
  // the same node is released at its end. With no leader at that moment the fault does
  // nothing (and says so in the fault list).
  std::optional<std::uint32_t> target_of(const FaultStep& step, const std::string& name) {
    if (!step.begins) return targets_by_fault_[step.fault];
    std::optional<std::uint32_t> victim;
    if (name == NodeCrash::kCurrentLeader) {
      if (const NodeRuntime* leader = current_primary(world_)) victim = leader->id.value;
    } else {
      for (const auto& node : world_.nodes()) {
        if (node->name == name) victim = node->id.value;
      }
    }
    targets_by_fault_[step.fault] = victim;
    world_.facts().faults[step.fault].description +=
        victim ? " (" + world_.nodes()[*victim]->name + ")" : " (no leader: nothing done)";
    return victim;
  }

  // Overlapping faults count: a host or link comes back when the last fault on it ends.
  void set_host(std::uint32_t node, int delta) {
    const int before = host_down_[node];
    host_down_[node] += delta;
    NodeRuntime& runtime = *world_.nodes()[node];
    if (before == 0 && host_down_[node] > 0) crash_node(world_, runtime);
    if (before > 0 && host_down_[node] == 0) restart_node(world_, runtime);
  }

  void set_link(std::uint32_t a, std::uint32_t b, int delta) {
    const int before = link_down_[a][b];
    link_down_[a][b] += delta;
    link_down_[b][a] = link_down_[a][b];
    sg4::SplitDuplexLink* link = world_.platform().wan[a][b];
    // Act on both halves: the split-duplex object's own state does not follow them.
    // Transfers in flight on the link fail: so do their connections, at the cut and again at
    // the heal (everything sent while it was cut failed too).
    if ((before == 0) != (link_down_[a][b] == 0)) world_.reset_channels_between(a, b);
    if (before == 0 && link_down_[a][b] > 0) {
      link->get_link_up()->turn_off();
      link->get_link_down()->turn_off();
    }
    if (before > 0 && link_down_[a][b] == 0) {
      link->get_link_up()->turn_on();
      link->get_link_down()->turn_on();
    }
  }

  void promote(const ScriptedPromotion& promotion) {
    for (const auto& node : world_.nodes()) {
      if (node->name != promotion.node) continue;
      world_.send(node->endpoint(), Packet{.from = Endpoint{Endpoint::Kind::kControl, 0},
                                           .body = models::AdminCommand{models::PromoteNow{}}});
    }
  }

  World& world_;
  std::vector<int> host_down_;
  std::map<std::size_t, std::optional<std::uint32_t>> targets_by_fault_;
  std::vector<std::vector<int>> link_down_;
};

}  // namespace

void run_fault_controller(World& world) { FaultController(world).run(); }

void run_sampler(World& world, const SamplerOptions& options) {
  const auto interval = models::from_ms(world.scenario().sample_interval_ms);
  analysis::LagSeries& series = world.facts().lag;
  series.lag_ms.assign(world.nodes().size(), {});
  int shown_percent = -1;
  for (models::TimePoint at = models::TimePoint{} + interval; at <= options.end; at += interval) {
    sg4::this_actor::sleep_until(models::to_seconds(at));
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
