// What the cutover subcommands share: exit codes, loading a scenario with `--set` overrides
// (printing the one-line error), and whether to draw progress.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/scenario/scenario_loader.h"

namespace cutover::sim::cli {

constexpr int kExitOk = 0;         // ran, and every SLO held
constexpr int kExitSloFailed = 1;  // ran, and an SLO failed (compare: a metric regressed)
constexpr int kExitBadInput = 2;   // one line: file, JSON pointer, problem
constexpr int kExitInternalError = 3;

// The exit code of a batch from its runs' codes: 3 beats 2 beats 1 beats 0.
int worst_exit_code(int a, int b);

// Parses `--set` texts; on a malformed one prints "cutover: <problem>" and returns nullopt.
std::optional<std::vector<ScenarioOverride>> parse_overrides_or_report(
    const std::vector<std::string>& texts);

// Loads `path` with the overrides, or prints "cutover: <file>: <pointer>: <problem>" and
// returns nullopt (exit code 2).
std::optional<Scenario> load_or_report(const std::string& path,
                                       const std::vector<ScenarioOverride>& overrides = {});

// Progress is drawn on stderr when it is a terminal, never with --quiet.
bool progress_wanted(bool quiet);

// Creates `dir` (and its parents), or prints why it cannot and returns false.
bool create_folder_or_report(const std::string& dir, const char* what);

// Writes `text` to `path`, or prints why it cannot and returns false.
bool write_file_or_report(const std::string& path, const std::string& text);

}  // namespace cutover::sim::cli
