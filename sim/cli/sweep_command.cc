// `cutover sweep SWEEP.json`: a grid over scenario fields x seeds, one row per grid point in
// DIR/sweep.csv. The sweep file:
//   {"scenario": "path/to/scenario.json",    relative to the sweep file's folder
//    "grid": {"/workload/0/rate_per_s": [100, 200, 400], "/protocol/ack": ["async", "sync"]},
//    "seeds": 3,                              per grid point (default 1)
//    "first_seed": 7,                         default: the scenario's seed
//    "metrics": ["latency_ms.write.p50"],     default: kDefaultMetrics
//    "description": "..."}
// Grid points are the cartesian product, the first grid field varying slowest. Each point is a
// seed batch in DIR/points/<n>/ (seeds/<seed>/report.json and summary.json).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>

#include "analysis/seed_summary.h"
#include "analysis/text_table.h"
#include "sim/cli/commands.h"

namespace cutover::sim::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

const std::vector<std::string> kDefaultMetrics = {"latency_ms.write.p50",
                                                  "latency_ms.write.p99",
                                                  "latency_ms.read.p99",
                                                  "availability.write",
                                                  "data_loss.acknowledged_writes_lost",
                                                  "rto_ms"};

struct GridAxis {
  std::string pointer;
  std::vector<json> values;
};

struct SweepSpec {
  std::string scenario_path;
  std::vector<GridAxis> grid;
  std::uint32_t seeds = 1;
  std::optional<std::uint64_t> first_seed;
  std::vector<std::string> metrics = kDefaultMetrics;  // dotted paths or pointers
};

// A problem in the sweep file, reported as "<file>: <pointer>: <problem>".
struct SweepProblem {
  std::string pointer;
  std::string text;
};

std::string escaped_token(const std::string& key) {
  return (json::json_pointer() / key).to_string();
}

void check_known_fields(const ordered_json& doc) {
  static const std::set<std::string> kFields = {"description", "scenario",   "grid",
                                                "seeds",       "first_seed", "metrics"};
  for (const auto& [key, value] : doc.items()) {
    if (!kFields.contains(key)) {
      throw SweepProblem{
          escaped_token(key),
          "unknown field \"" + key +
              "\"; allowed: description, scenario, grid, seeds, first_seed, metrics"};
    }
  }
}

std::vector<GridAxis> parse_grid(const ordered_json& doc) {
  if (!doc.contains("grid") || !doc.at("grid").is_object() || doc.at("grid").empty()) {
    throw SweepProblem{"/grid",
                       "expected an object of JSON pointer -> list of values, e.g. "
                       "{\"/workload/0/rate_per_s\": [100, 200]}"};
  }
  std::vector<GridAxis> grid;
  for (const auto& [pointer, values] : doc.at("grid").items()) {
    const std::string at = "/grid" + escaped_token(pointer);
    if (!pointer.starts_with("/")) {
      throw SweepProblem{at, "a grid field is a JSON pointer into the scenario, starting with '/'"};
    }
    if (!values.is_array() || values.empty()) {
      throw SweepProblem{at, "expected a non-empty list of values"};
    }
    GridAxis axis{pointer, {}};
    for (const ordered_json& value : values) axis.values.push_back(json::parse(value.dump()));
    grid.push_back(std::move(axis));
  }
  return grid;
}

std::vector<std::string> parse_metrics(const ordered_json& doc) {
  if (!doc.contains("metrics")) return kDefaultMetrics;
  const ordered_json& list = doc.at("metrics");
  if (!list.is_array() || list.empty()) {
    throw SweepProblem{"/metrics", "expected a non-empty list of report metric paths"};
  }
  std::vector<std::string> metrics;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string() || list[i].get<std::string>().empty()) {
      throw SweepProblem{"/metrics/" + std::to_string(i),
                         "expected a report metric path such as \"latency_ms.write.p99\""};
    }
    metrics.push_back(list[i].get<std::string>());
  }
  return metrics;
}

