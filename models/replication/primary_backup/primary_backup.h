// Primary-backup replication with a configurable acknowledgement rule and automatic or
// scripted failover: the protocol of MySQL/PostgreSQL-style async and semi-sync replication,
// as a sans-IO state machine.
//
// Replication. The primary appends each client write to its log, makes it durable and
// streams it to every backup (pipelined, at most max_inflight_appends per backup, probing one
// append per heartbeat when a backup stops answering). A backup accepts entries only after a
// (prev_index, prev_epoch) match, truncates a divergent suffix, and acknowledges only what is
// durable. The primary acknowledges a write to its client when the write is committed:
//   async      durable on the primary;
//   semi_sync  durable on the primary and on k backups;
//   sync       durable on the primary and on every in-sync backup. A backup that has not
//              answered for failover_timeout leaves the in-sync set, but only while the primary
//              still hears from a majority (so an isolated primary cannot shrink its way to
//              committing alone); it rejoins once it has caught up to the commit index.
//
// Failover (automatic mode). A backup that hears no primary for failover_timeout (plus a
// random part of one heartbeat interval, so backups rarely collide) asks every replica
// whether it would vote (pre-vote, no state change), then runs the real vote in epoch + 1,
// persisting its epoch and votes before they count. A replica grants at most one vote per
// epoch, never while it still hears a live primary, and only to a candidate whose log is at
// least as up to date as its own: the winner holds every entry that a majority had. A
// primary that hears from no majority for failover_timeout steps down, so an isolated
// primary stops acknowledging writes. Scripted mode has no elections and no step-down: an
// operator's PromoteNow makes a node primary in its epoch + 1.
//
// Guarantee (checked as an invariant): sync, and semi_sync with (k + 1) + majority > replicas,
// never truncate a committed entry. Async may, and that is the data loss the simulator
// measures.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "models/kv/kv_state_machine.h"
#include "models/replication/client_writes.h"
#include "models/replication/durable_writes.h"
#include "models/replication/protocol.h"

namespace cutover::models::primary_backup {

enum class AckMode : std::uint8_t { kAsync, kSemiSync, kSync };

struct Config {
  NodeId self;
  std::vector<NodeId> replicas;  // every replica including self, ascending
  NodeId initial_primary;
  AckMode ack_mode = AckMode::kSemiSync;
  std::uint32_t semi_sync_acks = 1;  // k
  Duration heartbeat_interval = from_ms(50);
  Duration failover_timeout = from_ms(1000);
  bool automatic_failover = true;
  std::uint32_t max_entries_per_append = 256;
  std::uint32_t max_inflight_appends = 32;

  // Empty when the configuration is usable; otherwise what is wrong.
  std::string validate() const;
  std::size_t majority() const { return replicas.size() / 2 + 1; }
};

// Timer slots this protocol uses.
inline constexpr TimerId kHeartbeatTimer{1};  // primary: send appends, check quorum contact
inline constexpr TimerId kFailoverTimer{2};   // backup/candidate: no primary heard

class PrimaryBackup final : public Protocol {
 public:
  explicit PrimaryBackup(Config config);

  void on_start(Context& ctx) override;
  void on_message(NodeId from, const Message& message, Context& ctx) override;
  void on_timer(TimerId id, Context& ctx) override;
  void on_client_request(ClientId from, const ClientRequest& request, Context& ctx) override;
  void on_persisted(WriteToken token, Context& ctx) override;
  void on_admin(const AdminCommand& command, Context& ctx) override;
  NodeView view() const override;
  const KvStateMachine& applied_state() const override { return kv_; }
  void check_invariants(const Storage& storage) const override;

  // For tests: the primary's view of one backup.
  LogIndex testing_match_index(NodeId backup) const;
  bool testing_in_sync(NodeId backup) const;

 private:
  struct Progress {
    NodeId node;
    LogIndex next_index{1};
    LogIndex match_index;  // durable on the backup, confirmed in this epoch
    std::uint32_t inflight = 0;
    bool probing = true;  // true: one append per heartbeat until the backup answers
    TimePoint last_heard{};
    bool in_sync = true;
  };
  struct HeldRequest {  // a client request that came while the node was taking office
    ClientId client;
    ClientRequest request;
  };
  static constexpr std::size_t kMaxHeldRequests = 4096;

  // --- roles ---
  void become_primary(Context& ctx);
  void become_backup(Epoch epoch, std::optional<NodeId> primary, Context& ctx);
  void become_candidate(Context& ctx);

  // --- replication (primary) ---
  void on_heartbeat_timer(Context& ctx);
  void send_appends_to(Progress& progress, bool heartbeat, Context& ctx);
  void on_append_response(NodeId from, const AppendResponse& response, Context& ctx);
  void update_in_sync_set(Context& ctx);
  bool hears_majority(TimePoint now) const;
  void advance_commit(Context& ctx);
  LogIndex commit_candidate() const;
  void write_as_primary(ClientId from, const ClientRequest& request, Context& ctx);

  // --- replication (backup) ---
  void on_append_entries(NodeId from, const AppendEntries& append, Context& ctx);
  LogIndex conflict_hint(LogIndex prev_index, const Storage& storage) const;
  void append_after_match(NodeId from, const AppendEntries& append, Context& ctx);

  // --- failover ---
  void on_failover_timer(Context& ctx);
  void start_vote(bool pre_vote, Context& ctx);
  void on_vote_request(NodeId from, const VoteRequest& request, Context& ctx);
  void on_vote_response(NodeId from, const VoteResponse& response, Context& ctx);
  bool candidate_log_is_current(const VoteRequest& request, const Storage& storage) const;
  bool lease_holds(TimePoint now) const;
  bool should_yield_to(NodeId candidate, const VoteRequest& request, const Storage& storage) const;
  void arm_failover_timer(Context& ctx);

  // --- storage and apply ---
  void truncate_log_after(LogIndex keep_through, Context& ctx);
  void apply_committed(Context& ctx);
  void answer_held_requests(Context& ctx);
  void set_commit_index(LogIndex commit, Context& ctx);
  bool committed_entries_are_safe() const;
  Progress* progress_of(NodeId node);
  const Progress* progress_of(NodeId node) const;

  const Config config_;
  Role role_ = Role::kBackup;
  Epoch epoch_;
  std::optional<NodeId> known_primary_;
  std::optional<NodeId> last_known_primary_;  // survives losing contact: "from" of a failover
  TimePoint last_heard_primary_{};
  bool heard_primary_ = false;
  LogIndex commit_index_;
  DurableWrites durable_;  // what is fsynced; replies that wait for it
  PendingClientWrites pending_writes_;
  std::deque<HeldRequest> held_requests_;
  std::vector<Progress> progress_;  // primary only: one per backup, in replica order
  std::vector<NodeId> votes_;       // candidate only
  bool pre_voting_ = false;
  std::optional<std::uint64_t> promotion_sequence_;  // becoming primary once this is durable
  KvStateMachine kv_;
};

}  // namespace cutover::models::primary_backup
