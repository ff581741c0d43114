#include "sim/node/node_actor.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "models/core/check.h"
#include "sim/node/protocol_config.h"
#include "sim/transport/scheduler.h"

namespace cutover::sim {
namespace {

// The protocol's window on the world. Sends and durability requests are queued during a
// handler and carried out by flush() after it returns, so a handler is atomic.
class SimContext final : public models::Context {
 public:
  SimContext(World& world, NodeRuntime& runtime, EndpointQueue& queue, models::Rng rng)
      : world_(world),
        runtime_(runtime),
        queue_(queue),
        rng_(std::move(rng)),
        out_(world.handler_output()) {}

  // The node's own clock (clock_skew faults skew it); our records below use true time.
  models::TimePoint now() const override { return runtime_.clock.local(world_.now()); }
  void send(models::NodeId to, models::Message message) override {
    queue(to, std::nullopt).packet.body = std::move(message);
  }
  void reply(models::ClientId to, const models::ClientReply& reply) override {
    const auto pending = pending_requests_.find(reply.id);
    if (pending != pending_requests_.end()) {
      const PendingRequest request = pending->second;
      pending_requests_.erase(pending);
      if (forward(request.request, reply)) return;
      record_ack(request, reply);
    }
    queue(std::nullopt, to).packet.body = reply;
  }
  void set_timer(models::TimerId id, models::Duration after) override {
    queue_.set_timer(id, world_.now() + runtime_.clock.real_duration(after));
  }
  void cancel_timer(models::TimerId id) override { queue_.cancel_timer(id); }
  models::Storage& storage() override { return runtime_.storage; }
  models::WriteToken persist() override {
    const models::WriteToken token(runtime_.storage.write_sequence());
    out_.persist_requests.push_back(token);
    return token;
  }
  models::Rng& rng() override { return rng_; }
  void emit(const models::TraceEvent& event) override {
    world_.record_trace(runtime_.id, event, world_.now());
  }

  // The protocol, once built: acknowledgements are attributed to its role and epoch.
  void set_protocol(const models::Protocol* protocol) { protocol_ = protocol; }
  // A client request reached the protocol: remember it until it is answered.
  void note_request(const models::ClientRequest& request) {
    pending_requests_[request.id] = PendingRequest{.request = request, .accepted_at = world_.now()};
  }

  // Carries out what the handler asked for: its messages (one transfer per receiver, see
  // Packet::coalesced), then on_persist(token) for each of its persist requests.
  template <typename OnPersist>
  void flush(OnPersist&& on_persist) {
    std::vector<Outgoing>& outbox = out_.outbox;
    for (std::uint32_t i = 0; i < outbox.size(); ++i) {
      const Outgoing& out = outbox[i];
      const Endpoint to = out.to_node ? world_.node(*out.to_node).endpoint()
                                      : Endpoint{Endpoint::Kind::kClient, out.to_client->value};
      std::uint32_t& position = out_.receiver_position(to);
      if (position == HandlerOutput::kNotYet) {
        position = static_cast<std::uint32_t>(out_.receivers.size());
        out_.receivers.emplace_back(to, i);
      } else {
        const std::uint32_t first = out_.receivers[position].second;
        outbox[first].packet.coalesced.push_back(std::move(outbox[i].packet.body));
      }
    }
    for (const auto& [to, first] : out_.receivers)
      out_.receiver_position(to) = HandlerOutput::kNotYet;
    for (const auto& [to, first] : out_.receivers) world_.send(to, std::move(outbox[first].packet));
    out_.receivers.clear();
    outbox.clear();
    out_.persisting.swap(out_.persist_requests);
    for (models::WriteToken token : out_.persisting) on_persist(token);
    out_.persisting.clear();
  }
  void discard() { out_.discard(); }

 private:
  using Outgoing = HandlerOutput::Outgoing;
  Endpoint self() const { return runtime_.endpoint(); }
  // A message from this node, queued for flush; the caller fills in its body. Built in place:
  // a Packet is 144 bytes, and building one aside then moving it in was most of a send's time.
  Outgoing& queue(std::optional<models::NodeId> node, std::optional<models::ClientId> client) {
    Outgoing& out = out_.outbox.emplace_back();
    out.to_node = node;
    out.to_client = client;
    out.packet.from = self();
    return out;
  }

  // A request that entered through the load balancer and reached a replica that is not the
  // primary goes on to the primary it names (the client's copy, so the primary answers the
  // client directly); a forwarded copy is not forwarded again.
  bool forward(const models::ClientRequest& request, const models::ClientReply& reply) {
    if (!request.forward_to_primary || reply.status != models::ReplyStatus::kNotPrimary ||
        !reply.primary_hint || *reply.primary_hint == runtime_.id) {
      return false;
    }
    models::ClientRequest onward = request;
    onward.forward_to_primary = false;
    queue(*reply.primary_hint, std::nullopt).packet.body = onward;
    return true;
  }

