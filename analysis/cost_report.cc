#include "analysis/cost_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

#include "models/core/message.h"

namespace cutover::analysis {
namespace {

using models::cost::ByteMatrix;
using models::cost::EgressTotal;
using models::cost::PriceMatrix;
using nlohmann::json;

constexpr int kUsdDecimals = 9;
constexpr int kNodeHourDecimals = 9;
constexpr int kGbMonthDecimals = 12;
constexpr int kSecondDecimals = 3;

json rounded(std::optional<double> value, int decimals) {
  if (!value || !std::isfinite(*value)) return nullptr;
  const double scale = std::pow(10.0, decimals);
  const double result = std::round(*value * scale) / scale;
  return result == 0.0 ? 0.0 : result;  // no "-0.0"
}

json optional_number(std::optional<double> value) { return value ? json(*value) : json(nullptr); }

// `matrix` as a regions x regions matrix; a hand-built RunFacts may leave it empty.
ByteMatrix square_bytes(const std::vector<std::vector<std::uint64_t>>& matrix,
                        std::size_t regions) {
  if (matrix.size() == regions) return matrix;
  return ByteMatrix(regions, std::vector<std::uint64_t>(regions, 0));
}

PriceMatrix square_prices(const CostFacts& cost, std::size_t regions) {
  if (cost.prices.egress_usd_per_gb.size() == regions) return cost.prices.egress_usd_per_gb;
  return PriceMatrix(regions, std::vector<std::optional<double>>(regions));
}

json total_json(const EgressTotal& total) {
  return {{"bytes", total.bytes},
          {"unpriced_bytes", total.unpriced_bytes},
          {"usd", rounded(total.usd, kUsdDecimals)}};
}

json classes_json(const models::cost::TrafficCharge& charge) {
  return {{"replication", total_json(charge.replication)},
          {"client", total_json(charge.client)},
          {"total", total_json(charge.total)}};
}

models::cost::TrafficCharge charge(const RunFacts& facts, const TrafficMatrix& traffic) {
  const std::size_t regions = facts.regions.size();
  return models::cost::charge_traffic(square_bytes(traffic.replication, regions),
                                      square_bytes(traffic.client, regions),
                                      square_prices(facts.cost, regions));
}

std::string price_source(const RunFacts& facts, std::uint32_t from, std::uint32_t to) {
  const auto& sources = facts.cost.egress_sources;
  if (from < sources.size() && to < sources[from].size()) return sources[from][to];
  return "unknown";
}

json egress_json(const RunFacts& facts) {
  const models::cost::TrafficCharge whole_run = charge(facts, facts.traffic);
  json pairs = json::object();
  for (const models::cost::PairCharge& pair : whole_run.pairs) {
    pairs[facts.regions.at(pair.from) + "->" + facts.regions.at(pair.to)] = {
        {"usd_per_gb", optional_number(pair.usd_per_gb)},
        {"price_source", price_source(facts, pair.from, pair.to)},
        {"replication", total_json(pair.replication)},
        {"client", total_json(pair.client)},
        {"total", total_json(pair.total)}};
  }
  json egress = classes_json(whole_run);
  egress["by_pair"] = std::move(pairs);
  return egress;
}

// Who is billed when. Without recorded membership (a hand-built RunFacts) every replica is.
models::cost::NodeTimeline billing_timeline(const RunFacts& facts) {
  std::vector<bool> at_start = facts.cost.billed_at_start;
  if (at_start.size() != facts.replicas.size()) at_start.assign(facts.replicas.size(), true);
  std::vector<models::cost::MembershipChange> changes;
  for (const MembershipRecord& record : facts.migration.membership) {
    changes.push_back({.at_s = models::to_seconds(record.at),
                       .node = record.node.value,
                       .joined = record.joined});
  }
  std::stable_sort(changes.begin(), changes.end(),
                   [](const auto& a, const auto& b) { return a.at_s < b.at_s; });
  return models::cost::NodeTimeline(std::move(at_start), std::move(changes));
}

std::optional<double> times(std::optional<double> price, double quantity) {
  if (!price) return std::nullopt;
  return *price * quantity;
}

json instances_json(const RunFacts& facts, const models::cost::NodeTimeline& timeline) {
  const double node_seconds = timeline.node_seconds(0, facts.simulated_s);
  const std::optional<double> price = facts.cost.prices.instance_usd_per_hour;
  return {
      {"usd_per_hour", optional_number(price)},
      {"node_hours", rounded(node_seconds / models::cost::kSecondsPerHour, kNodeHourDecimals)},
      {"usd", rounded(times(price, node_seconds / models::cost::kSecondsPerHour), kUsdDecimals)}};
}

// Bytes one replica's state takes: per key, the value plus its key and version (the overhead a
// snapshot cell carries). Replicas converge on the same state, so the largest final state
// stands for each of them (a lagging or just-added replica will hold it too).
double estimated_state_bytes(const RunFacts& facts) {
  double largest = 0;
  for (const ReplicaState& state : facts.replica_states) {
    double bytes = 0;
    for (const models::KvCell& cell : state.cells) {
      bytes += models::kSnapshotCellOverheadBytes + cell.value_bytes;
    }
    largest = std::max(largest, bytes);
  }
  return largest;
}

json storage_json(const RunFacts& facts, const models::cost::NodeTimeline& timeline) {
  const bool stated = facts.cost.state_bytes_per_replica.has_value();
  const double state_bytes =
      stated ? *facts.cost.state_bytes_per_replica : estimated_state_bytes(facts);
  double gb_months = 0;
  for (std::uint32_t node = 0; node < timeline.nodes(); ++node) {
    gb_months +=
        models::cost::gb_months(state_bytes, timeline.billed_seconds(node, 0, facts.simulated_s));
  }
  const std::optional<double> price = facts.cost.prices.storage_usd_per_gb_month;
  return {{"usd_per_gb_month", optional_number(price)},
          {"state_bytes_per_replica", std::llround(state_bytes)},
          {"state_source", stated ? "scenario" : "final_state"},
          {"gb_months", rounded(gb_months, kGbMonthDecimals)},
          {"usd", rounded(times(price, gb_months), kUsdDecimals)}};
}

json migration_json(const RunFacts& facts, const models::cost::NodeTimeline& timeline) {
  const MigrationFacts& migration = facts.migration;
  if (!migration.planned || migration.steps.empty()) return nullptr;
  const double start_s = models::to_seconds(migration.steps.front().start);
  const double end_s = models::to_seconds(migration.steps.back().end);
  TrafficMatrix during;
  during.resize(facts.regions.size());
  json steps = json::array();
  for (const StepRecord& step : migration.steps) {
    const models::cost::TrafficCharge step_charge = charge(facts, step.traffic);
    steps.push_back({{"name", step.name},
                     {"rollback", step.rollback},
                     {"start_s", rounded(models::to_seconds(step.start), kSecondDecimals)},
                     {"end_s", rounded(models::to_seconds(step.end), kSecondDecimals)},
                     {"egress", classes_json(step_charge)}});
    if (step.traffic.replication.size() != facts.regions.size()) continue;
    for (std::size_t a = 0; a < facts.regions.size(); ++a) {
      for (std::size_t b = 0; b < facts.regions.size(); ++b) {
        during.replication[a][b] += step.traffic.replication[a][b];
        during.client[a][b] += step.traffic.client[a][b];
      }
    }
  }
  const models::cost::DualRunning dual = models::cost::dual_running(timeline, start_s, end_s);
  const double dual_hours = dual.extra_node_seconds / models::cost::kSecondsPerHour;
  return {{"start_s", rounded(start_s, kSecondDecimals)},
          {"end_s", rounded(end_s, kSecondDecimals)},
          {"egress", classes_json(charge(facts, during))},
          {"steps", std::move(steps)},
          {"dual_running",
           {{"baseline_nodes", dual.baseline_nodes},
            {"peak_nodes", dual.peak_nodes},
            {"node_hours", rounded(dual_hours, kNodeHourDecimals)},
            {"usd",
             rounded(times(facts.cost.prices.instance_usd_per_hour, dual_hours), kUsdDecimals)}}}};
}

// The sum of the figures, or null when one of them is unknown.
json sum_or_null(const std::vector<const json*>& parts) {
  double total = 0;
  for (const json* part : parts) {
    if (!part->is_number()) return nullptr;
    total += part->get<double>();
  }
  return rounded(total, kUsdDecimals);
}

std::string dollars(const json& value) {
  if (!value.is_number()) return "n/a";
  char text[48];
  std::snprintf(text, sizeof text, "$%.6f", value.get<double>());
  return text;
}

}  // namespace

json cost_section(const RunFacts& facts) {
  const models::cost::NodeTimeline timeline = billing_timeline(facts);
  json cost = {{"egress", egress_json(facts)},
               {"instances", instances_json(facts, timeline)},
               {"storage", storage_json(facts, timeline)},
               {"migration", migration_json(facts, timeline)}};
  cost["total_usd"] = sum_or_null(
      {&cost["egress"]["total"]["usd"], &cost["instances"]["usd"], &cost["storage"]["usd"]});
  return cost;
}

std::string render_cost_summary(const json& report) {
  const json& cost = report.at("cost");
  const json& egress = cost.at("egress").at("total");
  std::string line = "cost: egress " + dollars(egress.at("usd")) + " (" +
                     std::to_string(egress.at("bytes").get<std::uint64_t>()) +
                     " bytes between regions";
  if (egress.at("unpriced_bytes").get<std::uint64_t>() > 0) {
    line += ", " + std::to_string(egress.at("unpriced_bytes").get<std::uint64_t>()) +
            " of them unpriced";
  }
  line += "), instances " + dollars(cost.at("instances").at("usd")) + ", storage " +
          dollars(cost.at("storage").at("usd"));
  const json& migration = cost.at("migration");
  if (migration.is_object()) {
    line += ", dual running " + dollars(migration.at("dual_running").at("usd"));
  }
  return line + ", total " + dollars(cost.at("total_usd")) + "\n";
}

}  // namespace cutover::analysis
