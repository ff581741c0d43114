// The load balancer's health checks, as an actor on the observer host: every replica is probed
// on the configured interval; a live replica answers at once, a crashed one (or one whose
// region is dark) lets the probe time out. Consecutive results move it in or out of the load
// balancer's rotation (models::routing::HealthChecker decides). The probe itself does not
// travel the simulated network: what matters for failover is the detection delay
// (interval x threshold), which this keeps exactly.
#pragma once

#include "sim/world.h"

namespace cutover::sim {

void run_health_checks(World& world);

}  // namespace cutover::sim
