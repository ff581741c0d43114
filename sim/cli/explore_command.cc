#include "sim/cli/explore_command.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/text_table.h"
#include "sim/cli/cli_support.h"
#include "sim/cli/explore_runs.h"
#include "sim/cli/shrink_search.h"
#include "sim/faults/fault_swarm.h"
#include "sim/scenario/fault_model_loader.h"

namespace cutover::sim::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

// Failing seeds listed in full on the terminal; the rest are in explore.json.
constexpr std::size_t kFailingSeedsShown = 20;

// The scenario to explore, typed (for its fault model) and as written (for the seed files).
struct ExploreInput {
  std::string path;
  Scenario scenario;
  ordered_json doc;
};

std::optional<ExploreInput> load_explore_input(const std::string& path) {
  std::optional<Scenario> scenario = load_or_report(path);
  if (!scenario) return std::nullopt;
  if (!scenario->explore) {
    std::cerr << "cutover: " << path
              << ": /explore: no fault model; add an \"explore\" section to explore this scenario "
                 "(see scenarios/README.md)\n";
    return std::nullopt;
  }
  std::optional<ordered_json> doc = read_ordered_json(path);
  if (!doc) {
    std::cerr << "cutover: " << path << ": cannot read\n";
    return std::nullopt;
  }
  return ExploreInput{path, std::move(*scenario), std::move(*doc)};
}

// One seed: its schedule, the standalone scenario file that replays it, and its verdict.
struct SeedRun {
  std::uint64_t seed = 0;
  FaultSchedule schedule;
  fs::path folder;  // DIR/seeds/<seed>/: scenario.json and the run's report
  JudgedRun judged;

  fs::path scenario_file() const { return folder / "scenario.json"; }
  bool failed() const { return !judged.findings.empty(); }
};

std::string joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

// The scenario with the seed's faults and seed: `cutover run` on it is the replay. The fault
// model stays, so `cutover shrink` on the file knows the checks and bounds.
ordered_json seed_document(const ExploreInput& input, const SeedRun& run) {
  ordered_json doc = input.doc;
  const std::string seed = std::to_string(run.seed);
  doc["name"] = input.scenario.name + "-seed-" + seed;
  doc["description"] = "Seed " + seed + " of `cutover explore " + input.path +
                       "`: " + std::to_string(run.schedule.faults.size()) + " faults drawn from " +
                       joined(run.schedule.enabled_types, ", ") + ". " + input.scenario.description;
  doc["seed"] = run.seed;
  doc["faults"] = run.schedule.faults;
  return doc;
}

std::optional<std::vector<SeedRun>> plan_seeds(const ExploreInput& input,
                                               const std::vector<std::uint64_t>& seeds,
                                               const fs::path& out_dir) {
  std::vector<SeedRun> runs;
  for (std::uint64_t seed : seeds) {
    SeedRun run{.seed = seed,
                .schedule = generate_fault_schedule(input.scenario, seed),
                .folder = out_dir / "seeds" / std::to_string(seed),
                .judged = {}};
    if (!write_creating_folder(run.scenario_file(), scenario_text(seed_document(input, run)))) {
      return std::nullopt;
    }
    runs.push_back(std::move(run));
  }
  return runs;
}

// The progress line's tally: seeds that failed so far, judged as each child ends.
ParallelOptions progress_options(std::size_t jobs, bool quiet, const FaultModel& model,
                                 const std::vector<SeedRun>& runs, std::size_t& failures) {
  ParallelOptions options{.jobs_max = jobs,
                          .show_progress = progress_wanted(quiet),
                          .label = "explore",
                          .progress_note = {}};
  options.progress_note = [&model, &runs, &failures](std::size_t job, const RunJobResult& result) {
    RunOutcome outcome{.exit_code = result.exit_code,
                       .signal = result.signal,
                       .stderr_text = result.stderr_text,
                       .report = std::nullopt};
    if (auto report = read_ordered_json(runs[job].folder / "report.json")) {
      outcome.report = json(*report);
    }
    if (!judge_run(outcome, model).empty()) ++failures;
    return std::to_string(failures) + (failures == 1 ? " seed" : " seeds") + " failed";
  };
  return options;
}

