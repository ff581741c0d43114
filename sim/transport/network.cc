#include "sim/transport/network.h"

#include <cmath>
#include <limits>

#include "models/core/check.h"
#include "sim/transport/scheduler.h"

namespace sg4 = simgrid::s4u;

namespace cutover::sim {

Network::Network(Scheduler& scheduler, std::vector<sg4::Host*> hosts, double tolerance_s)
    : scheduler_(scheduler),
      hosts_(std::move(hosts)),
      tolerance_s_(tolerance_s),
      routes_(hosts_.size() * hosts_.size()),
      link_changes_(std::make_shared<std::uint64_t>(0)) {
  // The signals are SimGrid's and outlive this network: they share the counter, not `this`.
  auto changed = [changes = link_changes_](const sg4::Link&) { ++*changes; };
  sg4::Link::on_state_change_cb(changed);
  sg4::Link::on_bandwidth_change_cb(changed);
}

const Network::Route& Network::route(std::size_t from, std::size_t to) {
  std::unique_ptr<Route>& slot = routes_[from * hosts_.size() + to];
  if (slot) return *slot;
  slot = std::make_unique<Route>();
  slot->from = hosts_.at(from);
  slot->to = hosts_.at(to);
  double latency_s = 0;  // zero: propagation delay is the transport's (platform_builder.h)
  slot->from->route_to(slot->to, slot->links, &latency_s);
  for (sg4::Link* link : slot->links) {
    std::size_t index = 0;
    while (index < load_links_.size() && load_links_[index] != link) ++index;
    if (index == load_links_.size()) {
      load_links_.push_back(link);
      loads_.push_back(std::make_unique<LinkLoad>());
    }
    slot->loads.push_back(loads_[index].get());
  }
  return *slot;
}

bool Network::links_up(const Route& route) const {
  if (route.checked_at_change == *link_changes_) return route.up;
  route.checked_at_change = *link_changes_;
  route.up = read_links(route);
  return route.up;
}

bool Network::read_links(const Route& route) {
  for (std::size_t i = 0; i < route.links.size(); ++i) {
    if (!route.links[i]->is_on()) return false;
    route.loads[i]->bandwidth_bytes_per_s = route.links[i]->get_bandwidth();
  }
  return true;
}

void Network::transmit(std::size_t from, std::size_t to, std::unique_ptr<Packet> packet,
                       std::uint64_t bytes) {
  const Route& path = route(from, to);
  if (!links_up(path)) {
    ++counts_.lost;
    return;
  }
  const models::TimePoint now = scheduler_.now();
  if (const auto bytes_in_s = try_direct(path.loads, static_cast<double>(bytes),
                                         models::to_seconds(now), tolerance_s_)) {
    ++counts_.direct;
    const models::TimePoint arrival =
        std::max(now, models::time_at_seconds(*bytes_in_s)) + packet->propagation_delay;
    scheduler_.arrive(to, arrival, std::move(packet));
    return;
  }
  Flow flow{.to = to, .packet = std::move(packet), .route = &path, .bytes = bytes};
  for (LinkLoad* load : path.loads) ++load->flows;  // from now on nothing overtakes it
  if (scheduler_.dispatching()) {
    to_start_.push_back(std::move(flow));
  } else {
    start_or_wait(std::move(flow));  // another actor's send: the engine's clock is its time
    scheduler_.flows_changed();
  }
}

void Network::start_or_wait(Flow flow) {
  // A link may have gone down since the send (in the same instant) or while the flow waited.
  if (!links_up(*flow.route)) {
    lose(flow);
    return;
  }
  const double start_s = flow_start_s(flow.route->loads, models::to_seconds(scheduler_.now()));
  // Rounded up to the clock's microsecond (a nanosecond of floating-point noise aside): the
  // flow must not start before the bytes ahead of it are through.
  flow.start = models::TimePoint(
      models::Duration(static_cast<std::int64_t>(std::ceil(start_s * 1e6 - 1e-3))));
  if (flow.start > scheduler_.now()) {
    waiting_.push_back(std::move(flow));
    return;
  }
  start(std::move(flow));
}

models::TimePoint Network::next_waiting_start() const {
  models::TimePoint next = models::TimePoint::max();
  for (const Flow& flow : waiting_) next = std::min(next, flow.start);
  return next;
}

void Network::start_waiting_flows() {
  const models::TimePoint now = scheduler_.now();
  std::vector<Flow> waiting;
  waiting.swap(waiting_);
  for (Flow& flow : waiting) {
    if (flow.start > now) {
      waiting_.push_back(std::move(flow));
    } else {
      start_or_wait(std::move(flow));  // its bytes ahead are through: it starts now
    }
  }
}

void Network::start_flows() {
  std::vector<Flow> starting;
  starting.swap(to_start_);
  for (Flow& flow : starting) start_or_wait(std::move(flow));
}

void Network::lose(const Flow& flow) {
  for (LinkLoad* load : flow.route->loads) --load->flows;
  ++counts_.lost;
}

void Network::start(Flow flow) {
  comms_.push_back(sg4::Comm::sendto_async(flow.route->from, flow.route->to, flow.bytes));
  flows_.push_back(std::move(flow));
  ++counts_.flows;
}

void Network::remove_flow(std::size_t index) {
  for (LinkLoad* load : flows_[index].route->loads) --load->flows;
  flows_.erase(flows_.begin() + static_cast<std::ptrdiff_t>(index));
  comms_.erase(comms_.begin() + static_cast<std::ptrdiff_t>(index));
}

void Network::finish_flow(std::size_t index) {
  CUTOVER_CHECK(index < flows_.size(), "no such flow");
  const std::size_t to = flows_[index].to;
  std::unique_ptr<Packet> packet = std::move(flows_[index].packet);
  remove_flow(index);
  const models::TimePoint arrival = scheduler_.now() + packet->propagation_delay;
  scheduler_.arrive(to, arrival, std::move(packet));
}

void Network::finish_flows_ended_now() {
  for (std::size_t i = 0; i < comms_.size();) {
    // test() is a simcall: only a flow whose bytes are in (under a byte left) is asked. A
    // flow that failed also has none left, and SimGrid 3.32's test() reports a failure no
    // one was waiting for as a success: a flow whose route is down is left to the waits,
    // as it was before flows were collected here.
    if (links_up(*flows_[i].route) && comms_[i]->get_remaining() < 1.0 && comms_[i]->test()) {
      finish_flow(i);
    } else {
      ++i;
    }
  }
}

void Network::drop_failed_flows() {
  for (std::size_t i = flows_.size(); i-- > 0;) {
    if (comms_[i]->get_state() == sg4::Activity::State::FAILED) {
      ++counts_.lost;
      remove_flow(i);
    }
  }
}

double Network::earliest_flow_end_s() const {
  double earliest = std::numeric_limits<double>::infinity();
  const double now_s = sg4::Engine::get_clock();
  for (std::size_t i = 0; i < flows_.size(); ++i) {
    double bottleneck = std::numeric_limits<double>::infinity();
    for (sg4::Link* link : flows_[i].route->links) {
      bottleneck = std::min(bottleneck, link->get_bandwidth());
    }
    earliest = std::min(earliest, now_s + comms_[i]->get_remaining() / bottleneck);
  }
  return earliest;
}

}  // namespace cutover::sim
