// The production definition of the planted-bug seam (see protocol_config.h): no planted bug.
// This file must define nothing else, so a test executable can link its own definition.
#include "sim/node/protocol_config.h"

namespace cutover::sim {

std::unique_ptr<models::Protocol> testing_planted_protocol(const Scenario& /*scenario*/,
                                                           models::NodeId /*self*/) {
  return nullptr;
}

}  // namespace cutover::sim
