#include "sim/faults/fault_controller.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "sim/faults/fault_text.h"
#include "sim/node/node_actor.h"
#include "sim/observe/observer.h"
#include "sim/transport/sim_clock.h"

namespace sg4 = simgrid::s4u;

namespace cutover::sim {
namespace {

enum class StepKind { kBegin, kEnd, kFlapDown, kFlapUp };

struct FaultStep {
  double at_s = 0;
  std::uint64_t order = 0;  // equal times: in the order the steps were scheduled
  std::size_t fault = 0;
  StepKind kind = StepKind::kBegin;
  bool operator>(const FaultStep& other) const {
    return at_s != other.at_s ? at_s > other.at_s : order > other.order;
  }
};

// Outages, partitions, crashes, pauses, stalls and a flapping link stop service; slower or
// lossy links, slow disks and skewed clocks only degrade it.
bool is_disruptive(const Fault& fault) {
  return !std::holds_alternative<LinkLatency>(fault.what) &&
         !std::holds_alternative<SlowDisk>(fault.what) &&
         !std::holds_alternative<LinkJitter>(fault.what) &&
         !std::holds_alternative<PacketLoss>(fault.what) &&
         !std::holds_alternative<BandwidthCap>(fault.what) &&
         !std::holds_alternative<MessageDuplication>(fault.what) &&
         !std::holds_alternative<MessageReordering>(fault.what) &&
         !std::holds_alternative<ClockSkew>(fault.what);
}

using EndpointSet = std::vector<std::size_t>;  // Channels::index values, ascending

// What each place name (region, zone, replica) stands for in a node-level cut: a region its
// replicas and clients, a zone its replicas and the clients placed in it, a replica itself.
std::map<std::string, EndpointSet> endpoints_by_place(World& world) {
  const Scenario& scenario = world.scenario();
  const SiteLayout sites = site_layout(scenario.topology);
  std::map<std::string, EndpointSet> places;
  for (std::size_t site = 0; site < sites.site_region.size(); ++site) {
    const std::string& region = scenario.topology.regions[sites.site_region[site]].name;
    places[region];  // a region without replicas or clients still names an empty set
    places[sites.site_name[site]];
  }
  for (const auto& node : world.nodes()) {
    const std::size_t index = world.channels().index(node->endpoint());
    places[node->name].push_back(index);
    places[scenario.topology.regions[node->region].name].push_back(index);
    if (!scenario.topology.regions[node->region].zones.empty()) {
      places[sites.site_name[node->site]].push_back(index);
    }
  }
  for (std::uint32_t c = 0; c < scenario.workloads.size(); ++c) {
    const ClientEndpoint& client = world.client(models::ClientId(c));
    const std::size_t index = world.channels().index(Endpoint{Endpoint::Kind::kClient, c});
    places[scenario.topology.regions[client.region].name].push_back(index);
    if (!scenario.topology.regions[client.region].zones.empty()) {
      places[sites.site_name[client.site]].push_back(index);
    }
  }
  for (auto& [name, endpoints] : places) std::sort(endpoints.begin(), endpoints.end());
  return places;
}

class FaultController {
 public:
  explicit FaultController(World& world)
      : world_(world),
        places_(endpoints_by_place(world)),
        host_down_(world.nodes().size(), 0),
        link_down_(regions(), std::vector<int>(regions(), 0)),
        flapped_down_(world.scenario().faults.size(), 0) {}

