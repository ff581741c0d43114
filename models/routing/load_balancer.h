// A health-aware, weighted load balancer in front of the replicas, with the read-only feature
// flag at its front door.
//
// Who calls it: the simulator's client-side routing, for every request: first `admit` (the
// read-only flag), then `pick` (which backend gets the request); the health checker's
// transitions arrive through `set_healthy`, the migration orchestrator's traffic shifts through
// `set_weights` and `set_read_only`.
//
// Choice, in two steps, both drawn from the Rng passed in (so the same seed picks the same
// backends):
//   1. A region, with probability proportional to its current weight, among regions that have
//      at least one healthy backend. If every region with a positive weight has none, regions
//      with weight 0 that have a healthy backend are chosen with equal probability, and with
//      all weights 0 the same rule applies: this is Route 53's rule for weighted records with
//      health checks, and it keeps a region evacuated to weight 0 usable as the last resort.
//   2. A node, uniformly among the healthy backends of that region.
// With no healthy backend anywhere, `pick` returns nullopt and the request fails. This is
// deliberately fail-closed (an ALB "fails open" to all targets when all are unhealthy): the
// outage should show up as errors in the report, not be masked.
//
// Traffic shifts: `set_weights(target, now, over)` moves every region's weight linearly from
// its value at `now` (even mid-way through an earlier shift) to `target` over `over`; `over` = 0
// jumps. A staged shift is a sequence of jumps issued by the orchestrator.
//
// Read-only flag: a global flag and per-region flags. A write entering through a region whose
// flag (or the global one) is on is rejected before it reaches any node; reads always pass. The
// simulator counts such writes as rejected, not as errors of the system.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/core/message.h"
#include "models/core/rng.h"
#include "models/core/types.h"
#include "models/routing/endpoint.h"

namespace cutover::models::routing {

// Relative weights per region: only ratios matter. A region not listed has weight 0.
using RegionWeights = std::map<RegionId, double>;

// Empty when every weight is finite and non-negative, else what is wrong.
std::string validate_weights(const RegionWeights& weights);

enum class Admission : std::uint8_t { kAdmitted, kRejectedReadOnly };

class LoadBalancer {
 public:
  // Every backend starts healthy. REQUIRES: nodes unique, weights valid.
  LoadBalancer(std::vector<Endpoint> backends, RegionWeights weights, TimePoint now);

  // Backends come and go with the migration (add_replicas / remove_replicas).
  // REQUIRES: the node is not a backend yet (add), is one (remove).
  void add_backend(Endpoint backend);
  void remove_backend(NodeId node);
  bool has_backend(NodeId node) const { return backends_.contains(node); }
  // REQUIRES: `node` is a backend.
  void set_healthy(NodeId node, bool healthy);
  bool is_healthy(NodeId node) const;

  // Starts a linear shift from the weights at `now` to `target`, reached at now + over.
  // REQUIRES: target valid, over >= 0, `now` not before the previous weight or flag change.
  void set_weights(RegionWeights target, TimePoint now, Duration over);
  // Every region's weight at `now` (regions of both ends of the current shift).
  RegionWeights weights_at(TimePoint now) const;
  double weight_at(RegionId region, TimePoint now) const;

  // The backend for one request at `now`, or nullopt when no backend is healthy.
  std::optional<Endpoint> pick(TimePoint now, Rng& rng) const;

  // Turns the read-only flag of `region` on or off; nullopt is the global flag.
  void set_read_only(std::optional<RegionId> region, bool on, TimePoint now);
  bool is_read_only(RegionId region) const;
  // Whether a request of `kind` entering through `region` at `now` may proceed.
  Admission admit(OpKind kind, RegionId region, TimePoint now) const;

 private:
  struct Backend {
    Endpoint endpoint;
    bool healthy = true;
  };
  struct Shift {
    RegionWeights from;
    RegionWeights to;
    TimePoint start;
    Duration over{0};
  };

  // The regions `pick` may choose, with the weight to choose them by (step 1 above).
  std::vector<std::pair<RegionId, double>> eligible_regions(TimePoint now) const;
  std::vector<NodeId> healthy_nodes_in(RegionId region) const;
  Backend& backend_of(NodeId node);
  const Backend& backend_of(NodeId node) const;

  std::map<NodeId, Backend> backends_;  // ordered: choices are deterministic
  Shift shift_;
  bool read_only_global_ = false;
  std::map<RegionId, bool> read_only_regions_;
  TimePoint last_change_at_;  // latest flag or weight change: time must not go back
};

}  // namespace cutover::models::routing
