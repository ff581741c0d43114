// Shrinking a failing scenario's fault schedule: first drop faults (ddmin), then simplify the
// ones left (shorter, rounder, milder), each step kept only when the run still fails with the
// same kind. Candidates of one step run together as `cutover run` children. Used by
// `cutover shrink` and `cutover explore --shrink`; the candidates come from
// sim/faults/fault_shrink.h.
//
// Deterministic: candidates are tried in a fixed order and the first that still fails wins, so
// the same failing scenario shrinks to the same result.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/cli/parallel_runs.h"
#include "sim/faults/explore_verdict.h"
#include "sim/faults/fault_shrink.h"

namespace cutover::sim::cli {

struct ShrinkRequest {
  nlohmann::ordered_json scenario;  // the failing scenario document; its "faults" get shrunk
  std::uint64_t seed = 1;
  FaultModel model;  // judges each candidate; its ranges' min are the mildest intensities
  bool model_has_bounds = false;   // false: the table's default bounds are the mildest
  std::string kind;                // the failure kind every kept step must still show
  std::filesystem::path work_dir;  // candidate n runs in work_dir/<n>/, removed at the end
  std::uint32_t runs_max = 200;    // candidate runs at most
  ParallelOptions parallel;
};

struct ShrinkResult {
  FaultList faults;  // the smallest failing schedule found
  std::size_t original_faults = 0;
  std::uint32_t runs = 0;          // candidate runs made
  std::vector<Finding> findings;   // the last kept run's (the original's if none was kept)
  std::vector<std::string> kept;   // the changes kept, in order
  bool stopped_by_budget = false;  // runs_max was reached before no step helped
};

// REQUIRES: request.scenario with its faults fails with request.kind (original_findings are
// that run's findings).
ShrinkResult shrink_schedule(const ShrinkRequest& request,
                             const std::vector<Finding>& original_findings);

}  // namespace cutover::sim::cli
