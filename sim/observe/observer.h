// Actors on the observer host, outside every failure domain: the sampler that measures
// replication lag on a fixed grid (and shows progress); the fault controller is in
// sim/faults/fault_controller.h. Plus the end-of-run reading of the surviving state.
//
// Observers read nodes' storage and protocol views directly: that is measurement with
// perfect knowledge, which a real system cannot have, and it never feeds back into the
// simulated world.
#pragma once

#include "sim/world.h"

namespace cutover::sim {

struct SamplerOptions {
  models::TimePoint end;
  bool show_progress = false;
};
void run_sampler(World& world, const SamplerOptions& options);

// The live primary (leader) of the highest epoch, if any.
const NodeRuntime* current_primary(World& world);

// Age in ms of the oldest entry `primary` has and `replica` does not (0 when caught up).
double lag_ms(const models::Storage& primary, const models::Storage& replica,
              models::TimePoint now);

// Every live replica's applied key-value state, for reconciliation.
std::vector<analysis::ReplicaState> read_replica_states(World& world);

// The node whose log counts as the final state, and that log.
analysis::FinalState read_final_state(World& world);

}  // namespace cutover::sim
