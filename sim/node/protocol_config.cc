#include "sim/node/protocol_config.h"

#include "models/core/check.h"
#include "models/replication/primary_backup/primary_backup.h"

namespace cutover::sim {

models::NodeId initial_primary(const Scenario& scenario) {
  std::uint32_t first = 0;
  for (const Region& region : scenario.topology.regions) {
    if (region.name == scenario.protocol.primary_backup.primary_region) {
      return models::NodeId(first);
    }
    first += region.nodes;
  }
  CUTOVER_CHECK(false, "primary region not in topology (the loader should have refused it)");
  return models::NodeId(0);
}

std::unique_ptr<models::Protocol> make_protocol(const Scenario& scenario, models::NodeId self) {
  namespace pb = models::primary_backup;
  const PrimaryBackupSettings& settings = scenario.protocol.primary_backup;
  pb::Config config{
      .self = self,
      .replicas = {},
      .initial_primary = initial_primary(scenario),
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
  return std::make_unique<pb::PrimaryBackup>(std::move(config));
}

}  // namespace cutover::sim
