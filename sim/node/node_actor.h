// A replica's process: the one place where a sans-IO protocol meets the simulated world.
//
// The scheduler (sim/transport/scheduler.h) hands it packets and its own due events
// (protocol timers, CPU and disk completions). A crash ends the process (its handler and
// pending events go), crashes the node's storage (unsynced writes dropped) and leaves the host
// up, so packets the node had already sent still arrive; a restart starts a new incarnation
// that rebuilds the protocol from the storage.
#pragma once

#include "sim/world.h"

namespace cutover::sim {

void start_node(World& world, NodeRuntime& runtime);
void crash_node(World& world, NodeRuntime& runtime);
void restart_node(World& world, NodeRuntime& runtime);

}  // namespace cutover::sim
