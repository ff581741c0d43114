// Everything that crosses the simulated network: client operations, their replies and the
// protocol messages of every replication protocol, as one std::variant.
//
// size_bytes() is the number of bytes the network model charges for a message (header plus
// payload); the simulator turns it into transfer time over the route's bandwidth.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "models/core/dedup_table.h"
#include "models/core/types.h"

namespace cutover::models {

enum class OpKind : std::uint8_t { kRead, kWrite };

// The members of a replication group (Raft). Both lists ascending and disjoint. Voters elect
// and count for commit; learners only receive the log.
struct Membership {
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;
  bool is_voter(NodeId node) const;
  bool is_learner(NodeId node) const;
  bool is_member(NodeId node) const { return is_voter(node) || is_learner(node); }
  std::size_t majority() const { return voters.size() / 2 + 1; }
  bool operator==(const Membership&) const = default;
};

enum class EntryKind : std::uint8_t {
  kNormal,  // a client write (key, value_bytes, request)
  kNoOp,    // a new Raft leader's first entry: commits the earlier terms' entries (§5.4.2)
  kConfig,  // a Raft membership change; `membership` holds the new configuration
};

// One replicated log entry. The version is assigned by the primary that accepted it. Kept
// small and cheap to copy: the rare configuration is shared, not copied.
struct LogEntry {
  Version version;
  Key key = 0;
  std::uint32_t value_bytes = 0;
  RequestId request;       // the client operation this entry carries
  TimePoint created_at{};  // when the primary appended it (for lag in time)
  EntryKind kind = EntryKind::kNormal;
  std::shared_ptr<const Membership> membership;  // kConfig only
};

// One key of a state-machine snapshot.
struct KvCell {
  Key key = 0;
  Version version;  // of the last write applied to the key
  std::uint32_t value_bytes = 0;
  bool operator==(const KvCell&) const = default;
};

// A snapshot of the replicated state through `last_index` (Raft §7): what replaces the log
// prefix it covers. Immutable once built and shared by pointer, so sending it or keeping it in
// storage copies nothing.
struct Snapshot {
  LogIndex last_index;
  Epoch last_epoch;
  Membership membership;      // the configuration in force at last_index
  std::vector<KvCell> cells;  // ascending by key
  DedupTable recent_writes;   // shares its chunks with the state it was taken from
  // What it weighs on the wire: every key with its value.
  std::uint64_t size_bytes() const;
};

struct ClientRequest {
  RequestId id;
  OpKind kind = OpKind::kRead;
  Key key = 0;
  std::uint32_t value_bytes = 0;  // writes only
  // Reads only: any replica may answer from its own (possibly stale) state. Without it, only
  // the primary answers.
  bool allow_backup_read = false;
  // Entered through a load balancer: a replica that cannot serve it passes it on to the
  // primary it knows of (once), which answers the client directly. Protocols never see it;
  // the simulator's node driver does the forwarding.
  bool forward_to_primary = false;
};

enum class ReplyStatus : std::uint8_t {
  kOk,
  kNotPrimary,   // this replica cannot take writes; primary_hint says who may
  kUnavailable,  // primary without the acknowledgements its mode requires (stepped down)
};

struct ClientReply {
  RequestId id;
  ReplyStatus status = ReplyStatus::kOk;
  Version version;                     // write: version assigned; read: version observed
  std::optional<NodeId> primary_hint;  // set with kNotPrimary when known
  std::uint32_t value_bytes = 0;       // read payload size, for the network model
};

// --- primary-backup -------------------------------------------------------------------------

// Primary -> backup: entries after (prev_index, prev_epoch), plus the primary's commit index.
// An Append with no entries is the heartbeat.
struct AppendEntries {
  Epoch epoch;
  LogIndex prev_index;
  Epoch prev_epoch;
  LogIndex commit_index;
  std::vector<LogEntry> entries;
  // Raft: the leader's heartbeat round when sent, echoed in the response. A round answered by
  // a quorum confirms leadership (ReadIndex, lease, CheckQuorum).
  std::uint64_t round = 0;
};

// Backup -> primary. On success `match_index` is durable on the backup. On a log mismatch,
// `match_index` is the highest index the primary may retry from (the backup's hint).
struct AppendResponse {
  Epoch epoch;
  bool success = false;
  LogIndex match_index;
  // Raft, on a mismatch: the term of the follower's conflicting entry (0 if its log is too
  // short); match_index is then just below that term's first entry.
  Epoch conflict_epoch;
  std::uint64_t round = 0;  // Raft: the round of the append this answers
};

// Candidate -> replicas. With pre_vote the epoch is the one the candidate *would* use and no
// voter changes state: a candidate cut off from the majority cannot inflate epochs.
struct VoteRequest {
  Epoch epoch;
  LogIndex last_index;
  Epoch last_epoch;
  bool pre_vote = false;
  // Raft leadership transfer (thesis §3.10): voters ignore their leader stickiness.
  bool transfer = false;
};

struct VoteResponse {
  Epoch epoch;
  bool granted = false;
  bool pre_vote = false;
};

// --- Raft only ------------------------------------------------------------------------------

// Leader -> transfer target (thesis §3.10): start an election now, skipping pre-vote.
struct TimeoutNow {
  Epoch epoch;
};

// Leader -> follower that needs entries the leader has compacted away (§7).
struct InstallSnapshot {
  Epoch epoch;
  std::shared_ptr<const Snapshot> snapshot;
};

// Follower -> leader once the snapshot is durable: its log now matches through last_index.
struct InstallSnapshotResponse {
  Epoch epoch;
  LogIndex last_index;
};

using Message = std::variant<AppendEntries, AppendResponse, VoteRequest, VoteResponse, TimeoutNow,
                             InstallSnapshot, InstallSnapshotResponse>;

constexpr std::uint32_t kMessageHeaderBytes = 64;
constexpr std::uint32_t kEntryOverheadBytes = 48;
constexpr std::uint32_t kSnapshotCellOverheadBytes = 24;  // key + version per snapshot cell

std::uint64_t size_bytes(const Message& message);
std::uint64_t size_bytes(const ClientRequest& request);
std::uint64_t size_bytes(const ClientReply& reply);

}  // namespace cutover::models
