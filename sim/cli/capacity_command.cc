// `cutover capacity SCENARIO --param /pointer --low A --high B --seeds N`: the largest value of
// one scenario field for which the chosen SLOs hold, by bisection over multi-seed runs.
//
// A value passes when the share of seeds in which every chosen SLO held is at least
// --pass-fraction (default 1: all of them). The search probes --low and --high together, then
// halves the bracket [last passing, first failing] until it is no wider than --tolerance
// (default (high - low) / 32). It assumes one knee: below it the SLOs hold, above it they do
// not; every probe is listed in capacity.json so a curve that is not monotonic shows. Every
// probe runs the same seeds, so neighbouring values see the same random draws.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <variant>

#include "analysis/text_table.h"
#include "sim/cli/commands.h"

namespace cutover::sim::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Search {
  std::string scenario_path;
  std::string scenario_name;
  std::vector<ScenarioOverride> base;  // --set
  std::string parameter;
  double low = 0, high = 0, tolerance = 0, step = 0;
  bool integral = false;  // values are JSON integers (an integer field)
  std::uint32_t seeds = 1;
  std::uint64_t first_seed = 1;
  double pass_fraction = 1;
  std::vector<std::string> slos;
  fs::path out_dir;
  ParallelOptions parallel;
};

struct Probe {
  double value = 0;
  std::size_t passed_seeds = 0;
  std::size_t seeds = 0;
  bool passed = false;
  json slo_pass_fraction = json::object();
  std::string dir;
};

// Whole values go into the scenario as JSON integers, so an integer field (a node count)
// accepts them; --step with a whole step keeps every probe whole.
json value_json(const Search& search, double value) {
  if (search.integral) return static_cast<std::int64_t>(std::llround(value));
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  if (std::floor(value) == value && std::abs(value) < kExactIntegers) {
    return static_cast<std::int64_t>(value);
  }
  return value;
}

// The midpoint, on the --step grid from --low when there is one.
double midpoint(const Search& search, double passing, double failing) {
  const double middle = (passing + failing) / 2;
  if (search.step <= 0) return middle;
  return search.low + std::round((middle - search.low) / search.step) * search.step;
}

std::vector<ScenarioOverride> overrides_at(const Search& search, double value) {
  std::vector<ScenarioOverride> overrides = search.base;
  overrides.push_back({search.parameter, value_json(search, value)});
  return overrides;
}

bool seed_passed(const json& report, const std::vector<std::string>& slos, json& held_counts) {
  bool all = true;
  for (const json& slo : report.value("slo", json::array())) {
    const std::string name = slo.value("name", "");
    if (std::find(slos.begin(), slos.end(), name) == slos.end()) continue;
    const bool ok = slo.value("ok", false);
    held_counts[name] = held_counts.value(name, 0) + (ok ? 1 : 0);
    all = all && ok;
  }
  return all;
}

// A probed value's verdict from its seeds' reports (every seed finished).
Probe evaluate_probe(const Search& search, double value, const fs::path& dir) {
  Probe probe{.value = value, .seeds = search.seeds, .dir = dir.string()};
  json held = json::object();
  for (const json& report : read_batch_reports(dir).value_or(std::vector<json>{})) {
    probe.passed_seeds += seed_passed(report, search.slos, held) ? 1 : 0;
  }
  for (const std::string& name : search.slos) {
    probe.slo_pass_fraction[name] =
        static_cast<double>(held.value(name, 0)) / static_cast<double>(search.seeds);
  }
  const double fraction =
      static_cast<double>(probe.passed_seeds) / static_cast<double>(probe.seeds);
  probe.passed = fraction + 1e-12 >= search.pass_fraction;
  return probe;
}

// The probes of one round, or the exit code that ends the search: 2 when a value makes an
// invalid scenario (a fraction for an integer field: use --step), 3 after an internal error.
using ProbeRound = std::variant<std::vector<Probe>, int>;

// Runs every value's seeds in one pool.
ProbeRound run_probes(const Search& search, const std::vector<double>& values,
                      std::size_t& probe_count) {
  std::vector<SeedBatch> batches;
  for (double value : values) {
    if (!load_or_report(search.scenario_path, overrides_at(search, value))) {
      std::cerr << "  while probing " << search.parameter << " = "
                << analysis::format_number(value, 6)
                << (search.step > 0 ? "" : " (for an integer field, add --step 1)") << "\n";
      return kExitBadInput;
    }
    batches.push_back({.scenario_path = search.scenario_path,
                       .scenario_name = search.scenario_name,
                       .overrides = overrides_at(search, value),
                       .first_seed = search.first_seed,
                       .seed_count = search.seeds,
                       .out_dir = search.out_dir / "probes" / std::to_string(probe_count++)});
  }
  const std::vector<BatchOutcome> outcomes = run_batches(batches, search.parallel);
  std::vector<Probe> probes;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const bool finished =
        outcomes[i].exit_code == kExitOk || outcomes[i].exit_code == kExitSloFailed;
    if (!finished) return kExitInternalError;
    probes.push_back(evaluate_probe(search, values[i], batches[i].out_dir));
  }
  return probes;
}

