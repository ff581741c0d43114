#include "sim/scenario/scenario.h"

#include <stdexcept>

namespace cutover::sim {

std::uint32_t region_index(const Topology& topology, const std::string& name) {
  for (std::size_t i = 0; i < topology.regions.size(); ++i) {
    if (topology.regions[i].name == name) return static_cast<std::uint32_t>(i);
  }
  throw std::invalid_argument("unknown region " + name);
}

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
