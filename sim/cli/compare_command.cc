// `cutover compare BASE_DIR CANDIDATE_DIR`: see analysis/regression_compare.h for the method.
#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "analysis/regression_compare.h"
#include "sim/cli/commands.h"

namespace cutover::sim::cli {
namespace {

// "latency_ms.write.p99=10" -> pattern and percentage; nullopt when malformed.
std::optional<std::pair<std::string, double>> parse_threshold(const std::string& text) {
  const std::size_t equals = text.rfind('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size()) return std::nullopt;
  const std::string number = text.substr(equals + 1);
  char* end = nullptr;
  errno = 0;
  const double pct = std::strtod(number.c_str(), &end);
  if (errno != 0 || end != number.c_str() + number.size() || !(pct >= 0)) return std::nullopt;
  return std::pair(text.substr(0, equals), pct);
}

std::optional<analysis::SeedSet> read_seed_set(const std::string& dir, std::string& scenario) {
  const auto reports = read_batch_reports(dir);
  if (!reports) return std::nullopt;
  if (reports->empty()) {
    std::cerr << "cutover: " << dir << ": no seed has a report.json\n";
    return std::nullopt;
  }
  scenario = reports->front().value("scenario", std::string("?"));
  analysis::SeedSet set;
  for (const nlohmann::json& report : *reports)
    set.push_back(analysis::flatten_report_metrics(report));
  return set;
}

bool any_regression(const std::vector<analysis::MetricComparison>& comparisons) {
  for (const auto& comparison : comparisons) {
    if (comparison.verdict == analysis::Verdict::kRegressed) return true;
  }
  return false;
}

}  // namespace

CLI::App* CompareCommand::add_to(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "compare",
      "Compare two multi-seed result sets (cutover run --seeds) metric by metric; exit 1 when a "
      "metric regressed beyond its threshold");
  sub->add_option("base", base_dir_, "Result folder of the base (holds summary.json)")->required();
  sub->add_option("candidate", candidate_dir_, "Result folder of the candidate")->required();
  sub->add_option("--threshold", thresholds_,
                  "METRIC=PCT: how much worse than the base mean (in percent) a metric may get "
                  "before it fails, e.g. latency_ms.write.p99=10; '*' matches one path segment; "
                  "repeatable");
  sub->add_option("--default-threshold", default_threshold_pct_,
                  "Threshold in percent for metrics without --threshold (default 5)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--junit", junit_path_,
                  "Also write JUnit XML: one testcase per metric, a failure per regression");
  sub->add_flag("--all", all_, "List every metric, unchanged and informational ones too");
  return sub;
}

int CompareCommand::run() const {
  analysis::ComparisonSettings settings;
  settings.default_threshold_pct = default_threshold_pct_;
  for (const std::string& text : thresholds_) {
    const auto threshold = parse_threshold(text);
    if (!threshold) {
      std::cerr << "cutover: --threshold " << text
                << ": expected METRIC=PERCENT (e.g. latency_ms.write.p99=10)\n";
      return kExitBadInput;
    }
    settings.thresholds.push_back(*threshold);
  }
  std::string base_scenario, candidate_scenario;
  const auto base = read_seed_set(base_dir_, base_scenario);
  if (!base) return kExitBadInput;
  const auto candidate = read_seed_set(candidate_dir_, candidate_scenario);
  if (!candidate) return kExitBadInput;

  const auto comparisons = analysis::compare_seed_sets(*base, *candidate, settings);
  std::cout << "base      " << base_dir_ << " (" << base_scenario << ", " << base->size()
            << " seeds)\ncandidate " << candidate_dir_ << " (" << candidate_scenario << ", "
            << candidate->size() << " seeds)\n";
  if (base_scenario != candidate_scenario) {
    std::cout << "note: the scenarios differ by name; metrics are matched by report path\n";
  }
  std::cout << analysis::render_comparison(comparisons, all_);
  if (!junit_path_.empty() &&
      !write_file_or_report(
          junit_path_, analysis::render_junit(comparisons, "cutover compare " + base_dir_ + " vs " +
                                                               candidate_dir_))) {
    return kExitBadInput;
  }
  return any_regression(comparisons) ? kExitSloFailed : kExitOk;
}

}  // namespace cutover::sim::cli
