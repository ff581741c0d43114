// One SimGrid actor drives every replica and client of a run: one event queue, ordered by
// (time, insertion), for protocol timers, disk and CPU completions, client arrivals and
// packets reaching their receiver.
//
// Why one actor: the node and client state machines are sans-IO, so nothing forces each of
// them into a SimGrid actor of its own, and an actor per endpoint cost two context switches
// and a SimGrid transfer per message (BENCHMARKS.md). Here a message the network can deliver
// without SimGrid's flow model (network.h) is just an entry in this queue.
//
// Time: the scheduler runs ahead of SimGrid's clock, handling events in order without asking
// the engine, as far as nothing else in the simulation can act: up to the earliest wake-up of
// every other actor (fault controller, orchestrator, sampler, health checks register theirs
// through sleep_until) and the earliest instant an in-flight SimGrid flow could end. Inside
// that horizon no one can observe or change what it touches, so the result is the one a
// lock-step run would give. Handlers read time from now(), never from the engine. Before a
// packet becomes a SimGrid flow, the engine's clock is moved up to the scheduler's.
//
// Another actor that gives the scheduler work earlier than it planned to wake (a crash, an
// operator command) rings a doorbell: a zero-byte message on a mailbox the scheduler always
// listens to.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include <simgrid/s4u.hpp>

#include "models/core/types.h"
#include "sim/transport/channels.h"
#include "sim/transport/local_events.h"
#include "sim/transport/packet.h"
#include "sim/transport/sim_clock.h"
#include "sim/transport/time_queue.h"

namespace cutover::sim {

class Network;

// What runs at an endpoint (a replica's process, a workload's clients).
class EndpointHandler {
 public:
  virtual ~EndpointHandler() = default;
  // A packet, in its channel's order (channels.h).
  virtual void on_packet(std::unique_ptr<Packet> packet) = 0;
  virtual void on_event(LocalEvent&& event) = 0;
};

class Scheduler {
 public:
  explicit Scheduler(Channels& channels);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // The current time for whoever runs: the scheduler's own clock while it runs ahead, the
  // engine's otherwise (it is never behind the engine's).
  // While a handler runs, the engine's clock is at most the scheduler's (it moves only to
  // catch up with it, run()), so the engine need not be asked: now() is called on every
  // send, timer and reply (asking the engine each time was 2% of a run).
  models::TimePoint now() const { return dispatching_ ? now_ : std::max(now_, sim_now()); }

  // Starts a new incarnation of the endpoint's handler, made by make(EndpointQueue) around its
  // queue: events of earlier incarnations are dropped, and so is what they left in the
  // in-order inbox. Its Started event runs at once. Returns the new incarnation.
  template <typename Make>
  std::uint32_t start(std::size_t endpoint, Make&& make);
  // The endpoint's process is gone: its pending events are dropped, packets to it too.
  void uninstall(std::size_t endpoint);

  // An event for the handler incarnation `incarnation` of `endpoint`.
  void push(std::size_t endpoint, std::uint32_t incarnation, models::TimePoint at,
            LocalEvent event);
  // A packet that reaches `endpoint` at `at`: handed to whichever incarnation listens then.
  void arrive(std::size_t endpoint, models::TimePoint at, std::unique_ptr<Packet> packet);

  // Other actors: an actor that can act on the world tells when it next can (before it is
  // started, it can act at once). Unregistered actors must only read.
  void expect_actor(aid_t actor);
  void sleep_until(double at_s);  // for the calling registered actor
  void actor_done(aid_t actor);

  // The scheduler actor's body: runs until keep_going() is false or the engine stops.
  template <typename KeepGoing>
  void run(Network& network, models::TimePoint end, KeepGoing&& keep_going);

  bool dispatching() const { return dispatching_; }
  // Events taken from the queue so far: the simulation's unit of work (benchmarks divide wall
  // time by it).
  std::uint64_t events_handled() const { return events_handled_; }
  // Another actor started a SimGrid flow: the scheduler must wait on it too.
  void flows_changed() { wake_if_sleeping(now()); }

 private:
  static constexpr std::uint32_t kAnyIncarnation = 0;
  // The queue holds small plain entries and the events wait in a pool: moving an entry then
  // moves 12 bytes, not an event variant (measured: moving variants was 8% of a run).
  struct Pooled {
    std::uint32_t endpoint = 0;
    std::uint32_t incarnation = 0;
    LocalEvent event;
  };
  struct Slot {
    std::uint32_t incarnation = 0;
    std::unique_ptr<EndpointHandler> handler;
    std::unique_ptr<InOrderInbox> inbox;
  };

