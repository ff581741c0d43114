// The verdict on one explored run: which of the fault model's checks failed, judged from what
// the `cutover run` child left behind (its exit status, its error output and report.json).
// Pure; used by `cutover explore` for every seed and by the shrinker for every candidate.
//
// Failure kinds are the check names of sim/scenario/fault_model.h, plus "run_error" when the
// run did not finish for another reason (bad input, no report): that is a bug of the explorer
// or the simulator, never a finding about the protocol. A run killed by a signal or ended by a
// broken invariant (exit code 3) is an "invariant" failure whatever the checks say: both are
// bugs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/fault_model.h"

namespace cutover::sim {

inline constexpr const char* kRunErrorKind = "run_error";

// What one finished child left behind.
struct RunOutcome {
  int exit_code = -1;  // -1: it did not exit normally
  int signal = 0;      // the signal that ended it, 0 when it exited
  std::string stderr_text;
  std::optional<nlohmann::json> report;  // report.json, when it wrote a readable one
};

struct Finding {
  std::string kind;    // a check name or kRunErrorKind
  std::string detail;  // one line a person can act on
};

// Every failed check, in kSafetyCheckNames order; empty when the run passed. SLO failures
// (exit code 1) are not findings: random faults are expected to break latency targets.
std::vector<Finding> judge_run(const RunOutcome& run, const FaultModel& model);

// Whether `findings` include one of kind `kind`.
bool has_kind(const std::vector<Finding>& findings, const std::string& kind);

}  // namespace cutover::sim
