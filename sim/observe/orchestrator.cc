#include "sim/observe/orchestrator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "analysis/quantile.h"
#include "sim/observe/observer.h"
#include "sim/transport/sim_clock.h"

namespace sg4 = simgrid::s4u;

namespace cutover::sim {
namespace {

using models::NodeId;

// How often waiting steps and guards look at the cluster: fine enough that a guard reacts
// within a client round trip, coarse enough to cost nothing next to the traffic.
constexpr double kTickS = 0.05;
// Commands that may be lost (a crashed leader, a refused promotion) are sent again this often.
constexpr double kResendS = 0.5;

const char* type_name(StepType type) {
  switch (type) {
    case StepType::kAddReplicas:
      return "add_replicas";
    case StepType::kWaitUntil:
      return "wait_until";
    case StepType::kSetReadOnly:
      return "set_read_only";
    case StepType::kPromote:
      return "promote";
    case StepType::kTransferLeadership:
      return "transfer_leadership";
    case StepType::kRemoveReplicas:
      return "remove_replicas";
    case StepType::kShiftTraffic:
      return "shift_traffic";
    case StepType::kWait:
      return "wait";
  }
  return "?";
}

double now_s() { return sg4::Engine::get_clock(); }

std::string format_ms(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", ms);
  return text;
}

class Orchestrator {
 public:
  explicit Orchestrator(World& world) : world_(world), plan_(*world.scenario().migration) {}

  void run() {
    analysis::MigrationFacts& facts = world_.migration();
    facts.planned = true;
    world_.scheduler().sleep_until(plan_.start_at_s);
    bool ok = true;
    for (const MigrationStep& step : plan_.steps) {
      if (!run_step(step, /*rollback=*/false)) {
        ok = false;
        break;
      }
    }
    facts.completed = ok;
    if (ok || plan_.rollback.empty()) return;
    facts.rolled_back = true;
    // Every rollback step runs, even after one fails: getting back matters more than order.
    for (const MigrationStep& step : plan_.rollback) run_step(step, /*rollback=*/true);
  }

 private:
  enum class Outcome { kDone, kTimedOut, kGuardFired };

  bool run_step(const MigrationStep& step, bool rollback) {
    current_ = &step;
    in_rollback_ = rollback;
    step_start_ = sim_now();
    analysis::StepRecord record{.name = step.name,
                                .type = type_name(step.type),
                                .rollback = rollback,
                                .start = step_start_,
                                .moves_leadership = moves_leadership(step)};
    const analysis::TrafficMatrix traffic_before = world_.facts().traffic;
    const Outcome outcome = perform(step, record.detail);
    record.end = sim_now();
    record.traffic = world_.facts().traffic.minus(traffic_before);
    record.ok = outcome == Outcome::kDone;
    if (outcome == Outcome::kGuardFired && world_.migration().guard_fired) {
      record.detail += (record.detail.empty() ? "" : "; ") + std::string("stopped by guard ") +
                       world_.migration().guard_fired->guard;
    }
    if (outcome == Outcome::kTimedOut) {
      record.detail += (record.detail.empty() ? "" : "; ") + std::string("timed out after ") +
                       format_ms(step.timeout_s * 1000) + " ms";
    }
    world_.migration().steps.push_back(std::move(record));
    return outcome == Outcome::kDone;
  }

  // Steps that hand the primary role to another node: their write-unavailability window is
  // reported. Raft's promote only turns learners into voters.
  bool moves_leadership(const MigrationStep& step) const {
    const bool raft = world_.scenario().protocol.type == ProtocolType::kRaft;
    return step.type == StepType::kTransferLeadership || (step.type == StepType::kPromote && !raft);
  }

  Outcome perform(const MigrationStep& step, std::string& detail) {
    switch (step.type) {
      case StepType::kWait:
        return pause(step.duration_s);
      case StepType::kSetReadOnly: {
        const std::optional<std::uint32_t> region =
            step.region.empty() ? std::nullopt : std::optional(world_.region_index(step.region));
        world_.set_read_only(region, step.read_only);
        detail = std::string("read-only ") + (step.read_only ? "on" : "off") + " for " +
                 (step.region.empty() ? std::string("every region") : step.region);
        return Outcome::kDone;
      }
      case StepType::kWaitUntil:
        return wait_until_caught_up(step, detail);
      case StepType::kAddReplicas:
        return add_replicas(step, detail);
      case StepType::kPromote:
        return world_.scenario().protocol.type == ProtocolType::kRaft
                   ? promote_learners(step, detail)
                   : move_primary(step, detail);
      case StepType::kTransferLeadership:
        return world_.scenario().protocol.type == ProtocolType::kRaft ? transfer(step, detail)
                                                                      : move_primary(step, detail);
      case StepType::kRemoveReplicas:
        return remove_replicas(step, detail);
      case StepType::kShiftTraffic:
        return shift_traffic(step, detail);
    }
    return Outcome::kDone;
  }

