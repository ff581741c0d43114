#include "analysis/seed_summary.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "analysis/statistics.h"
#include "analysis/text_table.h"

namespace cutover::analysis {
namespace {

using nlohmann::json;

constexpr double kConfidence = 0.95;

// Six decimals: enough for availability's 1e-6 and for byte counts, and the means of rounded
// report values print without binary noise (12.300000000000001).
double rounded(double value) {
  const double result = std::round(value * 1e6) / 1e6;
  return result == 0 ? 0.0 : result;  // no -0
}

// Whole numbers print as integers (3, not 3.0): most metrics are counts or whole milliseconds.
json number_json(double value) {
  const double result = rounded(value);
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  if (std::floor(result) == result && std::abs(result) < kExactIntegers) {
    return static_cast<std::int64_t>(result);
  }
  return result;
}

json rounded_or_null(const std::optional<double>& value) {
  return value ? number_json(*value) : json(nullptr);
}

void flatten_into(const json& value, const json::json_pointer& at, FlatMetrics& out) {
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) flatten_into(member, at / key, out);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) flatten_into(value[i], at / i, out);
  } else if (value.is_number()) {
    out[at.to_string()] = value.get<double>();
  } else if (value.is_null()) {
    out[at.to_string()] = std::nullopt;
  }
}

bool has_report(const SeedOutcome& seed) { return seed.report.is_object(); }

json run_counts(const std::vector<SeedOutcome>& seeds) {
  std::size_t held = 0, failed = 0, bad_input = 0, internal = 0;
  for (const SeedOutcome& seed : seeds) {
    if (seed.exit_code == 0 && has_report(seed)) {
      ++held;
    } else if (seed.exit_code == 1 && has_report(seed)) {
      ++failed;
    } else if (seed.exit_code == 2) {
      ++bad_input;
    } else {
      ++internal;  // exit 3, a signal, or a run that wrote no report
    }
  }
  const std::size_t completed = held + failed;
  return {{"seeds", seeds.size()},
          {"slo_held", held},
          {"slo_failed", failed},
          {"bad_input", bad_input},
          {"internal_error", internal},
          {"slo_pass_fraction", completed == 0 ? json(nullptr)
                                               : number_json(static_cast<double>(held) /
                                                             static_cast<double>(completed))}};
}

json by_seed(const std::vector<SeedOutcome>& seeds) {
  json list = json::array();
  for (const SeedOutcome& seed : seeds) {
    list.push_back({{"seed", seed.seed},
                    {"exit_code", seed.exit_code},
                    {"slo_ok", has_report(seed) ? json(seed.exit_code == 0) : json(nullptr)}});
  }
  return list;
}

// Per SLO (in the scenario's order, taken from the first report): in how many seeds it held.
json slo_pass_counts(const std::vector<SeedOutcome>& seeds) {
  json list = json::array();
  const auto first = std::find_if(seeds.begin(), seeds.end(), has_report);
  if (first == seeds.end()) return list;
  for (const json& slo : first->report.value("slo", json::array())) {
    std::size_t held = 0, evaluated = 0;
    for (const SeedOutcome& seed : seeds) {
      if (!has_report(seed)) continue;
      for (const json& result : seed.report.value("slo", json::array())) {
        if (result.value("name", "") != slo.value("name", "")) continue;
        ++evaluated;
        if (result.value("ok", false)) ++held;
      }
    }
    list.push_back(
        {{"name", slo.at("name")},
         {"metric", slo.at("metric")},
         {"op", slo.at("op")},
         {"limit", slo.at("limit")},
         {"held", held},
         {"evaluated", evaluated},
         {"pass_fraction", evaluated == 0 ? json(nullptr)
                                          : number_json(static_cast<double>(held) /
                                                        static_cast<double>(evaluated))}});
  }
  return list;
}

json statistics_json(const std::vector<double>& values, std::size_t missing) {
  json entry = {{"count", values.size()}, {"missing", missing}};
  if (values.empty()) {
    for (const char* key :
         {"mean", "sd", "ci95_low", "ci95_high", "ci95_half_width", "min", "max"}) {
      entry[key] = nullptr;
    }
    return entry;
  }
  const SampleStatistics stats = describe_sample(values, kConfidence);
  entry["mean"] = number_json(stats.mean);
  entry["sd"] = rounded_or_null(stats.sd);
  entry["ci95_low"] = rounded_or_null(stats.ci_low);
  entry["ci95_high"] = rounded_or_null(stats.ci_high);
  entry["ci95_half_width"] = rounded_or_null(stats.ci_half_width);
  entry["min"] = number_json(stats.min);
  entry["max"] = number_json(stats.max);
  return entry;
}

json metric_statistics(const std::vector<SeedOutcome>& seeds) {
  std::map<std::string, std::vector<double>> values;
  std::size_t reports = 0;
  for (const SeedOutcome& seed : seeds) {
    if (!has_report(seed)) continue;
    ++reports;
    for (const auto& [pointer, value] : flatten_report_metrics(seed.report)) {
      std::vector<double>& list = values[pointer];
      if (value) list.push_back(*value);
    }
  }
  json metrics = json::object();
  for (const auto& [pointer, list] : values) {
    metrics[pointer] = statistics_json(list, reports - list.size());
  }
  return metrics;
}

json headline_distributions(const std::vector<SeedOutcome>& seeds) {
  json headline = json::object();
  for (const auto& [pointer, label] : headline_metrics()) {
    std::vector<double> sorted;  // rounded like every other figure
    json per_seed = json::object();
    for (const SeedOutcome& seed : seeds) {
      if (!has_report(seed)) continue;
      const json::json_pointer at(pointer);
      const bool numeric = seed.report.contains(at) && seed.report.at(at).is_number();
      if (numeric) sorted.push_back(rounded(seed.report.at(at).get<double>()));
      per_seed[std::to_string(seed.seed)] = numeric ? number_json(sorted.back()) : json(nullptr);
    }
    std::sort(sorted.begin(), sorted.end());
    json sorted_json = json::array();
    for (double value : sorted) sorted_json.push_back(number_json(value));
    headline[pointer] = {{"label", label}, {"sorted", sorted_json}, {"by_seed", per_seed}};
  }
  return headline;
}

