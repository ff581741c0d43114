#include "sim/scenario/topology_model.h"

#include <algorithm>
#include <string>
#include <vector>

namespace cutover::sim {
namespace {

namespace topo = analysis::topology;

bool listed(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

topo::Role raft_role(const RaftSettings& raft, const std::string& replica) {
  if (listed(raft.voters, replica)) return topo::Role::kVoter;
  if (listed(raft.learners, replica)) return topo::Role::kLearner;
  return topo::Role::kSpare;
}

topo::AckMode ack_mode(AckMode ack) {
  switch (ack) {
    case AckMode::kAsync:
      return topo::AckMode::kAsync;
    case AckMode::kSemiSync:
      return topo::AckMode::kSemiSync;
    case AckMode::kSync:
      return topo::AckMode::kSync;
  }
  return topo::AckMode::kSemiSync;
}

// The initial primary is replica 0 of the primary region (see PrimaryBackupSettings).
std::uint32_t initial_primary(const Scenario& scenario) {
  const std::vector<std::string> names = replica_names(scenario.topology);
  const std::string first = scenario.protocol.primary_backup.primary_region + "-0";
  return static_cast<std::uint32_t>(std::find(names.begin(), names.end(), first) - names.begin());
}

// One site per zone of a region that has zones, else one for the region; zones of a region are
// joined pairwise at inter_zone_rtt_ms. Returns each region's sites.
std::vector<std::vector<std::uint32_t>> add_sites(const Topology& topology,
                                                  topo::TopologyModel& model) {
  std::vector<std::vector<std::uint32_t>> sites_of(topology.regions.size());
  for (std::size_t r = 0; r < topology.regions.size(); ++r) {
    const Region& region = topology.regions[r];
    auto add_site = [&](const std::string& name, const std::string& zone) {
      sites_of[r].push_back(static_cast<std::uint32_t>(model.sites.size()));
      model.sites.push_back(
          {.name = name, .region = region.name, .zone = zone, .intra_rtt_ms = region.intra_rtt_ms});
    };
    if (region.zones.empty()) add_site(region.name, "");
    for (const Zone& zone : region.zones) add_site(zone.name, zone.name);
    for (std::size_t i = 0; i < sites_of[r].size(); ++i) {
      for (std::size_t j = i + 1; j < sites_of[r].size(); ++j) {
        model.links.push_back({.a = {sites_of[r][i]},
                               .b = {sites_of[r][j]},
                               .rtt_ms = region.inter_zone_rtt_ms,
                               .name = region.zones[i].name + " <-> " + region.zones[j].name});
      }
    }
  }
  return sites_of;
}

// The site of a region's i-th replica: replicas fill the zones in order.
std::uint32_t replica_site(const Region& region, const std::vector<std::uint32_t>& sites,
                           std::uint32_t i) {
  for (std::size_t z = 0; z < region.zones.size(); ++z) {
    if (i < region.zones[z].nodes) return sites[z];
    i -= region.zones[z].nodes;
  }
  return sites.front();
}

}  // namespace

topo::TopologyModel topology_model(const Scenario& scenario) {
  topo::TopologyModel model;
  const Topology& topology = scenario.topology;
  const std::vector<std::vector<std::uint32_t>> sites_of = add_sites(topology, model);
  for (const Link& link : topology.links) {
    // The WAN link reaches every zone of both regions.
    model.links.push_back({.a = sites_of[region_index(topology, link.region_a)],
                           .b = sites_of[region_index(topology, link.region_b)],
                           .rtt_ms = link.rtt_ms,
                           .name = link.region_a + " <-> " + link.region_b});
  }
  const bool raft = scenario.protocol.type == ProtocolType::kRaft;
  std::uint32_t replica = 0;
  const std::vector<std::string> names = replica_names(topology);
  for (std::uint32_t r = 0; r < topology.regions.size(); ++r) {
    for (std::uint32_t i = 0; i < topology.regions[r].nodes; ++i, ++replica) {
      const std::string& name = names.at(replica);
      model.replicas.push_back(
          {.name = name,
           .site = replica_site(topology.regions[r], sites_of[r], i),
           .role = raft ? raft_role(scenario.protocol.raft, name) : topo::Role::kVoter});
    }
  }
  model.protocol = raft ? topo::Protocol::kRaft : topo::Protocol::kPrimaryBackup;
  if (!raft) {
    const PrimaryBackupSettings& pb = scenario.protocol.primary_backup;
    model.primary_backup = {.ack = ack_mode(pb.ack),
                            .semi_sync_acks = pb.semi_sync_acks,
                            .primary = initial_primary(scenario),
                            .automatic_failover = pb.failover_mode == FailoverMode::kAutomatic};
  }
  model.fsync_ms = scenario.node.fsync_ms;
  return model;
}

}  // namespace cutover::sim
