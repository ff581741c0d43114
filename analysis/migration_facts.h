// What the migration orchestrator did, for the report: each step with its start, end and
// outcome, the guard that fired (if one did), and whether the plan completed or rolled back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/core/types.h"

namespace cutover::analysis {

// Bytes put on the wire between regions, by class: [from region][to region], cumulative.
struct TrafficMatrix {
  std::vector<std::vector<std::uint64_t>> replication;  // node to node
  std::vector<std::vector<std::uint64_t>> client;       // client to node and back
  void resize(std::size_t regions) {
    replication.assign(regions, std::vector<std::uint64_t>(regions, 0));
    client.assign(regions, std::vector<std::uint64_t>(regions, 0));
  }
  // What was sent between `before` and this one (both cumulative, same size).
  TrafficMatrix minus(const TrafficMatrix& before) const {
    TrafficMatrix delta = *this;
    for (std::size_t a = 0; a < delta.replication.size(); ++a) {
      for (std::size_t b = 0; b < delta.replication.size(); ++b) {
        delta.replication[a][b] -= before.replication[a][b];
        delta.client[a][b] -= before.client[a][b];
      }
    }
    return delta;
  }
};

struct StepRecord {
  std::string name;
  std::string type;       // the scenario's step type, e.g. "transfer_leadership"
  bool rollback = false;  // a step of the rollback plan
  models::TimePoint start{};
  models::TimePoint end{};
  bool ok = true;                 // false: timed out, or cut short by a guard
  std::string detail;             // what it did or why it failed, one line
  bool moves_leadership = false;  // a planned cutover: counts for cutover_unavailable_ms
  TrafficMatrix traffic;          // sent while the step ran
};

struct GuardFiring {
  std::string guard;
  std::string step;  // the step it interrupted
  models::TimePoint at{};
  double value = 0;  // the metric's value when it fired
  double limit = 0;
};

// A replica joining the cluster (billed from then on) or leaving it (billed no more). `at` is
// the start of the step that added it (the operator provisions the host when the step starts)
// or the moment its removal took effect.
struct MembershipRecord {
  models::TimePoint at{};
  models::NodeId node;
  bool joined = true;
};

struct MigrationFacts {
  bool planned = false;
  std::vector<StepRecord> steps;
  std::optional<GuardFiring> guard_fired;
  bool completed = false;    // every step of the plan succeeded
  bool rolled_back = false;  // the rollback plan ran (after a guard or a failed step)
  std::vector<MembershipRecord> membership;  // in time order
};

}  // namespace cutover::analysis
