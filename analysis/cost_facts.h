// What the report's cost section needs besides traffic: the prices the scenario resolved, which
// replicas are billed from the start of the run, and the state size when the scenario states it.
// Recorded by the simulator from the scenario before the run (sim/scenario/cost_facts.h); the
// membership changes a migration makes are in MigrationFacts::membership.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/cost/cost_model.h"

namespace cutover::analysis {

struct CostFacts {
  // egress_usd_per_gb has one row per RunFacts::regions entry; empty means "no price known"
  // (a hand-built RunFacts), like nullopt everywhere.
  models::cost::Prices prices;
  std::vector<std::vector<std::string>> egress_sources;  // [from][to], same shape as prices
  std::vector<bool> billed_at_start;  // per replica (NodeId value): a cluster member at t = 0
  std::optional<double> state_bytes_per_replica;  // the scenario's; nullopt: use final states
};

}  // namespace cutover::analysis
