// Everything the actors of one run share: the scenario, the platform, per-node runtimes
// (storage that survives crashes), the scheduler that drives replicas and clients, the
// network, the latency matrix that link faults change, and the recorder that collects what
// analysis needs. One World per run,
// owned by Run; no globals.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "analysis/history.h"
#include "analysis/history_jsonl.h"
#include "models/core/rng.h"
#include "models/core/storage.h"
#include "models/replication/protocol.h"
#include "models/routing/dns.h"
#include "models/routing/load_balancer.h"
#include "sim/faults/network_faults.h"
#include "sim/faults/node_clock.h"
#include "sim/node/handler_output.h"
#include "sim/platform/platform_builder.h"
#include "sim/scenario/scenario.h"
#include "sim/transport/channels.h"
#include "sim/transport/network.h"
#include "sim/transport/packet.h"
#include "sim/transport/scheduler.h"

namespace cutover::sim {

struct NodeRuntime {
  models::NodeId id;
  std::string name;
  std::uint32_t region = 0;
  std::uint32_t site = 0;                  // its zone (scenario.h SiteLayout)
  models::Storage storage;                 // survives crashes; crash() drops unsynced
  const models::Protocol* live = nullptr;  // the running incarnation, for observers
  std::uint32_t incarnation = 0;
  // A crash kills the node's process, not its host: packets it sent before dying are already
  // on the wire and still arrive (an acknowledgement in flight reaches its client), while
  // packets to a down node are dropped at send.
  bool up = true;
  double fsync_factor = 1;  // slow_disk faults multiply every fsync's duration
  // disk_stall faults: no fsync completes before this (TimePoint::max(): never again).
  models::TimePoint disk_stalled_until{};
  // process_pause faults: the process handles nothing before this (TimePoint::max(): never).
  models::TimePoint paused_until{};
  NodeClock clock;  // clock_skew faults: what the protocol reads as time
  Endpoint endpoint() const { return Endpoint{Endpoint::Kind::kNode, id.value}; }
};

// A workload's clients: one endpoint per workload entry, ClientId = its index.
struct ClientEndpoint {
  std::uint32_t region = 0;
  std::uint32_t site = 0;  // its zone (scenario.h SiteLayout)
};

// Messages sent, by who sends them to whom, and the transfers that carried them: a transfer
// carries several messages when a handler sends them to one receiver at once (coalesced,
// packet.h). A duplicated packet counts once.
struct MessageCounts {
  std::uint64_t protocol = 0;        // replica -> replica
  std::uint64_t client_request = 0;  // clients -> replica
  std::uint64_t client_reply = 0;    // replica -> clients
  std::uint64_t control = 0;         // operator and fault controller -> replica
  std::uint64_t transfers = 0;
  std::uint64_t total() const { return protocol + client_request + client_reply + control; }
};

// The first broken invariant stops the run; the CLI reports it with seed and time (exit 3).
struct InvariantFailure {
  std::string node;
  double time_s = 0;
  std::string what;
};

class World {
 public:
  World(const Scenario& scenario, std::uint64_t seed, Platform platform);

  const Scenario& scenario() const { return scenario_; }
  std::uint64_t seed() const { return seed_; }
  const Platform& platform() const { return platform_; }
  models::Rng fork_rng(const std::string& name) const { return root_rng_.fork(name); }

  std::vector<std::unique_ptr<NodeRuntime>>& nodes() { return nodes_; }
  NodeRuntime& node(models::NodeId id) { return *nodes_.at(id.value); }
  const ClientEndpoint& client(models::ClientId id) const { return clients_.at(id.value); }
  std::uint32_t region_index(const std::string& name) const {
    return sim::region_index(scenario_.topology, name);
  }

  // Sends one packet from packet.from, fire-and-forget, in order on its channel; the receiver
  // owns and frees it. A cut link or a down node loses it silently, as a real network would.
  void send(Endpoint to, Packet packet);
  const MessageCounts& messages() const { return messages_; }
  Channels& channels() { return channels_; }
  Scheduler& scheduler() { return scheduler_; }
  HandlerOutput& handler_output() { return handler_output_; }
  const Network& network() const { return network_; }
  Network& network() { return network_; }
  // The time for whoever runs now (scheduler.h: the scheduler runs ahead of the engine).
  models::TimePoint now() const { return scheduler_.now(); }
  // Breaks every connection between endpoints of region a and endpoints of region b, both ways.
  void reset_channels_between(std::uint32_t a, std::uint32_t b);
  // Breaks every connection into (or out of) the node.
  void reset_channels_to(models::NodeId node);
  void reset_channels_from(models::NodeId node);
  // Node-level cuts (partitions naming zones or replicas, one-way and partial partitions, zone
  // outages): while a channel (Channels::index of sender and receiver) is cut, packets on it
  // are dropped at send; cutting it resets it, so nothing in flight on it arrives.
  void cut_channel(std::size_t from, std::size_t to, bool cut);
  // Per-packet link faults (jitter, loss, duplication, reordering): network_faults.h.
  NetworkFaults& network_faults() { return network_faults_; }

