// What a run leaves behind for analysis: the client-observed history of operations, the
// failovers, the fault windows, the replication-lag samples, the surviving primary's log, the
// primaries' acknowledgements and every replica's final state. Recorded by the simulator; read by
// checkers and the report. Analysis never sees protocol objects, only these values.
//
// Recording contract for the consistency checkers (analysis/checkers/*), field by field below:
// every field added for them is cheap to record (one value per operation or acknowledgement, one
// summary per replica at the end of the run) and may stay empty, in which case the checkers that
// need it report nothing found (split brain, duplicates) or null (reconciliation).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/cost_facts.h"
#include "analysis/migration_facts.h"
#include "analysis/packed_log.h"
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
  kRejected,  // refused before reaching the database (read-only flag): policy, not an error
};

// The identity of one logical client write, the same on every attempt (retry or redirect) of it:
// the RequestId of its first attempt. A protocol that deduplicates by request id applies it at
// most once; the simulator already carries it in models::LogEntry::request.
using WriteId = models::RequestId;

// One client operation, recorded once when it completes (ack, error or timeout).
//
// Field order is part of the recording contract: the simulator builds these with designated
// initializers, so new fields are appended.
struct Operation {
  std::uint32_t client_region = 0;  // index into RunFacts::regions
  OpKind kind = OpKind::kRead;
  Key key = 0;
  TimePoint invoked_at{};
  TimePoint completed_at{};  // ack, error or timeout instant
  OpOutcome outcome = OpOutcome::kTimedOut;
  // kOk write: the version the primary assigned (from the ClientReply).
  // kOk read: the version returned; Version{} means the key had never been written.
  // kTimedOut write: the version the primary assigned if the simulator learned it (a reply
  //   arriving after the timeout, or a log entry carrying write_id found at the end of the run),
  //   else Version{} (unknown). A known version lets the linearizability checker tie a read of it
  //   to this write; an unknown one is matched against any version no other write produced.
  // kFailed, kTimedOut read: Version{} (nothing was returned).
  Version version;
  // The client endpoint that issued it (RequestId::client of its requests).
  models::ClientId client;
  // The client's session: session guarantees (read-your-writes, monotonic reads) hold within
  // one (client, session). A client that never reconnects keeps session 0.
  std::uint64_t session = 0;
  // RequestId::sequence of the attempt that produced this outcome.
  std::uint64_t request_sequence = 0;
  // The replica whose reply decided the outcome (after redirects); nullopt on a timeout with no
  // reply. For a kOk read from a backup, the backup.
  std::optional<NodeId> node;
  // Writes only: the logical write's identity (see WriteId); nullopt for reads.
  std::optional<WriteId> write_id;
};

// How an Operation is stored in RunFacts::operations (see analysis/packed_log.h). Fields that
// are usually equal to another are stored as differences (zero, so no bits, in a chunk where they
// always agree): the session of an open-loop operation is its request sequence, and a write's
// write_id is its own client and request sequence. Differences wrap modulo 2^64, so any value
// round-trips.
struct OperationCodec {
  using Record = Operation;
  static constexpr std::size_t kFields = 15;
  static std::array<std::uint64_t, kFields> fields(const Operation& op) {
    const std::uint64_t sequence = op.request_sequence;
    const auto count = models::to_microseconds;
    return {count(op.completed_at),
            count(op.completed_at) - count(op.invoked_at),
            op.key,
            op.version.epoch.value,
            op.version.index.value,
            op.client.value,
            op.session - sequence,
            sequence,
            op.node ? std::uint64_t{op.node->value} + 1 : 0,
            op.client_region,
            static_cast<std::uint64_t>(op.kind),
            static_cast<std::uint64_t>(op.outcome),
            op.write_id ? 1u : 0u,
            op.write_id ? std::uint64_t{op.write_id->client.value} - op.client.value : 0,
            op.write_id ? sequence - op.write_id->sequence : 0};
  }
  static Operation record(const std::array<std::uint64_t, kFields>& f) {
    const auto time = models::time_at_microseconds;
    Operation op;
    op.completed_at = time(f[0]);
    op.invoked_at = time(f[0] - f[1]);
    op.key = f[2];
    op.version = Version{models::Epoch(f[3]), models::LogIndex(f[4])};
    op.client = models::ClientId(static_cast<std::uint32_t>(f[5]));
    op.request_sequence = f[7];
    op.session = f[6] + f[7];
    if (f[8] != 0) op.node = NodeId(static_cast<std::uint32_t>(f[8] - 1));
    op.client_region = static_cast<std::uint32_t>(f[9]);
    op.kind = static_cast<OpKind>(f[10]);
    op.outcome = static_cast<OpOutcome>(f[11]);
    if (f[12] != 0) {
      op.write_id =
          WriteId{models::ClientId(static_cast<std::uint32_t>(f[13] + f[5])), f[7] - f[14]};
    }
    return op;
  }
};
using OperationLog = PackedLog<OperationCodec>;

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

