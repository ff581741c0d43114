// The report's `cost` section, from RunFacts (traffic, membership, final state) and the prices
// in RunFacts::cost, using models/cost/cost_model.h. Called by build_report.
//
// Keys (dollars are US dollars; GB = 10^9 bytes; a month = 730 hours):
//   egress.{replication,client,total}.{bytes,unpriced_bytes,usd}   between regions, whole run
//   egress.by_pair."<from>-><to>".{usd_per_gb,price_source,replication,client,total}
//                                        ordered pairs that carried bytes; the sender pays
//   instances.{usd_per_hour,node_hours,usd}       billed replicas x the run's simulated time
//   storage.{usd_per_gb_month,state_bytes_per_replica,state_source,gb_months,usd}
//   migration: null without a plan, else {start_s,end_s,egress.{replication,client,total},
//     steps[] {name,rollback,start_s,end_s,egress.{replication,client,total}},
//     dual_running.{baseline_nodes,peak_nodes,node_hours,usd}}
//   total_usd                                     egress + instances + storage
// A price the scenario does not give is null, and so is every dollar figure that needs it
// (never a made-up 0). Dollars are rounded to 9 decimals, node-hours to 9, GB-months to 12
// (simulated runs are short: a minute of a small cluster costs fractions of a cent).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "analysis/history.h"

namespace cutover::analysis {

nlohmann::json cost_section(const RunFacts& facts);

// One line for the terminal summary, from a report built by build_report.
std::string render_cost_summary(const nlohmann::json& report);

}  // namespace cutover::analysis