  // Acknowledgements a node sends as primary, for the split-brain checker.
  struct PendingRequest {
    models::ClientRequest request;
    models::TimePoint accepted_at{};
  };
  void record_ack(const PendingRequest& pending, const models::ClientReply& reply) {
    if (reply.status != models::ReplyStatus::kOk || protocol_ == nullptr) return;
    const models::NodeView view = protocol_->view();
    if (view.role != models::Role::kPrimary) return;
    world_.facts().acks.push_back(analysis::AckRecord{.at = world_.now(),
                                                      .node = runtime_.id,
                                                      .epoch = view.epoch,
                                                      .kind = pending.request.kind,
                                                      .accepted_at = pending.accepted_at});
  }

  World& world_;
  NodeRuntime& runtime_;
  EndpointQueue& queue_;
  models::Rng rng_;
  HandlerOutput& out_;  // the run's: one handler at a time
  const models::Protocol* protocol_ = nullptr;
  // Not yet answered. Hashed, not ordered: nothing walks it, and a leader holds a commit
  // round trip's worth of requests (a tree of them was about 3% of a run at 4x the load).
  struct RequestIdHash {
    std::size_t operator()(const models::RequestId& id) const {
      return std::hash<std::uint64_t>{}(id.sequence * 0x9E3779B97F4A7C15ull ^ id.client.value);
    }
  };
  std::unordered_map<models::RequestId, PendingRequest, RequestIdHash> pending_requests_;
};

// One incarnation of a replica's process: the scheduler hands it packets and due events.
class NodeLoop final : public EndpointHandler {
 public:
  NodeLoop(World& world, NodeRuntime& runtime, EndpointQueue queue)
      : world_(world),
        runtime_(runtime),
        resources_(world.scenario().node),
        queue_(std::move(queue)),
        cpu_rng_(world.fork_rng("cpu/" + runtime.name + "/" + std::to_string(runtime.incarnation))),
        context_(
            world, runtime, queue_,
            world.fork_rng("node/" + runtime.name + "/" + std::to_string(runtime.incarnation))),
        protocol_(make_protocol(world.scenario(), runtime.id)),
        core_free_at_(resources_.cores, models::TimePoint{}) {
    context_.set_protocol(protocol_.get());
  }

  ~NodeLoop() override { runtime_.live = nullptr; }

  void on_packet(std::unique_ptr<Packet> packet) override {
    if (paused()) {
      hold_while_paused(std::move(packet));
      return;
    }
    handle_packet(*packet);
  }

  void on_event(LocalEvent&& event) override {
    if (std::holds_alternative<Started>(event)) {
      runtime_.live = protocol_.get();
      handle([&] { protocol_->on_start(context_); });
      return;
    }
    if (std::holds_alternative<PauseEnded>(event)) {
      on_pause_ended();
      return;
    }
    if (paused()) {
      hold_while_paused(std::move(event));
      return;
    }
    if (auto* timer = std::get_if<TimerFired>(&event)) {
      if (queue_.timer_is_current(*timer))
        handle([&] { protocol_->on_timer(timer->id, context_); });
    } else if (auto* synced = std::get_if<DiskSynced>(&event)) {
      on_disk_synced(synced->token);
    } else if (auto* done = std::get_if<CpuDone>(&event)) {
      context_.note_request(done->request);
      handle([&] { protocol_->on_client_request(done->client, done->request, context_); });
    }
  }

 private:
  // process_pause: while paused the process handles nothing. Packets and due events wait, in
  // order, and are handled when the pause ends: timers late, the inbox full, as after a long
  // GC pause. A crash ends the pause with the process.
  using FrozenInput = std::variant<std::unique_ptr<Packet>, LocalEvent>;
  bool paused() const { return world_.now() < runtime_.paused_until; }
  void hold_while_paused(FrozenInput input) {
    if (frozen_.empty()) wake_when_pause_ends();
    frozen_.push_back(std::move(input));
  }
  void wake_when_pause_ends() {
    if (runtime_.paused_until != models::TimePoint::max()) {
      queue_.push(runtime_.paused_until, PauseEnded{});
    }
  }
  void on_pause_ended() {
    if (frozen_.empty()) return;
    if (paused()) {  // another pause extended this one
      wake_when_pause_ends();
      return;
    }
    std::deque<FrozenInput> waiting;
    waiting.swap(frozen_);
    for (FrozenInput& input : waiting) {
      if (auto* packet = std::get_if<std::unique_ptr<Packet>>(&input)) {
        handle_packet(**packet);
      } else {
        on_event(std::move(std::get<LocalEvent>(input)));
      }
    }
  }

