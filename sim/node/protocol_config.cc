#include "sim/node/protocol_config.h"

#include <algorithm>

#include "models/core/check.h"
#include "models/replication/primary_backup/primary_backup.h"
#include "models/replication/raft/raft.h"

namespace cutover::sim {
namespace {

models::NodeId node_named(const Scenario& scenario, const std::string& name) {
  const std::vector<std::string> names = replica_names(scenario.topology);
  const auto it = std::find(names.begin(), names.end(), name);
  CUTOVER_CHECK(it != names.end(), "unknown replica " + name + " (the loader should refuse it)");
  return models::NodeId(static_cast<std::uint32_t>(it - names.begin()));
}

std::vector<models::NodeId> nodes_named(const Scenario& scenario,
                                        const std::vector<std::string>& names) {
  std::vector<models::NodeId> ids;
  for (const std::string& name : names) ids.push_back(node_named(scenario, name));
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

models::primary_backup::Config primary_backup_config(const Scenario& scenario,
                                                     models::NodeId self) {
  namespace pb = models::primary_backup;
  const PrimaryBackupSettings& settings = scenario.protocol.primary_backup;
  pb::Config config{
      .self = self,
      .replicas = {},
      .initial_primary = *initial_primary(scenario),
      .ack_mode = settings.ack == AckMode::kAsync      ? pb::AckMode::kAsync
                  : settings.ack == AckMode::kSemiSync ? pb::AckMode::kSemiSync
                                                       : pb::AckMode::kSync,
      .semi_sync_acks = settings.semi_sync_acks,
      .heartbeat_interval = models::from_ms(settings.heartbeat_interval_ms),
      .failover_timeout = models::from_ms(settings.failover_timeout_ms),
      .automatic_failover = settings.failover_mode == FailoverMode::kAutomatic,
      .max_entries_per_append = 256,
      .max_inflight_appends = 32,
  };
  const std::size_t replicas = replica_names(scenario.topology).size();
  for (std::uint32_t i = 0; i < replicas; ++i) config.replicas.push_back(models::NodeId(i));
  return config;
}

namespace {

std::unique_ptr<models::Protocol> make_primary_backup(const Scenario& scenario,
                                                      models::NodeId self) {
  return std::make_unique<models::primary_backup::PrimaryBackup>(
      primary_backup_config(scenario, self));
}

std::unique_ptr<models::Protocol> make_raft(const Scenario& scenario, models::NodeId self) {
  namespace raft = models::raft;
  const RaftSettings& settings = scenario.protocol.raft;
  raft::Config config{
      .self = self,
      .voters = nodes_named(scenario, settings.voters),
      .learners = nodes_named(scenario, settings.learners),
      .election_timeout_min = models::from_ms(settings.election_timeout_min_ms),
      .election_timeout_max = models::from_ms(settings.election_timeout_max_ms),
      .heartbeat_interval = models::from_ms(settings.heartbeat_interval_ms),
      .pre_vote = settings.pre_vote,
      .check_quorum = settings.check_quorum,
      .max_inflight_appends = settings.max_inflight_appends,
      .max_entries_per_append = settings.max_entries_per_append,
      .snapshot_threshold_entries = settings.snapshot_threshold_entries,
      .read_mode = settings.read_mode == RaftReadMode::kLease         ? raft::ReadMode::kLease
                   : settings.read_mode == RaftReadMode::kUnsafeLocal ? raft::ReadMode::kUnsafeLocal
                                                                      : raft::ReadMode::kReadIndex,
      .max_clock_drift = settings.max_clock_drift,
      .campaign_at_start =
          settings.initial_leader && node_named(scenario, *settings.initial_leader) == self,
      .deduplicate_writes = settings.deduplicate_writes,
  };
  return std::make_unique<raft::Raft>(std::move(config));
}

}  // namespace

std::optional<models::NodeId> initial_primary(const Scenario& scenario) {
  if (scenario.protocol.type == ProtocolType::kRaft) {
    if (!scenario.protocol.raft.initial_leader) return std::nullopt;
    return node_named(scenario, *scenario.protocol.raft.initial_leader);
  }
  std::uint32_t first = 0;
  for (const Region& region : scenario.topology.regions) {
    if (region.name == scenario.protocol.primary_backup.primary_region) {
      return models::NodeId(first);
    }
    first += region.nodes;
  }
  CUTOVER_CHECK(false, "primary region not in topology (the loader should have refused it)");
  return std::nullopt;
}

std::unique_ptr<models::Protocol> make_protocol(const Scenario& scenario, models::NodeId self) {
  if (auto planted = testing_planted_protocol(scenario, self)) return planted;
  switch (scenario.protocol.type) {
    case ProtocolType::kPrimaryBackup:
      return make_primary_backup(scenario, self);
    case ProtocolType::kRaft:
      return make_raft(scenario, self);
  }
  return nullptr;
}

}  // namespace cutover::sim
