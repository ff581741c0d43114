#include "analysis/checkers/availability.h"

#include <algorithm>
#include <utility>

namespace cutover::analysis {

void OpCounts::add(OpOutcome outcome) {
  ++attempted;
  switch (outcome) {
    case OpOutcome::kOk:
      ++ok;
      break;
    case OpOutcome::kFailed:
      ++failed;
      break;
    case OpOutcome::kTimedOut:
      ++timed_out;
      break;
    case OpOutcome::kRejected:
      ++rejected;
      break;
  }
}

OpCounts count_operations(const RunFacts& facts, OpKind kind) {
  OpCounts counts;
  for (const auto& op : facts.operations) {
    if (op.kind == kind) counts.add(op.outcome);
  }
  return counts;
}

std::optional<double> availability(const OpCounts& counts) {
  // Writes refused by the read-only flag were never offered to the system.
  const std::uint64_t offered = counts.attempted - counts.rejected;
  if (offered == 0) return std::nullopt;
  return static_cast<double>(counts.ok) / static_cast<double>(offered);
}

Recovery measure_recovery(const RunFacts& facts) {
  Recovery recovery;
  bool all_recovered = true;
  for (std::size_t i = 0; i < facts.faults.size(); ++i) {
    const FaultWindow& fault = facts.faults[i];
    if (!fault.disruptive) continue;

    std::optional<TimePoint> first_ack;
    for (const auto& op : facts.operations) {
      if (op.kind != OpKind::kWrite || op.outcome != OpOutcome::kOk) continue;
      if (op.invoked_at < fault.start) continue;
      if (!first_ack || op.completed_at < *first_ack) first_ack = op.completed_at;
    }

    FaultRecovery entry{i, fault.description, fault.start, fault.end, std::nullopt};
    if (first_ack) {
      entry.rto_ms = models::to_ms(*first_ack - fault.start);
      recovery.rto_ms = std::max(recovery.rto_ms.value_or(0.0), *entry.rto_ms);
    } else {
      all_recovered = false;
    }
    recovery.faults.push_back(std::move(entry));
  }
  if (!all_recovered) recovery.rto_ms.reset();
  return recovery;
}

}  // namespace cutover::analysis
