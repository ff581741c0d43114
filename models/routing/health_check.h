// Active health checking as load balancers do it (AWS ELB target-group health checks, Envoy's
// active health checker): the checker probes every target on a fixed interval, and a target
// changes state only after a run of consecutive results, so one lost probe does not take a
// healthy node out and one lucky probe does not bring a sick node back.
//
// Who calls it: the simulator's load-balancer actor. It asks when the next probe is due, sends
// a real probe message, and reports the result (ok, failed, or timed out after
// Config::timeout). The checker only decides; it sends nothing and reads no clock.
//
// Rules (per target):
//   - A probe is due every `interval`, measured from when the previous probe was sent (ELB's
//     fixed rate). A late send does not cause a burst: the next one is due `interval` after it.
//   - At most one probe is outstanding. ELB requires timeout < interval for the same reason:
//     a probe's result is known before the next one is due.
//   - A failed probe and a timed-out probe both count as failures; an ok reply that arrives
//     after the timeout counts as a timeout (ELB and Envoy treat a late answer as no answer).
//   - Healthy -> unhealthy after `unhealthy_threshold` consecutive failures; unhealthy ->
//     healthy after `healthy_threshold` consecutive successes. Any opposite result resets the
//     run. Counters restart at every transition.
//   - A new target starts in Config::initial_state. Healthy (the default) matches a replica
//     already serving when the run starts; unhealthy matches ELB's "initial" state, where a
//     newly registered target must pass `healthy_threshold` probes before it gets traffic.
//
// Invariants: consecutive_failures < unhealthy_threshold while healthy, and
// consecutive_successes < healthy_threshold while unhealthy (checked after every result).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/core/types.h"

namespace cutover::models::routing {

enum class Health : std::uint8_t { kHealthy, kUnhealthy };

enum class ProbeResult : std::uint8_t {
  kOk,        // the target answered that it can serve
  kFailed,    // it answered that it cannot (or the connection was refused)
  kTimedOut,  // no answer within Config::timeout
};

// Defaults are an AWS Application Load Balancer target group's; scenarios usually shorten them.
struct HealthCheckConfig {
  Duration interval = from_ms(30'000);    // between probe sends to one target
  Duration timeout = from_ms(5'000);      // a probe unanswered for this long has failed
  std::uint32_t unhealthy_threshold = 2;  // consecutive failures to mark a target down
  std::uint32_t healthy_threshold = 5;    // consecutive successes to mark a target up
  Health initial_state = Health::kHealthy;

  // Empty when valid, else what is wrong.
  std::string validate() const;
};

// A state change, for the load balancer and the trace.
struct HealthTransition {
  NodeId target;
  Health to = Health::kHealthy;
  TimePoint at;
};

class HealthChecker {
 public:
  // REQUIRES: config.validate() is empty.
  explicit HealthChecker(HealthCheckConfig config);

  // Starts checking `target` in the configured initial state; its first probe is due at once.
  // REQUIRES: `target` is not checked yet.
  void add_target(NodeId target, TimePoint now);
  // Stops checking `target` (a replica removed by the migration); an outstanding probe is
  // forgotten. REQUIRES: `target` is checked.
  void remove_target(NodeId target);

  // When the next probe to `target` is due (may be in the past if the caller is late).
  TimePoint next_probe_at(NodeId target) const;
  // The earliest due probe over all targets without an outstanding probe; nullopt when every
  // target has one outstanding or there are no targets. The caller sleeps until then.
  std::optional<TimePoint> next_probe_at() const;
  // Targets whose probe is due at `now` and not outstanding, in ascending order.
  std::vector<NodeId> due_targets(TimePoint now) const;

  // The caller sent a probe to `target` at `now`.
  // REQUIRES: the probe is due and none is outstanding for `target`.
  void on_probe_sent(NodeId target, TimePoint now);
  // The outcome of the outstanding probe to `target`; returns the state change it caused.
  // REQUIRES: a probe to `target` is outstanding and `now` is not before it was sent.
  std::optional<HealthTransition> on_probe_result(NodeId target, ProbeResult result, TimePoint now);

  Health health(NodeId target) const;
  bool is_healthy(NodeId target) const { return health(target) == Health::kHealthy; }
  // When `target` last changed state, or when it was added if it never has.
  TimePoint last_transition_at(NodeId target) const;
  bool probe_outstanding(NodeId target) const;
  const HealthCheckConfig& config() const { return config_; }

 private:
  struct TargetState {
    Health health = Health::kHealthy;
    TimePoint last_transition_at;
    TimePoint next_probe_at;
    std::optional<TimePoint> probe_sent_at;  // set while a probe is outstanding
    std::uint32_t consecutive_successes = 0;
    std::uint32_t consecutive_failures = 0;
  };

  const TargetState& state_of(NodeId target) const;
  TargetState& state_of(NodeId target);
  // Counts one result; true when it crosses the threshold of the current state.
  bool count_result(TargetState& state, bool ok) const;
  void check_counters(const TargetState& state) const;

  HealthCheckConfig config_;
  std::map<NodeId, TargetState> targets_;  // ordered: due_targets() is deterministic
};

}  // namespace cutover::models::routing
