#include "sim/scenario/fault_model_loader.h"

#include <algorithm>
#include <iomanip>
#include <set>
#include <sstream>

#include "sim/faults/explorable_faults.h"

namespace cutover::sim {
namespace {

using nlohmann::json;

// Thrown inside this file only, so nested checks can stop at the first problem; the public
// function turns it into a FaultModelProblem.
struct Problem {
  std::string pointer;
  std::string text;
};

[[noreturn]] void fail(std::string pointer, std::string text) {
  throw Problem{std::move(pointer), std::move(text)};
}

const std::string kAt = "/explore";

std::string token(std::string_view key) {
  return (json::json_pointer() / std::string(key)).to_string();
}

// 60, 0.5, 68.38: numbers as a person writes them.
std::string num(double value) {
  std::ostringstream out;
  out << std::setprecision(15) << value;
  return out.str();
}

std::string in_quotes(std::string_view text) { return json(std::string(text)).dump(); }

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// [min, max]: two numbers, in order, each above the field's lowest accepted value.
Interval parse_range(const json& value, const std::string& at, double lowest, bool exclusive) {
  if (!value.is_array() || value.size() != 2 || !value[0].is_number() || !value[1].is_number()) {
    fail(at, "expected [min, max], two numbers, got " + value.dump());
  }
  const Interval range{value[0].get<double>(), value[1].get<double>()};
  if (range.min > range.max) {
    fail(at, "min " + num(range.min) + " is above max " + num(range.max));
  }
  if (exclusive ? range.min <= lowest : range.min < lowest) {
    fail(at + "/0", std::string("must be ") + (exclusive ? "> " : ">= ") + num(lowest) + ", got " +
                        num(range.min));
  }
  return range;
}

std::vector<std::string> allowed_targets(TargetKind kind, const Scenario& scenario) {
  std::vector<std::string> names;
  if (kind == TargetKind::kNode) {
    names.push_back(NodeCrash::kCurrentLeader);
    for (const std::string& replica : replica_names(scenario.topology)) names.push_back(replica);
    return names;
  }
  for (const Region& region : scenario.topology.regions) names.push_back(region.name);
  return names;
}

std::vector<std::string> parse_targets(const json& entry, const std::string& at,
                                       const FaultTypeSpec& spec, const Scenario& scenario) {
  const std::vector<std::string> allowed = allowed_targets(spec.target, scenario);
  if (!entry.contains("targets")) return allowed;
  const json& list = entry.at("targets");
  if (!list.is_array() || list.empty()) {
    fail(at + "/targets",
         "expected a non-empty list of " + std::string(spec.target == TargetKind::kNode
                                                           ? "replica names (or \"leader\")"
                                                           : "region names"));
  }
  std::vector<std::string> targets;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string item_at = at + "/targets/" + std::to_string(i);
    if (!list[i].is_string()) fail(item_at, "expected a name, got " + list[i].dump());
    const std::string name = list[i].get<std::string>();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      fail(item_at, "unknown target " + in_quotes(name) + " for " + std::string(spec.type) +
                        "; allowed: " + joined(allowed));
    }
    if (std::find(targets.begin(), targets.end(), name) != targets.end()) {
      fail(item_at, "target " + in_quotes(name) + " is listed twice");
    }
    targets.push_back(name);
  }
  return targets;
}

void refuse_unknown_fields(const json& entry, const std::string& at, const FaultTypeSpec& spec) {
  std::vector<std::string> allowed = {"duration_s", "targets"};
  for (const IntensitySpec& intensity : spec.intensities) allowed.emplace_back(intensity.field);
  for (const auto& [field, value] : entry.items()) {
    if (std::find(allowed.begin(), allowed.end(), field) == allowed.end()) {
      fail(at + token(field), "unknown field " + in_quotes(field) + " for " +
                                  std::string(spec.type) + "; allowed here: " + joined(allowed));
    }
  }
}

ExploredFaultType parse_fault_type(const json& entry, const std::string& at,
                                   const FaultTypeSpec& spec, const Scenario& scenario) {
  if (!entry.is_object()) fail(at, "expected an object of bounds (it may be empty: {})");
  refuse_unknown_fields(entry, at, spec);
  if (needs_two_regions(spec.target) && scenario.topology.regions.size() < 2) {
    fail(at, std::string(spec.type) + " acts between regions, and the topology has one region");
  }
  ExploredFaultType type{.type = std::string(spec.type),
                         .duration_s = spec.default_duration_s,
                         .intensities = {},
                         .targets = parse_targets(entry, at, spec, scenario)};
  if (entry.contains("duration_s")) {
    type.duration_s = parse_range(entry.at("duration_s"), at + "/duration_s", 0, true);
  }
  for (const IntensitySpec& intensity : spec.intensities) {
    const std::string field(intensity.field);
    type.intensities[field] = entry.contains(field)
                                  ? parse_range(entry.at(field), at + token(field),
                                                intensity.lowest, intensity.lowest_exclusive)
                                  : intensity.defaults;
  }
  return type;
}

