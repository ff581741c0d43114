// One simulation run: builds the engine, platform and actors for a scenario, runs it, and
// hands back what analysis needs. Everything a run needs hangs off this call; SimGrid's
// engine is a process singleton, so a process runs one simulation.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>

#include "analysis/history.h"
#include "sim/scenario/scenario.h"
#include "sim/world.h"

namespace cutover::sim {

struct RunOptions {
  std::uint64_t seed = 1;
  bool show_progress = false;
  // Where each client operation is written (one JSON line) as it completes; none: not written.
  std::ostream* history = nullptr;
};

struct RunResult {
  analysis::RunFacts facts;
  std::optional<InvariantFailure> failure;
  double wall_s = 0;  // wall-clock time of the simulation, for the report's run section
  MessageCounts messages;
  TransferCounts transfers;
  std::uint64_t events = 0;  // handled by the scheduler (sim/transport/scheduler.h)
};

RunResult run_simulation(const Scenario& scenario, const RunOptions& options);

}  // namespace cutover::sim
