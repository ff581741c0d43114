// Runs many simulations at once, each in a child process of the cutover binary itself
// (`cutover run SCENARIO --seed S --set ... --out DIR --quiet`), at most `jobs_max` at a time.
// Child processes, not threads, because SimGrid's engine is a process singleton: one
// simulation per process (sim/run.h).
//
// Used by `cutover run --seeds`, `cutover sweep` and `cutover capacity`, and meant for any
// command that needs a batch of runs (chaos exploration). Results come back in job order,
// whatever order the children finish in, so everything built from them is deterministic.
//
// REQUIRES: the calling process has no other child processes: children are reaped with
// waitpid(-1), which would also collect someone else's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sim/scenario/scenario_loader.h"

namespace cutover::sim::cli {

struct RunJob {
  std::string scenario_path;
  std::uint64_t seed = 1;
  std::vector<ScenarioOverride> overrides;
  std::filesystem::path out_dir;        // the child's --out; created by the child
  std::vector<std::string> extra_args;  // more `cutover run` options, e.g. "--history"
};

struct RunJobResult {
  int exit_code = -1;  // the child's exit status; -1 when it did not exit normally
  int signal = 0;      // the signal that ended it, 0 when it exited
  std::string stderr_text;
};

// What the user types to run this job alone (the replay command of an internal error).
std::string replay_command(const RunJob& job);

struct ParallelOptions {
  std::size_t jobs_max = 0;  // 0: one per core
  // The cutover binary to run; by default this very process's executable.
  std::string executable = "/proc/self/exe";
  // A progress line on stderr, rewritten as children finish ("seeds 3/8 done ...").
  bool show_progress = false;
  std::string label = "runs";
  // Optional: called in this process as each child ends (in the order they end), with the job's
  // index and result; what it returns replaces the "failed an SLO, errors" tally of the progress
  // line (`cutover explore` judges each seed here and shows failures found so far).
  std::function<std::string(std::size_t job, const RunJobResult& result)> progress_note;
};

// Cores this process may use (at least 1).
std::size_t default_jobs();

// Runs every job and waits for all of them. A child that cannot be started is reported as
// exit_code -1 with the reason in stderr_text; the others still run.
std::vector<RunJobResult> run_in_parallel(const std::vector<RunJob>& jobs,
                                          const ParallelOptions& options);

// `text` quoted for a POSIX shell when it needs it, so printed commands can be pasted.
std::string shell_quoted(const std::string& text);

}  // namespace cutover::sim::cli
