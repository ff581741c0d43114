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

namespace cutover::bench {

// Messages handed to SimGrid (one detached put each), by who sends them to whom. Sender and
// receiver are told apart by host and mailbox name: replicas run on hosts named after
// themselves, clients on "clients@<region>", the orchestrator and fault controller on
// "observer"; nodes receive on "node/<name>", clients on "clients/<i>".
struct MessageCounts {
  std::uint64_t protocol = 0;        // replica -> replica (Raft / primary-backup messages)
  std::uint64_t client_request = 0;  // clients -> replica
  std::uint64_t client_reply = 0;    // replica -> clients
  std::uint64_t control = 0;         // observer (orchestrator) -> replica, and anything else
  std::uint64_t total() const { return protocol + client_request + client_reply + control; }
};

// Connects a Comm::on_send callback that counts into `counts` (call before the engine runs).
void count_messages_into(MessageCounts& counts);

struct RunFigures {
  bool ok = false;
  double wall_s = 0;       // wall time of the simulation itself (engine run), seconds
  double simulated_s = 0;  // simulated seconds covered
  std::uint64_t operations = 0;
  MessageCounts messages;
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