  // --- waiting ------------------------------------------------------------------------------

  // Ticks until done() holds, the deadline passes (kTimedOut), or a guard fires.
  template <typename Done>
  Outcome wait_for(Done&& done, double deadline_s) {
    while (true) {
      if (done()) return Outcome::kDone;
      if (guard_fired()) return Outcome::kGuardFired;
      if (now_s() >= deadline_s) return Outcome::kTimedOut;
      world_.scheduler().sleep_until(sg4::Engine::get_clock() + kTickS);
    }
  }

  Outcome pause(double duration_s) {
    const double until = now_s() + duration_s;
    const Outcome outcome = wait_for([&] { return now_s() >= until - 1e-9; }, until + 1);
    return outcome;
  }

  Outcome wait_until_caught_up(const MigrationStep& step, std::string& detail) {
    const std::uint32_t region = world_.region_index(step.region);
    double below_since = -1;
    double worst = 0;
    const Outcome outcome = wait_for(
        [&] {
          worst = region_lag_ms(region);
          if (worst >= step.lag_below_ms) {
            below_since = -1;
            return false;
          }
          if (below_since < 0) below_since = now_s();
          return now_s() - below_since >= step.for_s - 1e-9;
        },
        now_s() + step.timeout_s);
    detail = "lag of " + step.region + " members " + format_ms(worst) + " ms (limit " +
             format_ms(step.lag_below_ms) + " ms)";
    return outcome;
  }

  // Largest lag among the region's cluster members; infinite without a leader.
  double region_lag_ms(std::uint32_t region) {
    const NodeRuntime* leader = current_primary(world_);
    if (leader == nullptr) return INFINITY;
    double worst = 0;
    for (const auto& node : world_.nodes()) {
      if (node->region != region || !is_member(*node)) continue;
      if (!node->up) return INFINITY;
      worst = std::max(worst, lag_ms(leader->storage, node->storage, sim_now()));
    }
    return worst;
  }

  // --- membership (Raft) --------------------------------------------------------------------

  std::optional<models::Protocol::MembershipView> leader_membership() {
    const NodeRuntime* leader = current_primary(world_);
    if (leader == nullptr || leader->live == nullptr) return std::nullopt;
    return leader->live->membership_view();
  }

  bool is_member(const NodeRuntime& node) {
    const auto view = leader_membership();
    return !view || view->membership.is_member(node.id);
  }

  void send_to_leader(const models::AdminCommand& command) {
    const NodeRuntime* leader = current_primary(world_);
    if (leader == nullptr) return;
    world_.send(leader->endpoint(),
                Packet{.from = Endpoint{Endpoint::Kind::kControl, 0}, .body = command});
  }

  // Sends `command` to the leader (again every kResendS) until done() holds.
  template <typename Done>
  Outcome change_until(const models::AdminCommand& command, Done&& done, double deadline_s) {
    double sent_at = -INFINITY;
    return wait_for(
        [&] {
          if (done()) return true;
          if (now_s() - sent_at >= kResendS) {
            send_to_leader(command);
            sent_at = now_s();
          }
          return false;
        },
        deadline_s);
  }

  bool settled_with(NodeId node, bool (models::Membership::*test)(NodeId) const, bool expected) {
    const auto view = leader_membership();
    return view && view->settled && (view->membership.*test)(node) == expected;
  }

  std::vector<NodeId> nodes_in(std::uint32_t region) {
    std::vector<NodeId> ids;
    for (const auto& node : world_.nodes()) {
      if (node->region == region) ids.push_back(node->id);
    }
    return ids;
  }

  Outcome add_replicas(const MigrationStep& step, std::string& detail) {
    const double deadline = now_s() + step.timeout_s;
    const Outcome ready = wait_for([&] { return leader_membership().has_value(); }, deadline);
    if (ready != Outcome::kDone) return ready;
    const models::Membership before = leader_membership()->membership;
    std::vector<NodeId> spares;
    for (NodeId id : nodes_in(world_.region_index(step.region))) {
      if (!before.is_member(id)) spares.push_back(id);
    }
    const std::size_t wanted = step.count.value_or(static_cast<std::uint32_t>(spares.size()));
    if (spares.size() < wanted) {
      detail = step.region + " has " + std::to_string(spares.size()) + " spare replicas, " +
               std::to_string(wanted) + " wanted";
      return Outcome::kTimedOut;
    }
    spares.resize(wanted);
    for (NodeId id : spares) {
      const Outcome added = change_until(
          models::AddLearner{id},
          [&] { return settled_with(id, &models::Membership::is_learner, true); }, deadline);
      if (added != Outcome::kDone) return added;
      if (!step.as_learner) {
        const Outcome promoted = change_until(
            models::PromoteLearner{id},
            [&] { return settled_with(id, &models::Membership::is_voter, true); }, deadline);
        if (promoted != Outcome::kDone) return promoted;
      }
      // Billed from the step's start: the operator provisions the host before adding it.
      world_.migration().membership.push_back({.at = step_start_, .node = id, .joined = true});
      if (models::routing::LoadBalancer* balancer = world_.load_balancer()) {
        const NodeRuntime& joining = world_.node(id);
        balancer->add_backend(
            models::routing::Endpoint{models::routing::RegionId(joining.region), joining.id});
      }
      detail += (detail.empty() ? "added " : ", ") + world_.node(id).name;
    }
    detail += step.as_learner ? " as learners" : " as voters";
    return Outcome::kDone;
  }

