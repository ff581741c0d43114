// The multi-seed commands through the real binary: `cutover run --seeds`, `--set`, `compare`,
// `sweep` and `capacity`. Each expectation is worked out from the scenario's own parameters or
// from the per-seed reports the command wrote, so the test checks the aggregation, not a
// recorded number.
//
// The worlds are small (two regions, one replica each, 5-10 simulated seconds, at most a few
// hundred operations per second) so the whole file runs in a few seconds.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/sim/cli_runner.h"
#include <libxml/parser.h>
#include <libxml/tree.h>

namespace cutover::sim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::CommandResult;
using test_support::read_text;
using test_support::run_cutover;
using test_support::TempDir;
using test_support::write_text;

// Two regions 40 ms apart, the primary in a, clients in a. Exponential service times so the
// seeds differ.
json two_region_scenario(const std::string& ack) {
  json scenario = json::parse(R"({
    "name": "multi-seed",
    "description": "Two regions 40 ms apart, one replica each, primary in a.",
    "seed": 5,
    "duration_s": 5,
    "sample_interval_ms": 100,
    "topology": {
      "regions": [
        {"name": "a", "nodes": 1, "intra_rtt_ms": 0.5},
        {"name": "b", "nodes": 1, "intra_rtt_ms": 0.5}
      ],
      "links": [{"regions": ["a", "b"], "rtt_ms": 40, "bandwidth_mbps": 10000}]
    },
    "node": {
      "service_time_ms": {"distribution": "exponential", "mean": 0.2},
      "cores": 2,
      "fsync_ms": 2
    },
    "protocol": {
      "type": "primary_backup",
      "primary_region": "a",
      "heartbeat_interval_ms": 50,
      "failover": {"mode": "automatic", "failover_timeout_ms": 2000}
    },
    "workload": [
      {"region": "a", "rate_per_s": 200, "write_fraction": 0.5, "key_space": 1000,
       "read_from": "primary", "client_timeout_ms": 2000}
    ],
    "slo": [
      {"name": "write p99 under 200 ms", "metric": "latency_ms.write.p99", "op": "<", "limit": 200}
    ]
  })");
  scenario["protocol"]["ack"] = ack;
  return scenario;
}

fs::path write_scenario(const TempDir& dir, const json& scenario, const std::string& name) {
  const fs::path path = dir / name;
  write_text(path, scenario.dump(2) + "\n");
  return path;
}

json read_json(const fs::path& path) { return json::parse(read_text(path)); }

json without_run_section(json report) {
  report.erase("run");
  return report;
}

