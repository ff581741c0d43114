// The report's run section counts messages, not transfers: a handler that sends several
// messages to one receiver at once hands them over as one transfer (sim/transport/packet.h),
// and a ReadIndex round that answers many reads of one client region at once is the common
// case. A user sizing a run by its messages, and the benchmarks that divide wall time by
// them, must see every message.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/sim/cli_runner.h"

namespace cutover::sim {
namespace {

using nlohmann::json;
using test_support::run_scenario;
using test_support::ScenarioRun;

// Three Raft replicas and their clients in one region, reads served by the leader after a
// ReadIndex round, nothing failing and no client giving up: every operation is one request,
// and every answered one one reply (the last few are still in flight when the run ends).
json busy_leader() {
  return json::parse(R"({
    "name": "message-counts", "description": "Reads batched by ReadIndex rounds.",
    "seed": 3, "duration_s": 4,
    "topology": {"regions": [{"name": "us-east-1", "nodes": 3, "intra_rtt_ms": 0.5}]},
    "node": {"service_time_ms": {"distribution": "constant", "mean": 0.05}, "cores": 4,
             "fsync_ms": 1},
    "protocol": {"type": "raft", "initial_leader": "us-east-1-0"},
    "workload": [{"region": "us-east-1", "rate_per_s": 2000, "write_fraction": 0.2,
                  "key_space": 1000, "value_bytes": 256, "read_from": "primary",
                  "client_timeout_ms": 5000}]
  })");
}

TEST(MessageCounts, EveryCoalescedMessageIsCountedAndTransfersAreCountedApart) {
  const ScenarioRun run = run_scenario(busy_leader());
  ASSERT_EQ(run.command.exit_code, 0) << run.command.err;
  const json& ops = run.report.at("ops");
  std::uint64_t attempted = 0;
  std::uint64_t answered = 0;
  for (const char* kind : {"read", "write"}) {
    const json& counts = ops.at(kind);
    ASSERT_EQ(counts.at("timed_out").get<std::uint64_t>(), 0u) << kind;
    attempted += counts.at("attempted").get<std::uint64_t>();
    answered += counts.at("ok").get<std::uint64_t>() + counts.at("failed").get<std::uint64_t>() +
                counts.at("rejected").get<std::uint64_t>();
  }
  ASSERT_GT(attempted, 7000u);
  ASSERT_GT(answered, attempted - 20);  // the run ends with a few in flight

  const json& messages = run.report.at("run").at("messages");
  EXPECT_EQ(messages.at("client_request").get<std::uint64_t>(), attempted);
  EXPECT_EQ(messages.at("client_reply").get<std::uint64_t>(), answered);
  EXPECT_EQ(messages.at("control").get<std::uint64_t>(), 0u);

  const json& transfers = run.report.at("run").at("transfers");
  const std::uint64_t total_messages = messages.at("client_request").get<std::uint64_t>() +
                                       messages.at("client_reply").get<std::uint64_t>() +
                                       messages.at("protocol").get<std::uint64_t>();
  const std::uint64_t sent = transfers.at("sent").get<std::uint64_t>();
  // Nothing is lost or cut, so every transfer reaches the network.
  EXPECT_EQ(sent, transfers.at("direct").get<std::uint64_t>() +
                      transfers.at("simgrid_flows").get<std::uint64_t>());
  EXPECT_EQ(transfers.at("lost").get<std::uint64_t>(), 0u);
  // Reads arrive far faster than a round takes, so rounds answer several at once.
  EXPECT_LT(sent, total_messages);
}

}  // namespace
}  // namespace cutover::sim
