// The fault catalog (issue 4): every fault type added to the scenario format is observed in a
// run of the real `cutover` binary, and the figure it should produce is worked out by hand
// from the scenario's own numbers in the comment above each test. Loader errors for the new
// fields are at the end.
//
// The shared world: three regions a, b, c (a-b 40 ms, a-c 100 ms, b-c 80 ms round trip, 0.5 ms
// inside a region), one replica each. Latency models use zero CPU and fsync time where the
// fault does not need them, so a write's latency is network time only.
//
// "Sequential users": the latency tests put each closed-loop user in a workload of its own.
// Every workload is its own client endpoint, so each connection carries one request (and one
// reply) at a time: no packet ever waits behind another on its connection, and the added
// delay per crossing is exactly the fault's own.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <future>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/scenario/scenario_loader.h"

#include "tests/sim/cli_runner.h"
#include "tests/sim/scenario_checks.h"

namespace cutover::sim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::CommandResult;
using test_support::run_cutover;
using test_support::run_scenario;
using test_support::run_scenario_file;
using test_support::ScenarioRun;
using test_support::TempDir;
using namespace test_support::checks;

json three_regions() {
  return json::parse(R"({
    "name": "fault-catalog",
    "description": "Three regions with explicit links, one replica each.",
    "seed": 1,
    "duration_s": 10,
    "sample_interval_ms": 100,
    "topology": {
      "regions": [
        {"name": "a", "nodes": 1, "intra_rtt_ms": 0.5},
        {"name": "b", "nodes": 1, "intra_rtt_ms": 0.5},
        {"name": "c", "nodes": 1, "intra_rtt_ms": 0.5}
      ],
      "links": [
        {"regions": ["a", "b"], "rtt_ms": 40},
        {"regions": ["a", "c"], "rtt_ms": 100},
        {"regions": ["b", "c"], "rtt_ms": 80}
      ]
    },
    "node": {"service_time_ms": {"distribution": "constant", "mean": 0}, "cores": 4,
             "fsync_ms": 0},
    "protocol": {"type": "primary_backup", "ack": "async", "primary_region": "a",
                 "heartbeat_interval_ms": 50,
                 "failover": {"mode": "automatic", "failover_timeout_ms": 2000}},
    "workload": [
      {"region": "a", "rate_per_s": 100, "write_fraction": 1.0, "key_space": 1000,
       "client_timeout_ms": 2000}
    ]
  })");
}

double rtt_ms(const json& scenario, const std::string& x, const std::string& y) {
  for (const json& link : scenario.at("topology").at("links")) {
    const auto ends = link.at("regions").get<std::vector<std::string>>();
    if ((ends[0] == x && ends[1] == y) || (ends[0] == y && ends[1] == x)) {
      return link.at("rtt_ms").get<double>();
    }
  }
  ADD_FAILURE() << "no link " << x << "-" << y;
  return NAN;
}

// `users` sequential users (see the top of the file) in `region`, writing only.
json sequential_writers(const std::string& region, int users, double timeout_ms) {
  json workloads = json::array();
  for (int i = 0; i < users; ++i) {
    workloads.push_back({{"region", region},
                         {"closed_loop", {{"users", 1}, {"think_time_ms", 0}}},
                         {"write_fraction", 1.0},
                         {"key_space", 1000},
                         {"client_timeout_ms", timeout_ms}});
  }
  return workloads;
}

// Runs scenarios side by side (each is its own process).
std::vector<ScenarioRun> run_all(const std::vector<json>& scenarios,
                                 const std::vector<std::string>& extra_args = {}) {
  std::vector<std::future<ScenarioRun>> futures;
  for (const json& scenario : scenarios) {
    futures.push_back(std::async(
        std::launch::async, [scenario, extra_args] { return run_scenario(scenario, extra_args); }));
  }
  std::vector<ScenarioRun> runs;
  for (auto& future : futures) runs.push_back(future.get());
  return runs;
}

// --- reading a run --------------------------------------------------------------------------

struct Op {
  double invoke_s = 0;
  double complete_s = 0;
  std::string outcome;
  std::string kind;
  int client = 0;
  double latency_ms() const { return (complete_s - invoke_s) * 1000; }
};

std::vector<Op> history(const ScenarioRun& run) {
  std::vector<Op> ops;
  std::istringstream in(test_support::read_text(run.out_dir() / "history.jsonl"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const json op = json::parse(line);
    ops.push_back(Op{.invoke_s = op.at("invoke_s").get<double>(),
                     .complete_s = op.at("complete_s").get<double>(),
                     .outcome = op.at("outcome").get<std::string>(),
                     .kind = op.at("kind").get<std::string>(),
                     .client = op.at("client").get<int>()});
  }
  return ops;
}

double mean_write_ms(const ScenarioRun& run) {
  return run.report.at("latency_ms").at("write").at("mean").get<double>();
}

// --- link degradation -----------------------------------------------------------------------

// Async primary-backup, primary in a, sequential writers in b: a write is the request b -> a,
// the primary's (zero) fsync and the reply a -> b, so it takes the a-b round trip, 40 ms.
// Uniform jitter of mean 10 ms on a-b adds 10 ms to each crossing: 60 ms.
TEST(FaultCatalog, LinkJitterAddsItsMeanToEveryCrossingOfTheLink) {
  json scenario = three_regions();
  scenario["duration_s"] = 20;
  scenario["workload"] = sequential_writers("b", 16, 2000);
  scenario["faults"] = json::parse(R"([{"type": "link_jitter", "regions": ["a", "b"],
      "jitter_ms": {"distribution": "uniform", "mean": 10}, "at_s": 0}])");
  const ScenarioRun run = run_scenario(scenario);
  ASSERT_TRUE(ran(run));
  const double expected =
      rtt_ms(scenario, "a", "b") + 2 * number_at(scenario, "/faults/0/jitter_ms/mean");
  EXPECT_TRUE(within_fraction(mean_write_ms(run), expected, 0.03));
}

