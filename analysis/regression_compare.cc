#include "analysis/regression_compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>

#include "analysis/statistics.h"
#include "analysis/text_table.h"

namespace cutover::analysis {
namespace {

// Which way is better, by JSON pointer pattern: '*' matches one segment, a final '**' any
// number (at least one). Anything not listed is informational: counts of operations, bytes and
// times of events depend on the workload and the faults, not on whether the system did well.
// Dollar figures of the cost section are matched apart (is_cost_in_dollars).
const std::vector<std::pair<std::string, Direction>>& direction_table() {
  using enum Direction;
  static const std::vector<std::pair<std::string, Direction>> kTable = {
      {"/latency_ms/*/*", kLowerIsBetter},
      {"/latency_ms/by_region/*/*/*", kLowerIsBetter},
      {"/replication_lag_ms/*/*", kLowerIsBetter},
      {"/data_loss/acknowledged_writes_lost", kLowerIsBetter},
      {"/data_loss/rpo_ms", kLowerIsBetter},
      {"/rto_ms", kLowerIsBetter},
      {"/cutover_unavailable_ms", kLowerIsBetter},
      {"/ops/*/failed", kLowerIsBetter},
      {"/ops/*/timed_out", kLowerIsBetter},
      {"/election_summary/duration_ms/*", kLowerIsBetter},
      {"/election_summary/leaderless_ms/*", kLowerIsBetter},
      {"/consistency/stale_reads/count", kLowerIsBetter},
      {"/consistency/stale_reads/max_staleness_ms", kLowerIsBetter},
      {"/consistency/stale_reads/by_region/*/*", kLowerIsBetter},
      {"/consistency/stale_reads/by_phase/*/*", kLowerIsBetter},
      {"/consistency/linearizability/violating_keys", kLowerIsBetter},
      {"/consistency/read_your_writes_violations", kLowerIsBetter},
      {"/consistency/monotonic_read_violations", kLowerIsBetter},
      {"/consistency/split_brain/count", kLowerIsBetter},
      {"/consistency/split_brain/cross_region", kLowerIsBetter},
      {"/consistency/split_brain/deposed_acks", kLowerIsBetter},
      {"/consistency/duplicate_applications", kLowerIsBetter},
      {"/consistency/reconciliation/diverging_keys", kLowerIsBetter},
      {"/consistency/reconciliation/diverging_ranges", kLowerIsBetter},
      {"/availability/write", kHigherIsBetter},
      {"/availability/read", kHigherIsBetter},
      {"/consistency/linearizable_ok", kHigherIsBetter},
  };
  return kTable;
}

// "/cost/.../usd" and "/cost/.../total_usd": money spent. Prices ("usd_per_gb") are inputs and
// byte counts are informational like inter_region_bytes.
bool is_cost_in_dollars(const std::string& pointer) {
  return pointer.starts_with("/cost/") && (pointer.ends_with("/usd") || pointer.ends_with("_usd"));
}

std::vector<std::string> pointer_tokens(const std::string& pointer) {
  nlohmann::json::json_pointer parsed(pointer);
  std::vector<std::string> tokens;
  while (!parsed.empty()) {
    tokens.push_back(parsed.back());
    parsed.pop_back();
  }
  std::reverse(tokens.begin(), tokens.end());
  return tokens;
}

bool matches(const std::string& pattern, const std::string& pointer) {
  const std::vector<std::string> want = pointer_tokens(pattern);
  const std::vector<std::string> have = pointer_tokens(pointer);
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i] == "**" && i + 1 == want.size()) return have.size() > i;
    if (i >= have.size() || (want[i] != "*" && want[i] != have[i])) return false;
  }
  return want.size() == have.size();
}

std::size_t wildcard_count(const std::string& pattern) {
  std::size_t count = 0;
  for (const std::string& token : pointer_tokens(pattern)) count += token == "*" || token == "**";
  return count;
}

