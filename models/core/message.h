// Everything that crosses the simulated network: client operations, their replies and the
// protocol messages of every replication protocol, as one std::variant.
//
// size_bytes() is the number of bytes the network model charges for a message (header plus
// payload); the simulator turns it into transfer time over the route's bandwidth.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "models/core/types.h"

namespace cutover::models {

enum class OpKind : std::uint8_t { kRead, kWrite };

// One replicated write. The version is assigned by the primary that accepted it.
struct LogEntry {
  Version version;
  Key key = 0;
  std::uint32_t value_bytes = 0;
  RequestId request;       // the client operation this entry carries
  TimePoint created_at{};  // when the primary appended it (for lag in time)
};

struct ClientRequest {
  RequestId id;
  OpKind kind = OpKind::kRead;
  Key key = 0;
  std::uint32_t value_bytes = 0;  // writes only
  // Reads only: any replica may answer from its own (possibly stale) state. Without it, only
  // the primary answers.
  bool allow_backup_read = false;
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
};

// Backup -> primary. On success `match_index` is durable on the backup. On a log mismatch,
// `match_index` is the highest index the primary may retry from (the backup's hint).
struct AppendResponse {
  Epoch epoch;
  bool success = false;
  LogIndex match_index;
};

// Candidate -> replicas. With pre_vote the epoch is the one the candidate *would* use and no
// voter changes state: a candidate cut off from the majority cannot inflate epochs.
struct VoteRequest {
  Epoch epoch;
  LogIndex last_index;
  Epoch last_epoch;
  bool pre_vote = false;
};

struct VoteResponse {
  Epoch epoch;
  bool granted = false;
  bool pre_vote = false;
};

using Message = std::variant<AppendEntries, AppendResponse, VoteRequest, VoteResponse>;

constexpr std::uint32_t kMessageHeaderBytes = 64;
constexpr std::uint32_t kEntryOverheadBytes = 48;

std::uint64_t size_bytes(const Message& message);
std::uint64_t size_bytes(const ClientRequest& request);
std::uint64_t size_bytes(const ClientReply& reply);

}  // namespace cutover::models
