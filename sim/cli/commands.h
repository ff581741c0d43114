// The subcommands that turn single runs into decisions, each a small class that registers its
// options on the CLI11 app (add_to) and, when parsed, runs (run returns the exit code):
//   compare   two multi-seed result sets, metric by metric (compare_command.cc)
//   sweep     a grid over scenario fields x seeds, one CSV row per grid point (sweep_command.cc)
//   capacity  the largest parameter value whose SLOs hold, by bisection (capacity_command.cc)
// `cutover run --seeds` is in seed_batch.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "sim/cli/cli_support.h"
#include "sim/cli/parallel_runs.h"
#include "sim/cli/seed_batch.h"

namespace cutover::sim::cli {

class CompareCommand {
 public:
  CLI::App* add_to(CLI::App& app);
  int run() const;

 private:
  std::string base_dir_;
  std::string candidate_dir_;
  std::vector<std::string> thresholds_;  // METRIC=PCT
  double default_threshold_pct_ = 5;
  std::string junit_path_;
  bool all_ = false;
};

class SweepCommand {
 public:
  CLI::App* add_to(CLI::App& app);
  int run() const;

 private:
  std::string sweep_path_;
  std::vector<std::string> sets_;
  std::size_t jobs_ = 0;
  std::string out_dir_;
  bool quiet_ = false;
};

class CapacityCommand {
 public:
  CLI::App* add_to(CLI::App& app);
  int run() const;

 private:
  std::string scenario_path_;
  std::string parameter_;
  double low_ = 0;
  double high_ = 0;
  std::uint32_t seeds_ = 1;
  std::optional<double> tolerance_;
  double step_ = 0;
  double pass_fraction_ = 1;
  std::vector<std::string> slo_names_;
  bool slo_from_scenario_ = false;
  std::vector<std::string> sets_;
  std::size_t jobs_ = 0;
  std::string out_dir_;
  bool quiet_ = false;
};

}  // namespace cutover::sim::cli