void run_seeds(std::vector<SeedRun>& runs, const FaultModel& model, std::size_t jobs, bool quiet) {
  std::vector<RunJob> jobs_list;
  for (const SeedRun& run : runs) {
    jobs_list.push_back({.scenario_path = run.scenario_file().string(),
                         .seed = run.seed,
                         .overrides = {},
                         .out_dir = run.folder,
                         .extra_args = {}});
  }
  std::size_t failures = 0;
  const std::vector<JudgedRun> judged =
      run_and_judge(jobs_list, model, progress_options(jobs, quiet, model, runs, failures));
  for (std::size_t i = 0; i < runs.size(); ++i) runs[i].judged = judged[i];
}

std::string replay_with_explore(const ExploreInput& input, std::uint64_t seed,
                                const std::string& out_option) {
  std::string command =
      "cutover explore " + shell_quoted(input.path) + " --replay " + std::to_string(seed);
  if (!out_option.empty()) command += " --out " + shell_quoted(out_option);
  return command;
}

json findings_json(const std::vector<Finding>& findings) {
  json list = json::array();
  for (const Finding& finding : findings) {
    list.push_back({{"kind", finding.kind}, {"detail", finding.detail}});
  }
  return list;
}

// Seeds per failure kind, kinds in check order (run errors last).
std::vector<std::pair<std::string, std::size_t>> failures_by_kind(
    const std::vector<SeedRun>& runs) {
  std::vector<std::string> kinds;
  for (const auto& [check, name] : kSafetyCheckNames) kinds.emplace_back(name);
  kinds.emplace_back(kRunErrorKind);
  std::vector<std::pair<std::string, std::size_t>> counts;
  for (const std::string& kind : kinds) {
    const auto seeds = std::count_if(runs.begin(), runs.end(), [&kind](const SeedRun& run) {
      return has_kind(run.judged.findings, kind);
    });
    if (seeds > 0) counts.emplace_back(kind, static_cast<std::size_t>(seeds));
  }
  return counts;
}

json explore_summary(const ExploreInput& input, const std::vector<SeedRun>& runs) {
  json results = json::array();
  std::size_t failed = 0;
  for (const SeedRun& run : runs) {
    if (run.failed()) ++failed;
    json faults = json::array();
    for (const auto& fault : run.schedule.faults) faults.push_back(describe_fault(fault));
    results.push_back({{"seed", run.seed},
                       {"enabled_types", run.schedule.enabled_types},
                       {"faults", std::move(faults)},
                       {"exit_code", run.judged.outcome.exit_code},
                       {"failures", findings_json(run.judged.findings)},
                       {"scenario_file", run.scenario_file().string()}});
  }
  json by_kind = json::object();
  for (const auto& [kind, seeds] : failures_by_kind(runs)) by_kind[kind] = seeds;
  return {{"scenario", input.scenario.name},
          {"scenario_file", input.path},
          {"seeds_run", runs.size()},
          {"seeds_failed", failed},
          {"failures_by_kind", std::move(by_kind)},
          {"results", std::move(results)}};
}

void print_failing_seed(const ExploreInput& input, const SeedRun& run,
                        const std::string& out_option) {
  std::cout << "  seed " << run.seed << ":";
  for (const Finding& finding : run.judged.findings) {
    std::cout << (&finding == &run.judged.findings.front() ? " " : "\n           ") << finding.kind
              << ": " << finding.detail;
  }
  std::vector<std::string> faults;
  for (const auto& fault : run.schedule.faults) faults.push_back(describe_fault(fault));
  std::cout << "\n    faults: " << (faults.empty() ? "none" : joined(faults, "; "))
            << "\n    replay: cutover run " << shell_quoted(run.scenario_file().string())
            << "\n        or: " << replay_with_explore(input, run.seed, out_option) << "\n";
}

