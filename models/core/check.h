// CUTOVER_CHECK: an always-on invariant assertion.
//
// A failed check is a bug found by the simulation, not an operating error: it throws
// InvariantViolation, which the driver decorates with node, simulated time and seed, and the
// CLI maps to exit code 3. It is never used for bad input (see Status) or simulated faults.
#pragma once

#include <stdexcept>
#include <string>

namespace cutover::models {

class InvariantViolation : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] void fail_check(const char* expression, const char* file, int line,
                             const std::string& detail);

}  // namespace cutover::models

#define CUTOVER_CHECK(cond, detail)                                                  \
  do {                                                                               \
    if (!(cond)) ::cutover::models::fail_check(#cond, __FILE__, __LINE__, (detail)); \
  } while (false)
