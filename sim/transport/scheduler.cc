#include "sim/transport/scheduler.h"

#include "models/core/check.h"

namespace sg4 = simgrid::s4u;

namespace cutover::sim {

Scheduler::Scheduler(Channels& channels)
    : channels_(channels),
      slots_(channels.endpoint_count()),
      doorbell_(sg4::Mailbox::by_name("scheduler/doorbell")) {}

void Scheduler::install(std::size_t endpoint, std::uint32_t incarnation,
                        std::unique_ptr<EndpointHandler> handler) {
  CUTOVER_CHECK(!dispatching_, "an endpoint was replaced while one of its handlers ran");
  Slot& slot = slots_.at(endpoint);
  CUTOVER_CHECK(incarnation > slot.incarnation, "incarnations only grow");
  slot.incarnation = incarnation;
  slot.handler = std::move(handler);
  slot.inbox = std::make_unique<InOrderInbox>(channels_, channels_.endpoint_at(endpoint));
  push(endpoint, incarnation, now(), Started{});
}

void Scheduler::uninstall(std::size_t endpoint) {
  CUTOVER_CHECK(!dispatching_, "an endpoint was removed while one of its handlers ran");
  Slot& slot = slots_.at(endpoint);
  slot.handler.reset();
  slot.inbox.reset();
}

void Scheduler::push(std::size_t endpoint, std::uint32_t incarnation, models::TimePoint at,
                     LocalEvent event) {
  std::uint32_t pooled = 0;
  if (free_.empty()) {
    pooled = static_cast<std::uint32_t>(pool_.size());
    pool_.push_back(Pooled{});
  } else {
    pooled = free_.back();
    free_.pop_back();
  }
  pool_[pooled] = Pooled{.endpoint = static_cast<std::uint32_t>(endpoint),
                         .incarnation = incarnation,
                         .event = std::move(event)};
  queue_.push(models::to_microseconds(at), pooled);
  wake_if_sleeping(at);
}

void Scheduler::arrive(std::size_t endpoint, models::TimePoint at, std::unique_ptr<Packet> packet) {
  push(endpoint, kAnyIncarnation, at, HeldPacket{std::move(packet)});
}

Scheduler::Pooled Scheduler::take(std::uint32_t pooled) {
  Pooled taken = std::move(pool_[pooled]);
  free_.push_back(pooled);
  return taken;
}

void Scheduler::dispatch(Pooled pooled) {
  Slot& slot = slots_[pooled.endpoint];
  if (!slot.handler) return;  // its process is down, or it never started
  dispatching_ = true;
  if (auto* held = std::get_if<HeldPacket>(&pooled.event)) {
    slot.inbox->accept(std::move(held->packet), [&](std::unique_ptr<Packet> packet) {
      slot.handler->on_packet(std::move(packet));
    });
  } else if (pooled.incarnation == slot.incarnation) {
    slot.handler->on_event(std::move(pooled.event));
  }
  dispatching_ = false;
}

void Scheduler::expect_actor(aid_t actor) { wakes_[actor] = now(); }

void Scheduler::sleep_until(double at_s) {
  const aid_t self = sg4::this_actor::get_pid();
  wakes_[self] = models::time_at_seconds(at_s);
  sg4::this_actor::sleep_until(at_s);
  wakes_[self] = now();  // running: it may act now
}

void Scheduler::actor_done(aid_t actor) { wakes_.erase(actor); }

models::TimePoint Scheduler::horizon(const Network& network, models::TimePoint end) const {
  models::TimePoint limit = end;
  for (const auto& [actor, wake] : wakes_) limit = std::min(limit, wake);
  const double flow_end_s = network.earliest_flow_end_s();
  if (flow_end_s < models::to_seconds(limit)) {
    // Rounded down: the scheduler must not pass a flow's end by a rounding.
    limit = models::TimePoint(models::Duration(static_cast<std::int64_t>(flow_end_s * 1e6)));
  }
  return limit;
}

void Scheduler::wake_if_sleeping(models::TimePoint at) {
  if (!waiting_ || rung_ || at >= waiting_until_) return;
  rung_ = true;
  doorbell_->put_init(this, 0)->detach();
}

void Scheduler::post_doorbell_receive() {
  doorbell_receive_ = doorbell_->get_async<void>(&doorbell_payload_);
}

void Scheduler::yield_to_engine(Network& network) {
  std::vector<sg4::CommPtr> waiting_on = network.comms();
  waiting_on.push_back(doorbell_receive_);
  double timeout_s = -1;  // only a flow or a ring can wake us
  waiting_until_ = network.next_waiting_start();
  if (!queue_.empty())
    waiting_until_ = std::min(waiting_until_, models::time_at_microseconds(queue_.top_time()));
  if (waiting_until_ != models::TimePoint::max()) {
    timeout_s = std::max(0.0, models::to_seconds(waiting_until_) - sg4::Engine::get_clock());
  }
  waiting_ = true;
  rung_ = false;
  ssize_t ready = -1;
  bool failed = false;
  try {
    ready = sg4::Comm::wait_any_for(waiting_on, timeout_s);
  } catch (const simgrid::NetworkFailureException&) {
    failed = true;  // a flow crossed a link that went down
  }
  waiting_ = false;
  now_ = std::max(now_, sim_now());
  if (failed) {
    network.drop_failed_flows();
    return;
  }
  if (ready < 0) return;  // the next event is due
  const auto index = static_cast<std::size_t>(ready);
  if (index == waiting_on.size() - 1) {
    post_doorbell_receive();
    return;
  }
  network.finish_flow(index);
  try {
    network.finish_flows_ended_now();
  } catch (const simgrid::NetworkFailureException&) {
    network.drop_failed_flows();
  }
}

void EndpointQueue::set_timer(models::TimerId id, models::TimePoint at) {
  push(at, TimerFired{id, ++timer_generation_[id.value]});
}

bool EndpointQueue::timer_is_current(const TimerFired& fired) const {
  auto it = timer_generation_.find(fired.id.value);
  return it != timer_generation_.end() && it->second == fired.generation;
}

}  // namespace cutover::sim
