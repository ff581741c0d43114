#include "sim/faults/fault_shrink.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "analysis/text_table.h"
#include "models/core/check.h"
#include "sim/faults/explorable_faults.h"

namespace cutover::sim {
namespace {

using nlohmann::ordered_json;

constexpr double kMillisecond = 0.001;

double round_to(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

double floor_to(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  // The epsilon keeps 2.3 (stored as 2.2999...) at 2.3.
  return std::floor(value * scale + 1e-9) / scale;
}

std::string text(double value) { return analysis::format_number(value); }

std::string target_text(const ordered_json& fault) {
  for (const char* field : {"node", "region", "zone"}) {
    if (fault.contains(field)) return fault[field].get<std::string>();
  }
  std::string out;
  if (fault.contains("groups")) {
    for (const auto& group : fault["groups"]) {
      std::string names;
      for (const auto& name : group) names += (names.empty() ? "" : ", ") + name.get<std::string>();
      out += (out.empty() ? "[" : " | [") + names + "]";
    }
    return out;
  }
  if (fault.contains("regions")) {
    for (const auto& name : fault["regions"]) {
      out += (out.empty() ? "" : " <-> ") + name.get<std::string>();
    }
  }
  return out;
}

// The mildest value of `field` for this fault's type: the model's lower bound, else the
// table's default one.
double mildest(const std::string& type, const IntensitySpec& intensity, const FaultModel* model) {
  if (model != nullptr) {
    for (const ExploredFaultType& explored : model->fault_types) {
      if (explored.type != type) continue;
      const auto it = explored.intensities.find(std::string(intensity.field));
      if (it != explored.intensities.end()) return it->second.min;
    }
  }
  return intensity.defaults.min;
}

void add_timing_candidates(const FaultList& faults, std::size_t i,
                           std::vector<ShrinkCandidate>& out) {
  const ordered_json& fault = faults[i];
  if (!fault.contains("until_s")) return;  // lasts to the end: nothing to shorten or move
  const double at = fault["at_s"].get<double>();
  const double duration = fault["until_s"].get<double>() - at;
  const std::string name = describe_fault(fault);
  auto add = [&](std::string change, std::vector<FieldEdit> edits) {
    out.push_back({std::move(change), apply_edits(faults, edits), std::move(edits)});
  };
  const double halved = round_to(duration / 2, 3);
  if (halved >= kMillisecond && halved < duration) {
    add("halve " + name, {{i, "until_s", round_to(at + halved, 3)}});
  }
  const double tenths = floor_to(duration, 1);
  if (tenths > 0 && tenths < duration - kMillisecond / 2 && tenths != halved) {
    add("round the duration of " + name + " down to " + text(tenths) + " s",
        {{i, "until_s", round_to(at + tenths, 3)}});
  }
  for (int decimals : {0, 1}) {
    const double start = floor_to(at, decimals);
    if (start < at - kMillisecond / 2) {
      add("start " + name + " at " + text(start) + " s",
          {{i, "at_s", start}, {i, "until_s", round_to(start + duration, 3)}});
      break;
    }
  }
}

void add_intensity_candidates(const FaultList& faults, std::size_t i, const FaultModel* model,
                              std::vector<ShrinkCandidate>& out) {
  const ordered_json& fault = faults[i];
  const std::string type = fault["type"].get<std::string>();
  const FaultTypeSpec* spec = find_explorable_type(type);
  if (spec == nullptr) return;
  for (const IntensitySpec& intensity : spec->intensities) {
    const std::string field(intensity.field);
    if (!fault.contains(field) || !fault[field].is_number()) continue;
    const double value = fault[field].get<double>();
    const double floor = mildest(type, intensity, model);
    if (value <= floor) continue;
    double milder = round_to((value + floor) / 2, intensity.decimals);
    if (milder >= value || milder < floor) milder = floor;
    std::vector<FieldEdit> edits = {{i, field, milder}};
    out.push_back({"lower " + field + " of " + describe_fault(fault) + " to " + text(milder),
                   apply_edits(faults, edits), std::move(edits)});
  }
}

}  // namespace

std::vector<ShrinkCandidate> removal_candidates(const FaultList& faults, std::size_t chunks) {
  CUTOVER_CHECK(chunks >= 2, "ddmin splits into at least two chunks");
  const std::size_t n = faults.size();
  if (n == 0) return {};
  if (n == 1) return {{"drop " + describe_fault(faults[0]), FaultList::array(), {}}};
  const std::size_t k = std::min(chunks, n);
  std::vector<ShrinkCandidate> candidates;
  for (std::size_t c = 0; c < k; ++c) {
    const std::size_t begin = c * n / k;
    const std::size_t end = (c + 1) * n / k;
    ShrinkCandidate candidate{.change = "", .faults = FaultList::array(), .edits = {}};
    for (std::size_t i = 0; i < n; ++i) {
      if (i >= begin && i < end) {
        candidate.change += (candidate.change.empty() ? "drop " : ", ") + describe_fault(faults[i]);
      } else {
        candidate.faults.push_back(faults[i]);
      }
    }
    candidates.push_back(std::move(candidate));
  }
  return candidates;
}

std::vector<ShrinkCandidate> simplification_candidates(const FaultList& faults,
                                                       const FaultModel* model) {
  std::vector<ShrinkCandidate> candidates;
  for (std::size_t i = 0; i < faults.size(); ++i) {
    add_timing_candidates(faults, i, candidates);
    add_intensity_candidates(faults, i, model, candidates);
  }
  return candidates;
}

FaultList apply_edits(const FaultList& faults, const std::vector<FieldEdit>& edits) {
  FaultList edited = faults;
  std::set<std::pair<std::size_t, std::string>> done;
  for (const FieldEdit& edit : edits) {
    CUTOVER_CHECK(edit.fault < edited.size(), "edit of a fault that does not exist");
    if (!done.insert({edit.fault, edit.field}).second) continue;
    edited[edit.fault][edit.field] = edit.value;
  }
  return edited;
}

std::string describe_fault(const ordered_json& fault) {
  const std::string type = fault.value("type", std::string("fault"));
  std::string out = type;
  const std::string target = target_text(fault);
  if (!target.empty()) out += " " + target;
  if (const FaultTypeSpec* spec = find_explorable_type(type)) {
    for (const IntensitySpec& intensity : spec->intensities) {
      const std::string field(intensity.field);
      if (fault.contains(field) && fault[field].is_number()) {
        out += " " + field + "=" + text(fault[field].get<double>());
      }
    }
  }
  const std::string start = fault.contains("at_s") ? text(fault["at_s"].get<double>()) : "?";
  const std::string end = fault.contains("until_s") ? text(fault["until_s"].get<double>()) : "end";
  return out + " " + start + "-" + end + " s";
}

}  // namespace cutover::sim
