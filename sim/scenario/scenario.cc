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

SiteLayout site_layout(const Topology& topology) {
  SiteLayout layout;
  for (std::uint32_t r = 0; r < topology.regions.size(); ++r) {
    const Region& region = topology.regions[r];
    layout.region_first_site.push_back(static_cast<std::uint32_t>(layout.site_region.size()));
    if (region.zones.empty()) {
      const auto site = static_cast<std::uint32_t>(layout.site_region.size());
      layout.site_region.push_back(r);
      layout.site_name.push_back(region.name);
      layout.node_site.insert(layout.node_site.end(), region.nodes, site);
      continue;
    }
    for (const Zone& zone : region.zones) {
      const auto site = static_cast<std::uint32_t>(layout.site_region.size());
      layout.site_region.push_back(r);
      layout.site_name.push_back(zone.name);
      layout.node_site.insert(layout.node_site.end(), zone.nodes, site);
    }
  }
  return layout;
}

std::uint32_t site_index(const Topology& topology, const SiteLayout& layout,
                         const std::string& region, const std::string& zone) {
  const std::uint32_t r = region_index(topology, region);
  const std::vector<Zone>& zones = topology.regions[r].zones;
  for (std::size_t z = 0; z < zones.size(); ++z) {
    if (zones[z].name == zone) return layout.region_first_site[r] + static_cast<std::uint32_t>(z);
  }
  if (zone.empty()) return layout.region_first_site[r];
  throw std::invalid_argument("unknown zone " + zone + " in region " + region);
}

}  // namespace cutover::sim
