#include "sim/world.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "models/core/check.h"

namespace sg4 = simgrid::s4u;

namespace cutover::sim {
namespace {

// What the configuration promises about acknowledged writes (see analysis::LossGuarantee).
analysis::LossGuarantee loss_guarantee(const Scenario& scenario, std::size_t replicas) {
  if (scenario.protocol.type == ProtocolType::kRaft) {
    const std::size_t voters = scenario.protocol.raft.voters.size();
    return {.zero_loss = true, .failures_tolerated = static_cast<std::uint32_t>((voters - 1) / 2)};
  }
  const PrimaryBackupSettings& pb = scenario.protocol.primary_backup;
  const std::size_t majority = replicas / 2 + 1;
  switch (pb.ack) {
    case AckMode::kSync:
      return {.zero_loss = true,
              .failures_tolerated = static_cast<std::uint32_t>(replicas - majority)};
    case AckMode::kSemiSync:
      if (pb.semi_sync_acks + 1 + majority > replicas) {  // as the protocol asserts
        return {.zero_loss = true,
                .failures_tolerated =
                    std::min(pb.semi_sync_acks, static_cast<std::uint32_t>(replicas - majority))};
      }
      return {};
    case AckMode::kAsync:
      return {};
  }
  return {};
}

}  // namespace

World::World(const Scenario& scenario, std::uint64_t seed, Platform platform)
    : scenario_(scenario),
      seed_(seed),
      platform_(std::move(platform)),
      root_rng_(seed),
      channels_(platform_.node_hosts.size(), scenario.workloads.size()),
      scheduler_(channels_),
      network_(scheduler_, endpoint_hosts(), scenario.network_model.direct_tolerance_us / 1e6),
      network_faults_(channels_.endpoint_count(), scenario.topology.regions.size(),
                      scenario.faults.size()),
      // Until a primary takes office the name points at replica 0.
      dns_zone_(models::routing::Endpoint{models::routing::RegionId(platform_.node_region.at(0)),
                                          models::NodeId(0)},
                models::TimePoint{}) {
  const std::vector<std::string> names = replica_names(scenario.topology);
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto runtime = std::make_unique<NodeRuntime>();
    runtime->id = models::NodeId(static_cast<std::uint32_t>(i));
    runtime->name = names[i];
    runtime->region = platform_.node_region[i];
    runtime->site = platform_.node_site[i];
    nodes_.push_back(std::move(runtime));
  }
  const std::size_t regions = scenario.topology.regions.size();
  for (const Region& region : scenario.topology.regions) facts_.regions.push_back(region.name);
  const SiteLayout sites = site_layout(scenario.topology);
  for (const Workload& workload : scenario.workloads) {
    clients_.push_back(ClientEndpoint{
        .region = region_index(workload.region),
        .site = site_index(scenario.topology, sites, workload.region, workload.zone)});
  }
  regions_out_.assign(regions, 0);
  clients_out_.assign(scenario.workloads.size(), 0);
  // The control endpoint has neither.
  site_by_endpoint_.assign(channels_.endpoint_count(), kNoSite);
  region_by_endpoint_.assign(channels_.endpoint_count(), std::nullopt);
  for (const auto& node : nodes_) {
    const std::size_t at = channels_.index(node->endpoint());
    site_by_endpoint_[at] = node->site;
    region_by_endpoint_[at] = node->region;
  }
  for (std::uint32_t c = 0; c < clients_.size(); ++c) {
    const std::size_t at = channels_.index(Endpoint{Endpoint::Kind::kClient, c});
    site_by_endpoint_[at] = clients_[c].site;
    region_by_endpoint_[at] = clients_[c].region;
  }
  facts_.traffic.resize(regions);
  read_only_regions_.assign(regions, false);
  const std::size_t site_count = platform_.site_region.size();
  latency_.assign(site_count, std::vector<models::Duration>(site_count, models::Duration::zero()));
  for (std::size_t a = 0; a < site_count; ++a) {
    for (std::size_t b = 0; b < site_count; ++b) {
      latency_[a][b] = models::from_ms(platform_.one_way_latency_s[a][b] * 1000.0);
    }
  }
  if (scenario.load_balancer) {
    // Backends are the cluster's members: a Raft replica outside the cluster joins the load
    // balancer when the migration adds it.
    std::vector<std::string> outside;
    if (scenario.protocol.type == ProtocolType::kRaft) {
      for (const std::string& name : names) {
        const auto& raft = scenario.protocol.raft;
        if (std::find(raft.voters.begin(), raft.voters.end(), name) == raft.voters.end() &&
            std::find(raft.learners.begin(), raft.learners.end(), name) == raft.learners.end()) {
          outside.push_back(name);
        }
      }
    }
    std::vector<models::routing::Endpoint> backends;
    for (const auto& node : nodes_) {
      if (std::find(outside.begin(), outside.end(), node->name) != outside.end()) continue;
      backends.push_back(
          models::routing::Endpoint{models::routing::RegionId(node->region), node->id});
    }
    load_balancer_.emplace(std::move(backends), region_weights(scenario.load_balancer->weights),
                           models::TimePoint{});
  }
  facts_.guarantee = loss_guarantee(scenario, names.size());
  facts_.scenario = scenario.name;
  facts_.seed = seed;
  facts_.replicas = names;
  facts_.replica_regions = platform_.node_region;
}

