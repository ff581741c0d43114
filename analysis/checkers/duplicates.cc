#include "analysis/checkers/duplicates.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "models/core/check.h"

namespace cutover::analysis {

DuplicateApplications find_duplicate_applications(const RunFacts& facts) {
  DuplicateApplications result;
  if (facts.final_state.survivor) {
    std::map<WriteId, std::uint32_t> in_log;
    for (const models::LogEntry& entry : facts.final_state.surviving_log) {
      if (entry.kind == models::EntryKind::kNormal) ++in_log[entry.request];
    }
    for (const auto& [write_id, times] : in_log) {
      if (times > 1) result.findings.push_back({write_id, std::nullopt, times});
    }
  }
  for (const ReplicaState& replica : facts.replica_states) {
    for (const AppliedWrite& applied : replica.applied_writes) {
      CUTOVER_CHECK(applied.count > 0, "a write recorded as applied zero times");
      if (applied.count > 1)
        result.findings.push_back({applied.write_id, replica.node, applied.count});
    }
  }
  // nullopt orders before every replica: the log's finding comes first.
  std::sort(result.findings.begin(), result.findings.end(), [](const auto& a, const auto& b) {
    return std::tie(a.write_id, a.replica) < std::tie(b.write_id, b.replica);
  });
  std::set<WriteId> distinct;
  for (const auto& finding : result.findings) distinct.insert(finding.write_id);
  result.count = distinct.size();
  return result;
}

}  // namespace cutover::analysis
