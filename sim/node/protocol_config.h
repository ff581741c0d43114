// Builds a node's protocol from the scenario: the only place scenario settings become
// protocol configuration.
#pragma once

#include <memory>
#include <optional>

#include "models/replication/primary_backup/primary_backup.h"
#include "models/replication/protocol.h"
#include "sim/scenario/scenario.h"

namespace cutover::sim {

std::unique_ptr<models::Protocol> make_protocol(const Scenario& scenario, models::NodeId self);

// The primary-backup configuration of node `self`, as make_protocol builds it.
// REQUIRES: scenario.protocol.type is kPrimaryBackup.
models::primary_backup::Config primary_backup_config(const Scenario& scenario, models::NodeId self);

// Test-only seam for planted bugs: a deliberately broken protocol for node `self`, or nullptr
// for the real one. make_protocol asks it first. The cutover binary links the definition in
// testing_planted_protocol.cc, which always returns nullptr; a test executable (tests/planted/)
// links its own definition instead. That works because the static library's member is only
// taken when no other object defines the function, so testing_planted_protocol.cc must hold
// nothing else.
std::unique_ptr<models::Protocol> testing_planted_protocol(const Scenario& scenario,
                                                           models::NodeId self);

// The node expected to lead first: node 0 of the primary region (primary-backup), the
// initial_leader (Raft), or none when the first election decides.
std::optional<models::NodeId> initial_primary(const Scenario& scenario);

}  // namespace cutover::sim