void print_explore_table(const ExploreInput& input, const std::vector<SeedRun>& runs,
                         const std::string& out_option) {
  const auto failed = static_cast<std::size_t>(
      std::count_if(runs.begin(), runs.end(), [](const SeedRun& run) { return run.failed(); }));
  std::cout << "explored " << input.scenario.name << ": seeds " << runs.front().seed << "-"
            << runs.back().seed << "\n";
  analysis::TextTable table({"", "seeds"});
  table.add_row({"run", std::to_string(runs.size())});
  table.add_row({"passed", std::to_string(runs.size() - failed)});
  table.add_row({"failed", std::to_string(failed)});
  for (const auto& [kind, seeds] : failures_by_kind(runs)) {
    table.add_row({"  " + kind, std::to_string(seeds)});
  }
  std::cout << table.render();
  if (failed == 0) return;
  std::cout << "failing seeds:\n";
  std::size_t shown = 0;
  for (const SeedRun& run : runs) {
    if (!run.failed()) continue;
    if (shown++ == kFailingSeedsShown) {
      std::cout << "  ... " << failed - kFailingSeedsShown << " more in explore.json\n";
      break;
    }
    print_failing_seed(input, run, out_option);
  }
}

void print_replay_verdict(const ExploreInput& input, const SeedRun& run,
                          const std::string& out_option) {
  if (!run.failed()) {
    std::cout << "seed " << run.seed << " of " << input.scenario.name << ": passed ("
              << run.schedule.faults.size() << " faults)\n";
    return;
  }
  std::cout << "seed " << run.seed << " of " << input.scenario.name << ": FAILED\n";
  print_failing_seed(input, run, out_option);
}

int exit_code_of(const std::vector<SeedRun>& runs) {
  int code = kExitOk;
  for (const SeedRun& run : runs) {
    if (has_kind(run.judged.findings, kRunErrorKind)) {
      code = worst_exit_code(code, kExitInternalError);
    } else if (run.failed()) {
      code = worst_exit_code(code, kExitSloFailed);
    }
  }
  return code;
}

// --- shrinking -------------------------------------------------------------------------------

struct ShrinkTarget {
  ordered_json scenario;  // the failing scenario, seed fixed
  std::uint64_t seed = 1;
  FaultModel model;
  bool model_has_bounds = false;
  std::string kind;
  std::vector<Finding> findings;  // of the failing run
  fs::path minimal_path;
  std::string origin;  // the command that found the failure, for the description
};

ordered_json minimal_document(const ShrinkTarget& target, const ShrinkResult& result) {
  ordered_json doc = target.scenario;
  doc.erase("explore");  // a plain failing scenario: nothing left to explore
  doc["name"] = doc.value("name", std::string("scenario")) + "-minimal";
  std::string detail;
  for (const Finding& finding : result.findings) {
    if (finding.kind == target.kind) detail = finding.detail;
  }
  doc["description"] = "Minimal reproduction of a " + target.kind + " failure (" + detail +
                       "), shrunk by `cutover shrink` from " +
                       std::to_string(result.original_faults) + " faults to " +
                       std::to_string(result.faults.size()) + " in " + std::to_string(result.runs) +
                       " candidate runs, same seed. Found by: " + target.origin + ".";
  doc["faults"] = result.faults;
  return doc;
}

// Runs the minimal file once more: it must still fail with the kind.
std::optional<JudgedRun> confirm_minimal(const ShrinkTarget& target, std::size_t jobs) {
  const fs::path out = target.minimal_path.parent_path() / "minimal";
  const std::vector<JudgedRun> judged =
      run_and_judge({{.scenario_path = target.minimal_path.string(),
                      .seed = target.seed,
                      .overrides = {},
                      .out_dir = out,
                      .extra_args = {}}},
                    target.model, {.jobs_max = jobs, .label = "confirm"});
  return judged.front();
}

int shrink_and_write(const ShrinkTarget& target, std::uint32_t runs_max, std::size_t jobs,
                     bool quiet) {
  const ShrinkRequest request{.scenario = target.scenario,
                              .seed = target.seed,
                              .model = target.model,
                              .model_has_bounds = target.model_has_bounds,
                              .kind = target.kind,
                              .work_dir = target.minimal_path.parent_path() / "shrink",
                              .runs_max = runs_max,
                              .parallel = {.jobs_max = jobs,
                                           .show_progress = progress_wanted(quiet),
                                           .label = "shrink",
                                           .progress_note = {}}};
  const ShrinkResult result = shrink_schedule(request, target.findings);
  if (!write_creating_folder(target.minimal_path,
                             scenario_text(minimal_document(target, result)))) {
    return kExitBadInput;
  }
  const std::optional<JudgedRun> confirmed = confirm_minimal(target, jobs);
  const bool still_fails = confirmed && has_kind(confirmed->findings, target.kind);
  if (!quiet) {
    std::cout << "shrunk " << target.kind << " (seed " << target.seed
              << "): " << result.original_faults << " faults -> " << result.faults.size() << " in "
              << result.runs << " runs" << (result.stopped_by_budget ? " (run budget reached)" : "")
              << "\n  minimal: " << target.minimal_path.string() << "\n";
    for (const auto& fault : result.faults) std::cout << "    " << describe_fault(fault) << "\n";
    std::cout << "  replay:  cutover run " << shell_quoted(target.minimal_path.string()) << "\n";
  }
  if (!still_fails) {
    std::cerr << "cutover: " << target.minimal_path.string() << ": the minimal scenario did not "
              << "fail with " << target.kind << " when run again (nondeterminism?)\n";
    return kExitInternalError;
  }
  return kExitSloFailed;
}

