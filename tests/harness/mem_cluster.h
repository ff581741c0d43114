// MemCluster: a deterministic in-memory cluster of PrimaryBackup nodes, for protocol tests that
// need several replicas but no SimGrid.
//
// Each node is a PrimaryBackup over its own RecordingContext. One simulated clock drives an
// event queue (ordered by time, then by insertion) of message deliveries, timer firings,
// fsync completions and scripted test actions. After every input the cluster moves the node's
// recorded outputs into the queue: a send is delivered after the link's one-way delay, a
// persist completes after the node's fsync delay, an armed timer fires at its deadline. Links
// can be cut per direction (a message is dropped if its link is cut when it is sent or when it
// arrives); a crashed node loses its unsynced writes, timers, pending persists and in-flight
// inbound messages, and restarts as a fresh object built from its storage.
//
// After every input it calls check_invariants on the node and checks two cluster-wide
// properties: no two live primaries share an epoch, and logs that agree on an entry's epoch
// agree on the whole prefix up to it (log matching). A violation throws InvariantViolation.
// Every message, client reply and trace event is kept with its time for assertions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "models/core/check.h"
#include "models/core/message.h"
#include "models/core/rng.h"
#include "models/core/storage.h"
#include "models/core/types.h"
#include "models/replication/primary_backup/primary_backup.h"
#include "models/replication/protocol.h"

#include "tests/harness/recording_context.h"

namespace cutover::models::testing {

struct MessageRecord {
  TimePoint sent_at;
  TimePoint delivered_at;  // when it arrives or would have arrived
  NodeId from;
  NodeId to;
  Message message;
  bool delivered = false;  // false: dropped (cut link or dead receiver) or still in flight
};

struct ReplyRecord {
  TimePoint at;
  NodeId node;  // the replica that answered
  ClientId client;
  ClientReply reply;
};

struct TraceRecord {
  TimePoint at;
  NodeId node;
  TraceEvent event;
};

class MemCluster {
 public:
  struct Options {
    std::size_t replicas = 3;
    // Template for every node: self and replicas are filled in per node.
    primary_backup::Config config;
    Duration delay = from_ms(10);  // one-way, every directed pair, until set_delay
    Duration fsync = from_ms(1);   // every node, until set_fsync
    std::uint64_t seed = 42;
  };

  explicit MemCluster(Options options) : options_(std::move(options)) {
    const std::size_t n = options_.replicas;
    std::vector<NodeId> ids;
    for (std::uint32_t i = 0; i < n; ++i) ids.emplace_back(i);
    const Rng root(options_.seed);
    for (std::uint32_t i = 0; i < n; ++i) {
      Node node;
      node.config = options_.config;
      node.config.self = NodeId(i);
      node.config.replicas = ids;
      Rng stream = root.fork("node/" + std::to_string(i));
      node.ctx = std::make_unique<RecordingContext>(stream.next_u64());
      node.fsync = options_.fsync;
      nodes_.push_back(std::move(node));
    }
    delay_.assign(n, std::vector<Duration>(n, options_.delay));
    cut_.assign(n, std::vector<bool>(n, false));
  }

  // --- topology and disks -----------------------------------------------------------------
  void set_delay(NodeId from, NodeId to, Duration one_way) {
    delay_[from.value][to.value] = one_way;
  }
  void set_link_delay(NodeId a, NodeId b, Duration one_way) {
    set_delay(a, b, one_way);
    set_delay(b, a, one_way);
  }
  void set_fsync(NodeId node, Duration fsync) { at(node).fsync = fsync; }
  void cut_one_way(NodeId from, NodeId to) { cut_[from.value][to.value] = true; }
  void cut(NodeId a, NodeId b) {
    cut_one_way(a, b);
    cut_one_way(b, a);
  }
  void heal(NodeId a, NodeId b) {
    cut_[a.value][b.value] = false;
    cut_[b.value][a.value] = false;
  }
  void isolate(NodeId node) {
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
      if (i != node.value) cut(node, NodeId(i));
    }
  }
  void heal_all() {
    for (auto& row : cut_) std::fill(row.begin(), row.end(), false);
  }

