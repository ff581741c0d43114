#include "tests/bench/bench_support.h"

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <variant>

#include <simgrid/s4u.hpp>

#include "sim/platform/platform_builder.h"
#include "sim/run.h"
#include "sim/scenario/scenario_loader.h"

#include <sys/wait.h>
#include <unistd.h>

namespace sg4 = simgrid::s4u;

namespace cutover::bench {

RunFigures run_counted(const sim::Scenario& scenario, std::uint64_t seed) {
  RunFigures figures;
  const sim::RunResult result = sim::run_simulation(scenario, {.seed = seed});
  figures.messages = result.messages;
  figures.direct = result.transfers.direct;
  figures.flows = result.transfers.flows;
  figures.events = result.events;
  figures.wall_s = result.wall_s;
  figures.simulated_s = result.facts.simulated_s;
  figures.operations = result.facts.operations.size();
  figures.ok = !result.failure.has_value();
  if (result.failure) figures.error = result.failure->what;
  return figures;
}

namespace {

struct Ping {
  std::uint64_t sequence = 0;
};

constexpr double kPingBytes = 64;

// Two single-replica regions with a built-in RTT; only the hosts and links are used.
constexpr const char* kBareScenario = R"({
  "name": "bare-ping-pong", "description": "Platform for the bare SimGrid exchange.",
  "duration_s": 1,
  "topology": {"regions": [{"name": "us-east-1", "nodes": 1}, {"name": "eu-west-1", "nodes": 1}]},
  "protocol": {"type": "primary_backup", "ack": "async", "primary_region": "us-east-1"},
  "workload": [{"region": "us-east-1", "rate_per_s": 1}]
})";

void send_detached(sg4::Mailbox* to, std::uint64_t sequence) {
  to->put_init(new Ping{sequence}, kPingBytes)->detach([](void* payload) {
    delete static_cast<Ping*>(payload);
  });
}

}  // namespace

RunFigures run_bare_ping_pong(std::uint64_t messages) {
  sim::LoadResult loaded = sim::load_scenario_text(kBareScenario, "bare-ping-pong");
  if (auto* error = std::get_if<sim::LoadError>(&loaded)) {
    throw std::runtime_error(error->message());
  }
  const sim::Scenario& scenario = std::get<sim::Scenario>(loaded);
  sg4::Engine engine("bare-ping-pong");
  sim::configure_engine();
  const sim::Platform platform = sim::build_platform(scenario.topology, scenario.node);
  sg4::Mailbox* a = sg4::Mailbox::by_name("bare/a");
  sg4::Mailbox* b = sg4::Mailbox::by_name("bare/b");
  const std::uint64_t rounds = messages / 2;
  RunFigures figures;
  sg4::Actor::create("ping", platform.node_hosts.at(0), [a, b, rounds, &figures] {
    for (std::uint64_t i = 0; i < rounds; ++i) {
      send_detached(b, i);
      std::unique_ptr<Ping> reply(a->get<Ping>());
      figures.messages.protocol += 2;
    }
  });
  sg4::Actor::create("pong", platform.node_hosts.at(1), [a, b, rounds] {
    for (std::uint64_t i = 0; i < rounds; ++i) {
      std::unique_ptr<Ping> ping(b->get<Ping>());
      send_detached(a, ping->sequence);
    }
  });
  const auto start = std::chrono::steady_clock::now();
  engine.run();
  figures.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  figures.simulated_s = sg4::Engine::get_clock();
  figures.ok = figures.messages.protocol == 2 * rounds;
  return figures;
}

namespace {

bool write_all(int fd, const void* data, std::size_t size) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, bytes, size);
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t size) {
  char* bytes = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, bytes, size);
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The plain part of RunFigures that crosses the pipe (the error string does not).
struct WireFigures {
  bool ok;
  double wall_s;
  double simulated_s;
  std::uint64_t operations;
  MessageCounts messages;
  std::uint64_t direct;
  std::uint64_t flows;
};

}  // namespace

RunFigures in_child(const std::function<RunFigures()>& body) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    int code = 0;
    try {
      const RunFigures figures = body();
      const WireFigures wire{figures.ok,         figures.wall_s,   figures.simulated_s,
                             figures.operations, figures.messages, figures.direct,
                             figures.flows};
      if (!write_all(fds[1], &wire, sizeof wire)) code = 2;
    } catch (...) {
      code = 3;
    }
    ::close(fds[1]);
    ::_exit(code);  // no static destructors: the engine stays as it is
  }
  ::close(fds[1]);
  WireFigures wire{};
  RunFigures figures;
  const bool got = read_all(fds[0], &wire, sizeof wire);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    figures.error = "child failed (status " + std::to_string(status) + ")";
    return figures;
  }
  figures.ok = wire.ok;
  figures.wall_s = wire.wall_s;
  figures.simulated_s = wire.simulated_s;
  figures.operations = wire.operations;
  figures.messages = wire.messages;
  figures.direct = wire.direct;
  figures.flows = wire.flows;
  if (!figures.ok) figures.error = "the run reported a failure";
  return figures;
}

sim::Scenario load_scenario_or_throw(const std::string& path) {
  sim::LoadResult loaded = sim::load_scenario_file(path);
  if (auto* error = std::get_if<sim::LoadError>(&loaded)) {
    throw std::runtime_error(error->message());
  }
  return std::get<sim::Scenario>(std::move(loaded));
}

}  // namespace cutover::bench