  void run() {
    const Scenario& scenario = world_.scenario();
    for (std::size_t i = 0; i < scenario.faults.size(); ++i) {
      const Fault& fault = scenario.faults[i];
      schedule(fault.at_s, i, StepKind::kBegin);
      if (fault.until_s) schedule(*fault.until_s, i, StepKind::kEnd);
      record_window(fault);
    }
    std::vector<std::pair<double, const ScriptedPromotion*>> promotions;
    for (const auto& promotion : scenario.protocol.primary_backup.promotions) {
      promotions.emplace_back(promotion.at_s, &promotion);
    }
    std::stable_sort(promotions.begin(), promotions.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::size_t next_promotion = 0;
    while (!steps_.empty() || next_promotion < promotions.size()) {
      const double step_at =
          steps_.empty() ? std::numeric_limits<double>::infinity() : steps_.top().at_s;
      const double promotion_at = next_promotion < promotions.size()
                                      ? promotions[next_promotion].first
                                      : std::numeric_limits<double>::infinity();
      if (step_at <= promotion_at) {
        const FaultStep step = steps_.top();
        steps_.pop();
        world_.scheduler().sleep_until(step.at_s);
        apply(step);
      } else {
        world_.scheduler().sleep_until(promotion_at);
        promote(*promotions[next_promotion++].second);
      }
    }
  }

 private:
  std::size_t regions() const { return world_.scenario().topology.regions.size(); }
  std::uint32_t region(const std::string& name) const { return world_.region_index(name); }

  void schedule(double at_s, std::size_t fault, StepKind kind) {
    steps_.push(FaultStep{.at_s = at_s, .order = next_order_++, .fault = fault, .kind = kind});
  }

  void record_window(const Fault& fault) {
    analysis::FaultWindow window{.description = describe_fault(fault),
                                 .start = models::time_at_seconds(fault.at_s),
                                 .disruptive = is_disruptive(fault)};
    if (fault.until_s) window.end = models::time_at_seconds(*fault.until_s);
    world_.facts().faults.push_back(window);
  }

  void apply(const FaultStep& step) {
    const Fault& fault = world_.scenario().faults[step.fault];
    std::visit([&](const auto& what) { on(what, step); }, fault.what);
  }

  static int delta_of(const FaultStep& step) { return step.kind == StepKind::kEnd ? -1 : 1; }
  static bool begins(const FaultStep& step) { return step.kind == StepKind::kBegin; }
  // When the step's fault ends; TimePoint::max() for a fault with no end.
  models::TimePoint end_of(const FaultStep& step) const {
    const std::optional<double> until = world_.scenario().faults[step.fault].until_s;
    return until ? models::time_at_seconds(*until) : models::TimePoint::max();
  }

  // --- whole regions and links (SimGrid) ---

  void on(const RegionOutage& outage, const FaultStep& step) {
    // The whole region goes dark: its processes die, its network is cut (packets in flight
    // to and from it are lost) and its clients stop (their users are served by nobody).
    const int delta = delta_of(step);
    const std::uint32_t dark = region(outage.region);
    for (const auto& node : world_.nodes()) {
      if (node->region == dark) set_host(node->id.value, delta);
    }
    for (std::uint32_t other = 0; other < regions(); ++other) {
      if (other != dark) set_link(dark, other, delta);
    }
    world_.set_region_out(dark, begins(step));
  }

  void on(const Partition& partition, const FaultStep& step) {
    const int delta = delta_of(step);
    for (std::size_t g = 0; g < partition.groups.size(); ++g) {
      for (std::size_t h = g + 1; h < partition.groups.size(); ++h) {
        if (!partition.regions_only) {
          cut(partition.groups[g], partition.groups[h], begins(step));
          cut(partition.groups[h], partition.groups[g], begins(step));
          continue;
        }
        for (const auto& a : partition.groups[g]) {
          for (const auto& b : partition.groups[h]) set_link(region(a), region(b), delta);
        }
      }
    }
  }

  void on(const LinkLatency& latency, const FaultStep& step) {
    world_.add_extra_delay(region(latency.region_a), region(latency.region_b),
                           models::from_ms(delta_of(step) * latency.extra_rtt_ms / 2.0));
  }

  void on(const LinkFlapping& flapping, const FaultStep& step) {
    const std::uint32_t a = region(flapping.region_a);
    const std::uint32_t b = region(flapping.region_b);
    const std::optional<double> until = world_.scenario().faults[step.fault].until_s;
    const auto before_end = [&](double at_s) { return !until || at_s < *until; };
    std::uint8_t& down = flapped_down_[step.fault];
    switch (step.kind) {
      case StepKind::kBegin:
      case StepKind::kFlapDown:
        set_link(a, b, 1);
        down = 1;
        if (before_end(step.at_s + flapping.down_s)) {
          schedule(step.at_s + flapping.down_s, step.fault, StepKind::kFlapUp);
        }
        return;
      case StepKind::kFlapUp:
        set_link(a, b, -1);
        down = 0;
        if (before_end(step.at_s + flapping.period_s - flapping.down_s)) {
          schedule(step.at_s + flapping.period_s - flapping.down_s, step.fault,
                   StepKind::kFlapDown);
        }
        return;
      case StepKind::kEnd:
        if (down != 0) set_link(a, b, -1);
        down = 0;
        return;
    }
  }

  void on(const BandwidthCap& cap, const FaultStep& step) {
    // Copied out of minmax's references (to temporaries) at once.
    const std::pair<std::uint32_t, std::uint32_t> ends =
        std::minmax(region(cap.region_a), region(cap.region_b));
    std::multiset<double>& active = caps_mbps_[ends];
    if (begins(step)) {
      active.insert(cap.bandwidth_mbps);
    } else {
      active.erase(active.find(cap.bandwidth_mbps));
    }
    sg4::SplitDuplexLink* link = world_.platform().wan[ends.first][ends.second];
    auto [original, inserted] = original_bandwidth_.emplace(ends, 0.0);
    if (inserted) original->second = link->get_link_up()->get_bandwidth();
    double bytes_per_s = original->second;
    if (!active.empty()) bytes_per_s = std::min(bytes_per_s, *active.begin() * 1e6 / 8.0);
    // Both halves (the split-duplex object's own setting does not reach them); SimGrid 3.32
    // re-shares the bandwidth of transfers already in flight at once.
    link->get_link_up()->set_bandwidth(bytes_per_s);
    link->get_link_down()->set_bandwidth(bytes_per_s);
  }

  // --- node-level cuts (the transport) ---

  void on(const OneWayPartition& partition, const FaultStep& step) {
    cut(partition.from, partition.to, begins(step));
  }

  void on(const PartialPartition& partition, const FaultStep& step) {
    for (const auto& [a, b] : partition.pairs) {
      cut({a}, {b}, begins(step));
      cut({b}, {a}, begins(step));
    }
  }

  void on(const ZoneOutage& outage, const FaultStep& step) {
    // Like a region outage, for one zone: its replicas crash, its endpoints are cut off both
    // ways (what is in flight to or from them is lost) and its clients stop.
    const EndpointSet& dark = places_.at(outage.zone);
    EndpointSet rest;
    for (std::size_t index = 0; index + 1 < world_.channels().endpoint_count(); ++index) {
      if (!std::binary_search(dark.begin(), dark.end(), index)) rest.push_back(index);
    }
    cut_sets(dark, rest, begins(step));
    cut_sets(rest, dark, begins(step));
    for (std::size_t index : dark) {
      const Endpoint endpoint = world_.channels().endpoint_at(index);
      if (endpoint.kind == Endpoint::Kind::kNode) set_host(endpoint.id, delta_of(step));
      if (endpoint.kind == Endpoint::Kind::kClient) {
        world_.set_clients_out(models::ClientId(endpoint.id), begins(step));
      }
    }
  }

  // --- per-packet link degradation (the transport) ---

  template <typename Degradation>
  void degrade(const Degradation& link, const FaultStep& step) {
    const std::uint32_t a = region(link.region_a);
    const std::uint32_t b = region(link.region_b);
    if (begins(step)) {
      world_.network_faults().degrade(step.fault, world_.scenario().faults[step.fault], a, b,
                                      world_.fork_rng("fault/" + std::to_string(step.fault)));
    } else {
      world_.network_faults().restore(step.fault, a, b);
    }
  }
  void on(const LinkJitter& jitter, const FaultStep& step) { degrade(jitter, step); }
  void on(const PacketLoss& loss, const FaultStep& step) { degrade(loss, step); }
  void on(const MessageDuplication& copies, const FaultStep& step) { degrade(copies, step); }
  void on(const MessageReordering& reorder, const FaultStep& step) { degrade(reorder, step); }

  // --- one replica ---

  void on(const NodeCrash& crash, const FaultStep& step) {
    if (const auto victim = target_of(step, crash.node)) set_host(*victim, delta_of(step));
  }

  void on(const SlowDisk& slow, const FaultStep& step) {
    if (const auto victim = target_of(step, slow.node)) {
      NodeRuntime& node = *world_.nodes()[*victim];
      node.fsync_factor = begins(step) ? node.fsync_factor * slow.fsync_factor
                                       : node.fsync_factor / slow.fsync_factor;
    }
  }

  // The node's own loop freezes (sim/node/node_actor.cc), not the SimGrid actor: suspending an
  // actor blocked in Comm::wait_any_for let it keep working, and could abort SimGrid (found by
  // cutover explore; scenarios/regression/*pause*.json pin the cases).
  void on(const ProcessPause& pause, const FaultStep& step) {
    const auto victim = target_of(step, pause.node);
    if (!victim || !begins(step)) return;  // the end is known in advance: nothing to undo
    NodeRuntime& node = *world_.nodes()[*victim];
    node.paused_until = std::max(node.paused_until, end_of(step));
  }

  void on(const DiskStall& stall, const FaultStep& step) {
    const auto victim = target_of(step, stall.node);
    if (!victim || !begins(step)) return;  // the end is known in advance: nothing to undo
    NodeRuntime& node = *world_.nodes()[*victim];
    node.disk_stalled_until = std::max(node.disk_stalled_until, end_of(step));
  }

  void on(const ClockSkew& skew, const FaultStep& step) {
    if (const auto victim = target_of(step, skew.node)) {
      NodeClock& clock = world_.nodes()[*victim]->clock;
      if (begins(step)) {
        clock.skew(sim_now(), models::from_ms(skew.offset_ms), skew.drift);
      } else {
        clock.reset();
      }
    }
  }

  // The node a node-level fault acts on. "leader" means whoever leads when the fault starts;
  // the same node is released at its end. With no leader at that moment the fault does
  // nothing (and says so in the fault list).
  std::optional<std::uint32_t> target_of(const FaultStep& step, const std::string& name) {
    if (!begins(step)) return targets_by_fault_[step.fault];
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

  // --- the switches, counted so that overlapping faults compose ---

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

  // Packets from every endpoint of the `from` places to every endpoint of the `to` places.
  void cut(const std::vector<std::string>& from, const std::vector<std::string>& to, bool on) {
    for (const std::string& sender : from) {
      for (const std::string& receiver : to) cut_sets(places_.at(sender), places_.at(receiver), on);
    }
  }

  void cut_sets(const EndpointSet& from, const EndpointSet& to, bool on) {
    for (std::size_t sender : from) {
      for (std::size_t receiver : to) {
        if (sender != receiver) world_.cut_channel(sender, receiver, on);
      }
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
  const std::map<std::string, EndpointSet> places_;
  std::priority_queue<FaultStep, std::vector<FaultStep>, std::greater<>> steps_;
  std::uint64_t next_order_ = 0;
  std::vector<int> host_down_;
  std::map<std::size_t, std::optional<std::uint32_t>> targets_by_fault_;
  std::vector<std::vector<int>> link_down_;
  std::vector<std::uint8_t> flapped_down_;  // by fault: 1 while a flapping link is down
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::multiset<double>> caps_mbps_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, double> original_bandwidth_;  // bytes/s
};

}  // namespace

void run_fault_controller(World& world) { FaultController(world).run(); }

}  // namespace cutover::sim