  Outcome promote_learners(const MigrationStep& step, std::string& detail) {
    const double deadline = now_s() + step.timeout_s;
    for (NodeId id : nodes_in(world_.region_index(step.region))) {
      const auto view = leader_membership();
      if (!view || !view->membership.is_learner(id)) continue;
      // The leader refuses a learner that has not caught up; the command is repeated.
      const Outcome promoted = change_until(
          models::PromoteLearner{id},
          [&] { return settled_with(id, &models::Membership::is_voter, true); }, deadline);
      if (promoted != Outcome::kDone) return promoted;
      detail += (detail.empty() ? "promoted " : ", ") + world_.node(id).name;
    }
    if (detail.empty()) detail = "no learner in " + step.region;
    return Outcome::kDone;
  }

  Outcome transfer(const MigrationStep& step, std::string& detail) {
    const std::uint32_t region = world_.region_index(step.region);
    const double deadline = now_s() + step.timeout_s;
    auto leader_in_region = [&] {
      const NodeRuntime* leader = current_primary(world_);
      return leader != nullptr && leader->region == region;
    };
    double sent_at = -INFINITY;
    const Outcome outcome = wait_for(
        [&] {
          if (leader_in_region()) return true;
          if (now_s() - sent_at < kResendS) return false;
          // The most up-to-date voter of the region takes over.
          const auto view = leader_membership();
          const NodeRuntime* target = nullptr;
          for (const auto& node : world_.nodes()) {
            if (node->region != region || !node->up || !view ||
                !view->membership.is_voter(node->id)) {
              continue;
            }
            if (target == nullptr || node->storage.last_index() > target->storage.last_index()) {
              target = node.get();
            }
          }
          if (target != nullptr) {
            send_to_leader(models::TransferLeadership{target->id});
            sent_at = now_s();
          }
          return false;
        },
        deadline);
    if (const NodeRuntime* leader = current_primary(world_)) detail = "leader " + leader->name;
    return outcome;
  }

  // Primary-backup: the region's most up-to-date live replica is promoted by the operator; the
  // old primary steps down when it hears the new epoch.
  Outcome move_primary(const MigrationStep& step, std::string& detail) {
    const std::uint32_t region = world_.region_index(step.region);
    const NodeRuntime* target = nullptr;
    for (const auto& node : world_.nodes()) {
      if (node->region != region || !node->up) continue;
      if (target == nullptr || node->storage.last_index() > target->storage.last_index()) {
        target = node.get();
      }
    }
    if (target == nullptr) {
      detail = "no live replica in " + step.region;
      return Outcome::kTimedOut;
    }
    const NodeRuntime* leader = current_primary(world_);
    if (leader != target) {
      world_.send(target->endpoint(), Packet{.from = Endpoint{Endpoint::Kind::kControl, 0},
                                             .body = models::AdminCommand{models::PromoteNow{}}});
    }
    const Outcome outcome =
        wait_for([&] { return current_primary(world_) == target; }, now_s() + step.timeout_s);
    detail = "primary " + target->name;
    return outcome;
  }

  Outcome remove_replicas(const MigrationStep& step, std::string& detail) {
    const double deadline = now_s() + step.timeout_s;
    // Learners first, then voters, the leader last: the cluster keeps its leader longest.
    std::vector<NodeId> order;
    const auto view = leader_membership();
    if (!view) return wait_for([] { return false; }, deadline);
    const NodeRuntime* leader = current_primary(world_);
    for (NodeId id : nodes_in(world_.region_index(step.region))) {
      if (view->membership.is_learner(id)) order.push_back(id);
    }
    for (NodeId id : nodes_in(world_.region_index(step.region))) {
      if (view->membership.is_voter(id) && (leader == nullptr || id != leader->id)) {
        order.push_back(id);
      }
    }
    if (leader != nullptr && leader->region == world_.region_index(step.region)) {
      order.push_back(leader->id);
    }
    for (NodeId id : order) {
      const Outcome removed = change_until(
          models::RemoveNode{id},
          [&] { return settled_with(id, &models::Membership::is_member, false); }, deadline);
      if (removed != Outcome::kDone) return removed;
      world_.migration().membership.push_back({.at = sim_now(), .node = id, .joined = false});
      if (models::routing::LoadBalancer* balancer = world_.load_balancer()) {
        balancer->remove_backend(id);
      }
      detail += (detail.empty() ? "removed " : ", ") + world_.node(id).name;
    }
    if (detail.empty()) detail = "no member in " + step.region;
    return Outcome::kDone;
  }

