#include "sim/world.h"

#include <cmath>
#include <stdexcept>

namespace sg4 = simgrid::s4u;

namespace cutover::sim {

World::World(const Scenario& scenario, std::uint64_t seed, Platform platform)
    : scenario_(scenario), seed_(seed), platform_(std::move(platform)), root_rng_(seed) {
  const std::vector<std::string> names = replica_names(scenario.topology);
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto runtime = std::make_unique<NodeRuntime>();
    runtime->id = models::NodeId(static_cast<std::uint32_t>(i));
    runtime->name = names[i];
    runtime->region = platform_.node_region[i];
    runtime->host = platform_.node_hosts[i];
    runtime->mailbox = sg4::Mailbox::by_name("node/" + names[i]);
    nodes_.push_back(std::move(runtime));
  }
  const std::size_t regions = scenario.topology.regions.size();
  for (const Region& region : scenario.topology.regions) facts_.regions.push_back(region.name);
  for (std::size_t i = 0; i < scenario.workloads.size(); ++i) {
    clients_.push_back(
        ClientEndpoint{.mailbox = sg4::Mailbox::by_name("clients/" + std::to_string(i)),
                       .region = region_index(scenario.workloads[i].region)});
  }
  extra_.assign(regions, std::vector<models::Duration>(regions, models::Duration::zero()));
  facts_.scenario = scenario.name;
  facts_.seed = seed;
  facts_.replicas = names;
}

void World::send(sg4::Mailbox* to, std::uint32_t from_region, std::uint32_t to_region,
                 Packet packet) {
  packet.extra_delay = extra_[from_region][to_region];
  const auto bytes = static_cast<double>(packet_size_bytes(packet));
  auto* owned = new Packet(std::move(packet));
  to->put_init(owned, bytes)->detach([](void* payload) { delete static_cast<Packet*>(payload); });
}

void World::add_extra_delay(std::uint32_t a, std::uint32_t b, models::Duration one_way) {
  extra_[a][b] += one_way;
  if (a != b) extra_[b][a] += one_way;
}

void World::record_trace(models::NodeId node, const models::TraceEvent& event,
                         models::TimePoint at) {
  if (event.kind != models::TraceKind::kBecamePrimary) return;
  for (const auto& [epoch, holder] : primary_of_epoch_) {
    if (epoch == event.epoch && holder != node &&
        scenario_.protocol.primary_backup.failover_mode == FailoverMode::kAutomatic) {
      fail(InvariantFailure{nodes_[node.value]->name, models::to_seconds(at),
                            "two primaries in epoch " + std::to_string(event.epoch.value) + ": " +
                                nodes_[holder.value]->name + " and " + nodes_[node.value]->name});
    }
  }
  primary_of_epoch_.emplace_back(event.epoch, node);
  if (event.epoch.value <= 1) return;  // the initial primary taking office is no failover
  facts_.failovers.push_back(
      analysis::FailoverRecord{.at = at, .from = event.other, .to = node, .epoch = event.epoch});
}

void World::fail(const InvariantFailure& failure) {
  if (failure_) return;
  failure_ = failure;
  // Stop the world: the first violation is the finding; running on would only add noise.
  sg4::Actor::kill_all();
}

}  // namespace cutover::sim
