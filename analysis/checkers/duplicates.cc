#include "analysis/checkers/duplicates.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "models/core/check.h"

namespace cutover::analysis {

DuplicateApplications find_duplicate_applications(const RunFacts& facts) {
  DuplicateApplications result;
  for (const ReplicaState& replica : facts.replica_states) {
    for (const AppliedWrite& applied : replica.applied_writes) {
      CUTOVER_CHECK(applied.count > 0, "a write recorded as applied zero times");
      if (applied.count > 1)
        result.findings.push_back({applied.write_id, replica.node, applied.count});
    }
  }
  std::sort(result.findings.begin(), result.findings.end(), [](const auto& a, const auto& b) {
    return std::tie(a.write_id, a.replica) < std::tie(b.write_id, b.replica);
  });
  std::set<WriteId> distinct;
  for (const auto& finding : result.findings) distinct.insert(finding.write_id);
  result.count = distinct.size();
  return result;
}

}  // namespace cutover::analysis
