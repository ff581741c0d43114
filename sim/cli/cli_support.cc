#include "sim/cli/cli_support.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>
#include <variant>

#include <unistd.h>

namespace cutover::sim::cli {

int worst_exit_code(int a, int b) {
  // Anything but 0, 1 or 2 (a signal, an unexpected status) is an internal error.
  const auto normal = [](int code) {
    return code == kExitOk || code == kExitSloFailed || code == kExitBadInput ? code
                                                                              : kExitInternalError;
  };
  return std::max(normal(a), normal(b));
}

std::optional<std::vector<ScenarioOverride>> parse_overrides_or_report(
    const std::vector<std::string>& texts) {
  std::vector<ScenarioOverride> overrides;
  for (const std::string& text : texts) {
    auto parsed = parse_override(text);
    if (auto* problem = std::get_if<std::string>(&parsed)) {
      std::cerr << "cutover: " << *problem << "\n";
      return std::nullopt;
    }
    overrides.push_back(std::get<ScenarioOverride>(std::move(parsed)));
  }
  return overrides;
}

std::optional<Scenario> load_or_report(const std::string& path,
                                       const std::vector<ScenarioOverride>& overrides) {
  LoadResult loaded = load_scenario_file(path, overrides);
  if (auto* error = std::get_if<LoadError>(&loaded)) {
    std::cerr << "cutover: " << error->message() << "\n";
    return std::nullopt;
  }
  return std::get<Scenario>(std::move(loaded));
}

bool progress_wanted(bool quiet) { return !quiet && isatty(STDERR_FILENO) != 0; }

bool create_folder_or_report(const std::string& dir, const char* what) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (!error) return true;
  std::cerr << "cutover: " << dir << ": cannot create the " << what << ": " << error.message()
            << "\n";
  return false;
}

bool write_file_or_report(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (out) return true;
  std::cerr << "cutover: " << path << ": cannot write\n";
  return false;
}

}  // namespace cutover::sim::cli
