#include "sim/faults/fault_swarm.h"

#include <algorithm>
#include <cmath>

#include "models/core/check.h"
#include "models/core/rng.h"
#include "sim/faults/explorable_faults.h"

namespace cutover::sim {
namespace {

using nlohmann::ordered_json;

// The window faults must fit in, in whole milliseconds.
struct Window {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
};

Window fault_window(const Scenario& scenario, const FaultModel& model) {
  const Window window{
      .start_ms = std::llround(std::ceil(model.start_after_s * 1000)),
      .end_ms = std::llround(std::floor((scenario.duration_s - model.quiet_period_s) * 1000))};
  CUTOVER_CHECK(window.end_ms > window.start_ms, "no room for faults (the loader should refuse)");
  return window;
}

// Uniform over the integers of [low, high]. REQUIRES: low <= high.
std::int64_t uniform_between(models::Rng& rng, std::int64_t low, std::int64_t high) {
  CUTOVER_CHECK(low <= high, "empty integer range");
  return low +
         static_cast<std::int64_t>(rng.uniform_below(static_cast<std::uint64_t>(high - low) + 1));
}

// Uniform over [bounds.min, bounds.max], rounded to `decimals` but never outside the bounds.
double draw_within(models::Rng& rng, Interval bounds, int decimals) {
  const double x = bounds.min + rng.uniform01() * (bounds.max - bounds.min);
  const double scale = std::pow(10.0, decimals);
  return std::clamp(std::round(x * scale) / scale, bounds.min, bounds.max);
}

template <typename T>
const T& pick(models::Rng& rng, const std::vector<T>& items) {
  CUTOVER_CHECK(!items.empty(), "pick from an empty list");
  return items[rng.uniform_below(items.size())];
}

// Swarm testing: each type is on with probability 1/2, and at least one is.
std::vector<const ExploredFaultType*> swarm_subset(const FaultModel& model, models::Rng rng) {
  std::vector<const ExploredFaultType*> enabled;
  for (const ExploredFaultType& type : model.fault_types) {
    if (rng.bernoulli(0.5)) enabled.push_back(&type);
  }
  if (enabled.empty()) enabled.push_back(&pick(rng, model.fault_types));
  return enabled;
}

std::vector<std::string> region_names(const Scenario& scenario) {
  std::vector<std::string> names;
  for (const Region& region : scenario.topology.regions) names.push_back(region.name);
  return names;
}

// Some of the targets (at least one, never every region) against all the other regions.
ordered_json draw_region_split(models::Rng& rng, const std::vector<std::string>& targets,
                               const std::vector<std::string>& regions) {
  std::vector<std::string> cut;
  for (const std::string& target : targets) {
    if (rng.bernoulli(0.5)) cut.push_back(target);
  }
  if (cut.empty()) cut.push_back(pick(rng, targets));
  if (cut.size() == regions.size())
    cut.erase(cut.begin() + static_cast<std::ptrdiff_t>(rng.uniform_below(cut.size())));
  ordered_json isolated = ordered_json::array();
  ordered_json rest = ordered_json::array();
  for (const std::string& region : regions) {  // region order, for a readable file
    const bool is_cut = std::find(cut.begin(), cut.end(), region) != cut.end();
    (is_cut ? isolated : rest).push_back(region);
  }
  return ordered_json::array({isolated, rest});
}

// A target of the targets and, for a pair, any other region.
ordered_json draw_target(models::Rng& rng, TargetKind kind, const std::vector<std::string>& targets,
                         const std::vector<std::string>& regions) {
  switch (kind) {
    case TargetKind::kNode:
    case TargetKind::kRegion:
      return pick(rng, targets);
    case TargetKind::kRegionSplit:
      return draw_region_split(rng, targets, regions);
    case TargetKind::kRegionPair: {
      const std::string first = pick(rng, targets);
      std::vector<std::string> others;
      for (const std::string& region : regions) {
        if (region != first) others.push_back(region);
      }
      return ordered_json::array({first, pick(rng, others)});
    }
  }
  return nullptr;
}

ordered_json draw_fault(models::Rng rng, const ExploredFaultType& type, Window window,
                        const std::vector<std::string>& regions) {
  const FaultTypeSpec* spec = find_explorable_type(type.type);
  CUTOVER_CHECK(spec != nullptr, "fault type " + type.type + " is not explorable");
  const std::int64_t window_ms = window.end_ms - window.start_ms;
  const std::int64_t shortest_ms =
      std::clamp<std::int64_t>(std::llround(type.duration_s.min * 1000), 1, window_ms);
  const std::int64_t longest_ms =
      std::clamp<std::int64_t>(std::llround(type.duration_s.max * 1000), shortest_ms, window_ms);
  const std::int64_t duration_ms = uniform_between(rng, shortest_ms, longest_ms);
  const std::int64_t start_ms = uniform_between(rng, window.start_ms, window.end_ms - duration_ms);

  ordered_json fault = {{"type", type.type}};
  fault[std::string(target_field(spec->target))] =
      draw_target(rng, spec->target, type.targets, regions);
  for (const IntensitySpec& intensity : spec->intensities) {
    const std::string field(intensity.field);
    fault[field] = draw_within(rng, type.intensities.at(field), intensity.decimals);
  }
  fault["at_s"] = static_cast<double>(start_ms) / 1000;
  fault["until_s"] = static_cast<double>(start_ms + duration_ms) / 1000;
  return fault;
}

}  // namespace

FaultSchedule generate_fault_schedule(const Scenario& scenario, std::uint64_t seed) {
  CUTOVER_CHECK(scenario.explore.has_value(), "generate_fault_schedule without a fault model");
  const FaultModel& model = *scenario.explore;
  const models::Rng root = models::Rng(seed).fork("explore");
  FaultSchedule schedule;
  const std::vector<const ExploredFaultType*> enabled = swarm_subset(model, root.fork("types"));
  for (const ExploredFaultType* type : enabled) schedule.enabled_types.push_back(type->type);

  models::Rng count_rng = root.fork("count");
  const std::uint64_t count =
      static_cast<std::uint64_t>(uniform_between(count_rng, model.faults_min, model.faults_max));
  const Window window = fault_window(scenario, model);
  const std::vector<std::string> regions = region_names(scenario);
  std::vector<ordered_json> faults;
  for (std::uint64_t i = 0; i < count; ++i) {
    models::Rng rng = root.fork("fault/" + std::to_string(i));
    const ExploredFaultType& type = *pick(rng, enabled);
    faults.push_back(draw_fault(rng, type, window, regions));
  }
  std::stable_sort(faults.begin(), faults.end(), [](const ordered_json& a, const ordered_json& b) {
    return a.at("at_s").get<double>() < b.at("at_s").get<double>();
  });
  for (ordered_json& fault : faults) schedule.faults.push_back(std::move(fault));
  return schedule;
}

}  // namespace cutover::sim