  // Moves the event out of the pool and frees its slot: a handler may push events, which may
  // grow the pool.
  Pooled take(std::uint32_t pooled);
  void dispatch(Pooled pooled);
  void install(std::size_t endpoint, std::uint32_t incarnation,
               std::unique_ptr<EndpointHandler> handler);
  models::TimePoint horizon(const Network& network, models::TimePoint end) const;
  void wake_if_sleeping(models::TimePoint at);
  // Brings the engine's clock up to the scheduler's, before a flow starts.
  void catch_engine_up() {
    if (models::to_seconds(now_) > simgrid::s4u::Engine::get_clock()) {
      simgrid::s4u::this_actor::sleep_until(models::to_seconds(now_));
    }
  }
  // Waits for SimGrid: a flow's end, a ring, or the next event; true if the engine stopped us.
  void yield_to_engine(Network& network);
  void post_doorbell_receive();

  Channels& channels_;
  std::vector<Slot> slots_;
  TimeQueue queue_;  // (time, index into pool_)
  std::vector<Pooled> pool_;
  std::vector<std::uint32_t> free_;  // unused pool_ slots
  models::TimePoint now_{};
  bool dispatching_ = false;
  std::uint64_t events_handled_ = 0;

  // Other actors' next wake-ups, by actor id (ordered map: iteration is deterministic).
  std::map<aid_t, models::TimePoint> wakes_;

  simgrid::s4u::Mailbox* doorbell_;
  simgrid::s4u::CommPtr doorbell_receive_;
  void* doorbell_payload_ = nullptr;
  bool waiting_ = false;  // blocked in the engine until waiting_until_ (max: no deadline)
  models::TimePoint waiting_until_{};
  bool rung_ = false;
};

// An endpoint's window on the scheduler: its events and its timers (one live deadline per
// timer id; re-arming leaves the old entry in the queue to be skipped when it comes up).
class EndpointQueue {
 public:
  EndpointQueue(Scheduler& scheduler, std::size_t endpoint, std::uint32_t incarnation)
      : scheduler_(scheduler), endpoint_(endpoint), incarnation_(incarnation) {}

  void push(models::TimePoint at, LocalEvent event) {
    scheduler_.push(endpoint_, incarnation_, at, std::move(event));
  }
  void set_timer(models::TimerId id, models::TimePoint at);
  void cancel_timer(models::TimerId id) { ++timer_generation_[id.value]; }
  bool timer_is_current(const TimerFired& fired) const;

 private:
  Scheduler& scheduler_;
  std::size_t endpoint_;
  std::uint32_t incarnation_;
  std::unordered_map<std::uint32_t, std::uint64_t> timer_generation_;  // lookup only
};

}  // namespace cutover::sim

#include "sim/transport/network.h"

namespace cutover::sim {

template <typename Make>
std::uint32_t Scheduler::start(std::size_t endpoint, Make&& make) {
  const std::uint32_t incarnation = slots_.at(endpoint).incarnation + 1;
  install(endpoint, incarnation, make(EndpointQueue(*this, endpoint, incarnation)));
  return incarnation;
}

template <typename KeepGoing>
void Scheduler::run(Network& network, models::TimePoint end, KeepGoing&& keep_going) {
  post_doorbell_receive();
  while (keep_going()) {
    models::TimePoint limit = horizon(network, end);
    while (keep_going()) {
      // Flows waiting for the bytes ahead of them start before events of the same instant.
      const models::TimePoint flows_due = network.next_waiting_start();
      const std::uint64_t event_due = queue_.empty() ? ~std::uint64_t{0} : queue_.top_time();
      if (flows_due <= limit && models::to_microseconds(flows_due) <= event_due) {
        now_ = std::max(now_, flows_due);
        catch_engine_up();
        network.start_waiting_flows();
        limit = horizon(network, end);
        continue;
      }
      if (event_due > models::to_microseconds(limit)) break;
      const TimeQueue::Entry entry = queue_.pop();
      ++events_handled_;
      now_ = std::max(now_, models::time_at_microseconds(entry.time));
      dispatch(take(entry.value));
      if (network.has_flows_to_start()) {
        catch_engine_up();  // a flow starts at the scheduler's time
        network.start_flows();
        limit = horizon(network, end);
      }
    }
    if (!keep_going()) break;
    yield_to_engine(network);
  }
}

}  // namespace cutover::sim
