// One line of text per fault, for the report's fault list ("faults[].description"): the type
// and what it acts on, e.g. "partition a | b,c" or "packet_loss a<->b p=0.010". Numbers are
// printed with a fixed format, so the text is the same on every machine.
#pragma once

#include <string>

#include "sim/scenario/scenario.h"

namespace cutover::sim {

std::string describe_fault(const Fault& fault);

}  // namespace cutover::sim
