// What scenario-level tests share when they build a scenario and read back a run: a number at
// a JSON pointer, a Raft protocol block, whether a run finished, a tolerance check that says
// by how much it missed, and the lag rows of timeseries.csv.
#pragma once

#include <cmath>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/sim/cli_runner.h"

namespace cutover::test_support::checks {

inline double number_at(const nlohmann::json& doc, const std::string& pointer) {
  return doc.at(nlohmann::json::json_pointer(pointer)).get<double>();
}

// Raft with 0.5-1 s election timeouts and 50 ms heartbeats, led first by `initial_leader`.
inline nlohmann::json raft_protocol(const std::string& initial_leader) {
  return {{"type", "raft"},
          {"initial_leader", initial_leader},
          {"election_timeout_min_ms", 500},
          {"election_timeout_max_ms", 1000},
          {"heartbeat_interval_ms", 50}};
}

// The run finished (SLOs held or not) and wrote a report.
inline ::testing::AssertionResult ran(const ScenarioRun& run) {
  if (run.command.exit_code != 0 && run.command.exit_code != 1) {
    return ::testing::AssertionFailure() << "run did not complete: " << run.command.describe();
  }
  if (!run.report.is_object()) {
    return ::testing::AssertionFailure() << "no report.json: " << run.command.describe();
  }
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult within_fraction(double measured, double expected,
                                                  double fraction) {
  const double error = std::abs(measured - expected) / expected;
  if (error <= fraction) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "measured " << measured << ", expected " << expected << " +/- " << fraction * 100
         << " %: off by " << error * 100 << " %";
}

// timeseries.csv: "time_s,primary,lag_ms.<replica>...", an empty cell when unknown.
struct LagRow {
  double time_s = 0;
  std::string primary;
  std::map<std::string, std::optional<double>> lag_ms;  // by replica name
};

inline std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

inline std::vector<LagRow> parse_timeseries(const std::string& csv) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = split_csv_line(line);
  EXPECT_GE(header.size(), 3u) << "header: " << line;
  if (header.size() < 3) return {};
  EXPECT_EQ(header[0], "time_s");
  EXPECT_EQ(header[1], "primary");
  std::vector<LagRow> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> cells = split_csv_line(line);
    EXPECT_EQ(cells.size(), header.size()) << "row: " << line;
    if (cells.size() != header.size()) continue;
    LagRow row{.time_s = std::stod(cells[0]), .primary = cells[1], .lag_ms = {}};
    for (std::size_t i = 2; i < cells.size(); ++i) {
      const std::string replica = header[i].substr(std::string("lag_ms.").size());
      row.lag_ms[replica] = cells[i].empty() ? std::nullopt : std::optional(std::stod(cells[i]));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace cutover::test_support::checks
