// The cutover command line: run and validate scenarios.
//
// Exit codes: 0 ran and every SLO held; 1 ran and an SLO failed; 2 bad input (one line:
// file, JSON pointer, problem); 3 internal error (a broken invariant, with seed and time).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "analysis/html_report.h"
#include "analysis/report.h"
#include "sim/cli/analyze_command.h"
#include "sim/cli/commands.h"
#include "sim/cli/explore_command.h"
#include "sim/run.h"
#include "sim/scenario/scenario_loader.h"

#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using namespace cutover;

constexpr int kExitSloHeld = 0;
constexpr int kExitSloFailed = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitInternalError = 3;

const char* comparison_text(sim::Comparison comparison) {
  switch (comparison) {
    case sim::Comparison::kLess:
      return "<";
    case sim::Comparison::kLessOrEqual:
      return "<=";
    case sim::Comparison::kGreater:
      return ">";
    case sim::Comparison::kGreaterOrEqual:
      return ">=";
    case sim::Comparison::kEqual:
      return "==";
  }
  return "?";
}

std::vector<analysis::SloSpec> slo_specs(const sim::Scenario& scenario) {
  std::vector<analysis::SloSpec> specs;
  for (const sim::Slo& slo : scenario.slos) {
    specs.push_back({slo.name, slo.metric, comparison_text(slo.comparison), slo.limit});
  }
  return specs;
}

// Loads a scenario or prints the one-line error; nullopt means exit code 2.
std::optional<sim::Scenario> load_or_report(const std::string& path) {
  sim::LoadResult loaded = sim::load_scenario_file(path);
  if (auto* error = std::get_if<sim::LoadError>(&loaded)) {
    std::cerr << "cutover: " << error->message() << "\n";
    return std::nullopt;
  }
  return std::get<sim::Scenario>(std::move(loaded));
}

bool write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

struct RunCommand {
  std::string scenario_path;
  std::optional<std::uint64_t> seed;
  std::string out_dir;
  bool quiet = false;
  bool history = false;
  std::vector<std::string> sets;       // --set /json/pointer=value
  std::optional<std::uint32_t> seeds;  // --seeds N: sim/cli/seed_batch.h
  std::size_t jobs = 0;                // --jobs J, with --seeds; 0: one per core
};

int run_command(const RunCommand& command) {
  if (command.seeds) {
    return sim::cli::run_seeds_command({.scenario_path = command.scenario_path,
                                        .set_texts = command.sets,
                                        .first_seed = command.seed,
                                        .seed_count = *command.seeds,
                                        .jobs_max = command.jobs,
                                        .out_dir = command.out_dir,
                                        .quiet = command.quiet,
                                        .history = command.history});
  }
  const auto overrides = sim::cli::parse_overrides_or_report(command.sets);
  if (!overrides) return kExitBadInput;
  std::optional<sim::Scenario> scenario =
      sim::cli::load_or_report(command.scenario_path, *overrides);
  if (!scenario) return kExitBadInput;
  const std::uint64_t seed = command.seed.value_or(scenario->seed);
  const fs::path out_dir =
      command.out_dir.empty() ? fs::path("out") / scenario->name : fs::path(command.out_dir);
  std::error_code error;
  fs::create_directories(out_dir, error);
  if (error) {
    std::cerr << "cutover: " << out_dir.string()
              << ": cannot create the report folder: " << error.message() << "\n";
    return kExitBadInput;
  }
  const bool progress = !command.quiet && isatty(STDERR_FILENO);
  // DIR/history.jsonl is streamed during the run: one JSON line per operation as it completes.
  std::ofstream history;
  if (command.history) {
    history.open(out_dir / "history.jsonl");
    if (!history) {
      std::cerr << "cutover: " << (out_dir / "history.jsonl").string() << ": cannot write\n";
      return kExitBadInput;
    }
  }
  const sim::RunResult result = sim::run_simulation(
      *scenario,
      {.seed = seed, .show_progress = progress, .history = command.history ? &history : nullptr});
  if (result.failure) {
    std::cerr << "cutover: internal error: " << result.failure->what << "\n  on node "
              << result.failure->node << " at simulated t=" << result.failure->time_s
              << " s; reproduce with: "
              << sim::cli::replay_command({.scenario_path = command.scenario_path,
                                           .seed = seed,
                                           .overrides = *overrides})
              << "\n";
    return kExitInternalError;
  }
  const nlohmann::json run_section = {
      {"wall_s", result.wall_s},
      {"simulated_per_wall", result.wall_s > 0 ? result.facts.simulated_s / result.wall_s : 0.0},
      {"operations", result.facts.operations.size()},
      {"events", result.events},
      {"messages",
       {{"protocol", result.messages.protocol},
        {"client_request", result.messages.client_request},
        {"client_reply", result.messages.client_reply},
        {"control", result.messages.control}}},
      {"transfers",
       {{"sent", result.messages.transfers},
        {"direct", result.transfers.direct},
        {"simgrid_flows", result.transfers.flows},
        {"lost", result.transfers.lost}}}};
  const nlohmann::json report =
      analysis::build_report(result.facts, slo_specs(*scenario), run_section);
  history.close();
  if ((command.history && !history) ||
      !write_file(out_dir / "report.json", report.dump(2) + "\n") ||
      !write_file(out_dir / "timeseries.csv", analysis::render_timeseries_csv(result.facts)) ||
      !write_file(out_dir / "report.html", analysis::render_html_report(report, result.facts))) {
    std::cerr << "cutover: " << out_dir.string() << ": cannot write the report\n";
    return kExitBadInput;
  }
  if (!command.quiet) {
    std::cout << analysis::render_summary(report)
              << "report: " << (out_dir / "report.json").string() << "\n"
              << "page:   " << (out_dir / "report.html").string() << "\n";
  }
  return analysis::all_slos_held(report) ? kExitSloHeld : kExitSloFailed;
}

