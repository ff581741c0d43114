// The scenario's prices and initial membership as analysis::CostFacts, for the report's cost
// section. Called once per run, before it starts (sim/run.cc).
#pragma once

#include "analysis/cost_facts.h"
#include "sim/scenario/scenario.h"

namespace cutover::sim {

// Replicas billed from t = 0 are the cluster's members: every replica with primary-backup;
// voters and learners with Raft (a spare outside the cluster is billed once a migration step
// adds it).
analysis::CostFacts cost_facts(const Scenario& scenario);

}  // namespace cutover::sim
