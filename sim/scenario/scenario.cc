#include "sim/scenario/scenario.h"

namespace cutover::sim {

std::vector<std::string> replica_names(const Topology& topology) {
  std::vector<std::string> names;
  for (const Region& region : topology.regions) {
    for (std::uint32_t i = 0; i < region.nodes; ++i) {
      names.push_back(region.name + "-" + std::to_string(i));
    }
  }
  return names;
}

}  // namespace cutover::sim
