// Shared by the benchmarks in tests/bench (not by the test suite): counting the messages a
// run sends, running a simulation in a forked child, and the bare SimGrid exchange that
// cutover's per-message cost is compared with.
//
// Why fork: SimGrid's engine is a process singleton (see sim/run.h), so one process runs one
// simulation. Each measured simulation runs in a child forked from a process that never
// created an engine, and sends its figures back through a pipe. The parent, the binary and
// the invocation stay the same, so ratios are measured within one run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sim/scenario/scenario.h"
#include "sim/world.h"

namespace cutover::bench {

// Messages a run sends, by kind, each coalesced one counted, and the transfers that carried
// them (counted by World::send, see sim/world.h).
using MessageCounts = sim::MessageCounts;

struct RunFigures {
  bool ok = false;
  double wall_s = 0;       // wall time of the simulation itself (engine run), seconds
  double simulated_s = 0;  // simulated seconds covered
  std::uint64_t operations = 0;
  MessageCounts messages;
  std::uint64_t direct = 0;  // of which delivered without SimGrid (sim/transport/network.h)
  std::uint64_t flows = 0;   // and as SimGrid flows
  std::uint64_t events = 0;  // the scheduler's events: the simulation's unit of work
  std::string error;
};

// Runs the scenario through sim::run_simulation (the whole stack: platform, actors, protocol
// code, transport) in this process, counting messages. Call at most once per process.
RunFigures run_counted(const sim::Scenario& scenario, std::uint64_t seed);

// The bare exchange: two actors on two hosts of different regions (built by cutover's own
// platform builder with configure_engine's settings) ping-pong `messages` detached messages
// in total. wall_s covers Engine::run only. Call at most once per process.
RunFigures run_bare_ping_pong(std::uint64_t messages);

// Runs `body` in a forked child and returns what it returned; ok=false if the child died.
RunFigures in_child(const std::function<RunFigures()>& body);

// Loads a scenario file or throws std::runtime_error with the loader's one-line message.
sim::Scenario load_scenario_or_throw(const std::string& path);

}  // namespace cutover::bench