struct Values {
  std::vector<double> present;
  std::size_t missing = 0;
};

Values values_at(const SeedSet& set, const std::string& pointer) {
  Values values;
  for (const FlatMetrics& seed : set) {
    const auto it = seed.find(pointer);
    if (it != seed.end() && it->second) {
      values.present.push_back(*it->second);
    } else {
      ++values.missing;
    }
  }
  return values;
}

double mean_of(const std::vector<double>& values) { return describe_sample(values).mean; }

// Table cells: three decimals, or three significant digits for the tiny dollar amounts of a
// short run's cost (4.89e-06), which three decimals would show as 0.
std::string cell_number(const std::optional<double>& value) {
  if (!value || *value == 0 || std::abs(*value) >= 0.01) return format_number(value);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", *value);
  return buffer;
}

std::string percent_text(double pct) { return (pct > 0 ? "+" : "") + format_number(pct, 1) + "%"; }

// rto_ms is null when a fault never recovered: more such seeds is worse whatever the means.
bool more_never_recovered(const MetricComparison& c) {
  if (c.pointer != "/rto_ms") return false;
  const auto share = [](std::size_t missing, std::size_t count) {
    return count + missing == 0
               ? 0.0
               : static_cast<double>(missing) / static_cast<double>(count + missing);
  };
  return share(c.candidate_missing, c.candidate_count) > share(c.base_missing, c.base_count);
}

// Fills the verdict of a metric whose means and interval are known.
void judge(MetricComparison& c) {
  const double sign = c.direction == Direction::kLowerIsBetter ? 1.0 : -1.0;
  const double worse_low = sign > 0 ? *c.difference_low : -*c.difference_high;
  const double worse_high = sign > 0 ? *c.difference_high : -*c.difference_low;
  const double worsening = sign * *c.difference;
  // Means of the same values summed in another order differ in the last bits; that is not a
  // change.
  const double noise = 1e-9 * std::max({1.0, std::abs(*c.base_mean), std::abs(*c.candidate_mean)});
  const std::string change =
      c.change_pct ? percent_text(*c.change_pct) : "by " + cell_number(c.difference);
  if (worse_low > noise) {
    const double tolerated = c.threshold_pct / 100.0 * std::abs(*c.base_mean);
    const bool beyond = worsening > tolerated;
    c.verdict = beyond ? Verdict::kRegressed : Verdict::kWorse;
    c.reason = "worse (" + change + "), " + (beyond ? "beyond" : "within") + " the " +
               format_number(c.threshold_pct, 2) + "% threshold";
  } else if (worse_high < -noise) {
    c.verdict = Verdict::kBetter;
    c.reason = "better (" + change + ")";
  } else {
    c.verdict = Verdict::kNoChange;
    c.reason = "the 95% interval of the difference includes 0";
  }
}

MetricComparison compare_metric(const std::string& pointer, const Values& base,
                                const Values& candidate, const ComparisonSettings& settings) {
  MetricComparison c;
  c.pointer = pointer;
  c.direction = metric_direction(pointer);
  c.threshold_pct = threshold_pct_for(pointer, settings);
  c.base_count = base.present.size();
  c.candidate_count = candidate.present.size();
  c.base_missing = base.missing;
  c.candidate_missing = candidate.missing;
  if (!base.present.empty()) c.base_mean = mean_of(base.present);
  if (!candidate.present.empty()) c.candidate_mean = mean_of(candidate.present);
  if (c.direction != Direction::kInformational && more_never_recovered(c)) {
    c.verdict = Verdict::kRegressed;
    c.reason = "never recovered in " + std::to_string(c.candidate_missing) + " candidate seeds (" +
               std::to_string(c.base_missing) + " in the base)";
    return c;
  }
  if (c.base_count == 0 && c.candidate_count == 0) {
    c.verdict = Verdict::kNotMeasured;
    c.reason = "no value in any seed of either set";
    return c;
  }
  if (c.base_count < 2 || c.candidate_count < 2) {
    c.verdict =
        c.direction == Direction::kInformational ? Verdict::kInformational : Verdict::kTooFewValues;
    c.reason = "needs 2 values on each side (base " + std::to_string(c.base_count) +
               ", candidate " + std::to_string(c.candidate_count) + ")";
    return c;
  }
  const DifferenceInterval interval =
      bootstrap_mean_difference(base.present, candidate.present,
                                {.resamples = settings.bootstrap_resamples,
                                 .seed = settings.bootstrap_seed,
                                 .confidence = settings.confidence});
  c.difference = interval.difference;
  c.difference_low = interval.low;
  c.difference_high = interval.high;
  if (*c.base_mean != 0) c.change_pct = 100.0 * interval.difference / std::abs(*c.base_mean);
  if (c.direction == Direction::kInformational) {
    c.verdict = Verdict::kInformational;
    c.reason = "no better or worse direction is defined for this metric";
    return c;
  }
  judge(c);
  return c;
}

