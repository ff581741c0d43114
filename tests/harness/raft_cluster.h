// RaftCluster: a deterministic in-memory cluster of Raft nodes with a seeded faulty network,
// for cluster-level Raft tests and the randomized (swarm) test. No SimGrid.
//
// Each node is a raft::Raft over its own RecordingContext. One simulated clock drives an event
// queue (time, then insertion order) of deliveries, timer firings, fsync completions and
// scripted actions. The network draws every message's one-way delay from [delay_min,
// delay_max] (so messages reorder), drops it with drop_probability and delivers it twice with
// duplicate_probability; links can be cut per direction. A crashed node loses its unsynced
// writes, timers and pending fsyncs, and restarts as a fresh object built from its storage.
//
// After every input it runs the node's check_invariants and these cluster-wide checks:
//   - at most one leader per term, over the whole run (Election Safety, §5.2);
//   - an (index, term) names one entry everywhere, with one predecessor term (which, by
//     induction, is the Log Matching Property, §5.3);
//   - an index committed anywhere holds the same entry everywhere it is committed (State
//     Machine Safety) and a node's commit index never goes back within one incarnation;
//   - a new leader's log holds every entry committed so far (Leader Completeness, §5.4).
// A violation throws InvariantViolation.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "models/core/check.h"
#include "models/core/message.h"
#include "models/core/rng.h"
#include "models/core/storage.h"
#include "models/core/types.h"
#include "models/replication/protocol.h"
#include "models/replication/raft/raft.h"

#include "tests/harness/recording_context.h"

namespace cutover::models::testing {

class RaftCluster {
 public:
  struct Options {
    std::uint32_t voters = 3;  // nodes 0 .. voters-1 are the initial voters
    std::uint32_t others = 0;  // further nodes that start as non-members
    raft::Config config;       // template: self, voters and learners are filled in per node
    Duration delay_min = from_ms(10);
    Duration delay_max = from_ms(10);
    Duration fsync = from_ms(1);
    double drop_probability = 0.0;
    double duplicate_probability = 0.0;
    std::uint64_t seed = 42;
    bool record_messages = true;  // keep every message for assertions (off in swarm runs)
  };

  struct Sent {
    TimePoint at;
    NodeId from;
    NodeId to;
    Message message;
  };
  struct Reply {
    TimePoint at;
    NodeId node;
    ClientReply reply;
  };
  struct Trace {
    TimePoint at;
    NodeId node;
    TraceEvent event;
  };

  explicit RaftCluster(Options options)
      : options_(std::move(options)), network_rng_(Rng(options_.seed).fork("network")) {
    const std::uint32_t n = options_.voters + options_.others;
    std::vector<NodeId> voters;
    for (std::uint32_t i = 0; i < options_.voters; ++i) voters.emplace_back(i);
    const Rng root(options_.seed);
    for (std::uint32_t i = 0; i < n; ++i) {
      Node node;
      node.config = options_.config;
      node.config.self = NodeId(i);
      node.config.voters = voters;
      node.config.learners.clear();
      Rng stream = root.fork("node/" + std::to_string(i));
      node.ctx = std::make_unique<RecordingContext>(stream.next_u64());
      nodes_.push_back(std::move(node));
    }
    cut_.assign(n, std::vector<bool>(n, false));
  }

  std::uint32_t size() const { return static_cast<std::uint32_t>(nodes_.size()); }

  // --- network faults ---------------------------------------------------------------------
  void cut_one_way(NodeId from, NodeId to) { cut_[from.value][to.value] = true; }
  void cut(NodeId a, NodeId b) {
    cut_one_way(a, b);
    cut_one_way(b, a);
  }
  void isolate(NodeId node) {
    for (std::uint32_t i = 0; i < size(); ++i) {
      if (i != node.value) cut(node, NodeId(i));
    }
  }
  void heal_all() {
    for (auto& row : cut_) std::fill(row.begin(), row.end(), false);
  }
  void set_drop_probability(double p) { options_.drop_probability = p; }
  void set_duplicate_probability(double p) { options_.duplicate_probability = p; }
  void set_delay(Duration min, Duration max) {
    options_.delay_min = min;
    options_.delay_max = max;
  }