// Packet loss is modelled as TCP sees it (scenarios/README.md): each transmission is lost with
// p = 0.1 and each loss costs a retransmission timeout, RTO = max(200 ms, 40 ms RTT) = 200 ms,
// doubling per repeated loss. The expected extra delay per crossing is
// RTO x p / (1 - 2p) = 200 x 0.1 / 0.8 = 25 ms, so a sequential writer's write takes
// 40 + 2 x 25 = 90 ms on average; and it is late by at least one RTO when either of its two
// crossings lost a transmission: 1 - 0.9^2 = 19 % of writes.
TEST(FaultCatalog, PacketLossDelaysEachLostTransmissionByARetransmissionTimeout) {
  json scenario = three_regions();
  scenario["duration_s"] = 20;
  scenario["workload"] = sequential_writers("b", 16, 10000);
  scenario["faults"] = json::parse(R"([{"type": "packet_loss", "regions": ["a", "b"],
      "probability": 0.1, "rto_min_ms": 200, "at_s": 0}])");
  const ScenarioRun run = run_scenario(scenario, {"--history"});
  ASSERT_TRUE(ran(run));
  const double p = number_at(scenario, "/faults/0/probability");
  const double rtt = rtt_ms(scenario, "a", "b");
  const double rto = std::max(number_at(scenario, "/faults/0/rto_min_ms"), rtt);
  EXPECT_TRUE(within_fraction(mean_write_ms(run) - rtt, 2 * rto * p / (1 - 2 * p), 0.15));

  std::size_t writes = 0;
  std::size_t retransmitted = 0;
  for (const Op& op : history(run)) {
    if (op.outcome != "ok") continue;
    ++writes;
    if (op.latency_ms() >= rtt + rto - 1) ++retransmitted;
  }
  ASSERT_GT(writes, 2000u);
  EXPECT_NEAR(static_cast<double>(retransmitted) / static_cast<double>(writes),
              1 - (1 - p) * (1 - p), 0.03);
}

// A sequential writer in b sends 100 kB values to the primary in a: each request (100,064
// bytes: the value and a 64-byte header) crosses the a-b link. Capped at 8 Mbps (10^6 bytes/s)
// it takes 100.064 ms on top of the 40 ms round trip, and the reply (64 bytes) 0.064 ms more.
// After the cap, at 10 Gbps, the request takes 0.08 ms. Region b hosts no replica, so nothing
// else crosses that link.
TEST(FaultCatalog, ABandwidthCapMakesATransferTakeItsSizeOverTheCap) {
  json scenario = three_regions();
  scenario["duration_s"] = 20;
  scenario["topology"]["regions"][1]["nodes"] = 0;
  scenario["workload"] = sequential_writers("b", 1, 2000);
  scenario["workload"][0]["value_bytes"] = 100000;
  scenario["faults"] = json::parse(R"([{"type": "bandwidth_cap", "regions": ["a", "b"],
      "bandwidth_mbps": 8, "at_s": 0, "until_s": 10}])");
  const ScenarioRun run = run_scenario(scenario, {"--history"});
  ASSERT_TRUE(ran(run));
  const double request_bytes = 100000 + 64;
  const double capped_bytes_per_ms = number_at(scenario, "/faults/0/bandwidth_mbps") * 1e6 / 8e3;
  const double link_bytes_per_ms = 10000 * 1e6 / 8e3;  // the default link and NIC bandwidth
  const double rtt = rtt_ms(scenario, "a", "b");
  const double capped = rtt + (request_bytes + 64) / capped_bytes_per_ms;
  const double uncapped = rtt + request_bytes / link_bytes_per_ms;
  double capped_sum = 0, uncapped_sum = 0;
  int capped_count = 0, uncapped_count = 0;
  for (const Op& op : history(run)) {
    ASSERT_EQ(op.outcome, "ok") << op.invoke_s;
    if (op.invoke_s > 0.5 && op.invoke_s < 9.5) {
      capped_sum += op.latency_ms();
      ++capped_count;
    } else if (op.invoke_s > 10.5) {
      uncapped_sum += op.latency_ms();
      ++uncapped_count;
    }
  }
  ASSERT_GT(capped_count, 50);
  ASSERT_GT(uncapped_count, 150);
  EXPECT_TRUE(within_fraction(capped_sum / capped_count, capped, 0.01));
  EXPECT_TRUE(within_fraction(uncapped_sum / uncapped_count, uncapped, 0.01));
}