void World::count_messages(const Packet& packet, Endpoint to) {
  using Kind = Endpoint::Kind;
  const std::uint64_t carried = 1 + packet.coalesced.size();
  ++messages_.transfers;
  if (packet.from.kind == Kind::kControl) {
    messages_.control += carried;
  } else if (packet.from.kind == Kind::kClient) {
    messages_.client_request += carried;
  } else if (to.kind == Kind::kClient) {
    messages_.client_reply += carried;
  } else {
    messages_.protocol += carried;
  }
}

std::vector<sg4::Host*> World::endpoint_hosts() const {
  std::vector<sg4::Host*> hosts = platform_.node_hosts;
  for (const Workload& workload : scenario_.workloads) {
    hosts.push_back(
        platform_.client_hosts.at(sim::region_index(scenario_.topology, workload.region)));
  }
  hosts.push_back(platform_.observer_host);  // the control endpoint
  return hosts;
}

void World::send(Endpoint to, Packet packet) {
  count_messages(packet, to);
  if (to.kind == Endpoint::Kind::kNode && !nodes_.at(to.id)->up) return;
  const std::size_t from_index = channels_.index(packet.from);
  const std::size_t to_index = channels_.index(to);
  // A node-level cut loses the packet, as a cut link would.
  if (network_faults_.any_blocked() && network_faults_.blocked(from_index, to_index)) return;
  const std::optional<std::uint32_t> from_region = region_by_endpoint_[from_index];
  const std::optional<std::uint32_t> to_region = region_by_endpoint_[to_index];
  const std::uint32_t from_site = site_by_endpoint_[from_index];
  const std::uint32_t to_site = site_by_endpoint_[to_index];
  packet.propagation_delay = from_site != kNoSite && to_site != kNoSite
                                 ? latency_[from_site][to_site]
                                 : models::Duration::zero();
  PacketFate fate;
  if (network_faults_.any_degraded() && from_region && to_region) {
    fate = network_faults_.on_send(*from_region, *to_region, packet.propagation_delay);
    packet.propagation_delay += fate.extra_delay;
  }
  if (fate.unordered) {
    // Out of the stream: no sequence number, but the connection, so a reset still drops it.
    packet.connection = channels_.state(from_index, to_index).connection;
    packet.unordered = true;
  } else {
    channels_.stamp(packet.from, to, packet);
  }
  const std::uint64_t size = packet_size_bytes(packet);
  if (from_region && to_region) {
    const bool replication =
        packet.from.kind == Endpoint::Kind::kNode && to.kind == Endpoint::Kind::kNode;
    auto& matrix = replication ? facts_.traffic.replication : facts_.traffic.client;
    matrix[*from_region][*to_region] += fate.duplicated ? 2 * size : size;
  }
  if (fate.duplicated) {
    auto copy = std::make_unique<Packet>(packet);
    copy->unordered = true;
    network_.transmit(from_index, to_index, std::make_unique<Packet>(std::move(packet)), size);
    network_.transmit(from_index, to_index, std::move(copy), size);
    return;
  }
  network_.transmit(from_index, to_index, std::make_unique<Packet>(std::move(packet)), size);
}

void World::cut_channel(std::size_t from, std::size_t to, bool cut) {
  if (!cut) {
    network_faults_.unblock(from, to);
    return;
  }
  // Only the first cut breaks the connection: packets sent while it is cut are dropped
  // before they are stamped, so the stream has no gap to wait for at the heal.
  if (network_faults_.block(from, to)) channels_.reset(from, to);
}

