#include "sim/faults/explore_verdict.h"

#include <algorithm>

#include "analysis/text_table.h"

namespace cutover::sim {
namespace {

using nlohmann::json;

constexpr int kExitBadInput = 2;
constexpr int kExitInternalError = 3;

// The value at `pointer`, or null when any part of the path is missing.
json at(const json& report, const char* pointer) {
  const json::json_pointer path(pointer);
  return report.contains(path) ? report.at(path) : json();
}

std::string figure(const json& value) {
  return value.is_number() ? analysis::format_number(value.get<double>()) : std::string("?");
}

// The first line of a child's error output, without the "cutover: " prefix.
std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  for (const char* prefix : {"cutover: internal error: ", "cutover: "}) {
    if (line.starts_with(prefix)) line.erase(0, std::string(prefix).size());
  }
  return line.empty() ? "no error output" : line;
}

// A run that did not finish with a report: an invariant, a crash, or an error of the tooling.
std::optional<Finding> unfinished_run(const RunOutcome& run) {
  if (run.signal != 0) {
    return Finding{"invariant", "the run was killed by signal " + std::to_string(run.signal)};
  }
  if (run.exit_code == kExitInternalError) return Finding{"invariant", first_line(run.stderr_text)};
  if (run.exit_code == kExitBadInput || run.exit_code < 0 || run.exit_code > kExitInternalError) {
    return Finding{kRunErrorKind, "exit code " + std::to_string(run.exit_code) + ": " +
                                      first_line(run.stderr_text)};
  }
  if (!run.report || !run.report->is_object()) {
    return Finding{kRunErrorKind, "the run wrote no readable report.json"};
  }
  return std::nullopt;
}

std::optional<std::string> data_loss(const json& report) {
  if (at(report, "/data_loss/exceeds_bound") != true) return std::nullopt;
  const json lost = at(report, "/data_loss/acknowledged_writes_lost");
  const bool none_allowed = at(report, "/data_loss/zero_loss_promised") == true;
  return figure(lost) + " acknowledged writes lost; the configuration " +
         (none_allowed ? std::string("promises none")
                       : "allows " + figure(at(report, "/data_loss/bound_writes")));
}

std::optional<std::string> split_brain(const json& report) {
  const json count = at(report, "/consistency/split_brain/count");
  if (!count.is_number() || count.get<double>() <= 0) return std::nullopt;
  std::string text = figure(count) + " overlapping acknowledgement windows of two primaries";
  const json first = at(report, "/consistency/split_brain/windows/0");
  if (first.is_object() && first.contains("nodes") && first["nodes"].size() == 2) {
    text += ", first at " + figure(first["start_ms"]) + " ms (" +
            first["nodes"][0].get<std::string>() + " and " + first["nodes"][1].get<std::string>() +
            ")";
  }
  return text;
}

std::optional<std::string> duplicate_writes(const json& report) {
  const json count = at(report, "/consistency/duplicate_applications");
  if (!count.is_number() || count.get<double>() <= 0) return std::nullopt;
  return figure(count) + " writes applied more than once";
}

std::optional<std::string> linearizability(const json& report) {
  if (at(report, "/consistency/linearizable") != false) return std::nullopt;
  return "the history is not linearizable (" +
         figure(at(report, "/consistency/linearizability/violating_keys")) +
         " keys; counterexample on key " +
         figure(at(report, "/consistency/linearizability/counterexample_key")) + ")";
}

std::optional<std::string> healing(const json& report, double lag_ms_max) {
  const json end = at(report, "/end_of_run");
  if (!end.is_object()) return "the report has no end_of_run section";
  if (end.value("has_primary", 0) != 1) {
    return "no primary at the end of the run (t = " + figure(end["time_s"]) + " s)";
  }
  std::string worst;
  double worst_ms = -1;
  for (const auto& [replica, lag] : end["lag_ms"].items()) {
    if (lag.is_number() && lag.get<double>() > worst_ms) {
      worst = replica;
      worst_ms = lag.get<double>();
    }
  }
  if (worst_ms <= lag_ms_max) return std::nullopt;
  return worst + " still lags " + analysis::format_number(worst_ms) + " ms at the end (limit " +
         analysis::format_number(lag_ms_max) + " ms)";
}

std::optional<std::string> check_report(SafetyCheck check, const json& report,
                                        const FaultModel& model) {
  switch (check) {
    case SafetyCheck::kInvariant:
      return std::nullopt;  // a finished run broke none
    case SafetyCheck::kDataLoss:
      return data_loss(report);
    case SafetyCheck::kSplitBrain:
      return split_brain(report);
    case SafetyCheck::kDuplicateWrites:
      return duplicate_writes(report);
    case SafetyCheck::kLinearizability:
      return linearizability(report);
    case SafetyCheck::kHealing:
      return healing(report, model.healed_lag_ms_max);
  }
  return std::nullopt;
}

}  // namespace

std::vector<Finding> judge_run(const RunOutcome& run, const FaultModel& model) {
  if (auto unfinished = unfinished_run(run)) return {*unfinished};
  std::vector<Finding> findings;
  for (SafetyCheck check : model.checks) {
    if (auto detail = check_report(check, *run.report, model)) {
      findings.push_back({std::string(safety_check_name(check)), *detail});
    }
  }
  return findings;
}

bool has_kind(const std::vector<Finding>& findings, const std::string& kind) {
  return std::any_of(findings.begin(), findings.end(),
                     [&kind](const Finding& finding) { return finding.kind == kind; });
}

}  // namespace cutover::sim
