// Builds a node's protocol from the scenario: the only place scenario settings become
// protocol configuration.
#pragma once

#include <memory>
#include <optional>

#include "models/replication/protocol.h"
#include "sim/scenario/scenario.h"

namespace cutover::sim {

std::unique_ptr<models::Protocol> make_protocol(const Scenario& scenario, models::NodeId self);

// The node expected to lead first: node 0 of the primary region (primary-backup), the
// initial_leader (Raft), or none when the first election decides.
std::optional<models::NodeId> initial_primary(const Scenario& scenario);

}  // namespace cutover::sim