// The a-b link flaps, down 0.3 s at the start of every 1 s period from 2 s until 7 s: five
// down windows (2, 3, 4, 5 and 6 s). The backup in b misses the primary's stream each time: it
// was 20 ms behind, so 130 ms into each window its lag passes 150 ms, and it catches up once
// the link is back. The backup in c, on another link, never lags that much.
TEST(FaultCatalog, AFlappingLinkIsDownOncePerPeriod) {
  json scenario = three_regions();
  scenario["duration_s"] = 9;
  scenario["sample_interval_ms"] = 10;
  scenario["workload"][0]["rate_per_s"] = 500;
  scenario["faults"] = json::parse(R"([{"type": "link_flapping", "regions": ["a", "b"],
      "period_s": 1, "down_s": 0.3, "at_s": 2, "until_s": 7}])");
  const ScenarioRun run = run_scenario(scenario);
  ASSERT_TRUE(ran(run));
  constexpr double kBehindMs = 150;
  std::vector<double> episode_starts;
  bool behind = false;
  for (const LagRow& row : parse_timeseries(run.timeseries_csv)) {
    const double lag_b = row.lag_ms.at("b-0").value_or(0);
    if (lag_b > kBehindMs && !behind) episode_starts.push_back(row.time_s);
    behind = lag_b > kBehindMs;
    EXPECT_LT(row.lag_ms.at("c-0").value_or(0), kBehindMs) << row.time_s;
  }
  const double at = number_at(scenario, "/faults/0/at_s");
  const double period = number_at(scenario, "/faults/0/period_s");
  const double windows = std::ceil((number_at(scenario, "/faults/0/until_s") - at) / period);
  ASSERT_EQ(episode_starts.size(), static_cast<std::size_t>(windows));
  for (std::size_t k = 0; k < episode_starts.size(); ++k) {
    const double window_start = at + static_cast<double>(k) * period;
    EXPECT_GE(episode_starts[k], window_start + 0.130 - 0.011) << "window " << k;
    EXPECT_LE(episode_starts[k], window_start + 0.130 + 0.011) << "window " << k;
  }
  EXPECT_TRUE(run.report.at("failovers").empty());
  EXPECT_EQ(run.report.at("data_loss").at("acknowledged_writes_lost"), 0);
}

// Duplication on the a-b link: each request from b's clients to the leader in a arrives twice
// with probability 0.5 (the copy right behind the original, outside the connection's order).
// With deduplication the copy is recognised by its idempotency key; without it (the planted
// bug unsafe_no_dedup) it is applied again, so about half of all writes are applied twice.
TEST(FaultCatalog, DuplicatedRequestsAreAppliedOnceOnlyWithDeduplication) {
  auto scenario_with = [](bool dedup) {
    json scenario = three_regions();
    scenario["protocol"] = raft_protocol("a-0");
    scenario["protocol"]["unsafe_no_dedup"] = !dedup;
    scenario["workload"][0]["region"] = "b";
    scenario["faults"] = json::parse(R"([{"type": "message_duplication",
        "regions": ["a", "b"], "probability": 0.5, "at_s": 0}])");
    return scenario;
  };
  const std::vector<ScenarioRun> runs = run_all({scenario_with(true), scenario_with(false)});
  const ScenarioRun& deduplicated = runs[0];
  const ScenarioRun& buggy = runs[1];
  ASSERT_TRUE(ran(deduplicated));
  ASSERT_TRUE(ran(buggy));
  const json& clean = deduplicated.report.at("consistency");
  EXPECT_EQ(clean.at("duplicate_applications"), 0) << clean.dump();
  EXPECT_EQ(clean.at("linearizable_ok"), 1);
  EXPECT_EQ(deduplicated.report.at("data_loss").at("acknowledged_writes_lost"), 0);
  EXPECT_GT(deduplicated.report.at("availability").at("write").get<double>(), 0.99);

  const double attempted = buggy.report.at("ops").at("write").at("attempted").get<double>();
  const double p = number_at(scenario_with(false), "/faults/0/probability");
  const double twice = buggy.report.at("consistency").at("duplicate_applications").get<double>();
  EXPECT_TRUE(within_fraction(twice, p * attempted, 0.15)) << attempted << " writes";
}

// Reordering on a-b (p = 0.3, up to 40 ms late, uniform): a reordered packet is 20 ms late on
// average, so each crossing adds 0.3 x 20 = 6 ms and a sequential writer's write takes
// 40 + 2 x 6 = 52 ms. The primary's replication stream to b is reordered too: the backup
// still ends with every write, and no acknowledged write is lost.
TEST(FaultCatalog, ReorderedPacketsArriveLateButNothingIsLost) {
  json scenario = three_regions();
  scenario["duration_s"] = 20;
  scenario["workload"] = sequential_writers("b", 16, 2000);
  scenario["faults"] = json::parse(R"([{"type": "message_reordering", "regions": ["a", "b"],
      "probability": 0.3, "max_delay_ms": 40, "at_s": 0}])");
  const ScenarioRun run = run_scenario(scenario);
  ASSERT_TRUE(ran(run));
  const double p = number_at(scenario, "/faults/0/probability");
  const double late = number_at(scenario, "/faults/0/max_delay_ms") / 2;
  EXPECT_TRUE(within_fraction(mean_write_ms(run), rtt_ms(scenario, "a", "b") + 2 * p * late, 0.03));
  EXPECT_EQ(run.report.at("data_loss").at("acknowledged_writes_lost"), 0);
  EXPECT_GT(run.report.at("availability").at("write").get<double>(), 0.999);
  const std::vector<LagRow> rows = parse_timeseries(run.timeseries_csv);
  ASSERT_GT(rows.size(), 5u);
  for (std::size_t i = rows.size() - 5; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].lag_ms.at("b-0").value_or(-1), 0) << rows[i].time_s;
  }
}

// --- disks and clocks -----------------------------------------------------------------------