std::vector<ExploredFaultType> parse_fault_types(const json& section, const Scenario& scenario) {
  const std::string at = kAt + "/fault_types";
  const json& types = section.at("fault_types");
  for (const auto& [name, entry] : types.items()) {
    if (find_explorable_type(name) == nullptr) {
      fail(at + token(name), "unknown fault type " + in_quotes(name) +
                                 "; explorable types: " + explorable_type_names());
    }
  }
  std::vector<ExploredFaultType> explored;
  for (const FaultTypeSpec& spec : explorable_fault_types()) {  // table order, whatever the file's
    const std::string name(spec.type);
    if (types.contains(name)) {
      explored.push_back(parse_fault_type(types.at(name), at + token(name), spec, scenario));
    }
  }
  if (explored.empty()) {
    fail(at, "no fault type to explore; list at least one of: " + explorable_type_names());
  }
  return explored;
}

// Every type's shortest fault must fit between start_after_s and the quiet period.
void check_schedule_fits(const FaultModel& model, const Scenario& scenario) {
  const double window_end_s = scenario.duration_s - model.quiet_period_s;
  if (window_end_s <= model.start_after_s) {
    fail(kAt + "/quiet_period_s", "no time left for faults: start_after_s (" +
                                      num(model.start_after_s) + ") + quiet_period_s (" +
                                      num(model.quiet_period_s) + ") >= duration_s (" +
                                      num(scenario.duration_s) + ")");
  }
  for (const ExploredFaultType& type : model.fault_types) {
    if (type.duration_s.min > window_end_s - model.start_after_s) {
      fail(kAt + "/fault_types" + token(type.type) + "/duration_s",
           "the shortest " + type.type + " (" + num(type.duration_s.min) +
               " s) does not fit between start_after_s (" + num(model.start_after_s) +
               " s) and the quiet period (from " + num(window_end_s) + " s)");
    }
  }
}

bool reads_are_local_somewhere(const Scenario& scenario) {
  return std::any_of(scenario.workloads.begin(), scenario.workloads.end(),
                     [](const Workload& w) { return w.read_from == ReadTarget::kLocal; });
}

std::vector<SafetyCheck> parse_checks(const json& section, const Scenario& scenario) {
  if (!section.contains("checks")) return default_safety_checks(scenario);
  std::vector<SafetyCheck> checks;
  const json& list = section.at("checks");
  std::set<SafetyCheck> listed;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string name = list[i].get<std::string>();
    const std::optional<SafetyCheck> check = safety_check_named(name);
    if (!check) fail(kAt + "/checks/" + std::to_string(i), "unknown check " + in_quotes(name));
    if (*check == SafetyCheck::kLinearizability && reads_are_local_somewhere(scenario)) {
      fail(kAt + "/checks/" + std::to_string(i),
           "linearizability fails by design when a workload reads from \"local\" (stale reads); "
           "remove it or read from the primary");
    }
    listed.insert(*check);
  }
  for (const auto& [check, name] : kSafetyCheckNames) {
    if (listed.contains(check)) checks.push_back(check);
  }
  return checks;
}

template <typename T>
void read_optional(const json& object, const char* key, T& out) {
  if (auto it = object.find(key); it != object.end()) out = it->get<T>();
}

FaultModel build_fault_model(const json& section, const Scenario& scenario) {
  FaultModel model;
  model.fault_types = parse_fault_types(section, scenario);
  read_optional(section, "faults_min", model.faults_min);
  read_optional(section, "faults_max", model.faults_max);
  read_optional(section, "start_after_s", model.start_after_s);
  read_optional(section, "quiet_period_s", model.quiet_period_s);
  read_optional(section, "healed_lag_ms_max", model.healed_lag_ms_max);
  if (model.faults_min > model.faults_max) {
    fail(kAt + (section.contains("faults_min") ? "/faults_min" : "/faults_max"),
         "faults_min (" + std::to_string(model.faults_min) + ") is above faults_max (" +
             std::to_string(model.faults_max) + ")");
  }
  check_schedule_fits(model, scenario);
  model.checks = parse_checks(section, scenario);
  return model;
}

}  // namespace

std::vector<SafetyCheck> default_safety_checks(const Scenario& scenario) {
  std::vector<SafetyCheck> checks;
  for (const auto& [check, name] : kSafetyCheckNames) {
    if (check != SafetyCheck::kLinearizability || !reads_are_local_somewhere(scenario)) {
      checks.push_back(check);
    }
  }
  return checks;
}

std::variant<FaultModel, FaultModelProblem> parse_fault_model(const json& section,
                                                              const Scenario& scenario) {
  try {
    return build_fault_model(section, scenario);
  } catch (const Problem& problem) {
    return FaultModelProblem{problem.pointer, problem.text};
  }
}

}  // namespace cutover::sim
