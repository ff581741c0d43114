// Builds a node's protocol from the scenario: the only place scenario settings become
// protocol configuration.
#pragma once

#include <memory>

#include "models/replication/protocol.h"
#include "sim/scenario/scenario.h"

namespace cutover::sim {

std::unique_ptr<models::Protocol> make_protocol(const Scenario& scenario, models::NodeId self);

// NodeId of the configured initial primary (node 0 of the primary region).
models::NodeId initial_primary(const Scenario& scenario);

}  // namespace cutover::sim
