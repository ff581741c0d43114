// What `cutover explore` and `cutover shrink` share: writing a scenario document to a file, and
// running a batch of scenario files as `cutover run` children (sim/cli/parallel_runs.h), then
// judging each against the fault model's checks (sim/faults/explore_verdict.h).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/cli/parallel_runs.h"
#include "sim/faults/explore_verdict.h"
#include "sim/scenario/fault_model.h"

namespace cutover::sim::cli {

struct JudgedRun {
  RunOutcome outcome;
  std::vector<Finding> findings;  // empty: passed
};

// Runs every job (each a scenario file with its seed and report folder) and judges it. A
// report.json left in a job's folder by an earlier run is removed first, so it cannot pass
// for this run's. Results are in job order.
std::vector<JudgedRun> run_and_judge(const std::vector<RunJob>& jobs, const FaultModel& model,
                                     const ParallelOptions& options);

// The document pretty-printed (2 spaces), keys in the order they were read or added.
std::string scenario_text(const nlohmann::ordered_json& doc);

// Reads a JSON file keeping its key order; nullopt when it is missing or not JSON.
std::optional<nlohmann::ordered_json> read_ordered_json(const std::filesystem::path& path);

// Creates the folder of `path` and writes `text` there; prints why not and returns false.
bool write_creating_folder(const std::filesystem::path& path, const std::string& text);

}  // namespace cutover::sim::cli