json probe_json(const Search& search, const Probe& probe) {
  return {
      {"value", value_json(search, probe.value)},
      {"passed_seeds", probe.passed_seeds},
      {"seeds", probe.seeds},
      {"pass_fraction", static_cast<double>(probe.passed_seeds) / static_cast<double>(probe.seeds)},
      {"passed", probe.passed},
      {"slo_pass_fraction", probe.slo_pass_fraction},
      {"dir", probe.dir}};
}

json optional_value(const Search& search, const std::optional<double>& value) {
  return value ? value_json(search, *value) : json(nullptr);
}

struct Knee {
  std::string verdict;  // knee_found, holds_at_high, fails_at_low
  std::optional<double> last_passing;
  std::optional<double> first_failing;
};

json capacity_json(const Search& search, std::vector<Probe> probes, const Knee& knee) {
  std::sort(probes.begin(), probes.end(),
            [](const Probe& a, const Probe& b) { return a.value < b.value; });
  json probe_list = json::array();
  for (const Probe& probe : probes) probe_list.push_back(probe_json(search, probe));
  json result = {{"verdict", knee.verdict},
                 {"last_passing", optional_value(search, knee.last_passing)},
                 {"first_failing", optional_value(search, knee.first_failing)}};
  if (knee.last_passing && knee.first_failing) {
    result["bracket_width"] = *knee.first_failing - *knee.last_passing;
  }
  return {{"scenario", search.scenario_name},
          {"scenario_file", search.scenario_path},
          {"parameter", search.parameter},
          {"low", value_json(search, search.low)},
          {"high", value_json(search, search.high)},
          {"tolerance", search.tolerance},
          {"step", search.step},
          {"seeds", search.seeds},
          {"first_seed", search.first_seed},
          {"required_pass_fraction", search.pass_fraction},
          {"slos", search.slos},
          {"probes", probe_list},
          {"result", result}};
}

std::string render_curve(const json& capacity) {
  analysis::TextTable table(
      {capacity.at("parameter").get<std::string>(), "seeds passing", "", "verdict"});
  for (const json& probe : capacity.at("probes")) {
    const std::size_t passed = probe.at("passed_seeds").get<std::size_t>();
    const std::size_t seeds = probe.at("seeds").get<std::size_t>();
    const std::size_t bar = seeds == 0 ? 0 : (20 * passed + seeds / 2) / seeds;
    table.add_row({analysis::format_number(probe.at("value").get<double>(), 6),
                   std::to_string(passed) + "/" + std::to_string(seeds),
                   std::string(bar, '#') + std::string(20 - bar, '.'),
                   probe.at("passed").get<bool>() ? "pass" : "FAIL"});
  }
  const json& result = capacity.at("result");
  std::string out = table.render();
  const std::string verdict = result.at("verdict").get<std::string>();
  if (verdict == "knee_found") {
    out += "knee between " + analysis::format_number(result.at("last_passing").get<double>(), 6) +
           " (last passing) and " +
           analysis::format_number(result.at("first_failing").get<double>(), 6) +
           " (first failing)\n";
  } else if (verdict == "holds_at_high") {
    out += "the SLOs hold over the whole range, up to --high\n";
  } else {
    out += "the SLOs fail already at --low\n";
  }
  return out;
}

// The bisection itself: capacity.json, or the exit code that stopped it.
std::variant<json, int> search_knee(const Search& search) {
  std::size_t probe_count = 0;
  auto ends = run_probes(search, {search.low, search.high}, probe_count);
  if (const int* code = std::get_if<int>(&ends)) return *code;
  std::vector<Probe> probes = std::get<std::vector<Probe>>(ends);
  if (!probes[0].passed) return capacity_json(search, probes, {"fails_at_low", {}, search.low});
  if (probes[1].passed) return capacity_json(search, probes, {"holds_at_high", search.high, {}});
  double passing = search.low, failing = search.high;
  while (failing - passing > search.tolerance) {
    const double middle = midpoint(search, passing, failing);
    if (middle <= passing || middle >= failing) break;  // the step grid has nothing between
    auto probed = run_probes(search, {middle}, probe_count);
    if (const int* code = std::get_if<int>(&probed)) return *code;
    const Probe& probe = std::get<std::vector<Probe>>(probed).front();
    probes.push_back(probe);
    (probe.passed ? passing : failing) = middle;
  }
  return capacity_json(search, probes, {"knee_found", passing, failing});
}

