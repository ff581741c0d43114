// `cutover analyze SCENARIO.json [--json FILE] [--out DIR]`: topology risk of a scenario's
// placement without running it (analysis/topology.h). Prints a table; writes the same answer
// as JSON to FILE and/or DIR/analysis.json. Exit codes as for `cutover run`: 0 done, 2 bad input
// (one line: file, JSON pointer, problem) or an unwritable output.
#pragma once

#include <string>

namespace cutover::sim::cli {

struct AnalyzeOptions {
  std::string scenario_path;
  std::string json_path;  // empty: no JSON file
  std::string out_dir;    // empty: no DIR/analysis.json
};

int run_analyze_command(const AnalyzeOptions& options);

}  // namespace cutover::sim::cli
