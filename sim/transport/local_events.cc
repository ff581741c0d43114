#include "sim/transport/local_events.h"

namespace cutover::sim {

void LocalEventQueue::push(models::TimePoint at, LocalEvent event) {
  queue_.push(Item{at, next_sequence_++, std::move(event)});
}

LocalEvent LocalEventQueue::pop() {
  LocalEvent event = std::move(const_cast<Item&>(queue_.top()).event);
  queue_.pop();
  return event;
}

void LocalEventQueue::set_timer(models::TimerId id, models::TimePoint at) {
  const std::uint64_t generation = ++timer_generation_[id.value];
  push(at, TimerFired{id, generation});
}

void LocalEventQueue::cancel_timer(models::TimerId id) { ++timer_generation_[id.value]; }

bool LocalEventQueue::timer_is_current(const TimerFired& fired) const {
  auto it = timer_generation_.find(fired.id.value);
  return it != timer_generation_.end() && it->second == fired.generation;
}

}  // namespace cutover::sim