// The primary's disk stalls from 5 s to 6 s. Async acknowledges after the primary's own fsync,
// so a write that arrives during the stall completes when the stall ends: its latency is the
// stall's remaining time, plus at most one more fsync (2 ms), the client's round trip (0.5 ms)
// and the service time (0.1 ms). Before the stall a write takes 2.6 ms, at most 4.6 ms when it
// waits for an fsync in progress.
TEST(FaultCatalog, WritesDuringADiskStallCompleteWhenTheStallEnds) {
  json scenario = three_regions();
  scenario["duration_s"] = 8;
  scenario["node"]["fsync_ms"] = 2;
  scenario["node"]["service_time_ms"]["mean"] = 0.1;
  scenario["workload"][0]["rate_per_s"] = 200;
  scenario["faults"] =
      json::parse(R"([{"type": "disk_stall", "node": "a-0", "at_s": 5, "until_s": 6}])");
  const ScenarioRun run = run_scenario(scenario, {"--history"});
  ASSERT_TRUE(ran(run));
  const double fsync = number_at(scenario, "/node/fsync_ms");
  const double path = 0.5 + number_at(scenario, "/node/service_time_ms/mean");
  const double stall_end = number_at(scenario, "/faults/0/until_s");
  int stalled = 0;
  for (const Op& op : history(run)) {
    ASSERT_EQ(op.outcome, "ok") << op.invoke_s;
    if (op.invoke_s >= 5.0 && op.invoke_s < stall_end - 0.01) {
      ++stalled;
      const double beyond_ms = op.latency_ms() - (stall_end - op.invoke_s) * 1000;
      EXPECT_GE(beyond_ms, 0) << op.invoke_s;
      EXPECT_LE(beyond_ms, fsync + path + 0.05) << op.invoke_s;
    } else if (op.invoke_s >= 4.0 && op.invoke_s < 4.99) {
      EXPECT_LE(op.latency_ms(), 2 * fsync + path + 0.05) << op.invoke_s;
    }
  }
  EXPECT_GT(stalled, 150);
}

// Lease reads and clocks (models/replication/raft/raft.h): the leader serves reads locally for
// election_timeout_min x (1 - max_clock_drift) = 500 x 0.9 = 450 ms of its own clock after a
// confirmed heartbeat round; a follower votes for nobody else until 500 ms of its clock after it
// last heard the leader. At 3 s the leader's region is cut off; its region's clients keep
// reading from it while b and c elect a new leader that takes b's writes.
//   Leader clock at 0.2 x real speed (drift -0.8, far beyond max_clock_drift 0.1): its lease
//   lasts 450 / 0.2 = 2250 ms of real time, until about 5.25 s; the followers elect a leader
//   after at most 1000 ms plus a vote's round trips (about 4.2 s): for a second the old leader
//   serves reads of keys the new one has overwritten. Stale, and not linearizable.
//   Leader clock at 0.95 x (drift -0.05, within the bound): the lease lasts 450 / 0.95 = 474 ms,
//   over before any follower may vote (500 ms): no stale read.
TEST(FaultCatalog, AClockDriftBeyondTheLeaseBoundLetsADeposedLeaderServeStaleReads) {
  auto scenario_with = [](double drift) {
    json scenario = three_regions();
    scenario["protocol"] = raft_protocol("a-0");
    scenario["protocol"]["read_mode"] = "lease";
    scenario["protocol"]["max_clock_drift"] = 0.1;
    scenario["workload"] = json::parse(R"([
      {"region": "a", "rate_per_s": 200, "write_fraction": 0.0, "key_space": 10,
       "client_timeout_ms": 500},
      {"region": "b", "rate_per_s": 200, "write_fraction": 1.0, "key_space": 10,
       "client_timeout_ms": 500}
    ])");
    scenario["faults"] = json::parse(R"([
      {"type": "clock_skew", "node": "a-0", "drift": 0, "at_s": 0},
      {"type": "partition", "groups": [["a"], ["b", "c"]], "at_s": 3}
    ])");
    scenario["faults"][0]["drift"] = drift;
    return scenario;
  };
  const std::vector<ScenarioRun> runs = run_all({scenario_with(-0.8), scenario_with(-0.05)});
  ASSERT_TRUE(ran(runs[0]));
  ASSERT_TRUE(ran(runs[1]));
  const json& beyond = runs[0].report.at("consistency");
  EXPECT_GT(beyond.at("stale_reads").at("count").get<int>(), 0) << beyond.dump();
  EXPECT_EQ(beyond.at("linearizable_ok"), 0);
  const json& within = runs[1].report.at("consistency");
  EXPECT_EQ(within.at("stale_reads").at("count"), 0) << within.dump();
  EXPECT_EQ(within.at("linearizable_ok"), 1);
  for (const ScenarioRun& run : runs) {
    EXPECT_EQ(run.report.at("failovers").size(), 1u) << run.report.at("failovers").dump();
  }
}

// --- partitions by node ---------------------------------------------------------------------