// "42..45" for consecutive seeds, else "3, 9, 27".
std::string seed_list_text(const json& seeds) {
  if (seeds.empty()) return "none";
  bool consecutive = true;
  for (std::size_t i = 1; i < seeds.size(); ++i) {
    consecutive =
        consecutive && seeds[i].get<std::uint64_t>() == seeds[i - 1].get<std::uint64_t>() + 1;
  }
  if (consecutive && seeds.size() > 2) {
    return seeds.front().dump() + ".." + seeds.back().dump();
  }
  std::string text;
  for (const json& seed : seeds) text += (text.empty() ? "" : ", ") + seed.dump();
  return text;
}

std::optional<double> optional_number(const json& value) {
  if (!value.is_number()) return std::nullopt;
  return value.get<double>();
}

std::string interval_text(const json& stats, int decimals) {
  if (!stats.at("ci95_low").is_number()) return "-";
  return "[" + format_number(optional_number(stats.at("ci95_low")), decimals) + ", " +
         format_number(optional_number(stats.at("ci95_high")), decimals) + "]";
}

std::string metrics_table(const json& summary) {
  TextTable table({"", "mean", "sd", "95% CI", "min", "max", "missing"});
  std::vector<std::pair<std::string, std::string>> rows = headline_metrics();
  rows.emplace_back("/availability/write", "write availability");
  rows.emplace_back("/availability/read", "read availability");
  const json& metrics = summary.at("metrics");
  for (const auto& [pointer, label] : rows) {
    if (!metrics.contains(pointer)) continue;
    const json& stats = metrics.at(pointer);
    const int decimals = pointer.starts_with("/availability") ? 6 : 3;
    table.add_row(
        {label, format_number(optional_number(stats.at("mean")), decimals),
         format_number(optional_number(stats.at("sd")), decimals), interval_text(stats, decimals),
         format_number(optional_number(stats.at("min")), decimals),
         format_number(optional_number(stats.at("max")), decimals), stats.at("missing").dump()});
  }
  return table.render();
}

}  // namespace

FlatMetrics flatten_report_metrics(const json& report) {
  FlatMetrics out;
  for (const auto& [key, value] : report.items()) {
    if (key == "run" || key == "seed" || key == "slo") continue;
    flatten_into(value, json::json_pointer() / key, out);
  }
  return out;
}

std::string metric_pointer(const std::string& metric) {
  if (metric.starts_with("/")) return metric;
  json::json_pointer pointer;
  std::size_t start = 0;
  while (start <= metric.size()) {
    const std::size_t dot = std::min(metric.find('.', start), metric.size());
    pointer /= metric.substr(start, dot - start);
    start = dot + 1;
  }
  return pointer.to_string();
}

std::string metric_path(const std::string& pointer) {
  std::string path;
  // json_pointer parses the escapes (~0, ~1); walking its tokens by popping gives them back.
  json::json_pointer parsed(pointer);
  std::vector<std::string> tokens;
  while (!parsed.empty()) {
    tokens.push_back(parsed.back());
    parsed.pop_back();
  }
  for (auto it = tokens.rbegin(); it != tokens.rend(); ++it)
    path += (path.empty() ? "" : ".") + *it;
  return path;
}

const std::vector<std::pair<std::string, std::string>>& headline_metrics() {
  static const std::vector<std::pair<std::string, std::string>> kHeadline = {
      {"/data_loss/acknowledged_writes_lost", "lost acknowledged writes"},
      {"/data_loss/rpo_ms", "RPO ms"},
      {"/rto_ms", "RTO ms"},
      {"/latency_ms/write/p99", "write p99 ms"},
      {"/latency_ms/read/p99", "read p99 ms"}};
  return kHeadline;
}

json build_seed_summary(const std::vector<SeedOutcome>& seeds, const json& header) {
  json summary = header.is_object() ? header : json::object();
  json seed_numbers = json::array();
  for (const SeedOutcome& seed : seeds) seed_numbers.push_back(seed.seed);
  summary["seeds"] = seed_numbers;
  summary["confidence"] = kConfidence;
  summary["runs"] = run_counts(seeds);
  summary["by_seed"] = by_seed(seeds);
  summary["slo"] = slo_pass_counts(seeds);
  summary["metrics"] = metric_statistics(seeds);
  summary["headline"] = headline_distributions(seeds);
  return summary;
}

std::string render_seed_summary(const json& summary) {
  const json& runs = summary.at("runs");
  std::string out = "scenario " + summary.value("scenario", std::string("?")) + ": " +
                    runs.at("seeds").dump() + " seeds (" + seed_list_text(summary.at("seeds")) +
                    ")\n  " + runs.at("slo_held").dump() + " held every SLO, " +
                    runs.at("slo_failed").dump() + " failed an SLO, " +
                    runs.at("internal_error").dump() + " internal errors";
  if (runs.at("bad_input").get<std::size_t>() > 0)
    out += ", " + runs.at("bad_input").dump() + " bad input";
  out += "\n" + metrics_table(summary);
  for (const json& slo : summary.at("slo")) {
    out += "SLO \"" + slo.at("name").get<std::string>() + "\" held in " + slo.at("held").dump() +
           " of " + slo.at("evaluated").dump() + " seeds\n";
  }
  return out;
}

}  // namespace cutover::analysis
