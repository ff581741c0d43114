// What a run costs in US dollars: bytes sent between regions (egress), instance hours, storage,
// and the extra instances a migration keeps running while the old and the new placement are
// both live ("dual running"). Pure arithmetic over what a run measured; analysis/report.cc
// turns it into the report's `cost` section, and prices come from the scenario (see
// sim/scenario/region_egress_table.h for the built-in egress prices).
//
// Conventions, stated once here and in the docs:
//   * GB = 10^9 bytes (kBytesPerGb), the unit cloud price lists bill egress and storage in;
//   * a month = 730 hours (kHoursPerMonth, 8760 / 12), the unit price lists use for
//     "per GB-month";
//   * egress is billed to the sending region, per ordered pair [from][to]; traffic inside a
//     region is free here (the simulator has no zones);
//   * an unknown price is nullopt, never 0: a total that includes unpriced bytes is unknown.
//
// Regions and nodes are indices (the caller's order); times are seconds since the start of the
// run. No SimGrid, no JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace cutover::models::cost {

inline constexpr double kBytesPerGb = 1e9;
inline constexpr double kHoursPerMonth = 730;
inline constexpr double kSecondsPerHour = 3600;

using ByteMatrix = std::vector<std::vector<std::uint64_t>>;           // [from][to]
using PriceMatrix = std::vector<std::vector<std::optional<double>>>;  // [from][to], USD per GB

// Everything a run is priced with. Any price may be unknown (nullopt).
struct Prices {
  PriceMatrix egress_usd_per_gb;  // square, one row per region; the diagonal is unused
  std::optional<double> instance_usd_per_hour;     // one node (replica host) for one hour
  std::optional<double> storage_usd_per_gb_month;  // one GB stored for one 730-hour month
};

// Dollars for `bytes` at `usd_per_gb`. REQUIRES: usd_per_gb >= 0.
double egress_usd(std::uint64_t bytes, double usd_per_gb);

// Bytes of one class (or all) and their price. usd is nullopt when unpriced_bytes > 0.
struct EgressTotal {
  std::uint64_t bytes = 0;
  std::uint64_t unpriced_bytes = 0;  // sent over pairs with no known price
  std::optional<double> usd = 0.0;   // nothing sent costs nothing
};

// One ordered region pair that carried traffic.
struct PairCharge {
  std::uint32_t from = 0;
  std::uint32_t to = 0;
  std::optional<double> usd_per_gb;
  EgressTotal replication;  // node to node
  EgressTotal client;       // client to node and back
  EgressTotal total;
};

struct TrafficCharge {
  std::vector<PairCharge> pairs;  // pairs of distinct regions with bytes > 0, by (from, to)
  EgressTotal replication;
  EgressTotal client;
  EgressTotal total;
};

// Prices both traffic classes over every ordered pair of distinct regions.
// REQUIRES: both matrices and prices.egress_usd_per_gb are square and the same size.
TrafficCharge charge_traffic(const ByteMatrix& replication, const ByteMatrix& client,
                             const PriceMatrix& egress_usd_per_gb);

// A replica starting or stopping to be billed: it joins the cluster (an operator provisioned it
// for the migration) or its removal from the cluster has taken effect.
struct MembershipChange {
  double at_s = 0;
  std::uint32_t node = 0;
  bool joined = true;
};

// Which nodes are billed when: a node is billed from the start of the run if it is a member
// then, from each join until the next leave, and to the end of the run otherwise. Repeated
// joins (or leaves) of a node are idempotent.
class NodeTimeline {
 public:
  // REQUIRES: every change names a node < billed_at_start.size(); changes in time order.
  NodeTimeline(std::vector<bool> billed_at_start, std::vector<MembershipChange> changes);

  std::size_t nodes() const { return billed_at_start_.size(); }
  // Seconds node `node` is billed within [from_s, to_s).
  double billed_seconds(std::uint32_t node, double from_s, double to_s) const;
  // Node-seconds billed within [from_s, to_s), all nodes.
  double node_seconds(double from_s, double to_s) const;
  // Nodes billed at instant t_s (changes at t_s have taken effect).
  std::uint32_t billed_at(double t_s) const;
  // Nodes billed just before t_s (changes at t_s have not taken effect yet).
  std::uint32_t billed_before(double t_s) const;
  // Node-seconds within [from_s, to_s) above `baseline` nodes: the integral of
  // max(0, billed_at(t) - baseline).
  double node_seconds_above(std::uint32_t baseline, double from_s, double to_s) const;
  // The largest billed_at(t) for t in [from_s, to_s).
  std::uint32_t max_billed(double from_s, double to_s) const;

 private:
  // Instants where the billed set may change, within (from_s, to_s), plus both ends, sorted.
  std::vector<double> breakpoints(double from_s, double to_s) const;
  // Nodes billed after applying every change for which `applies(change.at_s)` holds.
  template <typename Applies>
  std::uint32_t billed_after(Applies applies) const;

  std::vector<bool> billed_at_start_;
  std::vector<MembershipChange> changes_;
};

// Dual running during a migration window [start_s, end_s): the nodes billed beyond the larger
// of the placement before the window (billed_at(start_s)) and the one after it
// (billed_at(end_s)), i.e. the replicas that exist only because both placements are live at
// once. A plan that grows the cluster (3 -> 5) has no dual running in the 2 nodes it keeps;
// an evacuation (3 here, then 3 + 3, then 3 there) has 3 extra nodes while both run.
struct DualRunning {
  std::uint32_t baseline_nodes = 0;  // max(before, after)
  std::uint32_t peak_nodes = 0;      // the most nodes billed at once in the window
  double extra_node_seconds = 0;     // integral of max(0, billed - baseline)
};
DualRunning dual_running(const NodeTimeline& timeline, double start_s, double end_s);

// Dollars for node-seconds of instances. REQUIRES: usd_per_hour >= 0.
double instance_usd(double node_seconds, double usd_per_hour);

// GB-months of `bytes` kept for `seconds`.
double gb_months(double bytes, double seconds);

}  // namespace cutover::models::cost
