// The node actor: the one place where a sans-IO protocol meets SimGrid.
//
// One actor per replica host, restarted by SimGrid when its host comes back
// (auto-restart). Each incarnation rebuilds the protocol from the node's storage, which the
// host-off callback has already crashed (unsynced writes dropped). The actor runs one event
// loop over mailbox packets and local events (protocol timers, CPU and disk completions).
#pragma once

#include "sim/world.h"

namespace cutover::sim {

// Actor body for one incarnation of a node. Returns only after an invariant failure.
void run_node(World& world, NodeRuntime& runtime);

}  // namespace cutover::sim
