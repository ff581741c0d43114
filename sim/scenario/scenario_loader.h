// Reads a scenario file: JSON syntax, then the JSON Schema (valijson), then a typed parse
// with semantic checks (unknown regions, faults after the end, ...). Every problem is
// reported as one line naming the file, the JSON pointer and the problem; the CLI turns it
// into exit code 2. Nothing here runs a simulation.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

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

// One `--set /json/pointer=value`: replaces (or adds, in an object) the value at `pointer` in
// the scenario's JSON before the schema and every other check run, so a bad value gets the
// same error as if it had been written in the file. A pointer whose parent does not exist, or
// an array index past the end, is an error at that pointer.
struct ScenarioOverride {
  std::string pointer;
  nlohmann::json value;
  // "pointer=value" with the value as JSON, the form parse_override reads back.
  std::string text() const;
};

// Reads "/json/pointer=value". The value is JSON when it parses as JSON (100, 2.5, true,
// "text", [1, 2]), otherwise the text itself as a string (`--set /protocol/ack=sync`).
// Returns the problem in words when the text has no '=' or the pointer is not an RFC 6901
// pointer below the root.
std::variant<ScenarioOverride, std::string> parse_override(std::string_view text);

LoadResult load_scenario_file(const std::string& path,
                              const std::vector<ScenarioOverride>& overrides = {});
// `file_label` is used in messages and stored as Scenario::source_path.
LoadResult load_scenario_text(const std::string& text, const std::string& file_label,
                              const std::vector<ScenarioOverride>& overrides = {});

}  // namespace cutover::sim