// The first failing seed of each kind (all of them when replaying one seed).
std::vector<const SeedRun*> seeds_to_shrink(const std::vector<SeedRun>& runs) {
  std::vector<const SeedRun*> chosen;
  std::vector<std::string> kinds_seen;
  for (const SeedRun& run : runs) {
    if (!run.failed() || run.judged.findings.front().kind == kRunErrorKind) continue;
    const std::string& kind = run.judged.findings.front().kind;
    if (std::find(kinds_seen.begin(), kinds_seen.end(), kind) != kinds_seen.end()) continue;
    kinds_seen.push_back(kind);
    chosen.push_back(&run);
  }
  return chosen;
}

}  // namespace

CLI::App* ExploreCommand::add_to(CLI::App& app) {
  CLI::App* explore = app.add_subcommand(
      "explore",
      "Chaos exploration: random fault schedules from the scenario's fault model, "
      "one per seed, checked for safety and healing");
  explore->add_option("scenario", scenario_path_, "Scenario file with an \"explore\" section")
      ->required();
  CLI::Option* seeds = explore->add_option("--seeds", seeds_, "Seeds to explore (default 100)")
                           ->check(CLI::PositiveNumber);
  explore->add_option("--first-seed", first_seed_, "First seed (default 1); then +1, +2, ...");
  explore->add_option("--replay", replay_, "Run exactly this seed again and print its verdict")
      ->excludes(seeds);
  explore->add_option("--jobs", jobs_, "Runs at a time (default: one per core)")
      ->check(CLI::PositiveNumber);
  explore->add_option("--out", out_dir_, "Output folder (default: out/<scenario name>/explore)");
  explore->add_flag("--shrink", shrink_,
                    "Shrink the first failing seed of each kind (or the replayed seed) to "
                    "DIR/seeds/<seed>/minimal.json");
  explore
      ->add_option("--shrink-runs", shrink_runs_max_,
                   "Candidate runs per shrink at most (default 200)")
      ->check(CLI::PositiveNumber);
  explore->add_flag("--quiet", quiet_, "Print nothing but errors");
  return explore;
}

int ExploreCommand::run() const {
  const std::optional<ExploreInput> input = load_explore_input(scenario_path_);
  if (!input) return kExitBadInput;
  const fs::path out_dir =
      out_dir_.empty() ? fs::path("out") / input->scenario.name / "explore" : fs::path(out_dir_);
  std::vector<std::uint64_t> seeds;
  if (replay_) seeds.push_back(*replay_);
  for (std::uint32_t i = 0; !replay_ && i < seeds_; ++i) seeds.push_back(first_seed_ + i);
  std::optional<std::vector<SeedRun>> runs = plan_seeds(*input, seeds, out_dir);
  if (!runs) return kExitBadInput;
  const FaultModel& model = *input->scenario.explore;
  run_seeds(*runs, model, jobs_, quiet_);
  if (replay_) {
    if (!quiet_) print_replay_verdict(*input, runs->front(), out_dir_);
  } else {
    const fs::path summary_path = out_dir / "explore.json";
    if (!write_file_or_report(summary_path.string(),
                              explore_summary(*input, *runs).dump(2) + "\n")) {
      return kExitBadInput;
    }
    if (!quiet_) {
      print_explore_table(*input, *runs, out_dir_);
      std::cout << "results: " << summary_path.string() << "\n";
    }
  }
  int code = exit_code_of(*runs);
  for (const SeedRun* run : shrink_ ? seeds_to_shrink(*runs) : std::vector<const SeedRun*>{}) {
    const ShrinkTarget target{.scenario = seed_document(*input, *run),
                              .seed = run->seed,
                              .model = model,
                              .model_has_bounds = true,
                              .kind = run->judged.findings.front().kind,
                              .findings = run->judged.findings,
                              .minimal_path = run->folder / "minimal.json",
                              .origin = replay_with_explore(*input, run->seed, out_dir_)};
    code = worst_exit_code(code, shrink_and_write(target, shrink_runs_max_, jobs_, quiet_));
  }
  return code;
}

