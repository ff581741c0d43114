#include "models/routing/load_balancer.h"

#include <cmath>
#include <set>
#include <string>
#include <utility>

#include "models/core/check.h"

namespace cutover::models::routing {
namespace {

std::string node_name(NodeId node) { return "backend " + std::to_string(node.value); }

double weight_in(const RegionWeights& weights, RegionId region) {
  const auto it = weights.find(region);
  return it == weights.end() ? 0.0 : it->second;
}

}  // namespace

std::string validate_weights(const RegionWeights& weights) {
  for (const auto& [region, weight] : weights) {
    if (!std::isfinite(weight) || weight < 0.0) {
      return "weight of region " + std::to_string(region.value) + " must be finite and >= 0";
    }
  }
  return {};
}

LoadBalancer::LoadBalancer(std::vector<Endpoint> backends, RegionWeights weights, TimePoint now)
    : shift_{.from = weights, .to = weights, .start = now, .over = Duration::zero()},
      last_change_at_(now) {
  const std::string problem = validate_weights(weights);
  CUTOVER_CHECK(problem.empty(), problem);
  for (const Endpoint& backend : backends) add_backend(backend);
}

void LoadBalancer::add_backend(Endpoint backend) {
  const bool added = backends_.emplace(backend.node, Backend{.endpoint = backend}).second;
  CUTOVER_CHECK(added, node_name(backend.node) + " is already a backend");
}

void LoadBalancer::remove_backend(NodeId node) {
  const auto erased = backends_.erase(node);
  CUTOVER_CHECK(erased == 1, node_name(node) + " is not a backend");
}

void LoadBalancer::set_healthy(NodeId node, bool healthy) { backend_of(node).healthy = healthy; }

bool LoadBalancer::is_healthy(NodeId node) const { return backend_of(node).healthy; }

void LoadBalancer::set_weights(RegionWeights target, TimePoint now, Duration over) {
  const std::string problem = validate_weights(target);
  CUTOVER_CHECK(problem.empty(), problem);
  CUTOVER_CHECK(over >= Duration::zero(), "a traffic shift cannot take negative time");
  CUTOVER_CHECK(now >= last_change_at_, "traffic shift started back in time");
  // Start from where traffic is now, so interrupting a shift does not make weights jump.
  shift_ = Shift{.from = weights_at(now), .to = std::move(target), .start = now, .over = over};
  last_change_at_ = now;
}

RegionWeights LoadBalancer::weights_at(TimePoint now) const {
  RegionWeights weights;
  for (const auto& [region, weight] : shift_.from) weights[region] = weight_at(region, now);
  for (const auto& [region, weight] : shift_.to) weights[region] = weight_at(region, now);
  return weights;
}

double LoadBalancer::weight_at(RegionId region, TimePoint now) const {
  const double from = weight_in(shift_.from, region);
  const double to = weight_in(shift_.to, region);
  const TimePoint end = shift_.start + shift_.over;
  if (now >= end) return to;
  if (now <= shift_.start) return from;
  const double progress =
      static_cast<double>((now - shift_.start).count()) / static_cast<double>(shift_.over.count());
  return from + (to - from) * progress;
}

std::vector<std::pair<RegionId, double>> LoadBalancer::eligible_regions(TimePoint now) const {
  std::set<RegionId> healthy_regions;  // ordered: the draw walks regions in a fixed order
  for (const auto& [node, backend] : backends_) {
    if (backend.healthy) healthy_regions.insert(backend.endpoint.region);
  }
  std::vector<std::pair<RegionId, double>> weighted;
  std::vector<std::pair<RegionId, double>> fallback;  // healthy with weight 0: chosen equally
  for (RegionId region : healthy_regions) {
    const double weight = weight_at(region, now);
    if (weight > 0.0) {
      weighted.emplace_back(region, weight);
    } else {
      fallback.emplace_back(region, 1.0);
    }
  }
  return weighted.empty() ? fallback : weighted;
}

std::optional<Endpoint> LoadBalancer::pick(TimePoint now, Rng& rng) const {
  const std::vector<std::pair<RegionId, double>> regions = eligible_regions(now);
  if (regions.empty()) return std::nullopt;
  double total = 0.0;
  for (const auto& [region, weight] : regions) total += weight;
  CUTOVER_CHECK(total > 0.0, "eligible regions must have a positive total weight");

  const double draw = rng.uniform01() * total;
  RegionId chosen = regions.back().first;  // rounding can leave the draw past the last bound
  double bound = 0.0;
  for (const auto& [region, weight] : regions) {
    bound += weight;
    if (draw < bound) {
      chosen = region;
      break;
    }
  }
  const std::vector<NodeId> nodes = healthy_nodes_in(chosen);
  CUTOVER_CHECK(!nodes.empty(), "an eligible region must have a healthy backend");
  const NodeId node = nodes[rng.uniform_below(nodes.size())];
  return backend_of(node).endpoint;
}

std::vector<NodeId> LoadBalancer::healthy_nodes_in(RegionId region) const {
  std::vector<NodeId> nodes;
  for (const auto& [node, backend] : backends_) {
    if (backend.healthy && backend.endpoint.region == region) nodes.push_back(node);
  }
  return nodes;
}

void LoadBalancer::set_read_only(std::optional<RegionId> region, bool on, TimePoint now) {
  CUTOVER_CHECK(now >= last_change_at_, "read-only flag changed back in time");
  last_change_at_ = now;
  if (region) {
    read_only_regions_[*region] = on;
  } else {
    read_only_global_ = on;
  }
}

bool LoadBalancer::is_read_only(RegionId region) const {
  const auto it = read_only_regions_.find(region);
  return read_only_global_ || (it != read_only_regions_.end() && it->second);
}

Admission LoadBalancer::admit(OpKind kind, RegionId region, TimePoint now) const {
  // Flags apply from the instant they are set; a decision before the last change would be
  // judged against flags that did not exist yet.
  CUTOVER_CHECK(now >= last_change_at_, "admission asked before the latest flag change");
  if (kind == OpKind::kWrite && is_read_only(region)) return Admission::kRejectedReadOnly;
  return Admission::kAdmitted;
}

LoadBalancer::Backend& LoadBalancer::backend_of(NodeId node) {
  const auto it = backends_.find(node);
  CUTOVER_CHECK(it != backends_.end(), node_name(node) + " is not a backend");
  return it->second;
}

const LoadBalancer::Backend& LoadBalancer::backend_of(NodeId node) const {
  const auto it = backends_.find(node);
  CUTOVER_CHECK(it != backends_.end(), node_name(node) + " is not a backend");
  return it->second;
}

}  // namespace cutover::models::routing
