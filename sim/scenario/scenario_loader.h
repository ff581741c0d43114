// Reads a scenario file: JSON syntax, then the JSON Schema (valijson), then a typed parse
// with semantic checks (unknown regions, faults after the end, ...). Every problem is
// reported as one line naming the file, the JSON pointer and the problem; the CLI turns it
// into exit code 2. Nothing here runs a simulation.
#pragma once

#include <string>
#include <variant>

#include "sim/scenario/scenario.h"

namespace cutover::sim {

struct LoadError {
  std::string file;
  std::string pointer;  // RFC 6901 JSON pointer; "" is the document root
  std::string problem;
  // "<file>: <pointer or (root)>: <problem>"
  std::string message() const;
};

using LoadResult = std::variant<Scenario, LoadError>;

LoadResult load_scenario_file(const std::string& path);
// `file_label` is used in messages and stored as Scenario::source_path.
LoadResult load_scenario_text(const std::string& text, const std::string& file_label);

}  // namespace cutover::sim