// A named window of the run ("steady", "cutover", "after"), half-open [start, end): the stale-read
// checker breaks its figures down by the phase in which a read was invoked. Phases may overlap.
// Recorded from the scenario; empty when it names none.
struct Phase {
  std::string name;
  TimePoint start{};
  TimePoint end{};
};

// One acknowledgement sent by a node acting as primary/leader: recorded when a node sends a
// ClientReply with status kOk for a request it served as primary (not a read served from a backup
// under allow_backup_read). `at` is the send instant, `epoch` the node's own epoch (term) at that
// instant, `kind` the request's kind. Appended in time order; the split-brain checker groups
// them by (node, epoch). Writes are enough for split brain; reads may be recorded too.
struct AckRecord {
  TimePoint at{};
  NodeId node;
  models::Epoch epoch;
  OpKind kind = OpKind::kWrite;
  // When the primary took the request in. Split brain is two primaries accepting writes at
  // once; a primary that was frozen (a GC pause) and acknowledges, when it wakes, writes it
  // had accepted and replicated before the failover is late, not split.
  TimePoint accepted_at{};
};

// How an AckRecord is stored in RunFacts::acks: accepted_at as its distance before `at`.
struct AckCodec {
  using Record = AckRecord;
  static constexpr std::size_t kFields = 5;
  static std::array<std::uint64_t, kFields> fields(const AckRecord& ack) {
    const auto count = models::to_microseconds;
    return {count(ack.at), ack.node.value, ack.epoch.value, static_cast<std::uint64_t>(ack.kind),
            count(ack.at) - count(ack.accepted_at)};
  }
  static AckRecord record(const std::array<std::uint64_t, kFields>& f) {
    const auto time = models::time_at_microseconds;
    return AckRecord{.at = time(f[0]),
                     .node = NodeId(static_cast<std::uint32_t>(f[1])),
                     .epoch = models::Epoch(f[2]),
                     .kind = static_cast<OpKind>(f[3]),
                     .accepted_at = time(f[0] - f[4])};
  }
};
using AckLog = PackedLog<AckCodec>;

// How many times a replica applied one logical write to its state machine.
struct AppliedWrite {
  WriteId write_id;
  std::uint32_t count = 0;  // >= 1
  auto operator<=>(const AppliedWrite&) const = default;
};

// One replica's state at the end of the run, for reconciliation and duplicate detection.
// Recorded once per replica when the run ends (for every replica that is up then; a crashed one
// may be listed with the state it crashed with).
struct ReplicaState {
  NodeId node;
  // The key-value state the replica's state machine holds: one cell per key ever written,
  // (key, version of the last write applied, its value_bytes), ascending by key.
  std::vector<models::KvCell> cells;
  // Per logical write (LogEntry::request of each kNormal entry applied), how many times the
  // replica applied it, ascending by write_id. Recorded by counting at each apply. Listing only
  // the write ids applied more than once is enough (the minimal form): count 1 is never a
  // finding.
  std::vector<AppliedWrite> applied_writes;
};

// Clients reaching the primary through DNS: the record's changes, and per workload the
// requests sent to a node the record no longer named (a stale cache).
struct DnsUpdate {
  TimePoint at{};
  NodeId target;
};
struct DnsRouting {
  std::uint32_t workload = 0;  // index in the scenario's workload list
  double ttl_s = 0;
  std::uint64_t requests = 0;
  std::uint64_t stale_requests = 0;
  std::optional<TimePoint> last_stale_at;
};

// What the replication configuration promises about acknowledged writes, for the loss bound.
struct LossGuarantee {
  // True: no acknowledged write is ever lost while at most `failures_tolerated` replicas are
  // down at once (sync, semi-sync with k + majority > replicas, Raft). False: async-like, the
  // bound is write rate x lag of the promoted replica at the failure.
  bool zero_loss = false;
  std::uint32_t failures_tolerated = 0;
};

struct RunFacts {
  std::string scenario;
  std::uint64_t seed = 0;
  double simulated_s = 0;
  std::vector<std::string> regions;   // index = Operation::client_region
  std::vector<std::string> replicas;  // index = NodeId value
  // The region of each replica (index = NodeId value, value = index into `regions`). Used by the
  // split-brain checker to tell acknowledgements in two regions apart; may be empty.
  std::vector<std::uint32_t> replica_regions;
  OperationLog operations;  // in completion order when recorded by the simulator
  std::vector<FailoverRecord> failovers;
  std::vector<ElectionRecord> elections;
  MigrationFacts migration;
  TrafficMatrix traffic;  // the whole run
  LossGuarantee guarantee;
  std::vector<DnsUpdate> dns_updates;
  std::vector<DnsRouting> dns_routing;
  std::vector<FaultWindow> faults;
  LagSeries lag;
  FinalState final_state;
  std::vector<Phase> phases;                 // in scenario order
  AckLog acks;                               // in time order
  std::vector<ReplicaState> replica_states;  // ascending by node
  CostFacts cost;                            // prices and billing, for the cost section
};

}  // namespace cutover::analysis
