// One scenario (with its `--set` overrides) run with consecutive seeds, and what comes back:
// every seed's report in OUT/seeds/<seed>/, and OUT/summary.json (analysis/seed_summary.h).
// `cutover run --seeds` is one batch; `cutover sweep` runs one batch per grid point and
// `cutover capacity` one per probed value, several batches sharing one pool of processes.
//
// Seeds: a batch of N seeds starting at S runs S, S+1, ..., S+N-1. S is `--seed` when given,
// otherwise the scenario's own "seed" field (after overrides).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/cli/parallel_runs.h"
#include "sim/scenario/scenario_loader.h"

namespace cutover::sim::cli {

struct SeedBatch {
  std::string scenario_path;
  std::string scenario_name;
  std::vector<ScenarioOverride> overrides;
  std::uint64_t first_seed = 1;
  std::uint32_t seed_count = 1;
  std::filesystem::path out_dir;
  std::vector<std::string> extra_args;  // more `cutover run` options for every seed
};

struct BatchOutcome {
  nlohmann::json summary;  // as written to OUT/summary.json
  // 0 every seed held every SLO, 1 one failed an SLO, 2 bad input (a seed's or writing the
  // summary), 3 a seed hit an internal error or wrote no report.
  int exit_code = 0;
};

// Runs the batches' seeds together, at most options.jobs_max at a time, then writes each
// batch's summary.json. A failed seed's error output and its replay command go to stderr.
std::vector<BatchOutcome> run_batches(const std::vector<SeedBatch>& batches,
                                      const ParallelOptions& options);

// Where seed `seed` of a batch writes its report.
std::filesystem::path seed_folder(const std::filesystem::path& batch_dir, std::uint64_t seed);

// Reads a batch's reports back from OUT/summary.json's seed list (for `cutover compare`):
// one report per seed, in the listed order; a seed whose report is missing is skipped.
// nullopt when OUT/summary.json is missing or unreadable, after printing why.
std::optional<std::vector<nlohmann::json>> read_batch_reports(const std::filesystem::path& dir);

struct MultiSeedRequest {
  std::string scenario_path;
  std::vector<std::string> set_texts;  // --set, unparsed
  std::optional<std::uint64_t> first_seed;
  std::uint32_t seed_count = 1;
  std::size_t jobs_max = 0;
  std::string out_dir;  // default out/<scenario name>
  bool quiet = false;
  bool history = false;
};

// `cutover run SCENARIO --seeds N [--jobs J] [--seed S] [--set P=V ...] [--out DIR]`.
int run_seeds_command(const MultiSeedRequest& request);

}  // namespace cutover::sim::cli
