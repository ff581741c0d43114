#include "analysis/checkers/split_brain.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "models/core/check.h"

namespace cutover::analysis {
namespace {

struct Period {
  NodeId node;
  models::Epoch epoch;
  TimePoint first{};
  TimePoint last{};
};

std::vector<Period> write_periods(const RunFacts& facts) {
  std::map<std::pair<NodeId, models::Epoch>, Period> periods;
  // Acks come in runs of one primary's: the run's period is looked up once.
  auto current = periods.end();
  for (const AckRecord& ack : facts.acks) {
    if (ack.kind != OpKind::kWrite) continue;
    // A primary's period runs over the writes it accepted (and went on to acknowledge).
    const TimePoint accepted = ack.accepted_at;
    if (current == periods.end() || current->first != std::pair(ack.node, ack.epoch)) {
      const auto [it, inserted] = periods.try_emplace(
          {ack.node, ack.epoch}, Period{ack.node, ack.epoch, accepted, accepted});
      current = it;
      if (inserted) continue;
    }
    current->second.first = std::min(current->second.first, accepted);
    current->second.last = std::max(current->second.last, accepted);
  }
  std::vector<Period> sorted;
  for (const auto& [id, period] : periods) sorted.push_back(period);
  std::sort(sorted.begin(), sorted.end(), [](const Period& a, const Period& b) {
    return std::tie(a.first, a.node, a.epoch) < std::tie(b.first, b.node, b.epoch);
  });
  return sorted;
}

std::optional<std::uint32_t> region_of(const RunFacts& facts, NodeId node) {
  if (node.value >= facts.replica_regions.size()) return std::nullopt;
  return facts.replica_regions[node.value];
}

// The largest epoch established (by a failover or an ack) up to each instant: the instants at
// which it rose, with the new maximum, from (at, epoch) entries in ascending time order.
using EpochSteps = std::vector<std::pair<TimePoint, models::Epoch>>;
void climb(EpochSteps& steps, TimePoint at, models::Epoch epoch) {
  if (steps.empty() || steps.back().second < epoch) steps.emplace_back(at, epoch);
}

struct Established {
  EpochSteps steps;
  bool acks_in_time_order = true;
};

Established established_epochs(const RunFacts& facts) {
  std::vector<std::pair<TimePoint, models::Epoch>> failovers;
  for (const FailoverRecord& failover : facts.failovers) {
    failovers.emplace_back(failover.at, failover.epoch);
  }
  std::sort(failovers.begin(), failovers.end());
  Established established;
  EpochSteps& steps = established.steps;
  // Merge without copying the acks (an hour of them is 18 million), checking their order on
  // the way.
  auto failover = failovers.begin();
  std::optional<TimePoint> previous;
  for (const AckRecord& ack : facts.acks) {
    if (previous && ack.at < *previous) {
      established.acks_in_time_order = false;
      break;
    }
    previous = ack.at;
    for (; failover != failovers.end() && failover->first <= ack.at; ++failover) {
      climb(steps, failover->first, failover->second);
    }
    climb(steps, ack.at, ack.epoch);
  }
  if (!established.acks_in_time_order) {
    // Not from the simulator, which appends in time order: sort a copy.
    steps.clear();
    std::vector<std::pair<TimePoint, models::Epoch>> all = failovers;
    for (const AckRecord& ack : facts.acks) all.emplace_back(ack.at, ack.epoch);
    std::sort(all.begin(), all.end());
    for (const auto& [at, epoch] : all) climb(steps, at, epoch);
    return established;
  }
  for (; failover != failovers.end(); ++failover) climb(steps, failover->first, failover->second);
  return established;
}

// Acks sent in an epoch older than one already established (strictly) before them.
std::uint64_t count_deposed_acks(const RunFacts& facts) {
  const Established established = established_epochs(facts);
  const EpochSteps& steps = established.steps;
  std::uint64_t deposed = 0;
  auto after = steps.begin();  // the first step at or after the ack
  for (const AckRecord& ack : facts.acks) {
    if (established.acks_in_time_order) {
      while (after != steps.end() && after->first < ack.at) ++after;  // acks ascend: walk
    } else {
      after = std::lower_bound(
          steps.begin(), steps.end(), ack.at,
          [](const std::pair<TimePoint, models::Epoch>& e, TimePoint t) { return e.first < t; });
    }
    if (after != steps.begin() && ack.epoch < std::prev(after)->second) ++deposed;
  }
  return deposed;
}

}  // namespace

SplitBrain find_split_brain(const RunFacts& facts) {
  SplitBrain result;
  const std::vector<Period> periods = write_periods(facts);
  for (std::size_t i = 0; i < periods.size(); ++i) {
    // Periods ascend by first ack: once one starts after periods[i] ends, so do the rest.
    for (std::size_t j = i + 1; j < periods.size() && periods[j].first <= periods[i].last; ++j) {
      if (periods[i].node == periods[j].node) continue;
      const bool ordered = periods[i].node < periods[j].node;
      const Period& a = ordered ? periods[i] : periods[j];
      const Period& b = ordered ? periods[j] : periods[i];
      SplitBrainWindow window{.first = a.node,
                              .first_epoch = a.epoch,
                              .second = b.node,
                              .second_epoch = b.epoch,
                              .start = periods[j].first,
                              .end = std::min(periods[i].last, periods[j].last)};
      CUTOVER_CHECK(window.start <= window.end, "split-brain window ends before it starts");
      const auto region_a = region_of(facts, a.node);
      const auto region_b = region_of(facts, b.node);
      window.cross_region = region_a && region_b && *region_a != *region_b;
      result.cross_region_windows += window.cross_region ? 1 : 0;
      result.windows.push_back(window);
    }
  }
  std::sort(result.windows.begin(), result.windows.end(), [](const auto& x, const auto& y) {
    return std::tie(x.start, x.first, x.second, x.first_epoch, x.second_epoch) <
           std::tie(y.start, y.first, y.second, y.first_epoch, y.second_epoch);
  });
  result.deposed_acks = count_deposed_acks(facts);

  for (const Phase& phase : facts.phases) {
    std::set<std::uint32_t> regions;
    for (const AckRecord& ack : facts.acks) {
      if (ack.kind != OpKind::kWrite || ack.at < phase.start || !(ack.at < phase.end)) continue;
      if (const auto region = region_of(facts, ack.node)) regions.insert(*region);
    }
    result.write_regions_by_phase.emplace_back(regions.begin(), regions.end());
  }
  return result;
}

}  // namespace cutover::analysis
