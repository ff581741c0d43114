// The fault model of `cutover explore`: the scenario's optional "explore" section, as plain
// values. It says which fault types a seed may draw (and their bounds and targets), how many
// faults a schedule has, the quiet period that ends every run (no faults: the system must
// heal), and which safety checks count as failures. The loader fills it
// (sim/scenario/fault_model_loader.h); the generator (sim/faults/fault_swarm.h), the verdict
// (sim/faults/explore_verdict.h) and the shrinker read it. `cutover run` ignores it.
//
// Invariants after loading: at least one fault type; faults_min <= faults_max; every range has
// min <= max; start_after_s + the shortest duration of every type + quiet_period_s fit in
// duration_s; targets name replicas ("leader" allowed) or regions, as the type needs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cutover::sim {

// A closed interval [min, max] a value is drawn from uniformly.
struct Interval {
  double min = 0;
  double max = 0;
};

// One fault type the swarm may enable, with its bounds. Fields are those of the type's entry in
// the explorable-fault table (sim/faults/explorable_faults.h), filled with the table's defaults.
struct ExploredFaultType {
  std::string type;                             // as in a scenario's faults[].type
  Interval duration_s;                          // how long one fault lasts
  std::map<std::string, Interval> intensities;  // fault field -> bounds, e.g. "extra_rtt_ms"
  std::vector<std::string> targets;             // replica names and "leader", or region names
};

// What a run is checked for. A seed fails when any enabled check fails.
enum class SafetyCheck : std::uint8_t {
  kInvariant,        // the run ended with a broken protocol invariant (exit code 3) or crashed
  kDataLoss,         // more acknowledged writes lost than the configuration allows
  kSplitBrain,       // two primaries acknowledged writes in overlapping periods
  kDuplicateWrites,  // a write applied twice
  kLinearizability,  // the client history is not linearizable
  kHealing,          // at the end: no primary, or a replica still lagging
};

struct SafetyCheckName {
  SafetyCheck check;
  std::string_view name;
};
// The names used in the scenario ("checks") and in explore's output, in this order.
inline constexpr SafetyCheckName kSafetyCheckNames[] = {
    {SafetyCheck::kInvariant, "invariant"},
    {SafetyCheck::kDataLoss, "data_loss"},
    {SafetyCheck::kSplitBrain, "split_brain"},
    {SafetyCheck::kDuplicateWrites, "duplicate_writes"},
    {SafetyCheck::kLinearizability, "linearizability"},
    {SafetyCheck::kHealing, "healing"},
};

std::string_view safety_check_name(SafetyCheck check);
std::optional<SafetyCheck> safety_check_named(std::string_view name);

struct FaultModel {
  std::vector<ExploredFaultType> fault_types;  // in explorable-fault table order
  std::uint32_t faults_min = 1;
  std::uint32_t faults_max = 3;
  double start_after_s = 0;         // no fault starts earlier (let the system warm up)
  double quiet_period_s = 5;        // the last quiet_period_s of the run have no fault
  double healed_lag_ms_max = 1000;  // healing: every replica's lag at the end is at most this
  std::vector<SafetyCheck> checks;  // in kSafetyCheckNames order
};

}  // namespace cutover::sim