bool is_headline(const std::string& pointer) {
  for (const auto& [headline, label] : headline_metrics()) {
    if (headline == pointer) return true;
  }
  return pointer == "/availability/write" || pointer == "/availability/read";
}

bool shown(const MetricComparison& c, bool all) {
  if (all) return true;
  if (c.direction == Direction::kInformational) return false;
  return is_headline(c.pointer) || c.verdict == Verdict::kBetter || c.verdict == Verdict::kWorse ||
         c.verdict == Verdict::kRegressed;
}

std::string interval_text(const MetricComparison& c) {
  if (!c.difference_low) return "-";
  return "[" + cell_number(c.difference_low) + ", " + cell_number(c.difference_high) + "]";
}

// JUnit XML is a handful of elements with escaped attributes and text: written here rather
// than adding an XML library to the binary for it.
std::string xml_escaped(std::string_view text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string figures_text(const MetricComparison& c) {
  return "base mean " + cell_number(c.base_mean) + " (" + std::to_string(c.base_count) +
         " seeds), candidate mean " + cell_number(c.candidate_mean) + " (" +
         std::to_string(c.candidate_count) + " seeds), difference " + cell_number(c.difference) +
         ", 95% interval " + interval_text(c);
}

std::string junit_testcase(const MetricComparison& c) {
  std::string xml = "    <testcase classname=\"cutover.compare\" name=\"" +
                    xml_escaped(metric_path(c.pointer)) + "\" time=\"0\">\n";
  const std::string detail = xml_escaped(figures_text(c));
  if (c.verdict == Verdict::kRegressed) {
    xml += "      <failure type=\"regression\" message=\"" + xml_escaped(c.reason) + "\">" +
           detail + "</failure>\n";
  } else if (c.verdict == Verdict::kTooFewValues) {
    xml += "      <skipped message=\"" + xml_escaped(c.reason) + "\"/>\n";
  } else {
    xml += "      <system-out>" + std::string(verdict_name(c.verdict)) + ": " +
           xml_escaped(c.reason) + "; " + detail + "</system-out>\n";
  }
  return xml + "    </testcase>\n";
}

}  // namespace

Direction metric_direction(const std::string& pointer) {
  if (is_cost_in_dollars(pointer)) return Direction::kLowerIsBetter;
  for (const auto& [pattern, direction] : direction_table()) {
    if (matches(pattern, pointer)) return direction;
  }
  return Direction::kInformational;
}

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::kBetter:
      return "better";
    case Verdict::kWorse:
      return "worse";
    case Verdict::kRegressed:
      return "REGRESSED";
    case Verdict::kNoChange:
      return "no significant change";
    case Verdict::kInformational:
      return "informational";
    case Verdict::kTooFewValues:
      return "too few values";
    case Verdict::kNotMeasured:
      return "not measured";
  }
  return "?";
}