  void handle_packet(const Packet& packet) {
    for_each_body(packet, [&](const PacketBody& body) { on_message(packet.from, body); });
  }

  void on_message(Endpoint sender, const PacketBody& body) {
    if (auto* message = std::get_if<models::Message>(&body)) {
      const models::NodeId from(sender.id);
      handle([&] { protocol_->on_message(from, *message, context_); });
    } else if (auto* request = std::get_if<models::ClientRequest>(&body)) {
      // The client named in the request (it may come forwarded by another replica).
      schedule_on_cpu(request->id.client, *request);
    } else if (auto* command = std::get_if<models::AdminCommand>(&body)) {
      handle([&] { protocol_->on_admin(*command, context_); });
    }
  }

  // Client operations queue FIFO for the node's cores; the protocol sees each one when its
  // service time has been spent.
  void schedule_on_cpu(models::ClientId client, const models::ClientRequest& request) {
    auto core = std::min_element(core_free_at_.begin(), core_free_at_.end());
    const models::TimePoint start = std::max(*core, world_.now());
    const double service_ms = resources_.service_distribution == ServiceDistribution::kExponential
                                  ? cpu_rng_.exponential(resources_.service_time_ms)
                                  : resources_.service_time_ms;
    *core = start + models::from_ms(service_ms);
    queue_.push(*core, CpuDone{client, request});
  }

  // Group commit: one fsync at a time; writes that arrive meanwhile share the next one.
  void request_sync(models::WriteToken token) {
    if (disk_busy_) {
      disk_waiting_ = std::max(disk_waiting_, token.value);
      return;
    }
    disk_busy_ = true;
    queue_.push(world_.now() + models::from_ms(resources_.fsync_ms * runtime_.fsync_factor),
                DiskSynced{token});
  }

  void on_disk_synced(models::WriteToken token) {
    if (world_.now() < runtime_.disk_stalled_until) {  // a disk_stall fault: done when it ends
      if (runtime_.disk_stalled_until != models::TimePoint::max()) {
        queue_.push(runtime_.disk_stalled_until, DiskSynced{token});
      }
      return;
    }
    runtime_.storage.sync_through(token.value);
    disk_busy_ = false;
    handle([&] { protocol_->on_persisted(token, context_); });
    if (disk_waiting_ > token.value) {
      const models::WriteToken next(disk_waiting_);
      disk_waiting_ = 0;
      request_sync(next);
    }
  }

  // Runs one protocol input, checks invariants, then carries out its effects.
  template <typename Handler>
  void handle(Handler&& handler) {
    try {
      handler();
      protocol_->check_invariants(runtime_.storage);
    } catch (const models::InvariantViolation& violation) {
      context_.discard();
      world_.fail(
          InvariantFailure{runtime_.name, models::to_seconds(world_.now()), violation.what()});
      return;
    }
    context_.flush([&](models::WriteToken token) { request_sync(token); });
  }

  World& world_;
  NodeRuntime& runtime_;
  const NodeResources& resources_;
  EndpointQueue queue_;
  models::Rng cpu_rng_;
  SimContext context_;
  std::unique_ptr<models::Protocol> protocol_;
  std::vector<models::TimePoint> core_free_at_;
  std::deque<FrozenInput> frozen_;  // what arrived or fell due during a process_pause
  bool disk_busy_ = false;
  std::uint64_t disk_waiting_ = 0;
};

}  // namespace

void start_node(World& world, NodeRuntime& runtime) {
  ++runtime.incarnation;
  world.scheduler().start(world.channels().index(runtime.endpoint()), [&](EndpointQueue queue) {
    return std::make_unique<NodeLoop>(world, runtime, std::move(queue));
  });
}

void crash_node(World& world, NodeRuntime& runtime) {
  runtime.up = false;
  world.note_crash(runtime.id, world.now());
  world.reset_channels_to(runtime.id);  // what was on its way in dies with the process
  runtime.storage.crash();
  runtime.paused_until = models::TimePoint{};  // a restarted process is not paused
  world.scheduler().uninstall(world.channels().index(runtime.endpoint()));
}

void restart_node(World& world, NodeRuntime& runtime) {
  runtime.up = true;
  // New process, new connections: stragglers of the old incarnation's streams are dropped.
  world.reset_channels_from(runtime.id);
  start_node(world, runtime);
}

}  // namespace cutover::sim
