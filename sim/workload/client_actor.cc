#include "sim/workload/client_actor.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "models/core/rng.h"
#include "sim/node/protocol_config.h"
#include "sim/transport/event_loop.h"

namespace cutover::sim {
namespace {

using models::NodeId;

double rtt_between(const Scenario& scenario, std::uint32_t a, std::uint32_t b) {
  const auto& regions = scenario.topology.regions;
  if (a == b) return regions[a].intra_rtt_ms;
  for (const Link& link : scenario.topology.links) {
    if ((link.region_a == regions[a].name && link.region_b == regions[b].name) ||
        (link.region_a == regions[b].name && link.region_b == regions[a].name)) {
      return link.rtt_ms;
    }
  }
  return 0;
}

// Replicas ordered by round trip from the client's region (ties by NodeId).
std::vector<NodeId> nearest_first(World& world, std::uint32_t region) {
  std::vector<NodeId> order;
  for (const auto& node : world.nodes()) order.push_back(node->id);
  std::stable_sort(order.begin(), order.end(), [&](NodeId a, NodeId b) {
    return rtt_between(world.scenario(), region, world.node(a).region) <
           rtt_between(world.scenario(), region, world.node(b).region);
  });
  return order;
}

// A target that moves to the next candidate when the current one fails.
class Target {
 public:
  Target(std::vector<NodeId> candidates, NodeId start) : candidates_(std::move(candidates)) {
    auto it = std::find(candidates_.begin(), candidates_.end(), start);
    position_ = static_cast<std::size_t>(it - candidates_.begin());
  }
  NodeId current() const { return candidates_[position_]; }
  void move_to(NodeId node) {
    position_ = static_cast<std::size_t>(std::find(candidates_.begin(), candidates_.end(), node) -
                                         candidates_.begin());
  }
  // Only the first failure reported against the current target moves it.
  void failed(NodeId node) {
    if (node == current()) position_ = (position_ + 1) % candidates_.size();
  }

 private:
  std::vector<NodeId> candidates_;
  std::size_t position_ = 0;
};

class ClientLoop {
 public:
  ClientLoop(World& world, models::ClientId id)
      : ClientLoop(world, id, nearest_first(world, world.client(id).region)) {}

 private:
  ClientLoop(World& world, models::ClientId id, const std::vector<NodeId>& nearest)
      : world_(world),
        id_(id),
        workload_(world.scenario().workloads[id.value]),
        region_(world.client(id).region),
        rng_(world.fork_rng("client/" + std::to_string(id.value))),
        // Without a known first leader, start at the nearest replica and follow its hint.
        primary_target_(nearest, initial_primary(world.scenario()).value_or(nearest.front())),
        local_target_(nearest, nearest.front()),
        end_of_arrivals_(models::time_at_seconds(world.scenario().duration_s)) {
    if (workload_.key_distribution == KeyDistribution::kZipfian) {
      zipf_.emplace(workload_.key_space, workload_.zipf_exponent);
    }
  }

 public:
  void run() {
    schedule_next_arrival();
    InOrderInbox inbox(world_.channels(), Endpoint{Endpoint::Kind::kClient, id_.value});
    run_event_loop(
        world_.client(id_).mailbox, inbox, queue_,
        [&](std::unique_ptr<Packet> packet) { on_packet(*packet); },
        [&](LocalEvent&& event) { on_event(event); },
        [&] { return (arrivals_open_ || !in_flight_.empty()) && !world_.failure(); });
  }

 private:
  struct InFlight {
    models::ClientRequest request;
    models::TimePoint invoked_at;
    NodeId target;
    bool local_read = false;
    bool redirected = false;
  };

  void schedule_next_arrival() {
    const models::TimePoint next =
        sim_now() + models::from_ms(rng_.exponential(1000.0 / workload_.rate_per_s));
    arrivals_open_ = next < end_of_arrivals_;
    if (arrivals_open_) queue_.push(next, ClientArrival{});
  }

  void on_event(const LocalEvent& event) {
    if (std::holds_alternative<ClientArrival>(event)) {
      if (!world_.region_is_out(region_)) start_operation();
      schedule_next_arrival();
    } else if (const auto* timeout = std::get_if<ClientTimeout>(&event)) {
      auto it = in_flight_.find(timeout->sequence);
      if (it == in_flight_.end()) return;
      target_of(it->second).failed(it->second.target);
      finish(it, analysis::OpOutcome::kTimedOut, {});
    }
  }

