// `cutover analyze` output: analyze_topology()'s answer as JSON (analysis.json) and as the table
// printed on the terminal. Site, replica and link indices become names; latencies are in
// milliseconds with 3 decimals; a figure that does not exist (no leader can commit) is null in
// JSON and "n/a" in the table.
//
// JSON keys: scenario, protocol.{type, voters, majority, and for primary-backup ack,
// semi_sync_acks, primary, failover}, network, fsync_ms,
// sites[] {site, region, zone, voters, quorum_rtt_ms, commit_latency_ms, acknowledgers[],
// links_to_cut_off}, failures[] {kind, name, writes_survive, leader_sites[],
// best_commit_latency_ms, primary_survives, promotable_backup, needs_operator},
// min_cut {links, cut[], sides[2][], writes_survive},
// links_to_stop_writes {links, cut[], budget_exhausted}.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "analysis/topology.h"

namespace cutover::analysis::topology {

nlohmann::json topology_json(const std::string& scenario, const TopologyModel& model,
                             const TopologyAnswer& answer);

std::string render_topology_table(const std::string& scenario, const TopologyModel& model,
                                  const TopologyAnswer& answer);

}  // namespace cutover::analysis::topology