SweepSpec parse_sweep(const std::string& text, const fs::path& sweep_path) {
  const ordered_json doc = ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw SweepProblem{"", "not valid JSON"};
  if (!doc.is_object()) throw SweepProblem{"", "expected a JSON object"};
  check_known_fields(doc);
  SweepSpec spec;
  if (!doc.contains("scenario") || !doc.at("scenario").is_string()) {
    throw SweepProblem{"/scenario", "expected the scenario file's path (a string)"};
  }
  const fs::path scenario = doc.at("scenario").get<std::string>();
  spec.scenario_path = (scenario.is_absolute() ? scenario : sweep_path.parent_path() / scenario)
                           .lexically_normal()
                           .string();
  spec.grid = parse_grid(doc);
  if (doc.contains("seeds")) {
    const ordered_json& seeds = doc.at("seeds");
    if (!seeds.is_number_unsigned() || seeds.get<std::uint64_t>() == 0 ||
        seeds.get<std::uint64_t>() > 100000) {
      throw SweepProblem{"/seeds", "expected a whole number of seeds from 1 to 100000"};
    }
    spec.seeds = seeds.get<std::uint32_t>();
  }
  if (doc.contains("first_seed")) {
    if (!doc.at("first_seed").is_number_unsigned()) {
      throw SweepProblem{"/first_seed", "expected a non-negative whole number"};
    }
    spec.first_seed = doc.at("first_seed").get<std::uint64_t>();
  }
  spec.metrics = parse_metrics(doc);
  return spec;
}

std::optional<SweepSpec> load_sweep_or_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cutover: " << path << ": (root): cannot read the sweep file\n";
    return std::nullopt;
  }
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  try {
    return parse_sweep(text, path);
  } catch (const SweepProblem& problem) {
    std::cerr << "cutover: " << path << ": "
              << (problem.pointer.empty() ? "(root)" : problem.pointer) << ": " << problem.text
              << "\n";
    return std::nullopt;
  }
}

// Every combination of the axes' values, the first axis varying slowest.
std::vector<std::vector<ScenarioOverride>> grid_points(const std::vector<GridAxis>& grid) {
  std::vector<std::vector<ScenarioOverride>> points = {{}};
  for (const GridAxis& axis : grid) {
    std::vector<std::vector<ScenarioOverride>> extended;
    for (const auto& point : points) {
      for (const json& value : axis.values) {
        extended.push_back(point);
        extended.back().push_back({axis.pointer, value});
      }
    }
    points = std::move(extended);
  }
  return points;
}

// A CSV cell: strings bare, quoted when they hold a comma, a quote or a line break.
std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string value_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number()) return analysis::format_number(value.get<double>(), 6);
  return value.dump();
}

std::string stat_text(const json& summary, const std::string& metric, const char* stat) {
  const json& metrics = summary.at("metrics");
  const std::string pointer = analysis::metric_pointer(metric);
  if (!metrics.contains(pointer) || !metrics.at(pointer).at(stat).is_number()) return "";
  return analysis::format_number(metrics.at(pointer).at(stat).get<double>(), 6);
}

