// The migration orchestrator: an actor on the observer host that runs the scenario's plan
// the way an SRE's runbook automation would. Each step starts when the previous one is done;
// steps that wait poll the cluster every kTick (through the operator's view: the leader's
// membership, replication lag, client outcomes) and fail after their timeout. Guards are
// evaluated on every tick of the steps they watch; a guard that fires, or a step that fails,
// stops the plan and runs its rollback steps. Every step is recorded with its start, end and
// outcome (World::migration()).
//
// Commands reach the nodes as operator messages through the network, like an admin API call;
// membership changes go to the current leader one at a time, each waiting for the previous
// to commit (single-server changes).
#pragma once

#include "sim/world.h"

namespace cutover::sim {

void run_orchestrator(World& world);

}  // namespace cutover::sim
