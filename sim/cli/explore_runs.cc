#include "sim/cli/explore_runs.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <system_error>

#include "sim/cli/cli_support.h"

namespace cutover::sim::cli {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

std::vector<JudgedRun> run_and_judge(const std::vector<RunJob>& jobs, const FaultModel& model,
                                     const ParallelOptions& options) {
  for (const RunJob& job : jobs) {
    std::error_code ignored;
    fs::remove(job.out_dir / "report.json", ignored);
  }
  const std::vector<RunJobResult> results = run_in_parallel(jobs, options);
  std::vector<JudgedRun> judged;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    JudgedRun run;
    run.outcome = {.exit_code = results[i].exit_code,
                   .signal = results[i].signal,
                   .stderr_text = results[i].stderr_text,
                   .report = std::nullopt};
    if (auto report = read_ordered_json(jobs[i].out_dir / "report.json")) {
      run.outcome.report = json(*report);
    }
    run.findings = judge_run(run.outcome, model);
    judged.push_back(std::move(run));
  }
  return judged;
}

std::string scenario_text(const ordered_json& doc) { return doc.dump(2) + "\n"; }

std::optional<ordered_json> read_ordered_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  ordered_json doc = ordered_json::parse(std::istreambuf_iterator<char>(in),
                                         std::istreambuf_iterator<char>(), nullptr,
                                         /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

bool write_creating_folder(const fs::path& path, const std::string& text) {
  if (path.has_parent_path() &&
      !create_folder_or_report(path.parent_path().string(), "output folder")) {
    return false;
  }
  return write_file_or_report(path.string(), text);
}

}  // namespace cutover::sim::cli
