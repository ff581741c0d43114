// The one place SimGrid's clock (double seconds) becomes the models' integer microseconds.
#pragma once

#include <cmath>

#include <simgrid/s4u.hpp>

#include "models/core/types.h"

namespace cutover::sim {

inline models::TimePoint sim_now() {
  return models::TimePoint(models::Duration(
      static_cast<std::int64_t>(std::llround(simgrid::s4u::Engine::get_clock() * 1e6))));
}

}  // namespace cutover::sim