  // --- traffic ------------------------------------------------------------------------------

  // The load balancer's weights move linearly to the target; the step lasts as long as the
  // shift, so guards watch it while traffic moves.
  Outcome shift_traffic(const MigrationStep& step, std::string& detail) {
    models::routing::LoadBalancer* balancer = world_.load_balancer();
    balancer->set_weights(world_.region_weights(step.weights), sim_now(),
                          models::from_ms(step.over_s * 1000));
    for (const auto& [region, weight] : step.weights) {
      detail += (detail.empty() ? "weights " : ", ") + region + " " + format_ms(weight);
    }
    return step.over_s > 0 ? pause(step.over_s) : Outcome::kDone;
  }

  // --- guards -------------------------------------------------------------------------------

  bool guard_fired() {
    if (in_rollback_) return false;  // a rollback is never cut short
    for (const Guard& guard : plan_.guards) {
      if (!guard.during.empty() && std::find(guard.during.begin(), guard.during.end(),
                                             current_->name) == guard.during.end()) {
        continue;
      }
      const double value = guard_value(guard);
      if (value > guard.above) {
        world_.migration().guard_fired = analysis::GuardFiring{.guard = guard.name,
                                                               .step = current_->name,
                                                               .at = sim_now(),
                                                               .value = value,
                                                               .limit = guard.above};
        return true;
      }
    }
    return false;
  }

  double guard_value(const Guard& guard) {
    if (guard.metric == GuardMetric::kMaxLagMs) {
      const NodeRuntime* leader = current_primary(world_);
      if (leader == nullptr) return INFINITY;
      double worst = 0;
      for (const auto& node : world_.nodes()) {
        if (!node->up || !is_member(*node)) continue;
        worst = std::max(worst, lag_ms(leader->storage, node->storage, sim_now()));
      }
      return worst;
    }
    const auto& operations = world_.facts().operations;
    const models::TimePoint now = sim_now();
    const models::TimePoint since = now - models::from_ms(guard.window_s * 1000);
    std::vector<double> latencies;
    std::size_t writes = 0;
    std::size_t errors = 0;
    std::optional<models::TimePoint> last_ok_write;
    bool attempted_since_ok = false;
    for (auto it = operations.rbegin(); it != operations.rend(); ++it) {
      if (it->kind != models::OpKind::kWrite) continue;
      if (it->outcome == analysis::OpOutcome::kOk && !last_ok_write) {
        last_ok_write = it->completed_at;
      } else if (!last_ok_write && it->outcome != analysis::OpOutcome::kOk) {
        attempted_since_ok = true;
      }
      if (it->completed_at < since) {
        if (last_ok_write) break;
        continue;
      }
      ++writes;
      if (it->outcome == analysis::OpOutcome::kOk) {
        latencies.push_back(models::to_ms(it->completed_at - it->invoked_at));
      } else {
        ++errors;
      }
    }
    switch (guard.metric) {
      case GuardMetric::kWriteP99Ms: {
        if (latencies.empty()) return 0;
        // The report's definition of a percentile, so a guard and the report agree.
        const std::size_t rank = analysis::quantile_rank(0.99, latencies.size()) - 1;
        std::nth_element(latencies.begin(), latencies.begin() + static_cast<std::ptrdiff_t>(rank),
                         latencies.end());
        return latencies[rank];
      }
      case GuardMetric::kWriteErrorRate:
        return writes == 0 ? 0.0 : static_cast<double>(errors) / static_cast<double>(writes);
      case GuardMetric::kWriteUnavailableMs:
        if (!attempted_since_ok) return 0;
        return last_ok_write ? models::to_ms(now - *last_ok_write) : models::to_ms(now - since);
      case GuardMetric::kMaxLagMs:
        break;
    }
    return 0;
  }

  World& world_;
  const Migration& plan_;
  const MigrationStep* current_ = nullptr;
  models::TimePoint step_start_{};
  bool in_rollback_ = false;
};

}  // namespace

void run_orchestrator(World& world) { Orchestrator(world).run(); }

}  // namespace cutover::sim
