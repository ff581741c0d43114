// Draws one seed's fault schedule from a scenario's fault model, in the manner of swarm testing
// (Groce et al., "Swarm Testing", ISSTA 2012): the seed first enables a random non-empty subset
// of the model's fault types, then draws every fault from those types only. Leaving types out
// at random lets a seed push hard in one direction (say, only crashes) instead of averaging
// every fault type together, which finds more bugs than the full mix in every run.
//
// Pure and deterministic: the same model, topology, duration and seed give the same schedule,
// on any machine (models::Rng streams forked by name; no std distributions). Called by
// `cutover explore`; its output is the "faults" list of the seed's scenario file.
//
// Each fault lies in [start_after_s, duration_s - quiet_period_s]: its duration is drawn from
// the type's duration_s (clipped to that window), then its start so that it fits. Times are
// whole milliseconds; intensities are rounded to their table's decimals. Faults are listed in
// start order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/scenario.h"

namespace cutover::sim {

struct FaultSchedule {
  std::vector<std::string> enabled_types;  // the seed's swarm subset, in table order
  nlohmann::ordered_json faults = nlohmann::ordered_json::array();  // scenario "faults" format
};

// REQUIRES: scenario.explore holds a loaded (valid) fault model.
FaultSchedule generate_fault_schedule(const Scenario& scenario, std::uint64_t seed);

}  // namespace cutover::sim
