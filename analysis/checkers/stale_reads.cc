#include "analysis/checkers/stale_reads.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "analysis/checkers/operations_by_key.h"
#include "models/core/check.h"

namespace cutover::analysis {
namespace {

// One key's acknowledged writes (by acknowledgement time) and reads (by invocation time), as
// (time, index into RunFacts::operations).
struct KeyOps {
  std::vector<std::pair<TimePoint, std::size_t>> writes;
  std::vector<std::pair<TimePoint, std::size_t>> reads;
};

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

// Appends the stale reads among one key's operations to `stale` as (operation, staleness_ms).
void check_key(const RunFacts& facts, KeyOps& ops,
               std::vector<std::pair<std::size_t, double>>& stale) {
  const auto& all = facts.operations;
  std::sort(ops.writes.begin(), ops.writes.end());
  std::sort(ops.reads.begin(), ops.reads.end());
  Staircase acked;
  std::size_t next_write = 0;
  for (const auto& [invoked_at, read_index] : ops.reads) {
    const Operation read = all[read_index];
    while (next_write < ops.writes.size() && ops.writes[next_write].first < invoked_at) {
      const Operation write = all[ops.writes[next_write++].second];
      acked.add(write.version, write.completed_at);
    }
    if (const auto newer_acked_at = acked.first_newer_than(read.version)) {
      CUTOVER_CHECK(*newer_acked_at < read.invoked_at, "stale-read sweep out of order");
      stale.emplace_back(read_index, models::to_ms(read.invoked_at - *newer_acked_at));
    }
  }
}

}  // namespace

StaleReads find_stale_reads(const RunFacts& facts) {
  const OperationsByKey by_key = group_by_key(
      facts.operations, [](const Operation& op) { return op.outcome == OpOutcome::kOk; });
  std::vector<std::pair<std::size_t, double>> stale;
  KeyOps ops;
  for (std::size_t k = 0; k < by_key.key_count(); ++k) {
    ops.writes.clear();
    ops.reads.clear();
    for (std::uint32_t i : by_key.of(k)) {
      const Operation op = facts.operations[i];
      if (op.kind == OpKind::kWrite) {
        ops.writes.emplace_back(op.completed_at, i);
      } else {
        ops.reads.emplace_back(op.invoked_at, i);
      }
    }
    check_key(facts, ops, stale);
  }
  std::sort(stale.begin(), stale.end());

  StaleReads result;
  result.by_region.resize(facts.regions.size());
  result.by_phase.resize(facts.phases.size());
  for (const auto& [index, staleness_ms] : stale) {
    const Operation& read = facts.operations[index];
    CUTOVER_CHECK(read.client_region < facts.regions.size(),
                  "operation from unknown region " + std::to_string(read.client_region));
    result.stale_operations.push_back(index);
    record(result.overall, staleness_ms);
    record(result.by_region[read.client_region], staleness_ms);
    for (std::size_t p = 0; p < facts.phases.size(); ++p) {
      const Phase& phase = facts.phases[p];
      if (phase.start <= read.invoked_at && read.invoked_at < phase.end) {
        record(result.by_phase[p], staleness_ms);
      }
    }
  }
  return result;
}

}  // namespace cutover::analysis