// One-way: from 3 s the leader a-0 no longer hears its followers, which still hear it. With
// CheckQuorum the leader finds it heard no quorum for an election timeout and steps down
// (500 ms after the cut at the earliest, one heartbeat later at the latest); the followers stop
// getting heartbeats and one wins an election within its timeout (500-1000 ms) plus a vote's
// round trips. a-0 never leads again: it cannot hear votes. Without CheckQuorum nothing tells
// anyone: the followers keep hearing heartbeats, no election happens, and no write issued after
// the cut commits (the leader never hears an acknowledgement).
TEST(FaultCatalog, ALeaderThatCannotHearItsFollowersStepsDownOnlyWithCheckQuorum) {
  auto scenario_with = [](bool check_quorum) {
    json scenario = three_regions();
    scenario["protocol"] = raft_protocol("a-0");
    scenario["protocol"]["check_quorum"] = check_quorum;
    scenario["protocol"]["pre_vote"] = check_quorum;
    scenario["workload"][0]["region"] = "b";
    scenario["faults"] = json::parse(
        R"([{"type": "one_way_partition", "from": ["b-0", "c-0"], "to": ["a-0"], "at_s": 3}])");
    return scenario;
  };
  const std::vector<ScenarioRun> runs =
      run_all({scenario_with(true), scenario_with(false)}, {"--history"});
  const ScenarioRun& guarded = runs[0];
  const ScenarioRun& plain = runs[1];
  ASSERT_TRUE(ran(guarded));
  ASSERT_TRUE(ran(plain));
  const json scenario = scenario_with(true);
  const double cut = number_at(scenario, "/faults/0/at_s");
  const double min_s = number_at(scenario, "/protocol/election_timeout_min_ms") / 1000;
  const double max_s = number_at(scenario, "/protocol/election_timeout_max_ms") / 1000;
  const double heartbeat_s = number_at(scenario, "/protocol/heartbeat_interval_ms") / 1000;

  const json& failovers = guarded.report.at("failovers");
  ASSERT_GE(failovers.size(), 1u);
  EXPECT_EQ(failovers[0].at("from"), "a-0");
  EXPECT_GE(failovers[0].at("time_s").get<double>(), cut + 2 * min_s);
  EXPECT_LE(failovers[0].at("time_s").get<double>(), cut + min_s + heartbeat_s + max_s + 0.3);
  for (const json& failover : failovers) EXPECT_NE(failover.at("to"), "a-0") << failovers.dump();
  EXPECT_EQ(guarded.report.at("data_loss").at("acknowledged_writes_lost"), 0);

  EXPECT_EQ(plain.report.at("failover_count"), 0) << plain.report.at("failovers").dump();
  int acknowledged_after_cut = 0;
  for (const Op& op : history(plain)) {
    if (op.outcome == "ok" && op.invoke_s > cut + 0.05) ++acknowledged_after_cut;
  }
  EXPECT_EQ(acknowledged_after_cut, 0);
}

// A partition naming replicas cuts only them: a-0 is cut off from b-0 and c-0 at 3 s, while
// its region's clients still reach every replica. The followers elect a new leader 500-1000
// ms after they last heard a-0 (plus a vote's round trips), and a's clients, finding a-0
// unable to commit, move to the new leader and are served again.
TEST(FaultCatalog, APartitionOfReplicasLeavesTheirClientsConnected) {
  json scenario = three_regions();
  scenario["protocol"] = raft_protocol("a-0");
  scenario["workload"][0]["retry"] = json::parse(R"({"max_attempts": 4})");
  scenario["faults"] =
      json::parse(R"([{"type": "partition", "groups": [["a-0"], ["b-0", "c-0"]], "at_s": 3}])");
  const ScenarioRun run = run_scenario(scenario, {"--history"});
  ASSERT_TRUE(ran(run));
  const json& failovers = run.report.at("failovers");
  ASSERT_EQ(failovers.size(), 1u) << failovers.dump();
  const double elected = failovers[0].at("time_s").get<double>();
  EXPECT_GE(elected, 3 + 0.5 - 0.05);
  EXPECT_LE(elected, 3 + 1.0 + 0.3);
  int served_after = 0;
  for (const Op& op : history(run)) {
    if (op.outcome == "ok" && op.invoke_s > elected + 1) ++served_after;
  }
  // Region a's clients write 100 per second for the rest of the run.
  EXPECT_GT(served_after, 0.95 * 100 * (10 - elected - 1));
  EXPECT_EQ(run.report.at("data_loss").at("acknowledged_writes_lost"), 0);
}

// Partial partition: a-0 (the leader) and c-0 cannot talk; both still reach b-0. With PreVote
// and CheckQuorum nothing changes hands (c-0's pre-votes find b-0 loyal to the leader), writes
// still commit with b-0, and c-0 falls behind by exactly the time since the cut: it misses
// everything the leader sent after 3 s (and what was on the wire, up to 50 ms more).
TEST(FaultCatalog, APartialPartitionLeavesTheLeaderInOfficeAndOneFollowerBehind) {
  json scenario = three_regions();
  scenario["duration_s"] = 8;
  scenario["protocol"] = raft_protocol("a-0");
  scenario["workload"][0]["region"] = "b";
  scenario["workload"][0]["rate_per_s"] = 200;
  scenario["faults"] =
      json::parse(R"([{"type": "partial_partition", "pairs": [["a-0", "c-0"]], "at_s": 3}])");
  const ScenarioRun run = run_scenario(scenario);
  ASSERT_TRUE(ran(run));
  EXPECT_EQ(run.report.at("failover_count"), 0) << run.report.at("failovers").dump();
  EXPECT_GT(run.report.at("availability").at("write").get<double>(), 0.99);
  const double cut = number_at(scenario, "/faults/0/at_s");
  const double one_way_a_c = rtt_ms(scenario, "a", "c") / 2;
  int checked = 0;
  for (const LagRow& row : parse_timeseries(run.timeseries_csv)) {
    if (row.time_s < cut + 0.5 || row.time_s > 8) continue;
    ++checked;
    const double since_cut_ms = (row.time_s - cut) * 1000;
    const double lag_c = row.lag_ms.at("c-0").value_or(-1);
    EXPECT_GE(lag_c, since_cut_ms - 1) << row.time_s;
    EXPECT_LE(lag_c, since_cut_ms + one_way_a_c + 10) << row.time_s;
    EXPECT_LT(row.lag_ms.at("b-0").value_or(-1), rtt_ms(scenario, "a", "b")) << row.time_s;
  }
  EXPECT_GT(checked, 40);
}

// --- availability zones ---------------------------------------------------------------------