double threshold_pct_for(const std::string& pointer, const ComparisonSettings& settings) {
  double threshold = settings.default_threshold_pct;
  std::size_t best_wildcards = SIZE_MAX;
  for (const auto& [pattern, pct] : settings.thresholds) {
    const std::string as_pointer = metric_pointer(pattern);
    if (!matches(as_pointer, pointer)) continue;
    const std::size_t wildcards = wildcard_count(as_pointer);
    if (wildcards <= best_wildcards) {  // '<=': a later flag overrides an equal earlier one
      best_wildcards = wildcards;
      threshold = pct;
    }
  }
  return threshold;
}

std::vector<MetricComparison> compare_seed_sets(const SeedSet& base, const SeedSet& candidate,
                                                const ComparisonSettings& settings) {
  std::set<std::string> pointers;
  for (const SeedSet* set : {&base, &candidate}) {
    for (const FlatMetrics& seed : *set) {
      for (const auto& [pointer, value] : seed) pointers.insert(pointer);
    }
  }
  std::vector<MetricComparison> comparisons;
  for (const std::string& pointer : pointers) {
    comparisons.push_back(
        compare_metric(pointer, values_at(base, pointer), values_at(candidate, pointer), settings));
  }
  return comparisons;
}

std::string render_comparison(const std::vector<MetricComparison>& comparisons, bool all) {
  TextTable table({"metric", "base", "candidate", "change", "95% CI of difference", "verdict"});
  std::map<Verdict, std::size_t> counts;
  std::size_t hidden = 0;
  for (const MetricComparison& c : comparisons) {
    ++counts[c.verdict];
    if (!shown(c, all)) {
      ++hidden;
      continue;
    }
    table.add_row({metric_path(c.pointer), cell_number(c.base_mean), cell_number(c.candidate_mean),
                   c.change_pct ? percent_text(*c.change_pct) : "-", interval_text(c),
                   verdict_name(c.verdict)});
  }
  std::string out = table.render();
  if (hidden > 0) {
    out += "(" + std::to_string(hidden) +
           " more metrics unchanged or without a direction; --all lists them)\n";
  }
  out += std::to_string(counts[Verdict::kRegressed]) + " regressed, " +
         std::to_string(counts[Verdict::kWorse]) + " worse within threshold, " +
         std::to_string(counts[Verdict::kBetter]) + " better, " +
         std::to_string(counts[Verdict::kNoChange]) + " unchanged, " +
         std::to_string(counts[Verdict::kTooFewValues]) + " with too few values, " +
         std::to_string(counts[Verdict::kNotMeasured]) + " not measured, " +
         std::to_string(counts[Verdict::kInformational]) + " informational\n";
  for (const MetricComparison& c : comparisons) {
    if (c.verdict == Verdict::kRegressed) {
      out += "REGRESSED " + metric_path(c.pointer) + ": " + c.reason + "\n";
    }
  }
  return out;
}

std::string render_junit(const std::vector<MetricComparison>& comparisons,
                         const std::string& suite_name) {
  std::size_t tests = 0, failures = 0, skipped = 0;
  std::string cases;
  for (const MetricComparison& c : comparisons) {
    if (c.direction == Direction::kInformational || c.verdict == Verdict::kNotMeasured) continue;
    ++tests;
    failures += c.verdict == Verdict::kRegressed;
    skipped += c.verdict == Verdict::kTooFewValues;
    cases += junit_testcase(c);
  }
  const std::string counts = "tests=\"" + std::to_string(tests) + "\" failures=\"" +
                             std::to_string(failures) + "\" errors=\"0\"";
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"cutover compare\" " +
         counts + ">\n  <testsuite name=\"" + xml_escaped(suite_name) + "\" " + counts +
         " skipped=\"" + std::to_string(skipped) + "\">\n" + cases +
         "  </testsuite>\n</testsuites>\n";
}

}  // namespace cutover::analysis
