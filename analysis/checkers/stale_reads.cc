#include "analysis/checkers/stale_reads.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "analysis/checkers/operations_by_key.h"
#include "models/core/check.h"

namespace cutover::analysis {
namespace {

// The writes acknowledged so far, kept as the "prefix maxima" of version in ack order: a write
// is kept only if its version exceeds every earlier-acked one. For any version v, the
// earliest-acked write newer than v is then the first kept entry with a version above v, and the
// kept versions ascend, so a binary search finds it.
struct Staircase {
  std::vector<std::pair<Version, TimePoint>> steps;  // (version, acked at), versions ascending

  void add(Version v, TimePoint acked) {
    if (steps.empty() || steps.back().first < v) steps.emplace_back(v, acked);
  }
  // When the earliest-acked write newer than `v` was acknowledged; nullopt when there is none.
  std::optional<TimePoint> first_newer_than(Version v) const {
    const auto it = std::upper_bound(steps.begin(), steps.end(), v,
                                     [](Version x, const auto& step) { return x < step.first; });
    if (it == steps.end()) return std::nullopt;
    return it->second;
  }
};

void record(StaleReadFigures& figures, double staleness_ms) {
  ++figures.count;
  figures.max_staleness_ms = std::max(figures.max_staleness_ms, staleness_ms);
}

}  // namespace

// Finds the stale reads among one key's acknowledged operations: its writes by acknowledgement
// time and its reads by invocation time (ties in history order), swept together.
void StaleReadCheck::check_key(std::span<const KeyedOperation> ops) {
  writes_.clear();
  reads_.clear();
  for (std::uint32_t p = 0; p < ops.size(); ++p) {
    const KeyedOperation& op = ops[p];
    if (op.outcome != OpOutcome::kOk) continue;
    if (op.kind == OpKind::kWrite) {
      writes_.emplace_back(op.completed_at, p);
    } else {
      reads_.emplace_back(op.invoked_at, p);
    }
  }
  // The simulator records operations as they complete, so the writes usually are in order.
  if (!std::is_sorted(writes_.begin(), writes_.end())) std::sort(writes_.begin(), writes_.end());
  std::sort(reads_.begin(), reads_.end());
  Staircase acked;
  std::size_t next_write = 0;
  for (const auto& [invoked_at, read_position] : reads_) {
    const KeyedOperation& read = ops[read_position];
    while (next_write < writes_.size() && writes_[next_write].first < invoked_at) {
      const KeyedOperation& write = ops[writes_[next_write++].second];
      acked.add(write.version, write.completed_at);
    }
    if (const auto newer_acked_at = acked.first_newer_than(read.version)) {
      CUTOVER_CHECK(*newer_acked_at < read.invoked_at, "stale-read sweep out of order");
      stale_.push_back({.operation = read.index,
                        .client_region = read.client_region,
                        .invoked_at = read.invoked_at,
                        .staleness_ms = models::to_ms(read.invoked_at - *newer_acked_at)});
    }
  }
}

StaleReads StaleReadCheck::finish(const RunFacts& facts) {
  std::sort(stale_.begin(), stale_.end(),
            [](const StaleRead& a, const StaleRead& b) { return a.operation < b.operation; });
  StaleReads result;
  result.by_region.resize(facts.regions.size());
  result.by_phase.resize(facts.phases.size());
  for (const StaleRead& read : stale_) {
    CUTOVER_CHECK(read.client_region < facts.regions.size(),
                  "operation from unknown region " + std::to_string(read.client_region));
    result.stale_operations.push_back(read.operation);
    record(result.overall, read.staleness_ms);
    record(result.by_region[read.client_region], read.staleness_ms);
    for (std::size_t p = 0; p < facts.phases.size(); ++p) {
      const Phase& phase = facts.phases[p];
      if (phase.start <= read.invoked_at && read.invoked_at < phase.end) {
        record(result.by_phase[p], read.staleness_ms);
      }
    }
  }
  return result;
}

StaleReads find_stale_reads(const RunFacts& facts) {
  return check_acknowledged_by_key(StaleReadCheck{}, facts);
}

}  // namespace cutover::analysis
