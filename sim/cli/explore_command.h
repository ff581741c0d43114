// Chaos exploration on the command line (README "Chaos exploration"):
//
//   cutover explore SCENARIO.json [--seeds N] [--first-seed S] [--jobs J] [--out DIR] [--shrink]
//   cutover explore SCENARIO.json --replay S [--out DIR] [--shrink]
//   cutover shrink FAILING.json [--seed S] [--kind K] [--out FILE] [--jobs J]
//
// explore: for each seed, draws a fault schedule from the scenario's fault model
// (sim/faults/fault_swarm.h), writes DIR/seeds/<seed>/scenario.json (the scenario with those
// faults and that seed: `cutover run` on it is the replay), runs the seeds as `cutover run`
// children, judges each (sim/faults/explore_verdict.h), writes DIR/explore.json and prints a
// table of failures with the commands that replay them. With --shrink, the first failing seed
// of each kind (or the replayed seed) is shrunk to DIR/seeds/<seed>/minimal.json.
// shrink: the same shrinking for any failing scenario file.
//
// Exit codes: 0 no failure; 1 a failure was found (shrink: and minimised); 2 bad input;
// 3 a run could not be judged (an explorer or simulator bug, e.g. a minimal scenario that no
// longer fails).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace cutover::sim::cli {

class ExploreCommand {
 public:
  CLI::App* add_to(CLI::App& app);
  int run() const;

 private:
  std::string scenario_path_;
  std::uint32_t seeds_ = 100;
  std::uint64_t first_seed_ = 1;
  std::optional<std::uint64_t> replay_;
  std::size_t jobs_ = 0;
  std::string out_dir_;
  bool shrink_ = false;
  std::uint32_t shrink_runs_max_ = 200;
  bool quiet_ = false;
};

class ShrinkCommand {
 public:
  CLI::App* add_to(CLI::App& app);
  int run() const;

 private:
  std::string scenario_path_;
  std::optional<std::uint64_t> seed_;
  std::string kind_;
  std::string out_path_;
  std::size_t jobs_ = 0;
  std::uint32_t runs_max_ = 200;
  bool quiet_ = false;
};

}  // namespace cutover::sim::cli
