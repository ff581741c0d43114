#include "sim/cli/seed_batch.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <span>
#include <system_error>

#include "analysis/seed_summary.h"
#include "sim/cli/cli_support.h"

namespace cutover::sim::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<RunJob> batch_jobs(const SeedBatch& batch) {
  std::vector<RunJob> jobs;
  for (std::uint32_t i = 0; i < batch.seed_count; ++i) {
    const std::uint64_t seed = batch.first_seed + i;
    jobs.push_back({.scenario_path = batch.scenario_path,
                    .seed = seed,
                    .overrides = batch.overrides,
                    .out_dir = seed_folder(batch.out_dir, seed),
                    .extra_args = batch.extra_args});
  }
  return jobs;
}

std::optional<json> read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  json doc = json::parse(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(),
                         nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

// Exit code of one seed: the child's, except that a run which claims to have finished (0 or
// 1) but left no readable report is an internal error too.
int seed_exit_code(const RunJobResult& result, const json& report) {
  if (result.signal != 0 || result.exit_code < 0) return kExitInternalError;
  const bool finished = result.exit_code == kExitOk || result.exit_code == kExitSloFailed;
  if (finished && !report.is_object()) return kExitInternalError;
  return result.exit_code;
}

void report_failed_seed(const RunJob& job, const RunJobResult& result, int exit_code) {
  std::string text = result.stderr_text;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::cerr << "cutover: seed " << job.seed << " (exit "
            << (result.signal != 0 ? "by signal " + std::to_string(result.signal)
                                   : std::to_string(exit_code))
            << ")" << (text.empty() ? "" : ": " + text) << "\n";
  if (text.find("reproduce with") == std::string::npos) {
    std::cerr << "  reproduce with: " << replay_command(job) << "\n";
  }
}

json summary_header(const SeedBatch& batch) {
  json overrides = json::object();
  for (const ScenarioOverride& override : batch.overrides)
    overrides[override.pointer] = override.value;
  return {{"scenario", batch.scenario_name},
          {"scenario_file", batch.scenario_path},
          {"overrides", overrides}};
}

BatchOutcome finish_batch(const SeedBatch& batch, std::span<const RunJob> jobs,
                          std::span<const RunJobResult> results) {
  BatchOutcome outcome;
  std::vector<analysis::SeedOutcome> seeds;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    json report = read_json(jobs[i].out_dir / "report.json").value_or(json());
    const int exit_code = seed_exit_code(results[i], report);
    if (exit_code != kExitOk && exit_code != kExitSloFailed) {
      report_failed_seed(jobs[i], results[i], exit_code);
      report = json();  // whatever it left is not a finished run's report
    }
    outcome.exit_code = worst_exit_code(outcome.exit_code, exit_code);
    seeds.push_back({.seed = jobs[i].seed, .exit_code = exit_code, .report = std::move(report)});
  }
  outcome.summary = analysis::build_seed_summary(seeds, summary_header(batch));
  if (!write_file_or_report((batch.out_dir / "summary.json").string(),
                            outcome.summary.dump(2) + "\n")) {
    outcome.exit_code = worst_exit_code(outcome.exit_code, kExitBadInput);
  }
  return outcome;
}

}  // namespace

fs::path seed_folder(const fs::path& batch_dir, std::uint64_t seed) {
  return batch_dir / "seeds" / std::to_string(seed);
}

std::vector<BatchOutcome> run_batches(const std::vector<SeedBatch>& batches,
                                      const ParallelOptions& options) {
  std::vector<RunJob> jobs;
  for (const SeedBatch& batch : batches) {
    std::vector<RunJob> batch_part = batch_jobs(batch);
    jobs.insert(jobs.end(), batch_part.begin(), batch_part.end());
  }
  // A report left by an earlier run in the same folder must not pass for this run's.
  for (const RunJob& job : jobs) {
    std::error_code ignored;
    fs::remove(job.out_dir / "report.json", ignored);
  }
  const std::vector<RunJobResult> results = run_in_parallel(jobs, options);
  std::vector<BatchOutcome> outcomes;
  std::size_t offset = 0;
  for (const SeedBatch& batch : batches) {
    outcomes.push_back(finish_batch(batch, std::span(jobs).subspan(offset, batch.seed_count),
                                    std::span(results).subspan(offset, batch.seed_count)));
    offset += batch.seed_count;
  }
  return outcomes;
}

std::optional<std::vector<json>> read_batch_reports(const fs::path& dir) {
  const fs::path summary_path = dir / "summary.json";
  const std::optional<json> summary = read_json(summary_path);
  if (!summary || !summary->is_object() || !summary->contains("seeds") ||
      !summary->at("seeds").is_array()) {
    std::cerr << "cutover: " << summary_path.string()
              << ": cannot read a multi-seed summary (make one with: cutover run SCENARIO "
                 "--seeds N --out "
              << dir.string() << ")\n";
    return std::nullopt;
  }
  std::vector<json> reports;
  for (const json& seed : summary->at("seeds")) {
    if (!seed.is_number_unsigned()) continue;
    if (auto report = read_json(seed_folder(dir, seed.get<std::uint64_t>()) / "report.json")) {
      if (report->is_object()) reports.push_back(std::move(*report));
    }
  }
  return reports;
}

int run_seeds_command(const MultiSeedRequest& request) {
  const auto overrides = parse_overrides_or_report(request.set_texts);
  if (!overrides) return kExitBadInput;
  const std::optional<Scenario> scenario = load_or_report(request.scenario_path, *overrides);
  if (!scenario) return kExitBadInput;
  const std::string out_dir =
      request.out_dir.empty() ? (fs::path("out") / scenario->name).string() : request.out_dir;
  if (!create_folder_or_report(out_dir, "report folder")) return kExitBadInput;
  SeedBatch batch{.scenario_path = request.scenario_path,
                  .scenario_name = scenario->name,
                  .overrides = *overrides,
                  .first_seed = request.first_seed.value_or(scenario->seed),
                  .seed_count = request.seed_count,
                  .out_dir = out_dir};
  if (request.history) batch.extra_args.push_back("--history");
  const std::vector<BatchOutcome> outcomes =
      run_batches({batch}, {.jobs_max = request.jobs_max,
                            .show_progress = progress_wanted(request.quiet),
                            .label = "seeds"});
  const BatchOutcome& outcome = outcomes.front();
  if (!request.quiet) {
    std::cout << analysis::render_seed_summary(outcome.summary)
              << "summary: " << (fs::path(out_dir) / "summary.json").string() << "\n";
  }
  return outcome.exit_code;
}

}  // namespace cutover::sim::cli
