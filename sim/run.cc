#include "sim/run.h"

#include <algorithm>
#include <chrono>

#include "analysis/history_jsonl.h"
#include "sim/faults/fault_controller.h"
#include "sim/node/node_actor.h"
#include "sim/observe/health_checks.h"
#include "sim/observe/observer.h"
#include "sim/observe/orchestrator.h"
#include "sim/platform/platform_builder.h"
#include "sim/scenario/cost_facts.h"
#include "sim/workload/client_actor.h"

namespace sg4 = simgrid::s4u;

namespace cutover::sim {
namespace {

// The run lasts duration_s plus the longest client timeout, so every operation issued
// before the end gets its answer or its timeout.
double end_of_run_s(const Scenario& scenario) {
  double drain_ms = 0;
  for (const Workload& workload : scenario.workloads) {
    drain_ms = std::max(drain_ms, workload.client_timeout_ms);
  }
  return scenario.duration_s + drain_ms / 1000.0;
}

// An actor that acts on the world only when it wakes from Scheduler::sleep_until, so the
// scheduler knows how far it may run ahead (scheduler.h).
template <typename Body>
void start_timed_actor(World& world, const std::string& name, sg4::Host* host, Body body) {
  sg4::ActorPtr actor = sg4::Actor::create(name, host, [&world, body] {
    body();
    world.scheduler().actor_done(sg4::this_actor::get_pid());
  });
  world.scheduler().expect_actor(actor->get_pid());
}

void start_actors(World& world, const RunOptions& options, double end_s) {
  for (auto& node : world.nodes()) start_node(world, *node);
  for (std::size_t i = 0; i < world.scenario().workloads.size(); ++i) {
    start_clients(world, models::ClientId(static_cast<std::uint32_t>(i)));
  }
  const Platform& platform = world.platform();
  const models::TimePoint end = models::time_at_seconds(end_s);
  sg4::Actor::create("scheduler", platform.scheduler_host, [&world, end] {
    world.scheduler().run(world.network(), end, [&world] { return !world.failure(); });
  });
  start_timed_actor(world, "faults", platform.observer_host,
                    [&world] { run_fault_controller(world); });
  if (world.scenario().load_balancer) {
    start_timed_actor(world, "health", platform.observer_host,
                      [&world] { run_health_checks(world); });
  }
  if (world.scenario().migration) {
    start_timed_actor(world, "orchestrator", platform.observer_host,
                      [&world] { run_orchestrator(world); });
  }
  const SamplerOptions sampler{.end = end, .show_progress = options.show_progress};
  start_timed_actor(world, "sampler", platform.observer_host,
                    [&world, sampler] { run_sampler(world, sampler); });
}

}  // namespace

RunResult run_simulation(const Scenario& scenario, const RunOptions& options) {
  const auto wall_start = std::chrono::steady_clock::now();  // report's run section only
  sg4::Engine engine("cutover");
  configure_engine();
  World world(scenario, options.seed, build_platform(scenario.topology, scenario.node));
  world.facts().cost = cost_facts(scenario);
  std::optional<analysis::HistoryJsonlWriter> history;
  if (options.history != nullptr) {
    history.emplace(*options.history, world.facts().regions, world.facts().replicas);
    world.stream_history_to(&*history);
  }
  const double end_s = end_of_run_s(scenario);
  start_actors(world, options, end_s);
  engine.run_until(end_s);

  RunResult result;
  result.failure = world.failure();
  result.messages = world.messages();
  result.transfers = world.network().counts();
  result.events = world.scheduler().events_handled();
  world.facts().simulated_s = sg4::Engine::get_clock();
  world.facts().final_state = read_final_state(world);
  world.facts().replica_states = read_replica_states(world);
  for (const analysis::StepRecord& step : world.facts().migration.steps) {
    // Each step of a migration plan is a phase of the report (names without dots: they are
    // path segments of metric names).
    std::string name = step.name;
    std::replace(name.begin(), name.end(), '.', '_');
    world.facts().phases.push_back(
        analysis::Phase{.name = name, .start = step.start, .end = step.end});
  }
  result.facts = std::move(world.facts());
  result.wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

}  // namespace cutover::sim
