#include "sim/observe/health_checks.h"

#include <algorithm>
#include <map>

#include "models/routing/health_check.h"
#include "sim/transport/sim_clock.h"

namespace sg4 = simgrid::s4u;

namespace cutover::sim {

void run_health_checks(World& world) {
  const HealthCheckSettings& settings = world.scenario().load_balancer->health_check;
  models::routing::HealthChecker checker(
      models::routing::HealthCheckConfig{.interval = models::from_ms(settings.interval_ms),
                                         .timeout = models::from_ms(settings.timeout_ms),
                                         .unhealthy_threshold = settings.unhealthy_threshold,
                                         .healthy_threshold = settings.healthy_threshold});
  for (const auto& node : world.nodes()) checker.add_target(node->id, sim_now());
  std::map<models::NodeId, models::TimePoint> failing;  // probes that will time out, and when
  const models::TimePoint end = models::time_at_seconds(world.scenario().duration_s);

  while (sim_now() < end) {
    models::TimePoint wake = checker.next_probe_at().value_or(end);
    for (const auto& [node, at] : failing) wake = std::min(wake, at);
    world.scheduler().sleep_until(models::to_seconds(std::max(wake, sim_now())));
    const models::TimePoint now = sim_now();
    auto apply = [&](models::NodeId node, models::routing::ProbeResult result) {
      const auto transition = checker.on_probe_result(node, result, now);
      models::routing::LoadBalancer* balancer = world.load_balancer();
      if (transition && balancer->has_backend(node)) {
        balancer->set_healthy(node, transition->to == models::routing::Health::kHealthy);
      }
    };
    for (auto it = failing.begin(); it != failing.end();) {
      if (it->second > now) {
        ++it;
        continue;
      }
      apply(it->first, models::routing::ProbeResult::kTimedOut);
      it = failing.erase(it);
    }
    for (models::NodeId node : checker.due_targets(now)) {
      checker.on_probe_sent(node, now);
      const NodeRuntime& runtime = world.node(node);
      if (runtime.up && !world.region_is_out(runtime.region)) {
        apply(node, models::routing::ProbeResult::kOk);
      } else {
        failing[node] = now + models::from_ms(settings.timeout_ms);
      }
    }
  }
}

}  // namespace cutover::sim
