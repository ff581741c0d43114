// The fault types `cutover explore` can generate, one entry each: what the fault acts on (its
// target kind), how long it lasts by default, and its intensity fields with their default
// bounds. The fault model loader, the swarm generator and the shrinker all read this table and
// nothing else, so a new fault type of the scenario format becomes explorable with one entry
// here (plus, when it acts on something new, one TargetKind and its draw in fault_swarm.cc).
//
// The generator writes faults in the scenario file format (scenarios/README.md): "type",
// the target field of its kind, its intensity fields, "at_s" and "until_s".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/fault_model.h"

namespace cutover::sim {

enum class TargetKind {
  kNode,         // "node": a replica name or "leader"
  kRegion,       // "region": one region
  kRegionSplit,  // "groups": some regions (from the targets) cut off from the rest
  kRegionPair,   // "regions": two regions, at least the first from the targets
};

struct IntensitySpec {
  std::string_view field;         // the fault's JSON field, e.g. "extra_rtt_ms"
  Interval defaults;              // bounds when the fault model gives none
  double lowest = 0;              // the smallest value the scenario format accepts...
  bool lowest_exclusive = false;  // ...or the value every draw must stay above
  int decimals = 1;               // generated values are rounded to this many decimals
};

struct FaultTypeSpec {
  std::string_view type;  // the scenario's faults[].type
  TargetKind target = TargetKind::kNode;
  Interval default_duration_s;
  std::vector<IntensitySpec> intensities;
};

// Every explorable fault type, in a fixed order (the order of a seed's draws).
const std::vector<FaultTypeSpec>& explorable_fault_types();

// The entry for `type`, or nullptr when it cannot be explored.
const FaultTypeSpec* find_explorable_type(std::string_view type);

// The explorable type names, in order ("node_crash, region_outage, ...").
std::string explorable_type_names();

// The JSON field a fault of this target kind names its target with ("node", "region", ...).
std::string_view target_field(TargetKind kind);

// Target kinds that name regions need at least two regions to cut or slow anything.
bool needs_two_regions(TargetKind kind);

}  // namespace cutover::sim
