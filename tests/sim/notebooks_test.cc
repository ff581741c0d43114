// The Jupyter notebooks in notebooks/, executed headless (`jupyter nbconvert --to notebook
// --execute`) on outputs this test produces with the real cutover binary: a run with its
// history, a sweep and a capacity search of one small scenario. A notebook that raises (one of
// its format checks, or a plot that cannot be drawn) fails nbconvert and the test. Skipped, saying
// so, only when jupyter's nbconvert is not installed (scripts/setup.sh installs it).
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/sim/cli_runner.h"

namespace cutover::sim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::CommandResult;
using test_support::run_cutover;
using test_support::ScenarioRun;

// Three regions, semi-sync primary-backup whose primary's region is lost for 2 of 6 seconds,
// with prices, so every section of the notebooks has something to read: lag that grows, a
// failover, errors, a priced bill. One core at 2 ms per operation takes 500 operations/s, so a
// capacity search over region a's rate finds a knee below that.
json notebook_scenario() {
  return json::parse(R"({
    "name": "notebook-check",
    "description": "Three regions, semi-sync primary-backup, the primary's region lost for 2 s.",
    "seed": 3,
    "duration_s": 6,
    "sample_interval_ms": 100,
    "topology": {
      "regions": [
        {"name": "a", "nodes": 1, "intra_rtt_ms": 0.5},
        {"name": "b", "nodes": 1, "intra_rtt_ms": 0.5},
        {"name": "c", "nodes": 1, "intra_rtt_ms": 0.5}
      ],
      "links": [
        {"regions": ["a", "b"], "rtt_ms": 40, "bandwidth_mbps": 10000},
        {"regions": ["a", "c"], "rtt_ms": 100, "bandwidth_mbps": 10000},
        {"regions": ["b", "c"], "rtt_ms": 80, "bandwidth_mbps": 10000}
      ]
    },
    "node": {"service_time_ms": {"distribution": "constant", "mean": 2}, "cores": 1,
             "fsync_ms": 1},
    "protocol": {"type": "primary_backup", "ack": "semi_sync", "semi_sync_acks": 1,
                 "primary_region": "a", "heartbeat_interval_ms": 50,
                 "failover": {"mode": "automatic", "failover_timeout_ms": 500}},
    "workload": [
      {"region": "a", "rate_per_s": 200, "write_fraction": 0.5, "key_space": 1000,
       "read_from": "primary", "client_timeout_ms": 1000},
      {"region": "b", "rate_per_s": 50, "write_fraction": 0.5, "key_space": 1000,
       "read_from": "local", "client_timeout_ms": 1000}
    ],
    "faults": [{"type": "region_outage", "region": "a", "at_s": 3, "until_s": 5}],
    "cost": {"egress_default_usd_per_gb": 0.02, "instance_usd_per_hour": 0.5,
             "storage_usd_per_gb_month": 0.1},
    "slo": [{"name": "write p99 under 200 ms", "metric": "latency_ms.write.p99", "op": "<",
             "limit": 200}]
  })");
}

class Notebooks : public ::testing::Test {
 protected:
  void SetUp() override {
    jupyter_ = test_support::find_in_path("jupyter");
    if (jupyter_.empty() ||
        test_support::run_program({jupyter_.string(), "nbconvert", "--version"}).exit_code != 0) {
      GTEST_SKIP() << "jupyter nbconvert is not installed (scripts/setup.sh installs Debian's "
                      "jupyter-nbconvert, python3-ipykernel, python3-pandas and "
                      "python3-matplotlib): the notebooks are not executed";
    }
  }

