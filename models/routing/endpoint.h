// Where a request can be sent: a region and a node in it. Shared vocabulary of the routing
// models (DNS answers, load-balancer backends).
//
// Regions are dense indices in topology order, the same numbers the simulator uses for
// `region`; a strong type keeps them from being mixed up with node ids.
#pragma once

#include <compare>
#include <cstdint>

#include "models/core/types.h"

namespace cutover::models::routing {

using RegionId = StrongId<struct RegionIdTag, std::uint32_t>;

struct Endpoint {
  RegionId region;
  NodeId node;
  auto operator<=>(const Endpoint&) const = default;
};

}  // namespace cutover::models::routing
