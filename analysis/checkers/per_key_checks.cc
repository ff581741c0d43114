#include "analysis/checkers/per_key_checks.h"

#include <span>

#include "analysis/checkers/operations_by_key.h"

namespace cutover::analysis {

PerKeyFindings check_per_key(const RunFacts& facts, const LinearizabilityConfig& config) {
  // The linearizability checker's operations (acknowledged ones and timed-out writes) include
  // the acknowledged ones the other two read; those skip the rest.
  const auto takes_part = [](const Operation& op) {
    return op.outcome == OpOutcome::kOk ||
           (op.outcome == OpOutcome::kTimedOut && op.kind == OpKind::kWrite);
  };
  LinearizabilityCheck linearizability(config);
  StaleReadCheck stale_reads;
  SessionGuaranteeCheck sessions;
  for_each_key(facts.operations, takes_part, [&](Key key, std::span<const KeyedOperation> ops) {
    linearizability.check_key(key, ops);
    stale_reads.check_key(ops);
    sessions.check_key(ops);
  });
  return {.linearizability = linearizability.finish(),
          .stale_reads = stale_reads.finish(facts),
          .sessions = sessions.finish(facts)};
}

}  // namespace cutover::analysis
