// summary.json of a multi-seed run (`cutover run --seeds N`), built from the seeds' report.json
// files, and its terminal rendering. Also the flattening of a report into numbers by JSON
// pointer, which `cutover compare` uses on the same reports.
//
// summary.json (every number rounded to 6 decimals, keys sorted, so the same reports give the
// same bytes):
//   scenario, scenario_file, overrides {pointer: value}      the caller's header, verbatim
//   seeds [..]                                                in run order
//   runs {seeds, slo_held, slo_failed, bad_input, internal_error, slo_pass_fraction}
//   by_seed [{seed, exit_code, slo_ok}]                      slo_ok null without a report
//   slo [{name, metric, op, limit, held, evaluated, pass_fraction}]
//   confidence 0.95
//   metrics {pointer: {count, missing, mean, sd, ci95_low, ci95_high, ci95_half_width, min,
//            max}}  every numeric value of report.json outside /run, /seed and /slo; `missing`
//            counts seeds whose report had null or no value there; statistics of no values
//            are null, and sd and the interval need two values
//   headline {pointer: {label, sorted [..], by_seed {seed: value or null}}}  the distribution
//            across seeds of lost writes, RPO, RTO and write/read p99
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace cutover::analysis {

// Every number in a report by JSON pointer ("/latency_ms/write/p99"), null kept as nullopt.
// Booleans and strings are not metrics; /run (wall clock), /seed and /slo (copies of other
// values) are left out.
using FlatMetrics = std::map<std::string, std::optional<double>>;
FlatMetrics flatten_report_metrics(const nlohmann::json& report);

// A JSON pointer from the dotted metric path SLOs use ("latency_ms.write.p99"); a text that
// already starts with '/' is returned as it is.
std::string metric_pointer(const std::string& metric);
// The reverse, for tables and CSV headers: "/latency_ms/write/p99" -> "latency_ms.write.p99".
std::string metric_path(const std::string& pointer);

// The figures whose per-seed distribution summary.json lists: pointer and label.
const std::vector<std::pair<std::string, std::string>>& headline_metrics();

struct SeedOutcome {
  std::uint64_t seed = 0;
  int exit_code = 0;      // the child's: 0 SLOs held, 1 an SLO failed, 2 bad input, 3 internal
  nlohmann::json report;  // report.json; null when the seed wrote none
};

// `header` holds the caller's fields (scenario, scenario_file, overrides); the rest is computed.
nlohmann::json build_seed_summary(const std::vector<SeedOutcome>& seeds,
                                  const nlohmann::json& header);

// A short human summary: run counts, the headline figures with their spread, SLO pass counts.
std::string render_seed_summary(const nlohmann::json& summary);

}  // namespace cutover::analysis