// One region, three zones of one replica each: 0.2 ms inside a zone, 2 ms between zones. Sync
// primary-backup with the primary in zone r1: a write from r1 takes the client's round trip
// (0.2 ms), the service time (0.1 ms) and the slowest backup's round trip plus its fsync
// (2 + 1 ms): 3.3 ms; from zone r2 the client's round trip is 2 ms: 5.1 ms. Zone r2 goes dark
// from 4 s to 7 s: its replica and its clients stop, the primary drops r-1 from the in-sync
// set after the failover timeout (500 ms) and commits with r-2 at 3.3 ms again.
TEST(FaultCatalog, ReplicasInOtherZonesCostTheInterZoneRoundTripAndAZoneOutageTakesOnlyItsOwn) {
  json scenario = json::parse(R"({
    "name": "zones",
    "description": "One region with three availability zones.",
    "seed": 1,
    "duration_s": 10,
    "topology": {"regions": [
      {"name": "r", "intra_rtt_ms": 0.2, "inter_zone_rtt_ms": 2,
       "zones": [{"name": "r1", "nodes": 1}, {"name": "r2", "nodes": 1},
                 {"name": "r3", "nodes": 1}]}
    ]},
    "node": {"service_time_ms": {"distribution": "constant", "mean": 0.1}, "cores": 4,
             "fsync_ms": 1},
    "protocol": {"type": "primary_backup", "ack": "sync", "primary_region": "r",
                 "heartbeat_interval_ms": 50,
                 "failover": {"mode": "automatic", "failover_timeout_ms": 500}},
    "workload": [
      {"region": "r", "rate_per_s": 100, "write_fraction": 1.0, "client_timeout_ms": 2000},
      {"region": "r", "zone": "r2", "rate_per_s": 50, "write_fraction": 1.0,
       "client_timeout_ms": 2000}
    ],
    "faults": [{"type": "zone_outage", "zone": "r2", "at_s": 4, "until_s": 7}]
  })");
  const ScenarioRun run = run_scenario(scenario, {"--history"});
  ASSERT_TRUE(ran(run));
  const double intra = number_at(scenario, "/topology/regions/0/intra_rtt_ms");
  const double inter = number_at(scenario, "/topology/regions/0/inter_zone_rtt_ms");
  const double service = number_at(scenario, "/node/service_time_ms/mean");
  const double fsync = number_at(scenario, "/node/fsync_ms");
  const double from_r1 = intra + service + inter + fsync;
  const double from_r2 = inter + service + inter + fsync;

  std::map<int, std::vector<double>> before, during;  // by client: latencies
  int r2_issued_during = 0;
  for (const Op& op : history(run)) {
    if (op.invoke_s >= 1 && op.invoke_s < 3.9 && op.outcome == "ok") {
      before[op.client].push_back(op.latency_ms());
    }
    if (op.invoke_s >= 4.6 && op.invoke_s < 7 && op.outcome == "ok") {
      during[op.client].push_back(op.latency_ms());
    }
    if (op.client == 1 && op.invoke_s >= 4 && op.invoke_s < 7) ++r2_issued_during;
  }
  auto median = [](std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values.empty() ? NAN : values[values.size() / 2];
  };
  EXPECT_TRUE(within_fraction(median(before[0]), from_r1, 0.03)) << "zone r1, before";
  EXPECT_TRUE(within_fraction(median(before[1]), from_r2, 0.03)) << "zone r2, before";
  EXPECT_TRUE(within_fraction(median(during[0]), from_r1, 0.03)) << "zone r1, during";
  EXPECT_GT(during[0].size(), 200u);
  EXPECT_EQ(r2_issued_during, 0);
  EXPECT_TRUE(run.report.at("failovers").empty()) << run.report.at("failovers").dump();
  EXPECT_EQ(run.report.at("data_loss").at("acknowledged_writes_lost"), 0);
  for (const LagRow& row : parse_timeseries(run.timeseries_csv)) {
    if (row.time_s < 4.5 || row.time_s > 6.9) continue;
    EXPECT_GT(row.lag_ms.at("r-1").value_or(0), (row.time_s - 4.0) * 1000 - 10) << row.time_s;
    EXPECT_LT(row.lag_ms.at("r-2").value_or(-1), 10) << row.time_s;
  }
}

// --- timeouts -------------------------------------------------------------------------------

// Writers in b while the primary's region a is dark for a second (shorter than the failover
// timeout, so nobody takes over). A write that gets no answer ends exactly client_timeout_ms
// (700) after it began. With one attempt it waits the whole 700 ms; with two attempts of
// 300 ms each and a fixed 100 ms backoff, the first times out at 300, the second starts at 400
// (at b's replica, which redirects it to the primary in a) and times out at 700.
TEST(FaultCatalog, AWriteWithNoAnswerEndsExactlyItsTimeoutAfterItBegan) {
  json scenario = three_regions();
  scenario["duration_s"] = 8;
  scenario["workload"] = json::parse(R"([
      {"region": "b", "rate_per_s": 200, "write_fraction": 1.0, "key_space": 1000,
       "client_timeout_ms": 700},
      {"region": "b", "rate_per_s": 200, "write_fraction": 1.0, "key_space": 1000,
       "client_timeout_ms": 700, "retry": {"max_attempts": 2, "attempt_timeout_ms": 300,
       "initial_backoff_ms": 100, "jitter": "none"}}])");
  scenario["faults"] =
      json::parse(R"([{"type": "region_outage", "region": "a", "at_s": 3, "until_s": 4}])");
  const ScenarioRun run = run_scenario(scenario, {"--history"});
  ASSERT_TRUE(ran(run));
  std::map<int, std::size_t> timed_out;  // by client (workload)
  for (const Op& op : history(run)) {
    if (op.outcome != "indeterminate") continue;
    ++timed_out[op.client];
    EXPECT_NEAR(op.latency_ms(), 700, 1e-4) << "client " << op.client;  // to the microsecond
  }
  // Most of the 200 writes each workload sent while a was dark went unanswered (with retries,
  // some end earlier, refused).
  EXPECT_GT(timed_out[0], 100u);
  EXPECT_GT(timed_out[1], 50u);
}