  // The read-only feature flag (migration step set_read_only): global or per client region.
  void set_read_only(std::optional<std::uint32_t> region, bool on);
  bool writes_rejected(std::uint32_t client_region) const {
    return read_only_global_ || read_only_regions_.at(client_region);
  }
  analysis::MigrationFacts& migration() { return facts_.migration; }

  // The DNS name of the primary: points at the primary, moved when a new one takes office.
  const models::routing::DnsZone& dns_zone() const { return dns_zone_; }

  // The load balancer in front of the replicas, when the scenario has one.
  models::routing::RegionWeights region_weights(const std::map<std::string, double>& weights) const;
  models::routing::LoadBalancer* load_balancer() {
    return load_balancer_ ? &*load_balancer_ : nullptr;
  }

  // Region outages, for the region's clients (ref-counted: outages may overlap).
  void set_region_out(std::uint32_t region, bool out) { regions_out_.at(region) += out ? 1 : -1; }
  bool region_is_out(std::uint32_t region) const { return regions_out_.at(region) > 0; }
  // Zone outages, for the clients placed in the zone (ref-counted too).
  void set_clients_out(models::ClientId id, bool out) { clients_out_.at(id.value) += out ? 1 : -1; }
  bool clients_are_out(models::ClientId id) const {
    return clients_out_.at(id.value) > 0 || region_is_out(clients_.at(id.value).region);
  }

  // Link-latency faults: extra one-way delay between two regions (both directions; every
  // pair of their zones).
  void add_extra_delay(std::uint32_t a, std::uint32_t b, models::Duration one_way);

  analysis::RunFacts& facts() { return facts_; }
  // A completed client operation: kept for analysis, and written out at once when streaming.
  void record_operation(const analysis::Operation& operation);
  void stream_history_to(analysis::HistoryJsonlWriter* writer) { history_ = writer; }
  void record_trace(models::NodeId node, const models::TraceEvent& event, models::TimePoint at);
  void note_crash(models::NodeId node, models::TimePoint at);  // for elections' leaderless time

  void fail(const InvariantFailure& failure);
  const std::optional<InvariantFailure>& failure() const { return failure_; }

 private:
  const Scenario& scenario_;
  std::uint64_t seed_;
  Platform platform_;
  models::Rng root_rng_;
  std::vector<std::unique_ptr<NodeRuntime>> nodes_;
  std::vector<ClientEndpoint> clients_;
  std::vector<simgrid::s4u::Host*> endpoint_hosts() const;  // by Channels::index
  void count_messages(const Packet& packet, Endpoint to);
  MessageCounts messages_;

  // One-way propagation delay between sites (zones; s == t: inside one), faults included.
  std::vector<std::vector<models::Duration>> latency_;
  static constexpr std::uint32_t kNoSite = ~std::uint32_t{0};
  std::vector<std::uint32_t> site_by_endpoint_;  // by Channels::index; kNoSite: control
  // By Channels::index; none: control. A table, not a lookup through nodes_ and clients_:
  // World::send reads it twice per packet (the lookup was 1% of a run).
  std::vector<std::optional<std::uint32_t>> region_by_endpoint_;
  Channels channels_;
  Scheduler scheduler_;
  HandlerOutput handler_output_;  // every node's, one handler at a time
  Network network_;
  NetworkFaults network_faults_;
  std::vector<int> regions_out_;
  std::vector<int> clients_out_;  // by workload (ClientId)
  models::routing::DnsZone dns_zone_;
  std::optional<models::routing::LoadBalancer> load_balancer_;
  bool read_only_global_ = false;
  std::vector<bool> read_only_regions_;
  analysis::RunFacts facts_;
  void leader_lost(models::TimePoint at);

  std::vector<std::pair<models::Epoch, models::NodeId>> primary_of_epoch_;
  std::optional<models::NodeId> leader_;  // the last to take office, while it holds it
  std::optional<models::TimePoint> leader_lost_at_;
  std::optional<analysis::ElectionRecord> open_election_;
  std::optional<InvariantFailure> failure_;
  analysis::HistoryJsonlWriter* history_ = nullptr;
};

}  // namespace cutover::sim