  // Executes notebooks/<name> with `environment` added; its executed copy goes to a temp folder.
  CommandResult execute(const std::string& name, std::vector<std::string> environment) const {
    // Jupyter's and matplotlib's own state in the temp folder, not in $HOME.
    for (const char* variable : {"JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"}) {
      environment.push_back(std::string(variable) + "=" + (scratch_ / variable).string());
    }
    environment.push_back("PYDEVD_DISABLE_FILE_VALIDATION=1");  // quiets ipykernel's debugger
    return test_support::run_program(
        {"timeout", "300", jupyter_.string(), "nbconvert", "--to", "notebook", "--execute",
         (test_support::source_dir() / "notebooks" / name).string(), "--output-dir",
         (scratch_ / "executed").string(), "--ExecutePreprocessor.timeout=120"},
        environment);
  }

  // One run of the scenario with --history; report.json, timeseries.csv and history.jsonl.
  static ScenarioRun run_with_history() {
    ScenarioRun run = test_support::run_scenario(notebook_scenario(), {"--history"});
    EXPECT_TRUE(run.command.exit_code == 0 || run.command.exit_code == 1) << run.command.describe();
    return run;
  }

  fs::path jupyter_;
  test_support::TempDir scratch_;
};

TEST_F(Notebooks, RunReportExecutesOnARunWithItsHistory) {
  const ScenarioRun run = run_with_history();
  ASSERT_TRUE(fs::exists(run.out_dir() / "history.jsonl"));
  const CommandResult executed =
      execute("run_report.ipynb", {"CUTOVER_RUN_DIR=" + run.out_dir().string()});
  EXPECT_EQ(executed.exit_code, 0) << executed.describe();
}

TEST_F(Notebooks, RunReportStopsWhenTimeseriesLacksAReplicasLagColumn) {
  // The notebook's format checks are what make the test above mean something: rename one lag
  // column as a format change would, and the notebook must fail on it.
  const ScenarioRun run = run_with_history();
  std::string csv = test_support::read_text(run.out_dir() / "timeseries.csv");
  const std::size_t column = csv.find("lag_ms.b-0");
  ASSERT_NE(column, std::string::npos);
  csv.replace(column, 7, "lagms.");
  test_support::write_text(run.out_dir() / "timeseries.csv", csv);
  const CommandResult executed =
      execute("run_report.ipynb", {"CUTOVER_RUN_DIR=" + run.out_dir().string()});
  EXPECT_NE(executed.exit_code, 0) << executed.describe();
  EXPECT_NE(executed.err.find("timeseries.csv lacks ['lag_ms.b-0']"), std::string::npos)
      << executed.err;
}

TEST_F(Notebooks, SweepCapacityExecutesOnASweepAndACapacitySearch) {
  test_support::TempDir dir;
  test_support::write_text(dir / "scenario.json", notebook_scenario().dump(2));
  // 3 rates x 2 RTTs x 2 seeds, with cost among the metrics.
  test_support::write_text(dir / "sweep.json", R"({
    "scenario": "scenario.json",
    "grid": {"/workload/0/rate_per_s": [100, 250, 400], "/topology/links/0/rtt_ms": [20, 80]},
    "seeds": 2,
    "metrics": ["latency_ms.write.p99", "availability.write", "cost.total_usd"]
  })");
  const CommandResult sweep = run_cutover(
      {"sweep", (dir / "sweep.json").string(), "--out", (dir / "sweep").string(), "--quiet"});
  ASSERT_EQ(sweep.exit_code, 0) << sweep.describe();
  const CommandResult capacity = run_cutover(
      {"capacity", (dir / "scenario.json").string(), "--param", "/workload/0/rate_per_s", "--low",
       "100", "--high", "900", "--step", "1", "--tolerance", "100", "--seeds", "2", "--out",
       (dir / "capacity").string(), "--quiet"});
  ASSERT_EQ(capacity.exit_code, 0) << capacity.describe();

  const CommandResult executed =
      execute("sweep_capacity.ipynb", {"CUTOVER_SWEEP_DIR=" + (dir / "sweep").string(),
                                       "CUTOVER_CAPACITY_DIR=" + (dir / "capacity").string()});
  EXPECT_EQ(executed.exit_code, 0) << executed.describe();
}

}  // namespace
}  // namespace cutover::sim
