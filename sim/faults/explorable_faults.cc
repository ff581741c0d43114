#include "sim/faults/explorable_faults.h"

#include <algorithm>

namespace cutover::sim {

const std::vector<FaultTypeSpec>& explorable_fault_types() {
  // Default bounds: long enough to cross a typical failover or election timeout (1-2 s) and
  // short enough that several fit in a short exploration run.
  static const std::vector<FaultTypeSpec> kTypes = {
      {.type = "node_crash", .target = TargetKind::kNode, .default_duration_s = {1, 5}},
      {.type = "region_outage", .target = TargetKind::kRegion, .default_duration_s = {1, 5}},
      {.type = "partition", .target = TargetKind::kRegionSplit, .default_duration_s = {1, 5}},
      {.type = "link_latency",
       .target = TargetKind::kRegionPair,
       .default_duration_s = {1, 5},
       .intensities = {{.field = "extra_rtt_ms", .defaults = {50, 500}, .lowest = 0}}},
      {.type = "slow_disk",
       .target = TargetKind::kNode,
       .default_duration_s = {1, 5},
       .intensities =
           {{.field = "fsync_factor", .defaults = {2, 20}, .lowest = 1, .lowest_exclusive = true}}},
      {.type = "process_pause", .target = TargetKind::kNode, .default_duration_s = {0.2, 3}},
  };
  return kTypes;
}

const FaultTypeSpec* find_explorable_type(std::string_view type) {
  const auto& types = explorable_fault_types();
  const auto it = std::find_if(types.begin(), types.end(),
                               [type](const FaultTypeSpec& spec) { return spec.type == type; });
  return it == types.end() ? nullptr : &*it;
}

std::string explorable_type_names() {
  std::string names;
  for (const FaultTypeSpec& spec : explorable_fault_types()) {
    if (!names.empty()) names += ", ";
    names += spec.type;
  }
  return names;
}

std::string_view target_field(TargetKind kind) {
  switch (kind) {
    case TargetKind::kNode:
      return "node";
    case TargetKind::kRegion:
      return "region";
    case TargetKind::kRegionSplit:
      return "groups";
    case TargetKind::kRegionPair:
      return "regions";
  }
  return "";
}

bool needs_two_regions(TargetKind kind) {
  return kind == TargetKind::kRegionSplit || kind == TargetKind::kRegionPair;
}

}  // namespace cutover::sim
