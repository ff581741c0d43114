#include "models/core/check.h"

namespace cutover::models {

void fail_check(const char* expression, const char* file, int line, const std::string& detail) {
  std::string message = std::string("invariant violated: ") + expression;
  if (!detail.empty()) message += " (" + detail + ")";
  message += " at " + std::string(file) + ":" + std::to_string(line);
  throw InvariantViolation(message);
}

}  // namespace cutover::models
