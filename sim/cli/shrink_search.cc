#include "sim/cli/shrink_search.h"

#include <algorithm>
#include <optional>
#include <system_error>

#include "sim/cli/explore_runs.h"

namespace cutover::sim::cli {
namespace {

namespace fs = std::filesystem;

class Shrinker {
 public:
  Shrinker(const ShrinkRequest& request, const std::vector<Finding>& original_findings)
      : request_(request) {
    result_.faults = request.scenario.value("faults", FaultList::array());
    result_.original_faults = result_.faults.size();
    result_.findings = original_findings;
  }

  ShrinkResult run() {
    drop_faults();
    simplify_faults();
    std::error_code ignored;
    fs::remove_all(request_.work_dir, ignored);
    return std::move(result_);
  }

 private:
  // ddmin over the schedule: try dropping each of n chunks; on success start again with n - 1
  // chunks, otherwise split finer, until single faults cannot be dropped.
  void drop_faults() {
    std::size_t chunks = 2;
    while (!result_.faults.empty() && budget_left() > 0) {
      const std::vector<ShrinkCandidate> candidates = removal_candidates(result_.faults, chunks);
      if (const auto kept = first_still_failing(candidates)) {
        keep(candidates[kept->index].change, candidates[kept->index].faults, kept->findings);
        chunks = std::max<std::size_t>(chunks - 1, 2);
        continue;
      }
      if (chunks >= result_.faults.size()) break;
      chunks = std::min(chunks * 2, result_.faults.size());
    }
  }

  // Rounds of one-change candidates; the changes that still fail are combined when the
  // combination still fails too, else the first of them is kept.
  void simplify_faults() {
    const FaultModel* bounds = request_.model_has_bounds ? &request_.model : nullptr;
    while (budget_left() > 0) {
      const std::vector<ShrinkCandidate> candidates =
          simplification_candidates(result_.faults, bounds);
      const std::vector<std::optional<std::vector<Finding>>> outcomes = run_all(candidates);
      std::vector<std::size_t> failing;
      for (std::size_t i = 0; i < outcomes.size(); ++i) {
        if (outcomes[i]) failing.push_back(i);
      }
      if (failing.empty()) return;
      if (failing.size() > 1 && keep_combined(candidates, failing)) continue;
      const std::size_t first = failing.front();
      keep(candidates[first].change, candidates[first].faults, *outcomes[first]);
    }
  }

  bool keep_combined(const std::vector<ShrinkCandidate>& candidates,
                     const std::vector<std::size_t>& failing) {
    if (budget_left() == 0) return false;
    std::vector<FieldEdit> edits;
    std::string change;
    for (std::size_t i : failing) {
      edits.insert(edits.end(), candidates[i].edits.begin(), candidates[i].edits.end());
      change += (change.empty() ? "" : "; ") + candidates[i].change;
    }
    const ShrinkCandidate combined{change, apply_edits(result_.faults, edits), edits};
    const auto outcome = run_all({combined});
    if (!outcome.front()) return false;
    keep(combined.change, combined.faults, *outcome.front());
    return true;
  }

  struct Kept {
    std::size_t index;
    std::vector<Finding> findings;
  };

  std::optional<Kept> first_still_failing(const std::vector<ShrinkCandidate>& candidates) {
    const auto outcomes = run_all(candidates);
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      if (outcomes[i]) return Kept{i, *outcomes[i]};
    }
    return std::nullopt;
  }

  // Runs as many candidates as the budget allows, in order; for each, its findings when it
  // still fails with the kind, nullopt otherwise (or when not run).
  std::vector<std::optional<std::vector<Finding>>> run_all(
      const std::vector<ShrinkCandidate>& candidates) {
    const std::size_t count = std::min<std::size_t>(candidates.size(), budget_left());
    if (count < candidates.size()) result_.stopped_by_budget = true;
    std::vector<RunJob> jobs;
    for (std::size_t i = 0; i < count; ++i) {
      const fs::path folder = request_.work_dir / std::to_string(result_.runs + i);
      nlohmann::ordered_json doc = request_.scenario;
      doc["faults"] = candidates[i].faults;
      write_creating_folder(folder / "scenario.json", scenario_text(doc));
      jobs.push_back({.scenario_path = (folder / "scenario.json").string(),
                      .seed = request_.seed,
                      .overrides = {},
                      .out_dir = folder,
                      .extra_args = {}});
    }
    result_.runs += static_cast<std::uint32_t>(count);
    const std::vector<JudgedRun> judged = run_and_judge(jobs, request_.model, request_.parallel);
    std::vector<std::optional<std::vector<Finding>>> outcomes(candidates.size());
    for (std::size_t i = 0; i < judged.size(); ++i) {
      if (has_kind(judged[i].findings, request_.kind)) outcomes[i] = judged[i].findings;
    }
    return outcomes;
  }

  void keep(const std::string& change, const FaultList& faults,
            const std::vector<Finding>& findings) {
    result_.faults = faults;
    result_.findings = findings;
    result_.kept.push_back(change);
  }

  std::uint32_t budget_left() const {
    return request_.runs_max > result_.runs ? request_.runs_max - result_.runs : 0;
  }

  const ShrinkRequest& request_;
  ShrinkResult result_;
};

}  // namespace

ShrinkResult shrink_schedule(const ShrinkRequest& request,
                             const std::vector<Finding>& original_findings) {
  return Shrinker(request, original_findings).run();
}

}  // namespace cutover::sim::cli