int validate_command(const std::string& path) {
  std::optional<sim::Scenario> scenario = load_or_report(path);
  if (!scenario) return kExitBadInput;
  auto count = [](std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::cout << path << ": valid (" << count(scenario->topology.regions.size(), "region", "regions")
            << ", " << count(sim::replica_names(scenario->topology).size(), "replica", "replicas")
            << ", " << count(scenario->faults.size(), "fault", "faults") << ", "
            << count(scenario->slos.size(), "SLO", "SLOs") << ")\n";
  return kExitSloHeld;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cutover: rehearse cross-region migrations and failovers in simulation"};
  app.require_subcommand(1);
  RunCommand run;
  CLI::App* run_app = app.add_subcommand("run", "Simulate a scenario and write its report");
  run_app->add_option("scenario", run.scenario_path, "Scenario file (JSON)")->required();
  run_app->add_option("--seed", run.seed, "Override the scenario's seed");
  run_app->add_option("--out", run.out_dir, "Report folder (default: out/<scenario name>)");
  run_app->add_flag("--quiet", run.quiet, "Print nothing but errors");
  run_app->add_flag("--history", run.history,
                    "Also write DIR/history.jsonl: every client operation, one per line");
  run_app->add_option("--set", run.sets,
                      "Override one scenario field before it is checked: /json/pointer=value");
  CLI::Option* seeds_option =
      run_app
          ->add_option("--seeds", run.seeds,
                       "Run N seeds (--seed or the scenario's seed, then +1, ...) in parallel; "
                       "reports in DIR/seeds/<seed>/, statistics in DIR/summary.json")
          ->check(CLI::PositiveNumber);
  run_app->add_option("--jobs", run.jobs, "With --seeds: runs at a time (default: one per core)")
      ->check(CLI::PositiveNumber)
      ->needs(seeds_option);
  std::string validate_path;
  CLI::App* validate_app =
      app.add_subcommand("validate", "Check a scenario file without running it");
  validate_app->add_option("scenario", validate_path, "Scenario file (JSON)")->required();
  sim::cli::AnalyzeOptions analyze;
  CLI::App* analyze_app = app.add_subcommand(
      "analyze", "Topology risk: single failures, min cut, commit latency per region");
  analyze_app->add_option("scenario", analyze.scenario_path, "Scenario file (JSON)")->required();
  analyze_app->add_option("--json", analyze.json_path, "Also write the answer as JSON to FILE");
  analyze_app->add_option("--out", analyze.out_dir, "Also write DIR/analysis.json");
  sim::cli::CompareCommand compare;
  CLI::App* compare_app = compare.add_to(app);
  sim::cli::SweepCommand sweep;
  CLI::App* sweep_app = sweep.add_to(app);
  sim::cli::CapacityCommand capacity;
  CLI::App* capacity_app = capacity.add_to(app);
  sim::cli::ExploreCommand explore;
  CLI::App* explore_app = explore.add_to(app);
  sim::cli::ShrinkCommand shrink;
  CLI::App* shrink_app = shrink.add_to(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : kExitBadInput;
  }
  try {
    if (run_app->parsed()) return run_command(run);
    if (analyze_app->parsed()) return sim::cli::run_analyze_command(analyze);
    if (compare_app->parsed()) return compare.run();
    if (sweep_app->parsed()) return sweep.run();
    if (capacity_app->parsed()) return capacity.run();
    if (explore_app->parsed()) return explore.run();
    if (shrink_app->parsed()) return shrink.run();
    return validate_command(validate_path);
  } catch (const std::exception& error) {
    std::cerr << "cutover: internal error: " << error.what() << "\n";
    return kExitInternalError;
  }
}
