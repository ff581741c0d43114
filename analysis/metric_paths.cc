#include "analysis/metric_paths.h"

namespace cutover::analysis {
namespace {

const std::vector<std::string> kOpKinds = {"write", "read"};
const std::vector<std::string> kLatencyStats = {"p50", "p90", "p99", "p999", "max", "mean"};
const std::vector<std::string> kCounters = {"attempted", "ok", "failed", "timed_out", "rejected"};
const std::vector<std::string> kLagStats = {"p50", "p99", "max"};
const std::vector<std::string> kStaleReadFigures = {"count", "max_staleness_ms"};

void add_consistency_paths(const std::vector<std::string>& regions,
                           const std::vector<std::string>& phases,
                           std::vector<std::string>& paths) {
  const std::string stale = "consistency.stale_reads.";
  for (const auto& figure : kStaleReadFigures) paths.push_back(stale + figure);
  for (const auto& region : regions) {
    for (const auto& figure : kStaleReadFigures) {
      paths.push_back(stale + "by_region." + region + "." + figure);
    }
  }
  for (const auto& phase : phases) {
    for (const auto& figure : kStaleReadFigures) {
      paths.push_back(stale + "by_phase." + phase + "." + figure);
    }
  }
  for (const char* path :
       {"linearizable_ok", "linearizability.checked_keys", "linearizability.violating_keys",
        "linearizability.unknown_keys", "read_your_writes_violations", "monotonic_read_violations",
        "split_brain.count", "split_brain.cross_region", "split_brain.deposed_acks",
        "duplicate_applications", "reconciliation.diverging_ranges",
        "reconciliation.diverging_keys", "reconciliation.replicas_compared"}) {
    paths.push_back(std::string("consistency.") + path);
  }
}

}  // namespace

std::vector<std::string> known_metric_paths(const std::vector<std::string>& regions,
                                            const std::vector<std::string>& replicas,
                                            const std::vector<std::string>& phases) {
  std::vector<std::string> paths;
  for (const auto& kind : kOpKinds) {
    for (const auto& counter : kCounters) paths.push_back("ops." + kind + "." + counter);
    for (const auto& stat : kLatencyStats) paths.push_back("latency_ms." + kind + "." + stat);
    for (const auto& region : regions) {
      for (const auto& stat : kLatencyStats) {
        paths.push_back("latency_ms.by_region." + region + "." + kind + "." + stat);
      }
    }
    paths.push_back("availability." + kind);
  }
  for (const auto& replica : replicas) {
    for (const auto& stat : kLagStats)
      paths.push_back("replication_lag_ms." + replica + "." + stat);
  }
  paths.push_back("data_loss.acknowledged_writes_lost");
  paths.push_back("data_loss.rpo_ms");
  paths.push_back("data_loss.bound_writes");
  paths.push_back("rto_ms");
  paths.push_back("failover_count");
  paths.push_back("end_of_run.has_primary");
  paths.push_back("end_of_run.lag_ms_max");
  paths.push_back("cutover_unavailable_ms");
  for (const char* traffic_class : {"replication", "client", "total"}) {
    paths.push_back(std::string("inter_region_bytes.") + traffic_class);
  }
  for (const char* cost_path :
       {"cost.total_usd", "cost.egress.total.usd", "cost.egress.total.bytes",
        "cost.egress.replication.usd", "cost.egress.replication.bytes", "cost.egress.client.usd",
        "cost.egress.client.bytes", "cost.instances.usd", "cost.storage.usd"}) {
    paths.push_back(cost_path);
  }
  paths.push_back("election_summary.count");
  for (const char* measure : {"duration_ms", "leaderless_ms"}) {
    for (const char* stat : {"p50", "p90", "p99", "max", "mean"}) {
      paths.push_back(std::string("election_summary.") + measure + "." + stat);
    }
  }
  add_consistency_paths(regions, phases, paths);
  return paths;
}

}  // namespace cutover::analysis
