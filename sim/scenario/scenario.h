// A scenario as plain C++ values: what the loader produces from JSON and the simulator
// consumes. No JSON, no SimGrid. Every unit is in the field name. Field meanings are
// documented once, in scenarios/README.md and the JSON Schema.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "sim/scenario/fault_model.h"

namespace cutover::sim {

// An availability zone: the region's replicas are placed in its zones in order, `nodes` each.
struct Zone {
  std::string name;  // unique in the topology, and no region or replica has this name
  std::uint32_t nodes = 0;
};

struct Region {
  std::string name;
  std::uint32_t nodes = 1;       // replicas hosted in this region (with zones: their sum)
  double intra_rtt_ms = 0.5;     // round trip between two hosts of this region (of one zone)
  std::vector<Zone> zones;       // empty: the region is a single zone
  double inter_zone_rtt_ms = 0;  // with zones: round trip between hosts of two of its zones
};

// A direct link between two regions. rtt_ms is host-to-host round trip across regions.
struct Link {
  std::string region_a;
  std::string region_b;
  double rtt_ms = 0;
  double bandwidth_mbps = 0;  // each direction, megabits per second
  std::string rtt_source;     // "scenario" or the built-in table it came from
};

struct Topology {
  std::vector<Region> regions;
  std::vector<Link> links;  // after loading: exactly one per unordered region pair
};

enum class ServiceDistribution { kConstant, kExponential };

struct NodeResources {
  ServiceDistribution service_distribution = ServiceDistribution::kConstant;
  double service_time_ms = 0.1;  // mean (exponential) or exact (constant) CPU time per client op
  std::uint32_t cores = 1;       // client ops are served FIFO by this many cores
  double fsync_ms = 1.0;         // one fsync; concurrent writes share it (group commit)
  double nic_bandwidth_mbps = 10000;
};

enum class AckMode { kAsync, kSemiSync, kSync };
enum class FailoverMode { kAutomatic, kScripted };

struct ScriptedPromotion {
  double at_s = 0;
  std::string node;
};

struct PrimaryBackupSettings {
  AckMode ack = AckMode::kSemiSync;
  std::uint32_t semi_sync_acks = 1;  // k, for kSemiSync
  std::string primary_region;        // the initial primary is node 0 of this region
  double heartbeat_interval_ms = 50;
  FailoverMode failover_mode = FailoverMode::kAutomatic;
  double failover_timeout_ms = 1000;  // automatic: no heartbeat for this long starts a takeover
  std::vector<ScriptedPromotion> promotions;  // scripted mode only
};

enum class RaftReadMode { kReadIndex, kLease, kUnsafeLocal };

struct RaftSettings {
  double election_timeout_min_ms = 1000;
  double election_timeout_max_ms = 2000;
  double heartbeat_interval_ms = 100;
  bool pre_vote = true;
  bool check_quorum = true;
  RaftReadMode read_mode = RaftReadMode::kReadIndex;
  double max_clock_drift = 0.1;
  std::uint64_t snapshot_threshold_entries = 10000;
  std::uint32_t max_inflight_appends = 256;
  std::uint32_t max_entries_per_append = 256;
  bool deduplicate_writes = true;             // false: the planted bug "unsafe_no_dedup"
  std::optional<std::string> initial_leader;  // campaigns at once in a fresh cluster
  std::vector<std::string> voters;            // after loading: explicit, replica order
  std::vector<std::string> learners;
};

enum class ProtocolType { kPrimaryBackup, kRaft };

struct Protocol {
  ProtocolType type = ProtocolType::kPrimaryBackup;
  PrimaryBackupSettings primary_backup;  // kPrimaryBackup only
  RaftSettings raft;                     // kRaft only
};

enum class KeyDistribution { kUniform, kZipfian };
enum class ReadTarget { kPrimary, kLocal };

enum class RetryJitter { kFull, kEqual, kNone };

struct RetrySettings {
  std::uint32_t max_attempts = 1;  // 1: no retry (the default without a "retry" object)
  double attempt_timeout_ms = 0;   // after loading: > 0
  double initial_backoff_ms = 100;
  double max_backoff_ms = 2000;
  double multiplier = 2;
  RetryJitter jitter = RetryJitter::kFull;
};

struct ClosedLoop {
  std::uint32_t users = 1;
  double think_time_ms = 0;  // mean of an exponential pause
};

// Clients that reach the primary through a DNS name with a TTL (see the schema).
struct DnsSettings {
  double ttl_s = 60;
  std::uint32_t clients = 1000;
};

struct Workload {
  std::string region;  // where the clients are
  std::string zone;    // the zone of `region` they are in; empty: its first (or only) zone
  std::optional<DnsSettings> dns;
  double rate_per_s = 0;                  // open loop: Poisson arrivals
  std::optional<ClosedLoop> closed_loop;  // closed loop instead of rate_per_s
  RetrySettings retry;
  double write_fraction = 0.5;
  std::uint64_t key_space = 1000;
  KeyDistribution key_distribution = KeyDistribution::kUniform;
  double zipf_exponent = 0.99;
  std::uint32_t value_bytes = 256;
  ReadTarget read_from = ReadTarget::kPrimary;
  double client_timeout_ms = 1000;
};

struct RegionOutage {
  std::string region;
};
// Partitions name regions, zones or replicas ("places"). A region stands for its replicas and
// clients, a zone for its replicas and the clients placed in it.
struct Partition {
  std::vector<std::vector<std::string>> groups;  // places; no traffic crosses between groups
  // Every name is a region: the WAN links between the groups are cut (transfers in flight
  // fail). Otherwise packets between the groups' endpoints are dropped at send.
  bool regions_only = true;
};
// Packets from `from` to `to` are lost; the other direction works (to hears from, not from to).
struct OneWayPartition {
  std::vector<std::string> from;  // places
  std::vector<std::string> to;    // places
};
// The two places of each pair cannot talk, both ways; every other pair still can.
struct PartialPartition {
  std::vector<std::pair<std::string, std::string>> pairs;
};
struct LinkLatency {
  std::string region_a;
  std::string region_b;
  double extra_rtt_ms = 0;  // added to the link's round trip while the fault lasts
};

// One replica's process crashes (unsynced writes lost) and, at until_s, restarts.
struct NodeCrash {
  std::string node;  // a replica name, or kCurrentLeader
  static constexpr const char* kCurrentLeader = "leader";
};

// One replica's fsyncs take fsync_factor times as long while the fault lasts.
struct SlowDisk {
  std::string node;  // a replica name, or NodeCrash::kCurrentLeader
  double fsync_factor = 1;
};

// One replica's process freezes (a long GC pause, a stalled VM): it handles nothing until the
// fault ends, then resumes with its timers late and its inbox full.
struct ProcessPause {
  std::string node;  // a replica name, or NodeCrash::kCurrentLeader
};

// --- link degradation, between two regions, both directions ---

enum class JitterDistribution { kExponential, kUniform };

// Every packet gets an extra one-way delay drawn from the distribution (uniform: on
// [0, 2 x mean]). Streams stay in order, so a late packet holds back the ones behind it.
struct LinkJitter {
  std::string region_a;
  std::string region_b;
  JitterDistribution distribution = JitterDistribution::kExponential;
  double mean_ms = 0;
};

// Each transmission is lost with `probability`; the stream is reliable (TCP), so a lost
// packet arrives one retransmission timeout later per loss, the timeout doubling each time
// (max(rto_min_ms, path RTT), then x2, x4, ...), and holds back the packets behind it.
struct PacketLoss {
  std::string region_a;
  std::string region_b;
  double probability = 0;
  double rto_min_ms = 200;
};

// The link's bandwidth, each direction, is at most bandwidth_mbps while the fault lasts.
struct BandwidthCap {
  std::string region_a;
  std::string region_b;
  double bandwidth_mbps = 0;
};

// The link goes down at the start of every period for down_s, then comes back up.
struct LinkFlapping {
  std::string region_a;
  std::string region_b;
  double period_s = 0;
  double down_s = 0;
};

// Each packet is delivered twice with `probability` (the copy outside the stream's order), as
// a retransmitting proxy or a replayed request would.
struct MessageDuplication {
  std::string region_a;
  std::string region_b;
  double probability = 0;
};

// Each packet, with `probability`, leaves its stream's order and arrives up to max_delay_ms
// late (uniform), so later packets overtake it.
struct MessageReordering {
  std::string region_a;
  std::string region_b;
  double probability = 0;
  double max_delay_ms = 0;
};

// --- node and zone faults ---

// No fsync of the replica completes until the fault ends (one in progress included).
struct DiskStall {
  std::string node;  // a replica name, or NodeCrash::kCurrentLeader
};

// What the replica's protocol reads from its clock is off: stepped by offset_ms at the start,
// then running at (1 + drift) times real speed; its timers run on that clock. At the end the
// clock is stepped back to true time. The simulator's own records use true time.
struct ClockSkew {
  std::string node;  // a replica name, or NodeCrash::kCurrentLeader
  double offset_ms = 0;
  double drift = 0;  // fraction, > -1: 0.1 runs 10 % fast, -0.1 10 % slow
};

// An availability zone goes dark: its replicas crash, packets to and from its endpoints are
// lost, and its clients stop issuing operations.
struct ZoneOutage {
  std::string zone;
};

struct Fault {
  double at_s = 0;
  std::optional<double> until_s;  // absent: lasts until the end of the run
  std::variant<RegionOutage, Partition, LinkLatency, NodeCrash, SlowDisk, ProcessPause,
               OneWayPartition, PartialPartition, LinkJitter, PacketLoss, BandwidthCap,
               LinkFlapping, MessageDuplication, MessageReordering, DiskStall, ClockSkew,
               ZoneOutage>
      what;
};

// A health-aware load balancer in front of the replicas (see the schema).
struct HealthCheckSettings {
  double interval_ms = 1000;
  double timeout_ms = 500;
  std::uint32_t unhealthy_threshold = 2;
  std::uint32_t healthy_threshold = 2;
};
struct LoadBalancerSettings {
  std::map<std::string, double> weights;  // region -> weight; absent regions weigh 0
  HealthCheckSettings health_check;
};

// --- migration plan ---------------------------------------------------------------------------

enum class StepType {
  kAddReplicas,         // Raft: add a region's spare replicas as learners (or voters)
  kWaitUntil,           // wait until a region's replicas lag less than lag_below_ms for for_s
  kSetReadOnly,         // feature flag: writes rejected before reaching the database
  kPromote,             // Raft: learners in the region become voters; primary-backup: promote
  kTransferLeadership,  // Raft: hand leadership to the region; primary-backup: promote
  kRemoveReplicas,      // Raft: remove the region's members, one at a time
  kShiftTraffic,        // the load balancer's weights move to `weights` over over_s
  kWait,                // pause for duration_s
};

struct MigrationStep {
  std::string name;  // defaults to "<index> <type>"
  StepType type = StepType::kWait;
  std::string region;                     // every type but kWait (kSetReadOnly: empty = global)
  std::optional<std::uint32_t> count;     // kAddReplicas: how many spares (default all)
  bool as_learner = true;                 // kAddReplicas
  bool read_only = true;                  // kSetReadOnly: on or off
  double lag_below_ms = 0;                // kWaitUntil
  double for_s = 0;                       // kWaitUntil: how long the lag must stay below
  double timeout_s = 60;                  // steps that wait: the plan fails after this long
  double duration_s = 0;                  // kWait
  std::map<std::string, double> weights;  // kShiftTraffic: region -> weight
  double over_s = 0;                      // kShiftTraffic
};

enum class GuardMetric { kWriteP99Ms, kWriteErrorRate, kMaxLagMs, kWriteUnavailableMs };

// Stops the plan and runs its rollback when `metric` over the last window_s exceeds `above`
// while one of the `during` steps runs (all steps when empty).
struct Guard {
  std::string name;
  GuardMetric metric = GuardMetric::kWriteP99Ms;
  double above = 0;
  double window_s = 5;
  std::vector<std::string> during;
};

struct Migration {
  double start_at_s = 0;
  std::vector<MigrationStep> steps;
  std::vector<Guard> guards;
  std::vector<MigrationStep> rollback;
};

enum class Comparison { kLess, kLessOrEqual, kGreater, kGreaterOrEqual, kEqual };

// An assertion over one numeric report value, addressed by its dotted path
// ("latency_ms.write.p99", "data_loss.acknowledged_writes_lost", "rto_ms").
struct Slo {
  std::string name;
  std::string metric;
  Comparison comparison = Comparison::kLess;
  double limit = 0;
};

// --- cost ------------------------------------------------------------------------------------

// The price of data sent from one region to another, and where it came from.
struct EgressPrice {
  std::optional<double> usd_per_gb;  // US dollars per 10^9 bytes; nullopt: no price known
  std::string source;  // "scenario", "scenario default", a built-in table, or "unknown"
};

// Prices for the report's cost section (models/cost/cost_model.h has the conventions).
struct CostSettings {
  // After loading: [from][to] for every ordered pair of regions (the diagonal is unused), from
  // cost.egress, else the built-in table, else cost.egress_default_usd_per_gb.
  std::vector<std::vector<EgressPrice>> egress;
  std::optional<double> instance_usd_per_hour;     // per replica host
  std::optional<double> storage_usd_per_gb_month;  // per GB (10^9 bytes) for 730 hours
  std::optional<double> state_gb_per_replica;      // absent: estimated from the run's final state
};

// How the network is simulated (sim/transport/link_occupancy.h states the rule).
struct NetworkModelSettings {
  // A message skips SimGrid's bandwidth-sharing model when contention could move its arrival
  // by at most this much; 0: every message is a SimGrid flow.
  double direct_tolerance_us = 20;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string source_path;  // file it was loaded from
  std::uint64_t seed = 1;
  double duration_s = 60;
  double sample_interval_ms = 100;
  Topology topology;
  NodeResources node;
  Protocol protocol;
  std::vector<Workload> workloads;
  std::optional<LoadBalancerSettings> load_balancer;
  std::vector<Fault> faults;
  std::optional<Migration> migration;
  std::vector<Slo> slos;
  std::optional<FaultModel> explore;  // `cutover explore` only: sim/scenario/fault_model.h
  CostSettings cost;
  NetworkModelSettings network_model;
};

// Index of the region called `name` in topology.regions. REQUIRES: it exists (the loader
// refuses scenarios naming unknown regions); throws std::invalid_argument otherwise.
std::uint32_t region_index(const Topology& topology, const std::string& name);

// Replica names are "<region>-<i>", numbered in region order; NodeId i is the i-th of them.
std::vector<std::string> replica_names(const Topology& topology);

// Sites: the places that share one latency profile, numbered zone by zone in region order; a
// region without zones is one site. Latency is looked up per (site, site).
struct SiteLayout {
  std::vector<std::uint32_t> site_region;        // by site
  std::vector<std::string> site_name;            // the zone's name, or the region's
  std::vector<std::uint32_t> region_first_site;  // by region
  std::vector<std::uint32_t> node_site;          // by NodeId
};
SiteLayout site_layout(const Topology& topology);

// The site of `zone` in `region` (empty zone: the region's first site). REQUIRES: it exists.
std::uint32_t site_index(const Topology& topology, const SiteLayout& layout,
                         const std::string& region, const std::string& zone);

}  // namespace cutover::sim
