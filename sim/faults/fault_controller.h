// The fault controller: an actor on the observer host, outside every failure domain, that
// plays the scenario's fault timeline (and scripted promotions) against the world.
//
// Who does what: SimGrid cuts whole-region links (region partitions, outages, flapping) and
// caps their bandwidth; the transport drops packets on node-level cuts and degrades packets on
// a link (sim/faults/network_faults.h); the node actor honours disk stalls and skewed clocks
// (NodeRuntime fields). Overlapping faults compose: a host, link or channel comes back when
// the last fault on it ends.
#pragma once

#include "sim/world.h"

namespace cutover::sim {

void run_fault_controller(World& world);

}  // namespace cutover::sim
