#include "models/kv/kv_state_machine.h"

#include <string>

#include "models/core/check.h"

namespace cutover::models {

void KvStateMachine::apply(const LogEntry& entry) {
  CUTOVER_CHECK(entry.version.index.value == applied_index_.value + 1,
                "apply out of order: got " + std::to_string(entry.version.index.value) +
                    " after " + std::to_string(applied_index_.value));
  versions_[entry.key] = entry.version;
  applied_index_ = entry.version.index;
}

std::optional<Version> KvStateMachine::read(Key key) const {
  auto it = versions_.find(key);
  if (it == versions_.end()) return std::nullopt;
  return it->second;
}

void KvStateMachine::reset() {
  versions_.clear();
  applied_index_ = LogIndex(0);
}

}  // namespace cutover::models