// The SLOs named with --slo (each must exist), or all of the scenario's; nullopt after
// printing why there are none to hold.
std::optional<std::vector<std::string>> chosen_slos(const Scenario& scenario,
                                                    const std::vector<std::string>& named,
                                                    const std::string& scenario_path) {
  std::vector<std::string> all;
  for (const Slo& slo : scenario.slos) all.push_back(slo.name);
  if (all.empty()) {
    std::cerr << "cutover: " << scenario_path << ": /slo: the scenario has no SLOs to hold\n";
    return std::nullopt;
  }
  for (const std::string& name : named) {
    if (std::find(all.begin(), all.end(), name) == all.end()) {
      std::cerr << "cutover: --slo \"" << name << "\": the scenario has no SLO of that name\n";
      return std::nullopt;
    }
  }
  return named.empty() ? all : named;
}

}  // namespace

CLI::App* CapacityCommand::add_to(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "capacity",
      "Find the largest value of one scenario field for which the SLOs hold (bisection over "
      "multi-seed runs)");
  sub->add_option("scenario", scenario_path_, "Scenario file (JSON)")->required();
  sub->add_option("--param", parameter_, "JSON pointer of the field, e.g. /workload/0/rate_per_s")
      ->required();
  sub->add_option("--low", low_, "A value where the SLOs should hold")->required();
  sub->add_option("--high", high_, "A value where they should not")->required();
  sub->add_option("--seeds", seeds_, "Seeds per probed value")
      ->required()
      ->check(CLI::PositiveNumber);
  sub->add_option("--tolerance", tolerance_,
                  "Stop when the bracket is this narrow (default (high - low) / 32)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--step", step_, "Probe only low + k * step (use 1 for an integer field)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--pass-fraction", pass_fraction_,
                  "Share of seeds that must hold the SLOs for a value to pass (default 1)")
      ->check(CLI::Range(0.0, 1.0));
  CLI::Option* slo =
      sub->add_option("--slo", slo_names_, "Name of a scenario SLO to hold; repeatable");
  sub->add_flag("--slo-from-scenario", slo_from_scenario_,
                "Hold every SLO of the scenario (the default)")
      ->excludes(slo);
  sub->add_option("--set", sets_, "Override another scenario field: /pointer=value");
  sub->add_option("--jobs", jobs_, "Runs at a time (default: one per core)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--out", out_dir_, "Result folder (default: out/<scenario name>-capacity)");
  sub->add_flag("--quiet", quiet_, "Print nothing but errors");
  return sub;
}

int CapacityCommand::run() const {
  if (!(low_ < high_)) {
    std::cerr << "cutover: capacity: --low (" << low_ << ") must be below --high (" << high_
              << ")\n";
    return kExitBadInput;
  }
  const auto base = parse_overrides_or_report(sets_);
  if (!base) return kExitBadInput;
  Search search{.scenario_path = scenario_path_,
                .base = *base,
                .parameter = parameter_,
                .low = low_,
                .high = high_,
                .step = step_,
                .seeds = seeds_,
                .pass_fraction = pass_fraction_};
  search.integral = step_ > 0 && std::floor(step_) == step_ && std::floor(low_) == low_;
  search.tolerance = std::max(tolerance_.value_or((high_ - low_) / 32), step_);
  // Both ends must make a valid scenario; the field's own checks name the problem.
  std::optional<Scenario> scenario;
  for (double value : {low_, high_}) {
    scenario = load_or_report(scenario_path_, overrides_at(search, value));
    if (!scenario) return kExitBadInput;
  }
  const auto slos = chosen_slos(*scenario, slo_names_, scenario_path_);
  if (!slos) return kExitBadInput;
  search.slos = *slos;
  search.scenario_name = scenario->name;
  search.first_seed = scenario->seed;
  search.out_dir =
      out_dir_.empty() ? fs::path("out") / (scenario->name + "-capacity") : fs::path(out_dir_);
  search.parallel = {
      .jobs_max = jobs_, .show_progress = progress_wanted(quiet_), .label = "capacity runs"};
  if (!create_folder_or_report(search.out_dir.string(), "result folder")) return kExitBadInput;

  const std::variant<json, int> searched = search_knee(search);
  if (const int* code = std::get_if<int>(&searched)) return *code;
  const json& capacity = std::get<json>(searched);
  const fs::path path = search.out_dir / "capacity.json";
  if (!write_file_or_report(path.string(), capacity.dump(2) + "\n")) return kExitBadInput;
  if (!quiet_) std::cout << render_curve(capacity) << "capacity: " << path.string() << "\n";
  return capacity.at("result").at("verdict") == "fails_at_low" ? kExitSloFailed : kExitOk;
}

}  // namespace cutover::sim::cli
