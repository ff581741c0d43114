#include "sim/scenario/cost_facts.h"

#include <algorithm>
#include <string>
#include <vector>

#include "models/cost/cost_model.h"

namespace cutover::sim {
namespace {

std::vector<bool> members_at_start(const Scenario& scenario) {
  const std::vector<std::string> names = replica_names(scenario.topology);
  if (scenario.protocol.type != ProtocolType::kRaft) return std::vector<bool>(names.size(), true);
  const RaftSettings& raft = scenario.protocol.raft;
  std::vector<bool> members;
  for (const std::string& name : names) {
    const auto listed = [&name](const std::vector<std::string>& list) {
      return std::find(list.begin(), list.end(), name) != list.end();
    };
    members.push_back(listed(raft.voters) || listed(raft.learners));
  }
  return members;
}

}  // namespace

analysis::CostFacts cost_facts(const Scenario& scenario) {
  const CostSettings& cost = scenario.cost;
  analysis::CostFacts facts;
  for (const auto& row : cost.egress) {
    std::vector<std::optional<double>> prices;
    std::vector<std::string> sources;
    for (const EgressPrice& price : row) {
      prices.push_back(price.usd_per_gb);
      sources.push_back(price.source);
    }
    facts.prices.egress_usd_per_gb.push_back(std::move(prices));
    facts.egress_sources.push_back(std::move(sources));
  }
  facts.prices.instance_usd_per_hour = cost.instance_usd_per_hour;
  facts.prices.storage_usd_per_gb_month = cost.storage_usd_per_gb_month;
  if (cost.state_gb_per_replica) {
    facts.state_bytes_per_replica = *cost.state_gb_per_replica * models::cost::kBytesPerGb;
  }
  facts.billed_at_start = members_at_start(scenario);
  return facts;
}

}  // namespace cutover::sim
