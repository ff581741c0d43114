// What a run leaves behind for analysis: the client-observed history of operations, the
// failovers, the fault windows, the replication-lag samples and the surviving primary's log.
// Recorded by the simulator; read by checkers and the report. Analysis never sees protocol
// objects, only these values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/core/message.h"
#include "models/core/types.h"

namespace cutover::analysis {

using models::Key;
using models::NodeId;
using models::OpKind;
using models::TimePoint;
using models::Version;

enum class OpOutcome : std::uint8_t {
  kOk,        // acknowledged to the client
  kFailed,    // the system answered with an error (not primary, unavailable, unreachable)
  kTimedOut,  // no answer within the client timeout: the effect is unknown
};

struct Operation {
  std::uint32_t client_region = 0;  // index into RunFacts::regions
  OpKind kind = OpKind::kRead;
  Key key = 0;
  TimePoint invoked_at{};
  TimePoint completed_at{};  // ack, error or timeout instant
  OpOutcome outcome = OpOutcome::kTimedOut;
  Version version;  // write: version assigned by the primary; read: version returned
};

struct FailoverRecord {
  TimePoint at{};
  std::optional<NodeId> from;  // previous primary, when the new one knew it
  NodeId to;
  models::Epoch epoch;
};

// One election: from the first candidacy after a leader took office to the next leader taking
// office. leader_lost_at is when the previous leader crashed or stepped down, if it did (an
// election can also start while the old leader lives, e.g. behind a partition).
struct ElectionRecord {
  TimePoint started_at{};
  TimePoint ended_at{};
  std::optional<TimePoint> leader_lost_at;
  models::Epoch term;  // the winner's
  NodeId winner;
  std::uint32_t candidacies = 0;  // real votes started (not pre-votes), all terms
};

struct FaultWindow {
  std::string description;  // e.g. "region_outage us-east-1"
  TimePoint start{};
  std::optional<TimePoint> end;
  bool disruptive = false;  // outages and partitions count for RTO; latency changes do not
};

// Replication lag sampled on a fixed grid: lag_ms[r][i] is replica r's lag at times[i].
struct LagSeries {
  std::vector<TimePoint> times;
  std::vector<std::vector<double>> lag_ms;
  std::vector<std::optional<NodeId>> primary;  // who was primary at times[i]
};

// The log of the node whose state survives the run (the live primary of the highest epoch).
struct FinalState {
  std::optional<NodeId> survivor;               // nullopt: no live replica at the end
  std::vector<models::LogEntry> surviving_log;  // after the snapshot, if the log was compacted
  // The compacted prefix (Raft snapshots): entries through snapshot_index are summarized by
  // the state they left, the last version written to each key.
  models::LogIndex snapshot_index;
  std::vector<models::KvCell> snapshot_cells;  // ascending by key
};

struct RunFacts {
  std::string scenario;
  std::uint64_t seed = 0;
  double simulated_s = 0;
  std::vector<std::string> regions;   // index = Operation::client_region
  std::vector<std::string> replicas;  // index = NodeId value
  std::vector<Operation> operations;
  std::vector<FailoverRecord> failovers;
  std::vector<ElectionRecord> elections;
  std::vector<FaultWindow> faults;
  LagSeries lag;
  FinalState final_state;
};

}  // namespace cutover::analysis
