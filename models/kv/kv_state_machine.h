// The replicated key-value state: key -> version of the last write applied to it.
//
// Values are modelled by size only (the network charges for them); what a read observes is
// the version, which is all that consistency and data-loss checks need. Apply is
// deterministic; the state can be rebuilt from any log prefix.
#pragma once

#include <optional>
#include <unordered_map>

#include "models/core/message.h"
#include "models/core/types.h"

namespace cutover::models {

class KvStateMachine {
 public:
  // REQUIRES: entry.version.index == applied_index() + 1
  void apply(const LogEntry& entry);
  std::optional<Version> read(Key key) const;
  LogIndex applied_index() const { return applied_index_; }
  void reset();

 private:
  std::unordered_map<Key, Version> versions_;  // never iterated, so order cannot leak
  LogIndex applied_index_;
};

}  // namespace cutover::models