CLI::App* ShrinkCommand::add_to(CLI::App& app) {
  CLI::App* shrink = app.add_subcommand(
      "shrink", "Minimise the faults of a failing scenario while the same failure persists");
  shrink->add_option("scenario", scenario_path_, "Failing scenario (e.g. from cutover explore)")
      ->required();
  shrink->add_option("--seed", seed_, "Seed to run it with (default: the scenario's)");
  shrink->add_option("--kind", kind_,
                     "Failure to keep (default: the first found): invariant, data_loss, "
                     "split_brain, duplicate_writes, linearizability, healing");
  shrink->add_option("--out", out_path_, "Minimal scenario file (default: minimal.json beside it)");
  shrink->add_option("--jobs", jobs_, "Runs at a time (default: one per core)")
      ->check(CLI::PositiveNumber);
  shrink->add_option("--runs", runs_max_, "Candidate runs at most (default 200)")
      ->check(CLI::PositiveNumber);
  shrink->add_flag("--quiet", quiet_, "Print nothing but errors");
  return shrink;
}

int ShrinkCommand::run() const {
  if (!kind_.empty() && !safety_check_named(kind_)) {
    std::cerr << "cutover: --kind " << kind_
              << ": unknown failure kind; kinds are: invariant, "
                 "data_loss, split_brain, duplicate_writes, linearizability, healing\n";
    return kExitBadInput;
  }
  const std::optional<Scenario> scenario = load_or_report(scenario_path_);
  if (!scenario) return kExitBadInput;
  std::optional<ordered_json> doc = read_ordered_json(scenario_path_);
  if (!doc) return kExitBadInput;
  const std::uint64_t seed = seed_.value_or(scenario->seed);
  (*doc)["seed"] = seed;
  const fs::path minimal_path = out_path_.empty()
                                    ? fs::path(scenario_path_).parent_path() / "minimal.json"
                                    : fs::path(out_path_);
  ShrinkTarget target{.scenario = *doc,
                      .seed = seed,
                      .model = scenario->explore.value_or(FaultModel{}),
                      .model_has_bounds = scenario->explore.has_value(),
                      .kind = kind_,
                      .findings = {},
                      .minimal_path = minimal_path,
                      .origin = "cutover shrink " + shell_quoted(scenario_path_)};
  if (!scenario->explore) target.model.checks = default_safety_checks(*scenario);
  const fs::path original = minimal_path.parent_path() / "shrink" / "original";
  if (!write_creating_folder(original / "scenario.json", scenario_text(*doc))) return kExitBadInput;
  target.findings = run_and_judge({{.scenario_path = (original / "scenario.json").string(),
                                    .seed = seed,
                                    .overrides = {},
                                    .out_dir = original,
                                    .extra_args = {}}},
                                  target.model, {.jobs_max = jobs_, .label = "shrink"})
                        .front()
                        .findings;
  if (target.kind.empty() && !target.findings.empty()) target.kind = target.findings.front().kind;
  if (target.findings.empty() || !has_kind(target.findings, target.kind)) {
    std::error_code ignored;
    fs::remove_all(original.parent_path(), ignored);
    std::cout << scenario_path_ << " (seed " << seed << ") does not fail"
              << (kind_.empty() ? "" : " with " + kind_) << ": nothing to shrink\n";
    return kExitOk;
  }
  if (target.kind == kRunErrorKind) {
    std::cerr << "cutover: " << scenario_path_ << ": " << target.findings.front().detail << "\n";
    return kExitInternalError;
  }
  return shrink_and_write(target, runs_max_, jobs_, quiet_);
}

}  // namespace cutover::sim::cli