  void start_operation() {
    const bool write = rng_.bernoulli(workload_.write_fraction);
    const models::Key key = zipf_ ? zipf_->sample(rng_) : rng_.uniform_below(workload_.key_space);
    InFlight op{
        .request = {.id = {id_, next_sequence_++},
                    .kind = write ? models::OpKind::kWrite : models::OpKind::kRead,
                    .key = key,
                    .value_bytes = workload_.value_bytes,
                    .allow_backup_read = !write && workload_.read_from == ReadTarget::kLocal},
        .invoked_at = sim_now()};
    op.local_read = op.request.allow_backup_read;
    if (write && world_.writes_rejected(region_)) {
      // The read-only flag refuses the write before it leaves the application.
      record(op, analysis::OpOutcome::kRejected, {});
      return;
    }
    op.target = target_of(op).current();
    send(op);
    queue_.push(op.invoked_at + models::from_ms(workload_.client_timeout_ms),
                ClientTimeout{op.request.id.sequence});
    in_flight_.emplace(op.request.id.sequence, op);
  }

  void on_packet(const Packet& packet) {
    const auto* reply = std::get_if<models::ClientReply>(&packet.body);
    if (reply == nullptr) return;
    auto it = in_flight_.find(reply->id.sequence);
    if (it == in_flight_.end()) return;  // answered after its timeout: outcome already recorded
    InFlight& op = it->second;
    switch (reply->status) {
      case models::ReplyStatus::kOk:
        finish(it, analysis::OpOutcome::kOk, reply->version, NodeId(packet.from.id));
        return;
      case models::ReplyStatus::kNotPrimary:
        if (reply->primary_hint && !op.redirected) {
          op.redirected = true;
          op.target = *reply->primary_hint;
          target_of(op).move_to(op.target);
          send(op);
          return;
        }
        break;
      case models::ReplyStatus::kUnavailable:
        break;
    }
    target_of(op).failed(op.target);
    finish(it, analysis::OpOutcome::kFailed, {}, NodeId(packet.from.id));
  }

  Target& target_of(const InFlight& op) { return op.local_read ? local_target_ : primary_target_; }

  void send(const InFlight& op) {
    world_.send(world_.node(op.target).endpoint(),
                Packet{.from = Endpoint{Endpoint::Kind::kClient, id_.value}, .body = op.request});
  }

  void finish(std::unordered_map<std::uint64_t, InFlight>::iterator it, analysis::OpOutcome outcome,
              models::Version version, std::optional<NodeId> answered_by = std::nullopt) {
    record(it->second, outcome, version, answered_by);
    in_flight_.erase(it);
  }

  // Each operation is its own session: a workload is a population of users issuing one request
  // each (open loop), so no two operations share a user whose guarantees could be checked.
  void record(const InFlight& op, analysis::OpOutcome outcome, models::Version version,
              std::optional<NodeId> answered_by = std::nullopt) {
    const bool write = op.request.kind == models::OpKind::kWrite;
    world_.facts().operations.push_back(
        analysis::Operation{.client_region = region_,
                            .kind = op.request.kind,
                            .key = op.request.key,
                            .invoked_at = op.invoked_at,
                            .completed_at = sim_now(),
                            .outcome = outcome,
                            .version = version,
                            .client = id_,
                            .session = op.request.id.sequence,
                            .request_sequence = op.request.id.sequence,
                            .node = answered_by,
                            .write_id = write ? std::optional(op.request.id) : std::nullopt});
  }

  World& world_;
  models::ClientId id_;
  const Workload& workload_;
  std::uint32_t region_;
  models::Rng rng_;
  std::optional<models::ZipfianSampler> zipf_;
  Target primary_target_;
  Target local_target_;
  models::TimePoint end_of_arrivals_;
  LocalEventQueue queue_;
  std::unordered_map<std::uint64_t, InFlight> in_flight_;  // lookup only, never iterated
  std::uint64_t next_sequence_ = 0;
  bool arrivals_open_ = true;
};

}  // namespace

void run_clients(World& world, models::ClientId id) {
  world.client(id).mailbox->set_receiver(simgrid::s4u::Actor::self());
  ClientLoop loop(world, id);
  loop.run();
}

}  // namespace cutover::sim
