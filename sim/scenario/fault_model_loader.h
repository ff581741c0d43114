// Reads a scenario's "explore" section (the fault model of `cutover explore`) into a
// FaultModel, with the checks that need the rest of the scenario: known fault types and fields
// (from the explorable-fault table), ranges in order and within what the scenario format accepts,
// targets that exist, and a schedule that fits before the quiet period. Called by the scenario
// loader after the JSON Schema passed; a problem comes back as a pointer and a sentence, which
// the loader reports like any other ("<file>: <pointer>: <problem>", exit code 2).
#pragma once

#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/fault_model.h"
#include "sim/scenario/scenario.h"

namespace cutover::sim {

struct FaultModelProblem {
  std::string pointer;  // RFC 6901, from the document root ("/explore/faults_max")
  std::string text;
};

// REQUIRES: `section` is the document's "explore" value and passed the schema; `scenario`
// already holds the topology, workloads and duration_s.
std::variant<FaultModel, FaultModelProblem> parse_fault_model(const nlohmann::json& section,
                                                              const Scenario& scenario);

// The checks used when the section lists none: every check but linearizability when a workload
// reads from "local" (such reads are stale by design).
std::vector<SafetyCheck> default_safety_checks(const Scenario& scenario);

}  // namespace cutover::sim