  // --- lifecycle --------------------------------------------------------------------------
  // Changes one node's configuration before it (re)starts.
  template <typename Change>
  void configure(NodeId id, Change&& change) {
    change(at(id).config);
  }
  void start() {
    for (std::uint32_t i = 0; i < size(); ++i) restart(NodeId(i));
  }
  void crash(NodeId id) {
    Node& node = at(id);
    CUTOVER_CHECK(node.protocol != nullptr, "crash of a node that is down");
    node.ctx->crash();
    node.protocol.reset();
    node.scheduled_timers.clear();
    node.commit_seen = LogIndex(0);
    node.checked_through = LogIndex(0);
    ++node.incarnation;
  }
  void restart(NodeId id) {
    Node& node = at(id);
    CUTOVER_CHECK(node.protocol == nullptr, "restart of a node that is up");
    node.protocol = std::make_unique<raft::Raft>(node.config);
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
  RequestId read(NodeId to, Key key, bool allow_backup_read = false) {
    const RequestId id = next_request();
    submit(
        to,
        ClientRequest{
            .id = id, .kind = OpKind::kRead, .key = key, .allow_backup_read = allow_backup_read});
    return id;
  }
  void submit(NodeId to, const ClientRequest& request) {
    if (!is_up(to)) return;
    input(to, [&](Protocol& p, RecordingContext& ctx) {
      p.on_client_request(request.id.client, request, ctx);
    });
  }
  void admin(NodeId to, const AdminCommand& command) {
    if (!is_up(to)) return;
    input(to, [&](Protocol& p, RecordingContext& ctx) { p.on_admin(command, ctx); });
  }

  // --- time -------------------------------------------------------------------------------
  TimePoint now() const { return now_; }
  void at_time(TimePoint when, std::function<void()> action) {
    CUTOVER_CHECK(when >= now_, "action scheduled in the past");
    queue_.emplace(when, Event{Action{std::move(action)}});
  }
  void run_until(TimePoint until) {
    while (!queue_.empty() && queue_.begin()->first <= until) step();
    now_ = std::max(now_, until);
  }
  void run_for(Duration d) { run_until(now_ + d); }
  bool run_until_true(const std::function<bool()>& done, TimePoint deadline) {
    if (done()) return true;
    while (!queue_.empty() && queue_.begin()->first <= deadline) {
      step();
      if (done()) return true;
    }
    now_ = std::max(now_, deadline);
    return done();
  }
  std::uint64_t events() const { return events_; }
  // Messages sent so far of type T (kept even when messages are not recorded).
  template <typename T>
  std::uint64_t sent_count() const {
    for (std::size_t i = 0; i < std::variant_size_v<Message>; ++i) {
      if (probe_index<T>() == i) return sent_by_type_[i];
    }
    return 0;
  }

  // --- observation ------------------------------------------------------------------------
  raft::Raft& node(NodeId id) {
    Node& n = at(id);
    CUTOVER_CHECK(n.protocol != nullptr, "node is down");
    return *n.protocol;
  }
  NodeView view(NodeId id) const {
    const Node& n = nodes_[id.value];
    CUTOVER_CHECK(n.protocol != nullptr, "node is down");
    return n.protocol->view();
  }
  Storage& storage(NodeId id) { return at(id).ctx->storage(); }
  // The live leader with the highest term, if any.
  std::optional<NodeId> leader() const {
    std::optional<NodeId> found;
    Epoch best;
    for (std::uint32_t i = 0; i < size(); ++i) {
      if (!is_up(NodeId(i))) continue;
      const NodeView v = nodes_[i].protocol->view();
      if (v.role == Role::kPrimary && (!found || v.epoch > best)) {
        found = NodeId(i);
        best = v.epoch;
      }
    }
    return found;
  }
  bool run_until_leader(TimePoint deadline) {
    return run_until_true([&] { return leader().has_value(); }, deadline);
  }

  const std::vector<Sent>& sent() const { return sent_; }
  const std::vector<Reply>& replies() const { return replies_; }
  const std::vector<Trace>& traces() const { return traces_; }
  std::vector<const Reply*> replies_for(RequestId id) const {
    std::vector<const Reply*> found;
    for (const Reply& r : replies_) {
      if (r.reply.id == id) found.push_back(&r);
    }
    return found;
  }
  const Reply* reply_for(RequestId id) const {
    for (const Reply& r : replies_) {
      if (r.reply.id == id) return &r;
    }
    return nullptr;
  }
  template <typename T>
  std::vector<const Sent*> sent_of(std::optional<NodeId> from = std::nullopt,
                                   std::optional<NodeId> to = std::nullopt) const {
    std::vector<const Sent*> found;
    for (const Sent& s : sent_) {
      if (!std::holds_alternative<T>(s.message)) continue;
      if ((from && s.from != *from) || (to && s.to != *to)) continue;
      found.push_back(&s);
    }
    return found;
  }
  std::vector<const Trace*> traces_of(TraceKind kind) const {
    std::vector<const Trace*> found;
    for (const Trace& t : traces_) {
      if (t.event.kind == kind) found.push_back(&t);
    }
    return found;
  }
  // Highest index known committed anywhere (entries are checked against it).
  LogIndex max_committed() const {
    return committed_.empty() ? LogIndex(0) : LogIndex(committed_.rbegin()->first);
  }
  // How many committed indices the safety checks have seen (all of 1..max_committed() unless
  // an entry was committed and compacted away before a check could see it).
  std::size_t committed_checked() const { return committed_.size(); }

 private:
  struct Fingerprint {
    Epoch prev_epoch;
    EntryKind kind;
    RequestId request;
    Key key;
    bool operator==(const Fingerprint&) const = default;
  };
  struct Node {
    raft::Config config;
    std::unique_ptr<RecordingContext> ctx;
    std::unique_ptr<raft::Raft> protocol;  // null while down
    Duration fsync{};
    std::uint64_t incarnation = 0;
    std::map<std::uint32_t, std::uint64_t> scheduled_timers;
    LogIndex commit_seen;      // this incarnation's highest commit index
    LogIndex checked_through;  // log entries registered through here
    Epoch checked_epoch;
  };
  struct Deliver {
    NodeId from;
    NodeId to;
    std::shared_ptr<const Message> message;
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

  template <typename T>
  static std::size_t probe_index() {
    return Message(T{}).index();
  }

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
    ++events_;
    std::visit([this](auto& e) { handle(e); }, event);
  }
  void handle(Deliver& d) {
    if (cut_[d.from.value][d.to.value] || !is_up(d.to)) return;  // dropped
    input(d.to, [&](Protocol& p, RecordingContext& ctx) { p.on_message(d.from, *d.message, ctx); });
  }
  void handle(FireTimer& f) {
    Node& node = at(f.node);
    if (node.protocol == nullptr || node.incarnation != f.incarnation) return;
    const std::optional<ArmedTimer> armed = node.ctx->armed(f.id);
    if (!armed || armed->generation != f.generation) return;
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

  template <typename F>
  void input(NodeId id, F&& feed) {
    Node& node = at(id);
    CUTOVER_CHECK(node.protocol != nullptr, "input to a node that is down");
    node.ctx->set_now(now_);
    feed(*node.protocol, *node.ctx);
    node.protocol->check_invariants(node.ctx->storage());
    drain(id);
    check_node(id);
  }

  Duration draw_delay() {
    const auto span =
        static_cast<std::uint64_t>((options_.delay_max - options_.delay_min).count()) + 1;
    return options_.delay_min +
           Duration(static_cast<Duration::rep>(network_rng_.uniform_below(span)));
  }

  void drain(NodeId id) {
    Node& node = at(id);
    RecordingContext& ctx = *node.ctx;
    for (SentMessage& s : ctx.sends) {
      CUTOVER_CHECK(s.to.value < nodes_.size() && s.to != id, "send to a bad destination");
      ++sent_by_type_[s.message.index()];
      auto message = std::make_shared<const Message>(std::move(s.message));
      if (options_.record_messages) {
        sent_.push_back(Sent{.at = now_, .from = id, .to = s.to, .message = *message});
      }
      if (cut_[id.value][s.to.value] || network_rng_.bernoulli(options_.drop_probability)) {
        continue;
      }
      const int copies = network_rng_.bernoulli(options_.duplicate_probability) ? 2 : 1;
      for (int c = 0; c < copies; ++c) {
        queue_.emplace(now_ + draw_delay(), Event{Deliver{id, s.to, message}});
      }
    }
    for (const SentReply& r : ctx.replies) {
      replies_.push_back(Reply{.at = now_, .node = id, .reply = r.reply});
    }
    for (const TraceEvent& t : ctx.traces) {
      traces_.push_back(Trace{.at = now_, .node = id, .event = t});
      if (t.kind == TraceKind::kBecamePrimary) on_new_leader(id, t.epoch);
    }
    const Duration fsync = node.fsync == Duration{} ? options_.fsync : node.fsync;
    for (WriteToken token : ctx.persists) {
      queue_.emplace(
          now_ + fsync,
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

  static Fingerprint fingerprint(const Storage& storage, LogIndex index) {
    const LogEntry& e = storage.entry(index);
    return Fingerprint{.prev_epoch = storage.epoch_at(LogIndex(index.value - 1)),
                       .kind = e.kind,
                       .request = e.request,
                       .key = e.key};
  }

  std::string where(NodeId id, LogIndex index) const {
    return "node " + std::to_string(id.value) + " index " + std::to_string(index.value);
  }

  // Election Safety and Leader Completeness, when a node becomes leader.
  void on_new_leader(NodeId id, Epoch term) {
    auto [it, inserted] = leader_of_term_.emplace(term.value, id);
    CUTOVER_CHECK(inserted, "nodes " + std::to_string(it->second.value) + " and " +
                                std::to_string(id.value) + " both led term " +
                                std::to_string(term.value));
    const Storage& s = at(id).ctx->storage();
    for (const auto& [index, committed] : committed_) {
      if (index < s.first_index().value) continue;  // in its snapshot: committed state
      CUTOVER_CHECK(
          index <= s.last_index().value && s.epoch_at(LogIndex(index)).value == committed.first,
          "new leader lacks committed entry: " + where(id, LogIndex(index)));
    }
  }

  void check_node(NodeId id) {
    Node& node = at(id);
    if (node.protocol == nullptr) return;
    const Storage& s = node.ctx->storage();
    // Log Matching, incrementally: re-register from the first index when the log changed
    // below what was registered.
    LogIndex start = s.first_index();
    if (node.checked_through >= s.first_index() && node.checked_through <= s.last_index() &&
        s.epoch_at(node.checked_through) == node.checked_epoch) {
      start = LogIndex(node.checked_through.value + 1);
    }
    for (std::uint64_t i = start.value; i <= s.last_index().value; ++i) {
      const LogIndex index(i);
      const Fingerprint print = fingerprint(s, index);
      auto [it, inserted] = entries_.emplace(std::pair(i, s.epoch_at(index).value), print);
      CUTOVER_CHECK(inserted || it->second == print,
                    "two different entries share an index and term: " + where(id, index));
    }
    node.checked_through = s.last_index();
    node.checked_epoch = s.last_epoch();
    // State Machine Safety and a commit index that never goes back.
    const LogIndex commit = node.protocol->view().commit_index;
    CUTOVER_CHECK(commit >= node.commit_seen, "commit index went back: " + where(id, commit));
    for (std::uint64_t i = std::max(node.commit_seen.value + 1, s.first_index().value);
         i <= commit.value; ++i) {
      const LogIndex index(i);
      const std::pair<std::uint64_t, RequestId> print(s.epoch_at(index).value,
                                                      s.entry(index).request);
      auto [it, inserted] = committed_.emplace(i, print);
      CUTOVER_CHECK(inserted || it->second == print,
                    "a committed index holds different entries: " + where(id, index));
    }
    node.commit_seen = commit;
  }

  Options options_;
  Rng network_rng_;
  std::vector<Node> nodes_;
  std::vector<std::vector<bool>> cut_;
  std::multimap<TimePoint, Event> queue_;
  TimePoint now_{};
  std::uint64_t sequence_ = 0;
  std::uint64_t events_ = 0;
  std::array<std::uint64_t, std::variant_size_v<Message>> sent_by_type_{};
  std::vector<Sent> sent_;
  std::vector<Reply> replies_;
  std::vector<Trace> traces_;
  std::map<std::uint64_t, NodeId> leader_of_term_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, Fingerprint> entries_;  // (index, term)
  std::map<std::uint64_t, std::pair<std::uint64_t, RequestId>> committed_;  // index -> entry
};

}  // namespace cutover::models::testing
