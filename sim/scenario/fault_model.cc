#include "sim/scenario/fault_model.h"

namespace cutover::sim {

std::string_view safety_check_name(SafetyCheck check) {
  for (const auto& [value, name] : kSafetyCheckNames) {
    if (value == check) return name;
  }
  return "?";
}

std::optional<SafetyCheck> safety_check_named(std::string_view name) {
  for (const auto& [value, check_name] : kSafetyCheckNames) {
    if (check_name == name) return value;
  }
  return std::nullopt;
}

}  // namespace cutover::sim