CommandResult run_seeds(const fs::path& scenario, const fs::path& out, int seeds,
                        const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {
      "run",   scenario.string(), "--seeds", std::to_string(seeds), "--jobs", "2",
      "--out", out.string(),      "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cutover(args);
}

// --- run --seeds -----------------------------------------------------------------------------

TEST(MultiSeedRun, SummaryStatisticsAreThoseOfTheSeedReports) {
  const TempDir dir;
  const fs::path scenario = write_scenario(dir, two_region_scenario("async"), "s.json");
  const CommandResult result = run_seeds(scenario, dir / "out", 4);
  ASSERT_EQ(result.exit_code, 0) << result.describe();

  // Seeds run from the scenario's seed (5) upwards.
  const json summary = read_json(dir / "out" / "summary.json");
  EXPECT_EQ(summary.at("seeds"), json::array({5, 6, 7, 8}));
  std::vector<json> reports;
  for (int seed = 5; seed <= 8; ++seed) {
    const fs::path seed_dir = dir / "out" / "seeds" / std::to_string(seed);
    reports.push_back(read_json(seed_dir / "report.json"));
    EXPECT_EQ(reports.back().at("seed"), seed);
    EXPECT_TRUE(fs::exists(seed_dir / "timeseries.csv")) << seed_dir;
  }
  for (const char* pointer : {"/latency_ms/write/p99", "/latency_ms/read/mean",
                              "/ops/write/attempted", "/availability/write"}) {
    std::vector<double> values;
    for (const json& report : reports) values.push_back(report.at(json::json_pointer(pointer)));
    double mean = 0;
    for (double v : values) mean += v / static_cast<double>(values.size());
    double squares = 0;
    for (double v : values) squares += (v - mean) * (v - mean);
    const json& stats = summary.at("metrics").at(pointer);
    EXPECT_EQ(stats.at("count"), 4) << pointer;
    EXPECT_NEAR(stats.at("mean").get<double>(), mean, 1e-6) << pointer;
    EXPECT_NEAR(stats.at("sd").get<double>(), std::sqrt(squares / 3), 1e-6) << pointer;
    EXPECT_EQ(stats.at("min").get<double>(), *std::min_element(values.begin(), values.end()));
    EXPECT_EQ(stats.at("max").get<double>(), *std::max_element(values.begin(), values.end()));
  }
  // The headline distribution lists every seed's value, sorted.
  std::vector<double> p99;
  for (const json& report : reports) p99.push_back(report.at("latency_ms").at("write").at("p99"));
  std::sort(p99.begin(), p99.end());
  EXPECT_EQ(summary.at("headline").at("/latency_ms/write/p99").at("sorted"), json(p99));
  EXPECT_EQ(summary.at("runs").at("slo_held"), 4);
}

TEST(MultiSeedRun, ASeedRunInTheSetGivesTheSameReportAsThatSeedRunAlone) {
  const TempDir dir;
  const fs::path scenario = write_scenario(dir, two_region_scenario("async"), "s.json");
  const CommandResult set = run_seeds(scenario, dir / "set", 2, {"--seed", "11"});
  ASSERT_EQ(set.exit_code, 0) << set.describe();
  const CommandResult alone = run_cutover(
      {"run", scenario.string(), "--seed", "12", "--out", (dir / "alone").string(), "--quiet"});
  ASSERT_EQ(alone.exit_code, 0) << alone.describe();
  EXPECT_EQ(without_run_section(read_json(dir / "set" / "seeds" / "12" / "report.json")),
            without_run_section(read_json(dir / "alone" / "report.json")));
}

TEST(MultiSeedRun, ExitCodeIsOneWhenASeedFailsAnSloSetOnTheCommandLine) {
  const TempDir dir;
  const fs::path scenario = write_scenario(dir, two_region_scenario("async"), "s.json");
  // Async writes take about 0.5 + 0.2 + 2 ms: no seed can keep p99 under 1 ms.
  const CommandResult result = run_seeds(scenario, dir / "out", 2, {"--set", "/slo/0/limit=1"});
  EXPECT_EQ(result.exit_code, 1) << result.describe();
  const json summary = read_json(dir / "out" / "summary.json");
  EXPECT_EQ(summary.at("runs").at("slo_failed"), 2);
  EXPECT_EQ(summary.at("overrides").at("/slo/0/limit"), 1);
  EXPECT_EQ(summary.at("slo").at(0).at("held"), 0);
}

TEST(SetOverride, ABadValueIsReportedAtItsPointerWithExitCode2) {
  const TempDir dir;
  const fs::path scenario = write_scenario(dir, two_region_scenario("async"), "s.json");
  const CommandResult negative =
      run_cutover({"run", scenario.string(), "--set", "/workload/0/rate_per_s=-1", "--out",
                   (dir / "o").string()});
  EXPECT_EQ(negative.exit_code, 2);
  EXPECT_EQ(negative.err,
            "cutover: " + scenario.string() + ": /workload/0/rate_per_s: must be > 0, got -1\n");
  const CommandResult past_end = run_cutover({"run", scenario.string(), "--seeds", "2", "--set",
                                              "/workload/1=5", "--out", (dir / "o").string()});
  EXPECT_EQ(past_end.exit_code, 2);
  EXPECT_EQ(past_end.err, "cutover: " + scenario.string() +
                              ": /workload/1: --set: no element 1 (/workload has 1 element)\n");
  const CommandResult text = run_cutover(
      {"run", scenario.string(), "--set", "/protocol/ack=quick", "--out", (dir / "o").string()});
  EXPECT_EQ(text.exit_code, 2);
  EXPECT_NE(text.err.find("/protocol/ack: must be one of"), std::string::npos) << text.err;
}

// --- compare ---------------------------------------------------------------------------------

// The JUnit file's <testcase> elements by name, each with whether it holds a <failure>.
std::map<std::string, bool> junit_testcases(const fs::path& path, std::string& failures_attr) {
  std::map<std::string, bool> cases;
  xmlDocPtr doc = xmlReadFile(path.c_str(), nullptr, XML_PARSE_NONET);
  if (doc == nullptr) {
    ADD_FAILURE() << path << " is not well-formed XML";
    return cases;
  }
  auto attribute = [](xmlNodePtr node, const char* name) {
    xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
    std::string text = value == nullptr ? "" : reinterpret_cast<const char*>(value);
    xmlFree(value);
    return text;
  };
  const xmlNodePtr root = xmlDocGetRootElement(doc);
  failures_attr = attribute(root, "failures");
  for (xmlNodePtr suite = root->children; suite != nullptr; suite = suite->next) {
    if (suite->type != XML_ELEMENT_NODE) continue;
    for (xmlNodePtr test = suite->children; test != nullptr; test = test->next) {
      if (test->type != XML_ELEMENT_NODE) continue;
      bool failed = false;
      for (xmlNodePtr child = test->children; child != nullptr; child = child->next) {
        failed =
            failed || (child->type == XML_ELEMENT_NODE &&
                       xmlStrcmp(child->name, reinterpret_cast<const xmlChar*>("failure")) == 0);
      }
      cases[attribute(test, "name")] = failed;
    }
  }
  xmlFreeDoc(doc);
  return cases;
}

TEST(Compare, SyncCandidateRegressesWriteLatencyAndASetMatchesItself) {
  const TempDir dir;
  const fs::path base_scenario = write_scenario(dir, two_region_scenario("async"), "async.json");
  const fs::path worse_scenario = write_scenario(dir, two_region_scenario("sync"), "sync.json");
  ASSERT_EQ(run_seeds(base_scenario, dir / "base", 3).exit_code, 0);
  ASSERT_EQ(run_seeds(worse_scenario, dir / "sync", 3).exit_code, 0);

  // Sync waits for the backup 40 ms away; async does not: write p50 rises from ~3 ms to ~43 ms.
  const CommandResult worse =
      run_cutover({"compare", (dir / "base").string(), (dir / "sync").string(), "--junit",
                   (dir / "worse.xml").string()});
  EXPECT_EQ(worse.exit_code, 1) << worse.describe();
  EXPECT_NE(worse.out.find("REGRESSED latency_ms.write.p50"), std::string::npos) << worse.out;
  std::string failures;
  const auto cases = junit_testcases(dir / "worse.xml", failures);
  ASSERT_TRUE(cases.contains("latency_ms.write.p50"));
  EXPECT_TRUE(cases.at("latency_ms.write.p50"));
  ASSERT_TRUE(cases.contains("data_loss.acknowledged_writes_lost"));
  EXPECT_FALSE(cases.at("data_loss.acknowledged_writes_lost"));
  EXPECT_NE(failures, "0");

  const CommandResult same =
      run_cutover({"compare", (dir / "base").string(), (dir / "base").string(), "--junit",
                   (dir / "same.xml").string()});
  EXPECT_EQ(same.exit_code, 0) << same.describe();
  junit_testcases(dir / "same.xml", failures);
  EXPECT_EQ(failures, "0");
}

// --- sweep -----------------------------------------------------------------------------------

std::vector<std::vector<std::string>> read_csv(const fs::path& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_text(path));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::istringstream cells_in(line);
    std::string cell;
    while (std::getline(cells_in, cell, ',')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

TEST(Sweep, SyncWriteP50FollowsTheLinkRoundTripAtEveryGridPoint) {
  const TempDir dir;
  json scenario = two_region_scenario("sync");
  scenario["node"]["service_time_ms"] = {{"distribution", "constant"}, {"mean", 0.1}};
  write_scenario(dir, scenario, "sync.json");
  const std::vector<double> rtts = {20, 40, 80};
  write_text(dir / "sweep.json", json({{"scenario", "sync.json"},
                                       {"grid", {{"/topology/links/0/rtt_ms", rtts}}},
                                       {"seeds", 2},
                                       {"metrics", {"latency_ms.write.p50"}}})
                                     .dump());
  const CommandResult result = run_cutover({"sweep", (dir / "sweep.json").string(), "--jobs", "2",
                                            "--out", (dir / "out").string(), "--quiet"});
  ASSERT_EQ(result.exit_code, 0) << result.describe();

  const auto rows = read_csv(dir / "out" / "sweep.csv");
  ASSERT_EQ(rows.size(), 1 + rtts.size());
  EXPECT_EQ(rows[0], (std::vector<std::string>{"point", "/topology/links/0/rtt_ms", "seeds",
                                               "slo_pass_fraction", "latency_ms.write.p50.mean",
                                               "latency_ms.write.p50.ci95_half_width"}));
  double previous = 0;
  for (std::size_t i = 0; i < rtts.size(); ++i) {
    const auto& row = rows[i + 1];
    ASSERT_EQ(row.size(), rows[0].size());
    EXPECT_EQ(std::stod(row[1]), rtts[i]);
    EXPECT_EQ(row[2], "2");
    // Sync: client path 0.5 + 0.1 ms, then the backup's round trip and fsync (the primary's
    // own fsync runs meanwhile): 0.6 + rtt + 2 ms.
    const double p50 = std::stod(row[4]);
    EXPECT_NEAR(p50, 0.6 + rtts[i] + 2.0, 0.05 * (0.6 + rtts[i] + 2.0)) << "rtt " << rtts[i];
    EXPECT_GT(p50, previous);
    previous = p50;
  }
}

TEST(Sweep, ABadSweepFileNamesItsPointerWithExitCode2) {
  const TempDir dir;
  write_scenario(dir, two_region_scenario("async"), "s.json");
  write_text(dir / "sweep.json",
             R"({"scenario": "s.json", "grid": {"/workload/0/rate_per_s": []}})");
  const CommandResult result = run_cutover({"sweep", (dir / "sweep.json").string()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "cutover: " + (dir / "sweep.json").string() +
                ": /grid/~1workload~10~1rate_per_s: expected a non-empty list of values\n");
}

// --- capacity --------------------------------------------------------------------------------

TEST(Capacity, LagSloKneeSitsAtTheLinkBandwidthOverTheBytesOfAWrite) {
  // Async replication of 10,000-byte writes over an 8 Mbit/s link (10^6 bytes/s). Each write
  // crosses the link as an entry of 48 + 10,000 bytes plus its share of a 64-byte message
  // header, so the link carries at most 10^6 / ~10,100 = ~99 writes/s. Below that the backup's
  // lag stays near the queueing delay; above it the lag grows by (1 - capacity / rate) every
  // second, past the 500 ms SLO within the 10 s run from ~5% over capacity. Poisson bursts
  // push the lag over the SLO somewhat before the link is full, so the knee must lie between
  // 85% and 105% of the capacity. The link RTT is 2 ms and heartbeats are 1 s apart, so
  // neither the round trip nor the primary's "backup silent" probing moves the knee.
  json scenario = json::parse(R"({
    "name": "capacity-link",
    "description": "Async primary-backup over an 8 Mbit/s link; the backup's lag SLO.",
    "seed": 1,
    "duration_s": 10,
    "sample_interval_ms": 100,
    "topology": {
      "regions": [{"name": "a", "nodes": 1}, {"name": "b", "nodes": 1}],
      "links": [{"regions": ["a", "b"], "rtt_ms": 2, "bandwidth_mbps": 8}]
    },
    "node": {"service_time_ms": {"distribution": "constant", "mean": 0.1}, "cores": 4,
             "fsync_ms": 1},
    "protocol": {"type": "primary_backup", "ack": "async", "primary_region": "a",
                 "heartbeat_interval_ms": 1000,
                 "failover": {"mode": "automatic", "failover_timeout_ms": 10000}},
    "workload": [{"region": "a", "rate_per_s": 50, "write_fraction": 1, "key_space": 1000,
                  "value_bytes": 10000, "read_from": "primary", "client_timeout_ms": 1000}],
    "slo": [{"name": "backup lag under 500 ms", "metric": "replication_lag_ms.b-0.max",
             "op": "<", "limit": 500}]
  })");
  const TempDir dir;
  const fs::path file = write_scenario(dir, scenario, "capacity.json");
  const double bytes_per_s = 8e6 / 8;
  const double capacity = bytes_per_s / (48 + 10000 + 64);
  const double tolerance = 2;
  const CommandResult result =
      run_cutover({"capacity", file.string(), "--param", "/workload/0/rate_per_s", "--low", "50",
                   "--high", "200", "--seeds", "3", "--tolerance", "2", "--jobs", "2", "--out",
                   (dir / "out").string(), "--quiet"});
  ASSERT_EQ(result.exit_code, 0) << result.describe();

  const json report = read_json(dir / "out" / "capacity.json");
  const json& knee = report.at("result");
  ASSERT_EQ(knee.at("verdict"), "knee_found") << report.dump(2);
  const double last_passing = knee.at("last_passing").get<double>();
  const double first_failing = knee.at("first_failing").get<double>();
  EXPECT_LE(first_failing - last_passing, tolerance);
  EXPECT_GE(last_passing, 0.85 * capacity) << report.dump(2);
  EXPECT_LE(first_failing, 1.05 * capacity) << report.dump(2);
  // Every probe at or below the last passing value passed; every one above the first failing
  // value failed (the knee is a single step, as bisection assumes).
  for (const json& probe : report.at("probes")) {
    const double value = probe.at("value").get<double>();
    if (value <= last_passing) {
      EXPECT_TRUE(probe.at("passed").get<bool>()) << probe.dump();
    }
    if (value >= first_failing) {
      EXPECT_FALSE(probe.at("passed").get<bool>()) << probe.dump();
    }
    EXPECT_TRUE(fs::exists(fs::path(probe.at("dir").get<std::string>()) / "summary.json"));
  }
}

}  // namespace
}  // namespace cutover::sim
