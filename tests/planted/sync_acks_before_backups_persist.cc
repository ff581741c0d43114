// A planted bug for `cutover explore` to find, linked only into the test executable
// cutover_planted_sync_ack (never into the cutover binary): a primary-backup cluster configured
// for `sync` acknowledges each write as soon as the primary alone has it durable, before any
// backup persists it. The scenario (and so the report's data_loss.zero_loss_promised) still
// says sync, so any failover that promotes a backup which had not yet received the last
// acknowledged writes loses them: the loss the configuration promised never happens.
//
// Everything else is the real cutover: this file only replaces the seam that make_protocol
// asks first (sim/node/protocol_config.h).
#include "models/replication/primary_backup/primary_backup.h"
#include "sim/node/protocol_config.h"

namespace cutover::sim {

std::unique_ptr<models::Protocol> testing_planted_protocol(const Scenario& scenario,
                                                           models::NodeId self) {
  const bool sync_primary_backup = scenario.protocol.type == ProtocolType::kPrimaryBackup &&
                                   scenario.protocol.primary_backup.ack == AckMode::kSync;
  if (!sync_primary_backup) return nullptr;
  models::primary_backup::Config config = primary_backup_config(scenario, self);
  config.ack_mode = models::primary_backup::AckMode::kAsync;  // the bug
  return std::make_unique<models::primary_backup::PrimaryBackup>(std::move(config));
}

}  // namespace cutover::sim
