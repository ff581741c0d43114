#include "sim/platform/platform_builder.h"

#include <xbt/log.h>

namespace sg4 = simgrid::s4u;

namespace cutover::sim {
namespace {

using LinkInRoute = sg4::LinkInRoute;

constexpr double kHostSpeedFlops = 1e9;              // unused: CPU time is modelled by the node
constexpr double kControlBandwidthBytesPerS = 1e12;  // observer traffic must cost nothing

double bytes_per_s(double mbps) { return mbps * 1e6 / 8.0; }
double seconds(double ms) { return ms / 1000.0; }

struct RegionZone {
  sg4::NetZone* zone;
  simgrid::kernel::routing::NetPoint* gateway;
};

// A host with its NIC: the star route host -> everyone uses the UP half, everyone -> host
// the DOWN half, so a host-to-host route crosses two NICs.
sg4::Host* add_host(sg4::NetZone* zone, const std::string& name, double nic_bytes_per_s) {
  sg4::Host* host = zone->create_host(name, kHostSpeedFlops);
  auto* nic = zone->create_split_duplex_link(name + "_nic", nic_bytes_per_s);
  nic->set_latency(0.0);  // propagation delay is the transport's (see the header)
  zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr,
                  {LinkInRoute(nic, LinkInRoute::Direction::UP)}, true);
  return host;
}

// One-way propagation delay between every two sites (platform_builder.h): half the round trip
// inside a zone, between two zones of a region, or between regions.
std::vector<std::vector<double>> one_way_latencies_s(const Topology& topology,
                                                     const SiteLayout& sites) {
  const std::size_t regions = topology.regions.size();
  std::vector<std::vector<double>> region_rtt_ms(regions, std::vector<double>(regions, 0.0));
  for (const Link& link : topology.links) {
    const std::size_t a = region_index(topology, link.region_a);
    const std::size_t b = region_index(topology, link.region_b);
    region_rtt_ms[a][b] = region_rtt_ms[b][a] = link.rtt_ms;
  }
  const std::size_t n = sites.site_region.size();
  std::vector<std::vector<double>> latency(n, std::vector<double>(n, 0.0));
  for (std::size_t s = 0; s < n; ++s) {
    for (std::size_t t = 0; t < n; ++t) {
      const Region& region = topology.regions[sites.site_region[s]];
      double rtt_ms = region_rtt_ms[sites.site_region[s]][sites.site_region[t]];
      if (s == t) rtt_ms = region.intra_rtt_ms;
      if (s != t && sites.site_region[s] == sites.site_region[t]) {
        rtt_ms = region.inter_zone_rtt_ms;
      }
      latency[s][t] = seconds(rtt_ms) / 2;
    }
  }
  return latency;
}

}  // namespace

void configure_engine() {
  sg4::Engine::set_config("network/latency-factor", 1.0);
  sg4::Engine::set_config("network/bandwidth-factor", 1.0);
  sg4::Engine::set_config("network/TCP-gamma", 0.0);       // no TCP window cap
  sg4::Engine::set_config("network/crosstraffic", false);  // one-way cuts stay one-way
  xbt_log_control_set("root.thres:critical");
}

Platform build_platform(const Topology& topology, const NodeResources& node) {
  Platform platform;
  auto* world = sg4::create_full_zone("world");
  std::vector<RegionZone> zones;
  std::uint32_t region_number = 0;
  const std::size_t n = topology.regions.size();
  const SiteLayout sites = site_layout(topology);
  platform.node_site = sites.node_site;
  platform.site_region = sites.site_region;
  platform.one_way_latency_s = one_way_latencies_s(topology, sites);
  for (const Region& region : topology.regions) {
    auto* zone = sg4::create_star_zone(region.name);
    zone->set_parent(world);
    const double nic_bandwidth = bytes_per_s(node.nic_bandwidth_mbps);
    for (std::uint32_t i = 0; i < region.nodes; ++i) {
      platform.node_hosts.push_back(
          add_host(zone, region.name + "-" + std::to_string(i), nic_bandwidth));
      platform.node_region.push_back(region_number);
    }
    platform.client_hosts.push_back(add_host(zone, "clients@" + region.name, nic_bandwidth));
    zones.push_back({zone, zone->create_router(region.name + "_gw")});
    zone->seal();
    ++region_number;
  }
  auto* control = sg4::create_star_zone("control");
  control->set_parent(world);
  platform.observer_host = add_host(control, "observer", kControlBandwidthBytesPerS);
  platform.scheduler_host = add_host(control, "scheduler", kControlBandwidthBytesPerS);
  auto* control_gateway = control->create_router("control_gw");
  control->seal();

  platform.wan.assign(n, std::vector<sg4::SplitDuplexLink*>(n, nullptr));
  for (const Link& link : topology.links) {
    const std::size_t a = region_index(topology, link.region_a);
    const std::size_t b = region_index(topology, link.region_b);
    auto* wan = world->create_split_duplex_link(link.region_a + "<->" + link.region_b,
                                                bytes_per_s(link.bandwidth_mbps));
    wan->set_latency(0.0);
    world->add_route(zones[a].zone->get_netpoint(), zones[b].zone->get_netpoint(), zones[a].gateway,
                     zones[b].gateway, {LinkInRoute(wan, LinkInRoute::Direction::UP)}, true);
    platform.wan[a][b] = platform.wan[b][a] = wan;
  }
  for (std::size_t r = 0; r < n; ++r) {
    auto* link =
        world->create_link("control<->" + topology.regions[r].name, kControlBandwidthBytesPerS);
    link->set_latency(0.0);
    world->add_route(control->get_netpoint(), zones[r].zone->get_netpoint(), control_gateway,
                     zones[r].gateway, {LinkInRoute(link)}, true);
  }
  world->seal();
  return platform;
}

}  // namespace cutover::sim