std::vector<std::vector<std::string>> sweep_rows(const SweepSpec& spec,
                                                 const std::vector<SeedBatch>& batches,
                                                 const std::vector<BatchOutcome>& outcomes) {
  std::vector<std::string> header = {"point"};
  for (const GridAxis& axis : spec.grid) header.push_back(axis.pointer);
  header.insert(header.end(), {"seeds", "slo_pass_fraction"});
  for (const std::string& metric : spec.metrics) {
    const std::string name = analysis::metric_path(analysis::metric_pointer(metric));
    header.push_back(name + ".mean");
    header.push_back(name + ".ci95_half_width");
  }
  std::vector<std::vector<std::string>> rows = {header};
  for (std::size_t i = 0; i < batches.size(); ++i) {
    const json& summary = outcomes[i].summary;
    std::vector<std::string> row = {std::to_string(i)};
    for (std::size_t k = spec.grid.size(); k > 0; --k) {
      row.push_back(value_text(batches[i].overrides[batches[i].overrides.size() - k].value));
    }
    const json& pass = summary.at("runs").at("slo_pass_fraction");
    row.push_back(std::to_string(batches[i].seed_count));
    row.push_back(pass.is_number() ? analysis::format_number(pass.get<double>(), 6) : "");
    for (const std::string& metric : spec.metrics) {
      row.push_back(stat_text(summary, metric, "mean"));
      row.push_back(stat_text(summary, metric, "ci95_half_width"));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string render_csv(const std::vector<std::vector<std::string>>& rows) {
  std::string csv;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) csv += (i == 0 ? "" : ",") + csv_cell(row[i]);
    csv += "\n";
  }
  return csv;
}

std::string render_rows(const std::vector<std::vector<std::string>>& rows) {
  analysis::TextTable table(rows.front());
  for (std::size_t i = 1; i < rows.size(); ++i) {
    std::vector<std::string> cells = rows[i];
    for (std::string& cell : cells) cell = cell.empty() ? "-" : cell;
    table.add_row(std::move(cells));
  }
  return table.render();
}

// The batches of the sweep, each point's scenario loaded (and so checked) with its overrides.
std::optional<std::vector<SeedBatch>> plan_batches(const SweepSpec& spec,
                                                   const std::vector<ScenarioOverride>& base,
                                                   const fs::path& out_dir) {
  std::vector<SeedBatch> batches;
  for (const std::vector<ScenarioOverride>& point : grid_points(spec.grid)) {
    std::vector<ScenarioOverride> overrides = base;
    overrides.insert(overrides.end(), point.begin(), point.end());
    const std::optional<Scenario> scenario = load_or_report(spec.scenario_path, overrides);
    if (!scenario) {
      std::string values;
      for (const ScenarioOverride& override : point) values += " " + override.text();
      std::cerr << "  in sweep grid point " << batches.size() << ":" << values << "\n";
      return std::nullopt;
    }
    batches.push_back({.scenario_path = spec.scenario_path,
                       .scenario_name = scenario->name,
                       .overrides = std::move(overrides),
                       .first_seed = spec.first_seed.value_or(scenario->seed),
                       .seed_count = spec.seeds,
                       .out_dir = out_dir / "points" / std::to_string(batches.size())});
  }
  return batches;
}

}  // namespace

CLI::App* SweepCommand::add_to(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "sweep", "Run a grid of scenario variants x seeds; one row per grid point in DIR/sweep.csv");
  sub->add_option("sweep", sweep_path_, "Sweep file (JSON): scenario, grid, seeds, metrics")
      ->required();
  sub->add_option("--set", sets_, "Override a scenario field at every grid point: /pointer=value");
  sub->add_option("--jobs", jobs_, "Runs at a time (default: one per core)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--out", out_dir_, "Result folder (default: out/<scenario name>-sweep)");
  sub->add_flag("--quiet", quiet_, "Print nothing but errors");
  return sub;
}

int SweepCommand::run() const {
  const std::optional<SweepSpec> spec = load_sweep_or_report(sweep_path_);
  if (!spec) return kExitBadInput;
  const auto base = parse_overrides_or_report(sets_);
  if (!base) return kExitBadInput;
  const std::optional<Scenario> scenario = load_or_report(spec->scenario_path, *base);
  if (!scenario) return kExitBadInput;
  const fs::path out_dir =
      out_dir_.empty() ? fs::path("out") / (scenario->name + "-sweep") : fs::path(out_dir_);
  const auto batches = plan_batches(*spec, *base, out_dir);
  if (!batches) return kExitBadInput;
  if (!create_folder_or_report(out_dir.string(), "result folder")) return kExitBadInput;

  const std::vector<BatchOutcome> outcomes = run_batches(
      *batches,
      {.jobs_max = jobs_, .show_progress = progress_wanted(quiet_), .label = "sweep runs"});
  int exit_code = kExitOk;
  for (const BatchOutcome& outcome : outcomes) {
    // A failed SLO is a finding of the sweep, not a failure of it: it is in the CSV.
    if (outcome.exit_code != kExitSloFailed)
      exit_code = worst_exit_code(exit_code, outcome.exit_code);
  }
  const auto rows = sweep_rows(*spec, *batches, outcomes);
  const fs::path csv_path = out_dir / "sweep.csv";
  if (!write_file_or_report(csv_path.string(), render_csv(rows))) {
    return worst_exit_code(exit_code, kExitBadInput);
  }
  if (!quiet_) std::cout << render_rows(rows) << "sweep: " << csv_path.string() << "\n";
  return exit_code;
}

}  // namespace cutover::sim::cli