// --- loading --------------------------------------------------------------------------------

json loadable() {
  json scenario = three_regions();
  scenario["topology"]["regions"][0]["zones"] = json::parse(R"([{"name": "a1", "nodes": 1}])");
  scenario["topology"]["regions"][0]["inter_zone_rtt_ms"] = 1;
  scenario["faults"] = json::array();
  return scenario;
}

struct BadFault {
  std::string what;
  json scenario;
  std::string pointer;
  std::string mentions;
};

BadFault with_fault(const std::string& what, const std::string& fault, const std::string& pointer,
                    const std::string& mentions) {
  json scenario = loadable();
  scenario["faults"] = json::parse("[" + fault + "]");
  return {what, scenario, pointer, mentions};
}

// Sets the value at `pointer_to_set` (null: removes the field there).
BadFault with_change(const std::string& what, const std::string& pointer_to_set, const json& value,
                     const std::string& pointer, const std::string& mentions) {
  json scenario = loadable();
  const json::json_pointer at(pointer_to_set);
  if (value.is_null()) {
    scenario.at(at.parent_pointer()).erase(at.back());
  } else {
    scenario[at] = value;
  }
  return {what, scenario, pointer, mentions};
}

std::vector<BadFault> bad_faults() {
  return {
      with_fault("unknown place", R"({"type": "partition", "groups": [["a"], ["zz"]], "at_s": 1})",
                 "/faults/0/groups/1/0", "unknown place \"zz\""),
      with_fault("replica in two groups",
                 R"({"type": "partition", "groups": [["a-0"], ["a"]], "at_s": 1})",
                 "/faults/0/groups/1/0", "overlaps \"a-0\" of group 0 (both hold a-0)"),
      with_fault("one-way sides overlap",
                 R"({"type": "one_way_partition", "from": ["a"], "to": ["a1"], "at_s": 1})",
                 "/faults/0/to/0", "overlaps from"),
      with_fault("pair of one place", R"({"type": "partial_partition", "pairs": [["b", "b-0"]],
                 "at_s": 1})",
                 "/faults/0/pairs/0/1", "overlaps \"b\""),
      with_fault("unknown zone", R"({"type": "zone_outage", "zone": "a9", "at_s": 1})",
                 "/faults/0/zone", "unknown zone \"a9\"; zones are: a1"),
      with_fault("certain loss",
                 R"({"type": "packet_loss", "regions": ["a", "b"], "probability": 1, "at_s": 1})",
                 "/faults/0/probability", "must be < 1"),
      with_fault("never up", R"({"type": "link_flapping", "regions": ["a", "b"], "period_s": 1,
                 "down_s": 1, "at_s": 1})",
                 "/faults/0/down_s", "must be less than period_s"),
      with_fault("a right clock", R"({"type": "clock_skew", "node": "a-0", "at_s": 1})",
                 "/faults/0", "needs offset_ms, drift or both"),
      with_fault("clock running backwards",
                 R"({"type": "clock_skew", "node": "a-0", "drift": -1, "at_s": 1})",
                 "/faults/0/drift", "must be > -1"),
      with_fault("field of another type", R"({"type": "packet_loss", "regions": ["a", "b"],
                 "probability": 0.1, "jitter_ms": {"mean": 1}, "at_s": 1})",
                 "/faults/0/jitter_ms", "does not apply to type \"packet_loss\""),
      with_fault("jitter without its distribution",
                 R"({"type": "link_jitter", "regions": ["a", "b"], "at_s": 1})", "/faults/0",
                 "missing required field \"jitter_ms\" (needed by type \"link_jitter\")"),
      with_fault("link to itself",
                 R"({"type": "bandwidth_cap", "regions": ["b", "b"], "bandwidth_mbps": 1,
                 "at_s": 1})",
                 "/faults/0/regions/1", "two different regions"),
      with_change("zones without their round trip", "/topology/regions/0/inter_zone_rtt_ms",
                  nullptr, "/topology/regions/0", "inter_zone_rtt_ms"),
      with_change("nodes disagree with zones", "/topology/regions/0/nodes", 2,
                  "/topology/regions/0/nodes", "its zones hold 1"),
      with_change("zone named like a region", "/topology/regions/0/zones/0/name", "b",
                  "/topology/regions/0/zones/0/name", "also a region name"),
      with_change("round trip without zones", "/topology/regions/1/inter_zone_rtt_ms", 1,
                  "/topology/regions/1/inter_zone_rtt_ms", "only used with zones"),
      with_change("zones faster across than inside", "/topology/regions/0/inter_zone_rtt_ms", 0.1,
                  "/topology/regions/0/inter_zone_rtt_ms", "less than intra_rtt_ms"),
      with_change("clients in an unknown zone", "/workload/0/zone", "a7", "/workload/0/zone",
                  "region \"a\" has no zone \"a7\"; its zones are: a1"),
  };
}

