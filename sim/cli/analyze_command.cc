#include "sim/cli/analyze_command.h"

#include <filesystem>
#include <iostream>
#include <optional>

#include "analysis/topology.h"
#include "analysis/topology_report.h"
#include "sim/cli/cli_support.h"
#include "sim/scenario/topology_model.h"

namespace cutover::sim::cli {

int run_analyze_command(const AnalyzeOptions& options) {
  const std::optional<Scenario> scenario = load_or_report(options.scenario_path);
  if (!scenario) return kExitBadInput;
  const analysis::topology::TopologyModel model = topology_model(*scenario);
  const analysis::topology::TopologyAnswer answer = analysis::topology::analyze_topology(model);
  std::cout << analysis::topology::render_topology_table(scenario->name, model, answer);
  const std::string json =
      analysis::topology::topology_json(scenario->name, model, answer).dump(2) + "\n";
  if (!options.json_path.empty() && !write_file_or_report(options.json_path, json)) {
    return kExitBadInput;
  }
  if (!options.out_dir.empty()) {
    if (!create_folder_or_report(options.out_dir, "analysis folder") ||
        !write_file_or_report((std::filesystem::path(options.out_dir) / "analysis.json").string(),
                              json)) {
      return kExitBadInput;
    }
  }
  return kExitOk;
}

}  // namespace cutover::sim::cli
