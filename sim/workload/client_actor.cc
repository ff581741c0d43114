#include "sim/workload/client_actor.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <unordered_map>

#include "models/core/check.h"
#include "models/core/rng.h"
#include "models/routing/dns.h"
#include "models/routing/retry.h"
#include "sim/node/protocol_config.h"
#include "sim/transport/scheduler.h"

namespace cutover::sim {
namespace {

using models::NodeId;

// Replicas ordered by propagation delay from the client's zone (ties by NodeId).
std::vector<NodeId> nearest_first(World& world, models::ClientId client) {
  const std::vector<double>& delay_s =
      world.platform().one_way_latency_s.at(world.client(client).site);
  std::vector<NodeId> order;
  for (const auto& node : world.nodes()) order.push_back(node->id);
  std::stable_sort(order.begin(), order.end(), [&](NodeId a, NodeId b) {
    return delay_s[world.node(a).site] < delay_s[world.node(b).site];
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

class ClientLoop final : public EndpointHandler {
 public:
  ClientLoop(World& world, models::ClientId id, EndpointQueue queue)
      : ClientLoop(world, id, std::move(queue), nearest_first(world, id)) {}

 private:
  ClientLoop(World& world, models::ClientId id, EndpointQueue queue,
             const std::vector<NodeId>& nearest)
      : world_(world),
        id_(id),
        workload_(world.scenario().workloads[id.value]),
        region_(world.client(id).region),
        rng_(world.fork_rng("client/" + std::to_string(id.value))),
        // Without a known first leader, start at the nearest replica and follow its hint.
        primary_target_(nearest, initial_primary(world.scenario()).value_or(nearest.front())),
        local_target_(nearest, nearest.front()),
        end_of_arrivals_(models::time_at_seconds(world.scenario().duration_s)),
        queue_(std::move(queue)),
        retry_(retry_config(workload_.retry)) {
    if (workload_.dns) {
      dns_.emplace(
          models::routing::DnsResolverConfig{.client_region = models::routing::RegionId(region_),
                                             .clients = workload_.dns->clients,
                                             .ttl = models::from_ms(workload_.dns->ttl_s * 1000),
                                             .cache_fill = models::routing::CacheFill::kStaggered},
          world_.dns_zone(), world_.now(), rng_);
      dns_routing_index_ = world_.facts().dns_routing.size();
      world_.facts().dns_routing.push_back(
          analysis::DnsRouting{.workload = id_.value, .ttl_s = workload_.dns->ttl_s});
    }
    if (workload_.key_distribution == KeyDistribution::kZipfian) {
      zipf_.emplace(workload_.key_space, workload_.zipf_exponent);
    }
  }

 public:
  void on_packet(std::unique_ptr<Packet> packet) override {
    for_each_body(*packet, [&](const PacketBody& body) {
      if (const auto* reply = std::get_if<models::ClientReply>(&body)) {
        on_reply(*reply, NodeId(packet->from.id));
      }
    });
  }

  void on_event(LocalEvent&& event) override {
    if (std::holds_alternative<Started>(event)) {
      start_arrivals();
    } else if (const auto* arrival = std::get_if<ClientArrival>(&event)) {
      const bool started = !world_.clients_are_out(id_) && start_operation(arrival->user);
      // Open loop: arrivals never wait. Closed loop: the user waits for its operation, or
      // (its region dark, its write refused) thinks and tries again.
      if (!workload_.closed_loop || !started) schedule_next_arrival(arrival->user);
    } else if (const auto* timeout = std::get_if<ClientTimeout>(&event)) {
      on_timeout(*timeout);
    } else if (std::holds_alternative<FirstAttemptsDue>(event)) {
      on_first_attempts_due();
    } else if (const auto* retry = std::get_if<ClientRetry>(&event)) {
      on_retry(*retry);
    }
  }

 private:
  struct InFlight {
    models::ClientRequest request;
    models::TimePoint invoked_at;
    NodeId target;
    bool local_read = false;
    bool redirected = false;
    std::uint32_t user = 0;  // closed loop: the user who issued it (its session)
    std::uint32_t attempts = 1;
    std::uint32_t dns_client = 0;  // behind DNS: which client's cache it uses
    std::optional<NodeId> entry;   // behind the load balancer: the replica it entered through
    models::TimePoint deadline{};  // the whole operation, every attempt included
    bool retry_pending = false;    // between attempts: waiting out the backoff
  };

  static models::routing::RetryConfig retry_config(const RetrySettings& settings) {
    const models::routing::Jitter jitter =
        settings.jitter == RetryJitter::kEqual  ? models::routing::Jitter::kEqual
        : settings.jitter == RetryJitter::kNone ? models::routing::Jitter::kNone
                                                : models::routing::Jitter::kFull;
    return models::routing::RetryConfig{
        .max_attempts = settings.max_attempts,
        .initial_backoff = models::from_ms(settings.initial_backoff_ms),
        .max_backoff = models::from_ms(settings.max_backoff_ms),
        .multiplier = settings.multiplier,
        .jitter = jitter};
  }

  // Open loop: the next Poisson arrival. Closed loop: one user's next request after its
  // think time (called once per user at the start and after each of its operations).
  void schedule_next_arrival(std::uint32_t user = 0) {
    const double gap_ms = workload_.closed_loop
                              ? (workload_.closed_loop->think_time_ms > 0
                                     ? rng_.exponential(workload_.closed_loop->think_time_ms)
                                     : 0.0)
                              : rng_.exponential(1000.0 / workload_.rate_per_s);
    const models::TimePoint next = world_.now() + models::from_ms(gap_ms);
    if (next >= end_of_arrivals_) return;
    queue_.push(next, ClientArrival{.user = user});
  }

  void start_arrivals() {
    if (workload_.closed_loop) {
      for (std::uint32_t user = 0; user < workload_.closed_loop->users; ++user) {
        schedule_next_arrival(user);
      }
    } else {
      schedule_next_arrival();
    }
  }

  // The operation whose attempt `timeout` is for, while that attempt is still waiting for an
  // answer; in_flight_.end() once it was answered, or failed and is retried.
  std::unordered_map<std::uint64_t, InFlight>::iterator awaiting(const ClientTimeout& timeout) {
    auto it = in_flight_.find(timeout.sequence);
    if (it == in_flight_.end() || it->second.attempts != timeout.attempt ||
        it->second.retry_pending) {
      return in_flight_.end();
    }
    return it;
  }

  void on_timeout(const ClientTimeout& timeout) {
    auto it = awaiting(timeout);
    if (it == in_flight_.end()) return;  // an earlier attempt's timer
    target_of(it->second).failed(it->second.target);
    attempt_failed(it, analysis::OpOutcome::kTimedOut, std::nullopt);
  }

  void on_retry(const ClientRetry& retry) {
    auto it = in_flight_.find(retry.sequence);
    if (it == in_flight_.end()) return;
    InFlight& op = it->second;
    op.retry_pending = false;
    ++op.attempts;
    op.redirected = false;
    if (!enter_through_load_balancer(op)) {
      finish(it, analysis::OpOutcome::kFailed, {});
      return;
    }
    op.target = choose_target(op);
    send(op);
    arm_attempt_timer(op);
  }

  // Retries with backoff while attempts and the deadline allow; the same request id (the
  // idempotency key) on every attempt.
  void attempt_failed(std::unordered_map<std::uint64_t, InFlight>::iterator it,
                      analysis::OpOutcome outcome, std::optional<NodeId> answered_by) {
    InFlight& op = it->second;
    const std::optional<models::Duration> delay = retry_.next_delay(op.attempts, rng_);
    if (delay && world_.now() + *delay < op.deadline) {
      op.retry_pending = true;
      queue_.push(world_.now() + *delay, ClientRetry{op.request.id.sequence});
      return;
    }
    finish(it, outcome, {}, answered_by);
  }

  // First attempts all wait the same time from their start (the shorter of the attempt and
  // the operation timeout), so their deadlines come in the order they were sent: they wait in
  // one queue with one event for its oldest, instead of one event each, nearly all of them
  // firing after their operation was answered (a tenth of a run's events, measured on the
  // reference). Retries keep an event each.
  void arm_attempt_timer(const InFlight& op) {
    const models::TimePoint at =
        std::min(op.deadline, world_.now() + models::from_ms(workload_.retry.attempt_timeout_ms));
    if (op.attempts > 1) {
      queue_.push(at, ClientTimeout{op.request.id.sequence, op.attempts});
      return;
    }
    CUTOVER_CHECK(first_attempts_.empty() || first_attempts_.back().deadline <= at,
                  "first attempts time out in the order they were sent");
    first_attempts_.push_back(FirstAttempt{.deadline = at, .sequence = op.request.id.sequence});
    if (!first_attempts_due_armed_) arm_first_attempts_due();
  }

  void on_first_attempts_due() {
    first_attempts_due_armed_ = false;
    while (!first_attempts_.empty() && first_attempts_.front().deadline <= world_.now()) {
      const std::uint64_t sequence = first_attempts_.front().sequence;
      first_attempts_.pop_front();
      on_timeout(ClientTimeout{sequence, 1});
    }
    // Answered ones leave without an event of their own.
    while (!first_attempts_.empty() &&
           awaiting(ClientTimeout{first_attempts_.front().sequence, 1}) == in_flight_.end()) {
      first_attempts_.pop_front();
    }
    if (!first_attempts_.empty()) arm_first_attempts_due();
  }

  void arm_first_attempts_due() {
    queue_.push(first_attempts_.front().deadline, FirstAttemptsDue{});
    first_attempts_due_armed_ = true;
  }

  // False when the operation ended at once (a write refused by the read-only flag).
  bool start_operation(std::uint32_t user) {
    const bool write = rng_.bernoulli(workload_.write_fraction);
    const models::Key key = zipf_ ? zipf_->sample(rng_) : rng_.uniform_below(workload_.key_space);
    InFlight op{
        .request = {.id = {id_, next_sequence_++},
                    .kind = write ? models::OpKind::kWrite : models::OpKind::kRead,
                    .key = key,
                    .value_bytes = workload_.value_bytes,
                    .allow_backup_read = !write && workload_.read_from == ReadTarget::kLocal},
        .invoked_at = world_.now(),
        .user = user};
    op.local_read = op.request.allow_backup_read;
    if (write && world_.writes_rejected(region_)) {
      // The read-only flag refuses the write before it leaves the application.
      record(op, analysis::OpOutcome::kRejected, {});
      return false;
    }
    if (dns_) op.dns_client = static_cast<std::uint32_t>(rng_.uniform_below(dns_->clients()));
    if (!enter_through_load_balancer(op)) {
      record(op, analysis::OpOutcome::kFailed, {});  // no healthy replica: fail closed
      return false;
    }
    op.target = choose_target(op);
    op.deadline = op.invoked_at + models::from_ms(workload_.client_timeout_ms);
    send(op);
    arm_attempt_timer(op);
    in_flight_.emplace(op.request.id.sequence, op);
    return true;
  }

  void on_reply(const models::ClientReply& reply_ref, NodeId from) {
    const models::ClientReply* reply = &reply_ref;
    auto it = in_flight_.find(reply->id.sequence);
    if (it == in_flight_.end()) return;  // answered after its timeout: outcome already recorded
    InFlight& op = it->second;
    if (reply->status != models::ReplyStatus::kOk && op.retry_pending) return;  // already failed
    switch (reply->status) {
      case models::ReplyStatus::kOk:
        finish(it, analysis::OpOutcome::kOk, reply->version, from);
        return;
      case models::ReplyStatus::kNotPrimary:
        // Behind a DNS name the client talks to whatever the name resolves to; it cannot
        // follow a replica's hint.
        if (reply->primary_hint && !op.redirected && !uses_dns(op)) {
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
    attempt_failed(it, analysis::OpOutcome::kFailed, from);
  }

  Target& target_of(const InFlight& op) { return op.local_read ? local_target_ : primary_target_; }

  bool uses_dns(const InFlight& op) const { return dns_ && !op.local_read; }

  // Behind a load balancer every attempt enters through the replica it picks (by region weight,
  // healthy only); writes are then redirected from there to the primary. False when no replica
  // is healthy.
  bool enter_through_load_balancer(InFlight& op) {
    models::routing::LoadBalancer* balancer = world_.load_balancer();
    if (balancer == nullptr) return true;
    const std::optional<models::routing::Endpoint> entry = balancer->pick(world_.now(), rng_);
    if (!entry) return false;
    op.entry = entry->node;
    op.request.forward_to_primary = !op.local_read;  // the entry replica forwards to the primary
    return true;
  }

  // Where this attempt goes: behind DNS, the node the client's cached answer names (counting
  // requests sent to a node the record no longer names); otherwise the current candidate.
  NodeId choose_target(const InFlight& op) {
    if (op.entry) return *op.entry;
    if (!uses_dns(op)) return target_of(op).current();
    const models::routing::DnsZone& zone = world_.dns_zone();
    const models::routing::RegionId region(region_);
    const models::routing::DnsAnswer answer = dns_->resolve(op.dns_client, zone, world_.now());
    analysis::DnsRouting& routing = world_.facts().dns_routing.at(dns_routing_index_);
    ++routing.requests;
    if (answer.target != zone.record_for(region).target) {
      ++routing.stale_requests;
      routing.last_stale_at = world_.now();
    }
    return answer.target.node;
  }

  void send(const InFlight& op) {
    world_.send(world_.node(op.target).endpoint(),
                Packet{.from = Endpoint{Endpoint::Kind::kClient, id_.value}, .body = op.request});
  }

  void finish(std::unordered_map<std::uint64_t, InFlight>::iterator it, analysis::OpOutcome outcome,
              models::Version version, std::optional<NodeId> answered_by = std::nullopt) {
    const std::uint32_t user = it->second.user;
    record(it->second, outcome, version, answered_by);
    in_flight_.erase(it);
    if (workload_.closed_loop) schedule_next_arrival(user);  // the user thinks, then goes on
  }

  // Sessions: a closed-loop user is one session (its reads must see its writes and never go
  // back). An open-loop workload is a population of users issuing one request each, so every
  // operation is its own session.
  void record(const InFlight& op, analysis::OpOutcome outcome, models::Version version,
              std::optional<NodeId> answered_by = std::nullopt) {
    const bool write = op.request.kind == models::OpKind::kWrite;
    world_.record_operation(
        analysis::Operation{.client_region = region_,
                            .kind = op.request.kind,
                            .key = op.request.key,
                            .invoked_at = op.invoked_at,
                            .completed_at = world_.now(),
                            .outcome = outcome,
                            .version = version,
                            .client = id_,
                            .session = workload_.closed_loop ? op.user : op.request.id.sequence,
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
  EndpointQueue queue_;
  std::unordered_map<std::uint64_t, InFlight> in_flight_;  // lookup only, never iterated
  struct FirstAttempt {
    models::TimePoint deadline;
    std::uint64_t sequence;
  };
  std::deque<FirstAttempt> first_attempts_;  // by deadline (= by sending order)
  bool first_attempts_due_armed_ = false;
  std::uint64_t next_sequence_ = 0;
  models::routing::RetryPolicy retry_;
  std::optional<models::routing::DnsResolver> dns_;
  std::size_t dns_routing_index_ = 0;
};

}  // namespace

void start_clients(World& world, models::ClientId id) {
  const Endpoint self{Endpoint::Kind::kClient, id.value};
  world.scheduler().start(world.channels().index(self), [&](EndpointQueue queue) {
    return std::make_unique<ClientLoop>(world, id, std::move(queue));
  });
}

}  // namespace cutover::sim
