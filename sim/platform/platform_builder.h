// Turns a scenario topology into a SimGrid platform, in code (no XML).
//
// Layout: one star zone per region holding its replica hosts and one client host, each with
// a split-duplex NIC link; a full-mesh root with one split-duplex WAN link per region pair;
// and a control zone for the observer host (faults, sampling) and the scheduler's host, joined
// to every region by a link that faults never touch.
//
// SimGrid models bandwidth (and its sharing between transfers on a link); propagation delay is
// modelled by our transport, which holds each packet one_way_latency_s after its bytes arrived
// (sim/transport/network.h). Host-to-host one-way time is exactly intra_rtt_ms / 2 inside a
// region and rtt_ms / 2 across regions, plus size over the bottleneck bandwidth share (the
// network factors are set to 1 for that, see configure_engine).
//
// Why the links themselves have no latency: SimGrid keeps a sender's detached transfers in a
// list it walks on every completion, so a leader with thousands of messages in their latency
// phase paid for that list on every message (measured: 60% of the run in that walk, 50 us per
// message). In SimGrid a transfer's latency phase comes before its bandwidth phase and takes
// no bandwidth, so moving it after the bytes only shifts when a transfer competes for the link
// by the path's latency; the arrival times of uncontended messages are unchanged.
#pragma once

#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/scenario/scenario.h"

namespace cutover::sim {

struct Platform {
  std::vector<simgrid::s4u::Host*> node_hosts;    // by NodeId
  std::vector<std::uint32_t> node_region;         // by NodeId
  std::vector<simgrid::s4u::Host*> client_hosts;  // by region index
  simgrid::s4u::Host* observer_host = nullptr;
  // Runs the scheduler actor (sim/transport/scheduler.h); the observer's actors ring it.
  simgrid::s4u::Host* scheduler_host = nullptr;
  // wan[a][b] for a != b: the link between regions a and b (same object both ways).
  std::vector<std::vector<simgrid::s4u::SplitDuplexLink*>> wan;
  // Sites (scenario.h): a region's availability zones, or the region itself when it has none.
  // Zones share the region's star of NICs; they differ only in propagation delay.
  std::vector<std::uint32_t> node_site;    // by NodeId
  std::vector<std::uint32_t> site_region;  // by site
  // one_way_latency_s[s][t]: propagation delay between hosts of sites s and t, both ways:
  // intra_rtt_ms / 2 inside a site, inter_zone_rtt_ms / 2 between zones of one region, the
  // link's rtt_ms / 2 between regions. Without zones, sites are regions (same indices).
  std::vector<std::vector<double>> one_way_latency_s;
};

// Network model options that make SimGrid time exactly latency + size / bandwidth and allow
// one-way cuts. Must run after the Engine exists and before the platform is built.
void configure_engine();

Platform build_platform(const Topology& topology, const NodeResources& node);

}  // namespace cutover::sim
