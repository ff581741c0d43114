#include "models/routing/health_check.h"

#include <string>

#include "models/core/check.h"

namespace cutover::models::routing {
namespace {

// Thresholds above this are configuration mistakes (ELB allows 2..10, Envoy has no limit); the
// bound keeps the time to react to a failure obviously finite.
constexpr std::uint32_t kThresholdMax = 100;

std::string target_name(NodeId target) { return "target " + std::to_string(target.value); }

}  // namespace

std::string HealthCheckConfig::validate() const {
  if (interval <= Duration::zero()) return "health check interval must be positive";
  if (timeout <= Duration::zero()) return "health check timeout must be positive";
  // One outstanding probe per target relies on this (and ELB enforces it).
  if (timeout >= interval) return "health check timeout must be shorter than the interval";
  if (unhealthy_threshold == 0 || unhealthy_threshold > kThresholdMax) {
    return "unhealthy threshold must be in [1, 100]";
  }
  if (healthy_threshold == 0 || healthy_threshold > kThresholdMax) {
    return "healthy threshold must be in [1, 100]";
  }
  return {};
}

HealthChecker::HealthChecker(HealthCheckConfig config) : config_(config) {
  const std::string problem = config_.validate();
  CUTOVER_CHECK(problem.empty(), problem);
}

void HealthChecker::add_target(NodeId target, TimePoint now) {
  CUTOVER_CHECK(!targets_.contains(target), target_name(target) + " is already checked");
  targets_.emplace(target, TargetState{.health = config_.initial_state,
                                       .last_transition_at = now,
                                       .next_probe_at = now});
}

void HealthChecker::remove_target(NodeId target) {
  const auto erased = targets_.erase(target);
  CUTOVER_CHECK(erased == 1, target_name(target) + " is not checked");
}

TimePoint HealthChecker::next_probe_at(NodeId target) const {
  return state_of(target).next_probe_at;
}

std::optional<TimePoint> HealthChecker::next_probe_at() const {
  std::optional<TimePoint> earliest;
  for (const auto& [target, state] : targets_) {
    if (state.probe_sent_at) continue;
    if (!earliest || state.next_probe_at < *earliest) earliest = state.next_probe_at;
  }
  return earliest;
}

std::vector<NodeId> HealthChecker::due_targets(TimePoint now) const {
  std::vector<NodeId> due;
  for (const auto& [target, state] : targets_) {
    if (!state.probe_sent_at && state.next_probe_at <= now) due.push_back(target);
  }
  return due;
}

void HealthChecker::on_probe_sent(NodeId target, TimePoint now) {
  TargetState& state = state_of(target);
  CUTOVER_CHECK(!state.probe_sent_at, target_name(target) + " already has a probe outstanding");
  CUTOVER_CHECK(now >= state.next_probe_at, target_name(target) + " probed before it was due");
  state.probe_sent_at = now;
  // Measured from the actual send, so a late caller never triggers a burst of catch-up probes.
  state.next_probe_at = now + config_.interval;
}

std::optional<HealthTransition> HealthChecker::on_probe_result(NodeId target, ProbeResult result,
                                                               TimePoint now) {
  TargetState& state = state_of(target);
  CUTOVER_CHECK(state.probe_sent_at.has_value(), target_name(target) + " has no probe out");
  CUTOVER_CHECK(now >= *state.probe_sent_at, target_name(target) + " answered before the probe");
  // An answer after the timeout is no answer: the balancer stopped waiting at the deadline.
  const bool in_time = now - *state.probe_sent_at <= config_.timeout;
  const bool ok = result == ProbeResult::kOk && in_time;
  state.probe_sent_at.reset();

  std::optional<HealthTransition> transition;
  if (count_result(state, ok)) {
    state.health = state.health == Health::kHealthy ? Health::kUnhealthy : Health::kHealthy;
    state.last_transition_at = now;
    state.consecutive_successes = 0;
    state.consecutive_failures = 0;
    transition = HealthTransition{.target = target, .to = state.health, .at = now};
  }
  check_counters(state);
  return transition;
}

bool HealthChecker::count_result(TargetState& state, bool ok) const {
  if (ok) {
    state.consecutive_failures = 0;
    ++state.consecutive_successes;
    return state.health == Health::kUnhealthy &&
           state.consecutive_successes >= config_.healthy_threshold;
  }
  state.consecutive_successes = 0;
  ++state.consecutive_failures;
  return state.health == Health::kHealthy &&
         state.consecutive_failures >= config_.unhealthy_threshold;
}

void HealthChecker::check_counters(const TargetState& state) const {
  if (state.health == Health::kHealthy) {
    CUTOVER_CHECK(state.consecutive_failures < config_.unhealthy_threshold,
                  "a healthy target reached the unhealthy threshold");
  } else {
    CUTOVER_CHECK(state.consecutive_successes < config_.healthy_threshold,
                  "an unhealthy target reached the healthy threshold");
  }
}

Health HealthChecker::health(NodeId target) const { return state_of(target).health; }

TimePoint HealthChecker::last_transition_at(NodeId target) const {
  return state_of(target).last_transition_at;
}

bool HealthChecker::probe_outstanding(NodeId target) const {
  return state_of(target).probe_sent_at.has_value();
}

const HealthChecker::TargetState& HealthChecker::state_of(NodeId target) const {
  const auto it = targets_.find(target);
  CUTOVER_CHECK(it != targets_.end(), target_name(target) + " is not checked");
  return it->second;
}

HealthChecker::TargetState& HealthChecker::state_of(NodeId target) {
  const auto it = targets_.find(target);
  CUTOVER_CHECK(it != targets_.end(), target_name(target) + " is not checked");
  return it->second;
}

}  // namespace cutover::models::routing
