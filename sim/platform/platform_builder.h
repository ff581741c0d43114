// Turns a scenario topology into a SimGrid platform, in code (no XML).
//
// Layout: one star zone per region holding its replica hosts and one client host, each with
// a split-duplex NIC link; a full-mesh root with one split-duplex WAN link per region pair;
// and a control zone for the observer host (faults, sampling), joined to every region by a
// link that faults never touch. Latencies are split so that host-to-host one-way time is
// exactly intra_rtt_ms / 2 inside a region and rtt_ms / 2 across regions, plus size over the
// slowest link's bandwidth (the network factors are set to 1 for that, see configure_engine).
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
  // wan[a][b] for a != b: the link between regions a and b (same object both ways).
  std::vector<std::vector<simgrid::s4u::SplitDuplexLink*>> wan;
};

// Network model options that make SimGrid time exactly latency + size / bandwidth and allow
// one-way cuts. Must run after the Engine exists and before the platform is built.
void configure_engine();

Platform build_platform(const Topology& topology, const NodeResources& node);

}  // namespace cutover::sim