void World::reset_channels_between(std::uint32_t a, std::uint32_t b) {
  const std::size_t count = channels_.endpoint_count();
  for (std::size_t from = 0; from < count; ++from) {
    const std::optional<std::uint32_t> from_region = region_by_endpoint_[from];
    if (!from_region || (*from_region != a && *from_region != b)) continue;
    const std::uint32_t other = *from_region == a ? b : a;
    for (std::size_t to = 0; to < count; ++to) {
      if (region_by_endpoint_[to] == other) channels_.reset(from, to);
    }
  }
}

void World::reset_channels_to(models::NodeId node) {
  const std::size_t to = channels_.index(nodes_.at(node.value)->endpoint());
  for (std::size_t from = 0; from < channels_.endpoint_count(); ++from) channels_.reset(from, to);
}

void World::reset_channels_from(models::NodeId node) {
  const std::size_t from = channels_.index(nodes_.at(node.value)->endpoint());
  for (std::size_t to = 0; to < channels_.endpoint_count(); ++to) channels_.reset(from, to);
}

models::routing::RegionWeights World::region_weights(
    const std::map<std::string, double>& weights) const {
  models::routing::RegionWeights by_region;
  for (const auto& [name, weight] : weights) {
    by_region[models::routing::RegionId(region_index(name))] = weight;
  }
  return by_region;
}

void World::record_operation(const analysis::Operation& operation) {
  facts_.operations.push_back(operation);
  if (history_ != nullptr) history_->append(operation);
}

void World::set_read_only(std::optional<std::uint32_t> region, bool on) {
  if (region) {
    read_only_regions_.at(*region) = on;
  } else {
    read_only_global_ = on;
  }
}

void World::add_extra_delay(std::uint32_t a, std::uint32_t b, models::Duration one_way) {
  const std::vector<std::uint32_t>& region_of_site = platform_.site_region;
  for (std::size_t s = 0; s < latency_.size(); ++s) {
    for (std::size_t t = 0; t < latency_.size(); ++t) {
      const std::uint32_t from = region_of_site[s];
      const std::uint32_t to = region_of_site[t];
      if ((from == a && to == b) || (from == b && to == a)) latency_[s][t] += one_way;
    }
  }
}

void World::record_trace(models::NodeId node, const models::TraceEvent& event,
                         models::TimePoint at) {
  switch (event.kind) {
    case models::TraceKind::kElectionStarted:
      if (!open_election_) {
        open_election_ =
            analysis::ElectionRecord{.started_at = at, .leader_lost_at = leader_lost_at_};
      }
      ++open_election_->candidacies;
      return;
    case models::TraceKind::kSteppedDown:
      if (leader_ == node) leader_lost(at);
      return;
    case models::TraceKind::kTruncated:
      return;
    case models::TraceKind::kBecamePrimary:
      break;
  }
  for (const auto& [epoch, holder] : primary_of_epoch_) {
    if (epoch == event.epoch && holder != node &&
        (scenario_.protocol.type == ProtocolType::kRaft ||
         scenario_.protocol.primary_backup.failover_mode == FailoverMode::kAutomatic)) {
      fail(InvariantFailure{nodes_[node.value]->name, models::to_seconds(at),
                            "two primaries in epoch " + std::to_string(event.epoch.value) + ": " +
                                nodes_[holder.value]->name + " and " + nodes_[node.value]->name});
    }
  }
  const bool first_primary = primary_of_epoch_.empty();
  // The failover automation points the DNS name at the new primary.
  dns_zone_.set_target(
      models::routing::Endpoint{models::routing::RegionId(nodes_[node.value]->region), node}, at);
  facts_.dns_updates.push_back(analysis::DnsUpdate{.at = at, .target = node});
  primary_of_epoch_.emplace_back(event.epoch, node);
  leader_ = node;
  leader_lost_at_.reset();
  if (open_election_) {
    open_election_->ended_at = at;
    open_election_->term = event.epoch;
    open_election_->winner = node;
    facts_.elections.push_back(*open_election_);
    open_election_.reset();
  }
  if (first_primary) return;  // the first primary taking office is no failover
  facts_.failovers.push_back(
      analysis::FailoverRecord{.at = at, .from = event.other, .to = node, .epoch = event.epoch});
}

void World::note_crash(models::NodeId node, models::TimePoint at) {
  if (leader_ == node) leader_lost(at);
}

void World::leader_lost(models::TimePoint at) {
  leader_.reset();
  if (!leader_lost_at_) leader_lost_at_ = at;
}

void World::fail(const InvariantFailure& failure) {
  if (failure_) return;
  failure_ = failure;
  // Stop the world: the first violation is the finding; running on would only add noise.
  sg4::Actor::kill_all();
}

}  // namespace cutover::sim
