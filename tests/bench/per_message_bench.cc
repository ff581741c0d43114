// Per-message cost: messages per wall second through cutover's whole stack vs a bare SimGrid
// mailbox ping-pong built into the same binary, run in the same invocation (each simulation
// in its own forked child, see bench_support.h). Google Benchmark, manual time = the wall
// time of the simulation, one simulation per iteration, repeated.
//
// Extra flags (before Google Benchmark's own):
//   --scenario=PATH        scenario for cutover's side (default scenarios/bench/reference.json)
//   --duration_s=S         simulated seconds of cutover's run (default 5; fault and migration
//                          times are scaled by the same factor so they still happen)
//   --bare_messages=N      messages of the bare exchange (default 200000)
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "tests/bench/bench_support.h"
#include <benchmark/benchmark.h>

namespace {

using namespace cutover;

std::string g_scenario = CUTOVER_SOURCE_DIR "/scenarios/bench/reference.json";
double g_duration_s = 5;
std::uint64_t g_bare_messages = 200000;

sim::Scenario shortened_scenario() {
  sim::Scenario scenario = bench::load_scenario_or_throw(g_scenario);
  const double factor = g_duration_s < scenario.duration_s ? g_duration_s / scenario.duration_s : 1;
  scenario.duration_s = g_duration_s;
  for (sim::Fault& fault : scenario.faults) {
    fault.at_s *= factor;
    if (fault.until_s) *fault.until_s *= factor;
  }
  if (scenario.migration) scenario.migration->start_at_s *= factor;
  scenario.sample_interval_ms = std::min(scenario.sample_interval_ms, g_duration_s * 1000);
  return scenario;
}

bench::RunFigures bare() {
  return bench::in_child([] { return bench::run_bare_ping_pong(g_bare_messages); });
}

bench::RunFigures cutover_run(const sim::Scenario& scenario) {
  return bench::in_child([&scenario] { return bench::run_counted(scenario, scenario.seed); });
}

double per_s(std::uint64_t count, double wall_s) { return static_cast<double>(count) / wall_s; }

void BM_BareMailboxPingPong(benchmark::State& state) {
  for (auto _ : state) {
    const bench::RunFigures f = bare();
    if (!f.ok) {
      state.SkipWithError(f.error.c_str());
      break;
    }
    state.SetIterationTime(f.wall_s);
    state.counters["msg_per_s"] = per_s(f.messages.total(), f.wall_s);
    state.counters["us_per_msg"] = 1e6 * f.wall_s / static_cast<double>(f.messages.total());
  }
}

// Both sides in one iteration, so each ratio compares two runs made back to back.
void BM_PerMessageRatio(benchmark::State& state) {
  const sim::Scenario scenario = shortened_scenario();
  for (auto _ : state) {
    const bench::RunFigures b = bare();
    const bench::RunFigures c = cutover_run(scenario);
    if (!b.ok || !c.ok) {
      state.SkipWithError((b.ok ? c.error : b.error).c_str());
      break;
    }
    state.SetIterationTime(c.wall_s);
    const double bare_rate = per_s(b.messages.total(), b.wall_s);
    const double all_rate = per_s(c.messages.total(), c.wall_s);
    const double protocol_rate = per_s(c.messages.protocol, c.wall_s);
    state.counters["bare_msg_per_s"] = bare_rate;
    state.counters["cutover_msg_per_s"] = all_rate;
    state.counters["cutover_protocol_msg_per_s"] = protocol_rate;
    state.counters["ratio_all"] = all_rate / bare_rate;
    state.counters["ratio_protocol"] = protocol_rate / bare_rate;
    // Coalesced messages share a transfer (sim/transport/packet.h): the ratio per transfer
    // charges a transfer's whole cost to one message, as the bare exchange does.
    state.counters["ratio_transfers"] = per_s(c.messages.transfers, c.wall_s) / bare_rate;
    state.counters["cutover_messages"] = static_cast<double>(c.messages.total());
    state.counters["cutover_protocol_messages"] = static_cast<double>(c.messages.protocol);
    state.counters["cutover_client_messages"] =
        static_cast<double>(c.messages.client_request + c.messages.client_reply);
    state.counters["cutover_operations"] = static_cast<double>(c.operations);
    state.counters["sim_s_per_wall_s"] = c.simulated_s / c.wall_s;
  }
}

BENCHMARK(BM_BareMailboxPingPong)
    ->UseManualTime()
    ->Iterations(1)
    ->Repetitions(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PerMessageRatio)
    ->UseManualTime()
    ->Iterations(1)
    ->Repetitions(3)
    ->Unit(benchmark::kMillisecond);

// Takes our flags out of argv before Google Benchmark sees it.
void parse_own_flags(int& argc, char** argv) {
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value_of = [&](const std::string& flag) -> const char* {
      return arg.rfind(flag + "=", 0) == 0 ? argv[i] + flag.size() + 1 : nullptr;
    };
    if (const char* v = value_of("--scenario")) {
      g_scenario = v;
    } else if (const char* v2 = value_of("--duration_s")) {
      g_duration_s = std::atof(v2);
    } else if (const char* v3 = value_of("--bare_messages")) {
      g_bare_messages = std::strtoull(v3, nullptr, 10);
    } else {
      rest.push_back(argv[i]);
    }
  }
  argc = static_cast<int>(rest.size());
  for (int i = 0; i < argc; ++i) argv[i] = rest[static_cast<std::size_t>(i)];
}

}  // namespace

int main(int argc, char** argv) {
  parse_own_flags(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("cutover_scenario", g_scenario);
  benchmark::AddCustomContext("cutover_duration_s", std::to_string(g_duration_s));
  benchmark::AddCustomContext("bare_messages", std::to_string(g_bare_messages));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
