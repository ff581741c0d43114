// The candidate schedules the shrinker tries, as pure functions of the current schedule: which
// faults to drop (delta debugging) and how to make each remaining fault simpler. Running them
// and keeping those that still fail is the caller's job (sim/cli/shrink_search.h).
//
// Dropping follows ddmin (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing
// Input", IEEE TSE 2002): split the schedule into n chunks and try each complement; when one
// still fails, keep it, otherwise split finer. The result is 1-minimal: removing any single
// fault makes the failure go away.
//
// Simplifying changes one thing per candidate: halve a fault's duration, start it on a whole
// second (or tenth), round its duration down to a tenth of a second, or move one intensity
// halfway to the mildest value the fault model allows. Edits name the fault and field they set,
// so successful edits of different faults or fields can be combined.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/fault_model.h"

namespace cutover::sim {

using FaultList = nlohmann::ordered_json;  // a scenario's "faults" array

struct FieldEdit {
  std::size_t fault = 0;  // index in the schedule
  std::string field;      // "until_s", "at_s", an intensity field
  nlohmann::ordered_json value;
};

struct ShrinkCandidate {
  std::string change;  // "drop faults 2-3", "halve fault 1 (node_crash)", ...
  FaultList faults;
  std::vector<FieldEdit> edits;  // simplifications only: what was set
};

// The complements of `chunks` contiguous chunks of `faults` (each drops one chunk), or, when
// chunks >= the number of faults, one candidate per single fault dropped. With one fault left,
// the only candidate is the empty schedule. REQUIRES: chunks >= 2.
std::vector<ShrinkCandidate> removal_candidates(const FaultList& faults, std::size_t chunks);

// One simpler variant per fault and aspect, in fault order. `model` gives the mildest intensity
// of each type (its range's min); without one, the explorable-fault table's defaults are used.
std::vector<ShrinkCandidate> simplification_candidates(const FaultList& faults,
                                                       const FaultModel* model);

// `faults` with every edit applied; of two edits of the same fault and field the first wins.
FaultList apply_edits(const FaultList& faults, const std::vector<FieldEdit>& edits);

// "node_crash leader 2.1-4.35 s" and so on: one fault in a line, for logs and descriptions.
std::string describe_fault(const nlohmann::ordered_json& fault);

}  // namespace cutover::sim