  // --- lifecycle --------------------------------------------------------------------------
  // Starts every node at the current time.
  void start() {
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) restart(NodeId(i));
  }
  // Power loss: unsynced writes vanish, the protocol object is discarded.
  void crash(NodeId id) {
    Node& node = at(id);
    CUTOVER_CHECK(node.protocol != nullptr, "crash of a node that is down");
    node.ctx->crash();
    node.protocol.reset();
    node.scheduled_timers.clear();
    ++node.incarnation;
  }
  // A fresh protocol object rebuilt from the node's storage.
  void restart(NodeId id) {
    Node& node = at(id);
    CUTOVER_CHECK(node.protocol == nullptr, "restart of a node that is up");
    node.protocol = std::make_unique<primary_backup::PrimaryBackup>(node.config);
    input(id, [](Protocol& p, RecordingContext& ctx) { p.on_start(ctx); });
  }
  bool is_up(NodeId id) const { return nodes_[id.value].protocol != nullptr; }

  // --- clients and operators --------------------------------------------------------------
  RequestId write(NodeId to, Key key, std::uint32_t value_bytes = 100) {
    const RequestId id = next_request();
    submit(to,
           ClientRequest{.id = id, .kind = OpKind::kWrite, .key = key, .value_bytes = value_bytes});
    return id;
  }
  RequestId read(NodeId to, Key key, bool allow_backup_read) {
    const RequestId id = next_request();
    submit(
        to,
        ClientRequest{
            .id = id, .kind = OpKind::kRead, .key = key, .allow_backup_read = allow_backup_read});
    return id;
  }
  void submit(NodeId to, const ClientRequest& request) {
    input(to, [&](Protocol& p, RecordingContext& ctx) {
      p.on_client_request(request.id.client, request, ctx);
    });
  }
  void admin(NodeId to, const AdminCommand& command) {
    input(to, [&](Protocol& p, RecordingContext& ctx) { p.on_admin(command, ctx); });
  }

  // --- time -------------------------------------------------------------------------------
  TimePoint now() const { return now_; }
  // Runs `action` when the clock reaches `when` (after events already queued for that time).
  void at_time(TimePoint when, std::function<void()> action) {
    CUTOVER_CHECK(when >= now_, "action scheduled in the past");
    queue_.emplace(when, Event{Action{std::move(action)}});
  }
  // Processes every event up to and including `until`, then sets the clock to `until`.
  void run_until(TimePoint until) {
    while (!queue_.empty() && queue_.begin()->first <= until) step();
    now_ = std::max(now_, until);
  }
  void run_for(Duration d) { run_until(now_ + d); }
  // Processes events until `done()` holds (checked after each event) or `deadline` passes.
  bool run_until_true(const std::function<bool()>& done, TimePoint deadline) {
    if (done()) return true;
    while (!queue_.empty() && queue_.begin()->first <= deadline) {
      step();
      if (done()) return true;
    }
    now_ = std::max(now_, deadline);
    return false;
  }

  // --- observation ------------------------------------------------------------------------
  primary_backup::PrimaryBackup& node(NodeId id) {
    Node& n = at(id);
    CUTOVER_CHECK(n.protocol != nullptr, "node is down");
    return *n.protocol;
  }
  NodeView view(NodeId id) const {
    const Node& n = nodes_[id.value];
    CUTOVER_CHECK(n.protocol != nullptr, "node is down");
    return n.protocol->view();
  }
  const Storage& storage(NodeId id) { return at(id).ctx->storage(); }
  std::vector<LogEntry> log(NodeId id) {
    auto entries = storage(id).entries_from(LogIndex(1));
    return {entries.begin(), entries.end()};
  }
  // The live primary with the highest epoch, if any.
  std::optional<NodeId> primary() const {
    std::optional<NodeId> found;
    Epoch best;
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
      const Node& n = nodes_[i];
      if (n.protocol == nullptr) continue;
      const NodeView v = n.protocol->view();
      if (v.role == Role::kPrimary && (!found || v.epoch > best)) {
        found = NodeId(i);
        best = v.epoch;
      }
    }
    return found;
  }

  const std::vector<MessageRecord>& messages() const { return messages_; }
  const std::vector<ReplyRecord>& replies() const { return replies_; }
  const std::vector<TraceRecord>& traces() const { return traces_; }

  const ReplyRecord* reply_for(RequestId id) const {
    for (const ReplyRecord& r : replies_) {
      if (r.reply.id == id) return &r;
    }
    return nullptr;
  }
  // Messages of type T that were delivered (or, with delivered_only = false, sent), in send
  // order, optionally filtered by sender and receiver.
  template <typename T>
  std::vector<const MessageRecord*> messages_of(std::optional<NodeId> from = std::nullopt,
                                                std::optional<NodeId> to = std::nullopt,
                                                bool delivered_only = true) const {
    std::vector<const MessageRecord*> found;
    for (const MessageRecord& m : messages_) {
      if (!std::holds_alternative<T>(m.message)) continue;
      if (from && m.from != *from) continue;
      if (to && m.to != *to) continue;
      if (delivered_only && !m.delivered) continue;
      found.push_back(&m);
    }
    return found;
  }
  std::vector<const TraceRecord*> traces_of(TraceKind kind,
                                            std::optional<NodeId> node = std::nullopt) const {
    std::vector<const TraceRecord*> found;
    for (const TraceRecord& t : traces_) {
      if (t.event.kind == kind && (!node || t.node == *node)) found.push_back(&t);
    }
    return found;
  }

 private:
  struct Node {
    primary_backup::Config config;
    std::unique_ptr<RecordingContext> ctx;
    std::unique_ptr<primary_backup::PrimaryBackup> protocol;  // null while down
    Duration fsync{};
    std::uint64_t incarnation = 0;
    std::map<std::uint32_t, std::uint64_t> scheduled_timers;  // timer id -> generation queued
  };
  struct Deliver {
    std::size_t record;  // index into messages_
  };
  struct FireTimer {
    NodeId node;
    std::uint64_t incarnation;
    TimerId id;
    std::uint64_t generation;
  };
  struct PersistDone {
    NodeId node;
    std::uint64_t incarnation;
    WriteToken token;
  };
  struct Action {
    std::function<void()> run;
  };
  using Event = std::variant<Deliver, FireTimer, PersistDone, Action>;

  Node& at(NodeId id) {
    CUTOVER_CHECK(id.value < nodes_.size(), "no such node");
    return nodes_[id.value];
  }

  RequestId next_request() { return RequestId{.client = ClientId(0), .sequence = ++sequence_}; }

  void step() {
    auto it = queue_.begin();
    now_ = it->first;
    Event event = std::move(it->second);
    queue_.erase(it);
    std::visit([this](auto& e) { handle(e); }, event);
  }

  void handle(Deliver& d) {
    MessageRecord& record = messages_[d.record];
    if (cut_[record.from.value][record.to.value] || !is_up(record.to)) return;  // dropped
    record.delivered = true;
    const NodeId from = record.from;
    const Message message = record.message;
    input(record.to, [&](Protocol& p, RecordingContext& ctx) { p.on_message(from, message, ctx); });
  }
  void handle(FireTimer& f) {
    Node& node = at(f.node);
    if (node.protocol == nullptr || node.incarnation != f.incarnation) return;
    const std::optional<ArmedTimer> armed = node.ctx->armed(f.id);
    if (!armed || armed->generation != f.generation) return;  // re-armed or cancelled
    node.ctx->disarm(f.id);
    node.scheduled_timers.erase(f.id.value);
    input(f.node, [&](Protocol& p, RecordingContext& ctx) { p.on_timer(f.id, ctx); });
  }
  void handle(PersistDone& done) {
    Node& node = at(done.node);
    if (node.protocol == nullptr || node.incarnation != done.incarnation) return;
    input(done.node,
          [&](Protocol& p, RecordingContext& ctx) { ctx.complete_persist(p, done.token); });
  }
  void handle(Action& action) { action.run(); }

  // Feeds one input to a live node, checks invariants and queues the node's outputs.
  template <typename F>
  void input(NodeId id, F&& feed) {
    Node& node = at(id);
    CUTOVER_CHECK(node.protocol != nullptr, "input to a node that is down");
    node.ctx->set_now(now_);
    feed(*node.protocol, *node.ctx);
    node.protocol->check_invariants(node.ctx->storage());
    drain(id);
    check_cluster_invariants();
  }

  void drain(NodeId id) {
    Node& node = at(id);
    RecordingContext& ctx = *node.ctx;
    for (SentMessage& s : ctx.sends) {
      CUTOVER_CHECK(s.to.value < nodes_.size() && s.to != id, "send to a bad destination");
      const bool cut = cut_[id.value][s.to.value];
      messages_.push_back(MessageRecord{.sent_at = now_,
                                        .delivered_at = now_ + delay_[id.value][s.to.value],
                                        .from = id,
                                        .to = s.to,
                                        .message = std::move(s.message)});
      if (!cut) queue_.emplace(messages_.back().delivered_at, Event{Deliver{messages_.size() - 1}});
    }
    for (const SentReply& r : ctx.replies) {
      replies_.push_back(ReplyRecord{.at = now_, .node = id, .client = r.to, .reply = r.reply});
    }
    for (const TraceEvent& t : ctx.traces) {
      traces_.push_back(TraceRecord{.at = now_, .node = id, .event = t});
    }
    for (WriteToken token : ctx.persists) {
      queue_.emplace(
          now_ + node.fsync,
          Event{PersistDone{.node = id, .incarnation = node.incarnation, .token = token}});
    }
    for (const auto& [timer, armed] : ctx.armed_timers()) {
      auto found = node.scheduled_timers.find(timer);
      if (found != node.scheduled_timers.end() && found->second == armed.generation) continue;
      node.scheduled_timers[timer] = armed.generation;
      queue_.emplace(armed.deadline, Event{FireTimer{.node = id,
                                                     .incarnation = node.incarnation,
                                                     .id = TimerId(timer),
                                                     .generation = armed.generation}});
    }
    ctx.clear_outputs();
  }

  void check_cluster_invariants() {
    std::map<std::uint64_t, std::uint32_t> primary_of_epoch;
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].protocol == nullptr) continue;
      const NodeView v = nodes_[i].protocol->view();
      if (v.role != Role::kPrimary) continue;
      auto [it, inserted] = primary_of_epoch.emplace(v.epoch.value, i);
      CUTOVER_CHECK(inserted, "nodes " + std::to_string(it->second) + " and " + std::to_string(i) +
                                  " are both primary in epoch " + std::to_string(v.epoch.value));
    }
    // Log matching: if two logs hold an entry with the same index and epoch, they hold the
    // same entries up to it.
    for (std::size_t a = 0; a < nodes_.size(); ++a) {
      for (std::size_t b = a + 1; b < nodes_.size(); ++b) {
        const Storage& sa = nodes_[a].ctx->storage();
        const Storage& sb = nodes_[b].ctx->storage();
        const std::uint64_t common = std::min(sa.last_index().value, sb.last_index().value);
        std::uint64_t agree = common;
        while (agree > 0 && sa.epoch_at(LogIndex(agree)) != sb.epoch_at(LogIndex(agree))) {
          --agree;
        }
        for (std::uint64_t i = 1; i <= agree; ++i) {
          const LogEntry& ea = sa.entry(LogIndex(i));
          const LogEntry& eb = sb.entry(LogIndex(i));
          CUTOVER_CHECK(ea.version == eb.version && ea.key == eb.key && ea.request == eb.request,
                        "logs of nodes " + std::to_string(a) + " and " + std::to_string(b) +
                            " differ at index " + std::to_string(i) + " below a shared entry");
        }
      }
    }
  }

  Options options_;
  std::vector<Node> nodes_;
  std::vector<std::vector<Duration>> delay_;
  std::vector<std::vector<bool>> cut_;
  std::multimap<TimePoint, Event> queue_;  // equal times keep insertion order
  TimePoint now_{};
  std::uint64_t sequence_ = 0;
  std::vector<MessageRecord> messages_;
  std::vector<ReplyRecord> replies_;
  std::vector<TraceRecord> traces_;
};

}  // namespace cutover::models::testing
