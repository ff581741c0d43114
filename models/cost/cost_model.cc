#include "models/cost/cost_model.h"

#include <algorithm>
#include <string>
#include <utility>

#include "models/core/check.h"

namespace cutover::models::cost {
namespace {

void add_bytes(EgressTotal& total, std::uint64_t bytes, std::optional<double> usd_per_gb) {
  if (bytes == 0) return;  // an unknown price for nothing sent leaves the total known
  total.bytes += bytes;
  if (!usd_per_gb) {
    total.unpriced_bytes += bytes;
    total.usd.reset();
  } else if (total.usd) {
    *total.usd += egress_usd(bytes, *usd_per_gb);
  }
}

void require_square(const std::size_t size, const ByteMatrix& matrix, const char* what) {
  CUTOVER_CHECK(matrix.size() == size, std::string(what) + " matrix has the wrong size");
  for (const auto& row : matrix) {
    CUTOVER_CHECK(row.size() == size, std::string(what) + " matrix is not square");
  }
}

}  // namespace

double egress_usd(std::uint64_t bytes, double usd_per_gb) {
  CUTOVER_CHECK(usd_per_gb >= 0, "negative egress price");
  return static_cast<double>(bytes) / kBytesPerGb * usd_per_gb;
}

TrafficCharge charge_traffic(const ByteMatrix& replication, const ByteMatrix& client,
                             const PriceMatrix& egress_usd_per_gb) {
  const std::size_t regions = egress_usd_per_gb.size();
  require_square(regions, replication, "replication");
  require_square(regions, client, "client");
  TrafficCharge charge;
  for (std::uint32_t from = 0; from < regions; ++from) {
    CUTOVER_CHECK(egress_usd_per_gb[from].size() == regions, "price matrix is not square");
    for (std::uint32_t to = 0; to < regions; ++to) {
      const std::uint64_t replicated = replication[from][to];
      const std::uint64_t served = client[from][to];
      if (from == to || replicated + served == 0) continue;
      PairCharge pair{.from = from, .to = to, .usd_per_gb = egress_usd_per_gb[from][to]};
      add_bytes(pair.replication, replicated, pair.usd_per_gb);
      add_bytes(pair.client, served, pair.usd_per_gb);
      for (std::uint64_t bytes : {replicated, served})
        add_bytes(pair.total, bytes, pair.usd_per_gb);
      add_bytes(charge.replication, replicated, pair.usd_per_gb);
      add_bytes(charge.client, served, pair.usd_per_gb);
      for (std::uint64_t bytes : {replicated, served}) {
        add_bytes(charge.total, bytes, pair.usd_per_gb);
      }
      charge.pairs.push_back(pair);
    }
  }
  return charge;
}

NodeTimeline::NodeTimeline(std::vector<bool> billed_at_start, std::vector<MembershipChange> changes)
    : billed_at_start_(std::move(billed_at_start)), changes_(std::move(changes)) {
  for (std::size_t i = 0; i < changes_.size(); ++i) {
    CUTOVER_CHECK(changes_[i].node < billed_at_start_.size(),
                  "membership change of unknown node " + std::to_string(changes_[i].node));
    CUTOVER_CHECK(i == 0 || changes_[i - 1].at_s <= changes_[i].at_s,
                  "membership changes out of time order");
  }
}

double NodeTimeline::billed_seconds(std::uint32_t node, double from_s, double to_s) const {
  CUTOVER_CHECK(node < billed_at_start_.size(), "unknown node " + std::to_string(node));
  if (to_s <= from_s) return 0;
  double total = 0;
  bool billed = billed_at_start_[node];
  double since_s = from_s;  // start of the current state, clipped to the window
  for (const MembershipChange& change : changes_) {
    if (change.node != node || change.joined == billed) continue;
    const double at_s = std::clamp(change.at_s, from_s, to_s);
    if (billed) total += at_s - since_s;
    billed = change.joined;
    since_s = at_s;
  }
  if (billed) total += to_s - since_s;
  return total;
}

double NodeTimeline::node_seconds(double from_s, double to_s) const {
  double total = 0;
  for (std::uint32_t node = 0; node < billed_at_start_.size(); ++node) {
    total += billed_seconds(node, from_s, to_s);
  }
  return total;
}

template <typename Applies>
std::uint32_t NodeTimeline::billed_after(Applies applies) const {
  std::vector<bool> billed = billed_at_start_;
  for (const MembershipChange& change : changes_) {
    if (!applies(change.at_s)) break;  // changes are in time order
    billed[change.node] = change.joined;
  }
  return static_cast<std::uint32_t>(std::count(billed.begin(), billed.end(), true));
}

std::uint32_t NodeTimeline::billed_at(double t_s) const {
  return billed_after([t_s](double at_s) { return at_s <= t_s; });
}

std::uint32_t NodeTimeline::billed_before(double t_s) const {
  return billed_after([t_s](double at_s) { return at_s < t_s; });
}

std::vector<double> NodeTimeline::breakpoints(double from_s, double to_s) const {
  std::vector<double> points{from_s};
  for (const MembershipChange& change : changes_) {
    if (change.at_s > from_s && change.at_s < to_s) points.push_back(change.at_s);
  }
  points.push_back(to_s);
  return points;  // sorted: changes_ is in time order
}

double NodeTimeline::node_seconds_above(std::uint32_t baseline, double from_s, double to_s) const {
  if (to_s <= from_s) return 0;
  const std::vector<double> points = breakpoints(from_s, to_s);
  double total = 0;
  for (std::size_t i = 0; i + 1 < points.size(); ++i) {
    // The count is constant on [points[i], points[i + 1]).
    const std::uint32_t count = billed_at(points[i]);
    if (count > baseline) total += (count - baseline) * (points[i + 1] - points[i]);
  }
  return total;
}

std::uint32_t NodeTimeline::max_billed(double from_s, double to_s) const {
  std::uint32_t most = 0;
  const std::vector<double> points = breakpoints(from_s, to_s);
  for (std::size_t i = 0; i + 1 < points.size(); ++i) most = std::max(most, billed_at(points[i]));
  return most;
}

DualRunning dual_running(const NodeTimeline& timeline, double start_s, double end_s) {
  CUTOVER_CHECK(start_s <= end_s, "migration window ends before it starts");
  DualRunning dual;
  // Changes at start_s are the window's own, so "before" excludes them.
  dual.baseline_nodes = std::max(timeline.billed_before(start_s), timeline.billed_at(end_s));
  dual.peak_nodes = timeline.max_billed(start_s, end_s);
  dual.extra_node_seconds = timeline.node_seconds_above(dual.baseline_nodes, start_s, end_s);
  return dual;
}

double instance_usd(double node_seconds, double usd_per_hour) {
  CUTOVER_CHECK(usd_per_hour >= 0, "negative instance price");
  return node_seconds / kSecondsPerHour * usd_per_hour;
}

double gb_months(double bytes, double seconds) {
  return bytes / kBytesPerGb * (seconds / kSecondsPerHour / kHoursPerMonth);
}

}  // namespace cutover::models::cost
