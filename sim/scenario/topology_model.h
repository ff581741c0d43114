// A scenario's placement as the topology-risk model (analysis/topology.h): each region is a
// site, or each of its zones when it has zones (joined pairwise at inter_zone_rtt_ms); each
// loaded region link joins every site of its two regions at its RTT; replicas keep their roles
// at the start of the run (a migration's later membership is not analysed). Used by
// `cutover analyze`.
#pragma once

#include "analysis/topology.h"
#include "sim/scenario/scenario.h"

namespace cutover::sim {

// REQUIRES: a scenario as the loader returns it (links resolved, voters explicit).
analysis::topology::TopologyModel topology_model(const Scenario& scenario);

}  // namespace cutover::sim