// One line `cutover: <file>: <pointer>: <problem>`, exit code 2, from `validate`.
TEST(FaultCatalog, EveryNewLoaderErrorExitsWith2AndNamesTheFileAndPointer) {
  const TempDir dir;
  std::vector<BadFault> cases = bad_faults();
  BadFault other_region =
      with_change("clients in a zone of another region", "/workload/0/zone", "a1",
                  "/workload/0/zone", "region \"b\" has no zone \"a1\" (it has no zones)");
  other_region.scenario["workload"][0]["region"] = "b";
  cases.push_back(other_region);
  for (const BadFault& bad : cases) {
    SCOPED_TRACE(bad.what);
    const fs::path file = dir / "bad.json";
    test_support::write_text(file, bad.scenario.dump(2));
    const CommandResult result = run_cutover({"validate", file.string()});
    EXPECT_EQ(result.exit_code, 2) << result.describe();
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    const std::string prefix = "cutover: " + file.string() + ": " + bad.pointer + ": ";
    EXPECT_EQ(result.err.rfind(prefix, 0), 0u) << "expected " << prefix << "\ngot " << result.err;
    EXPECT_NE(result.err.find(bad.mentions), std::string::npos) << result.err;
  }
  const fs::path good = dir / "good.json";
  json scenario = loadable();
  scenario["workload"][0]["zone"] = "a1";
  scenario["faults"] = json::parse(R"([
    {"type": "partition", "groups": [["a1"], ["b-0", "c"]], "at_s": 1, "until_s": 2},
    {"type": "one_way_partition", "from": ["a-0"], "to": ["b"], "at_s": 1},
    {"type": "partial_partition", "pairs": [["a", "c-0"]], "at_s": 1},
    {"type": "link_jitter", "regions": ["a", "b"], "jitter_ms": {"mean": 2}, "at_s": 1},
    {"type": "packet_loss", "regions": ["a", "b"], "probability": 0.01, "at_s": 1},
    {"type": "bandwidth_cap", "regions": ["a", "c"], "bandwidth_mbps": 100, "at_s": 1},
    {"type": "link_flapping", "regions": ["b", "c"], "period_s": 2, "down_s": 0.5, "at_s": 1},
    {"type": "message_duplication", "regions": ["a", "b"], "probability": 0.1, "at_s": 1},
    {"type": "message_reordering", "regions": ["a", "b"], "probability": 0.1,
     "max_delay_ms": 5, "at_s": 1},
    {"type": "disk_stall", "node": "leader", "at_s": 1, "until_s": 1.5},
    {"type": "clock_skew", "node": "b-0", "offset_ms": -200, "drift": 0.01, "at_s": 1},
    {"type": "zone_outage", "zone": "a1", "at_s": 5, "until_s": 6}
  ])");
  test_support::write_text(good, scenario.dump(2));
  const CommandResult result = run_cutover({"validate", good.string()});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// The schema's "default" keywords (what editors show) agree with what the loader fills in.
TEST(FaultCatalog, TheNewFieldsDefaultsInTheSchemaAreTheLoaders) {
  const json schema = json::parse(test_support::read_text(test_support::source_dir() /
                                                          "scenarios/schema/scenario.schema.json"));
  const std::string fault = "/properties/faults/items/properties/";
  auto schema_default = [&schema, &fault](const std::string& field) {
    return schema.at(json::json_pointer(fault + field + "/default"));
  };
  json scenario = loadable();
  scenario["faults"] = json::parse(R"([
    {"type": "packet_loss", "regions": ["a", "b"], "probability": 0.1, "at_s": 1},
    {"type": "link_jitter", "regions": ["a", "b"], "jitter_ms": {"mean": 1}, "at_s": 1},
    {"type": "clock_skew", "node": "a-0", "drift": 0.1, "at_s": 1},
    {"type": "clock_skew", "node": "b-0", "offset_ms": 5, "at_s": 1}
  ])");
  const LoadResult loaded = load_scenario_text(scenario.dump(), "defaults.json");
  ASSERT_TRUE(std::holds_alternative<Scenario>(loaded)) << std::get<LoadError>(loaded).message();
  const std::vector<Fault>& faults = std::get<Scenario>(loaded).faults;
  EXPECT_EQ(schema_default("rto_min_ms"), std::get<PacketLoss>(faults[0].what).rto_min_ms);
  EXPECT_EQ(schema_default("jitter_ms/properties/distribution"), "exponential");
  EXPECT_EQ(std::get<LinkJitter>(faults[1].what).distribution, JitterDistribution::kExponential);
  EXPECT_EQ(schema_default("offset_ms"), std::get<ClockSkew>(faults[2].what).offset_ms);
  EXPECT_EQ(schema_default("drift"), std::get<ClockSkew>(faults[3].what).drift);
}

// Faults that draw per packet (jitter, loss, duplication) draw from the seed: the shipped
// example that uses them gives the same report twice.
TEST(FaultCatalog, PerPacketFaultsGiveAByteIdenticalReportForTheSameSeed) {
  const fs::path file =
      test_support::source_dir() / "scenarios/faults/degraded-network-az-outage-raft.json";
  auto first = std::async(std::launch::async, [&file] { return run_scenario_file(file); });
  const ScenarioRun second = run_scenario_file(file);
  const ScenarioRun one = first.get();
  ASSERT_TRUE(ran(one));
  ASSERT_TRUE(ran(second));
  json a = one.report;
  json b = second.report;
  a.erase("run");
  b.erase("run");
  EXPECT_EQ(a.dump(2), b.dump(2));
  EXPECT_EQ(one.timeseries_csv, second.timeseries_csv);
}

}  // namespace
}  // namespace cutover::sim
