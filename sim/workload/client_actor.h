// Open-loop clients of one workload entry: Poisson arrivals, each operation sent to a replica
// and recorded in the history as acknowledged, failed or timed out.
//
// Routing (until the routing layer of a later issue): a client starts at the configured
// primary, follows one "not primary, try X" redirect per operation, and after a timeout or
// an error without a hint moves to the next replica, nearest first. Local reads go to the
// nearest replica and move on the same way.
#pragma once

#include "sim/world.h"

namespace cutover::sim {

// Installs the workload's clients in the scheduler; they start at the current time.
void start_clients(World& world, models::ClientId id);

}  // namespace cutover::sim
