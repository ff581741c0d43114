// Duplicate application: one logical client write (WriteId) applied more than once, i.e.
// idempotency broken (a retried or redirected request appended again instead of recognised).
//
// Two sources, both recorded by the simulator:
//   * each replica's applied-write counts (ReplicaState::applied_writes): a count >= 2 is a
//     duplicate on that replica;
//   * the surviving log (FinalState::surviving_log, when there is a survivor): two kNormal
//     entries carrying the same request id are two applications of one write by whoever applies
//     that log. The compacted prefix (snapshot) cannot be checked this way.
// count is the number of distinct write ids found applied more than once by either source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "analysis/history.h"

namespace cutover::analysis {

struct DuplicateApplication {
  WriteId write_id;
  std::optional<NodeId> replica;  // nullopt: found in the surviving log
  std::uint32_t times = 0;        // >= 2
};

struct DuplicateApplications {
  std::size_t count = 0;
  // Ascending by (write_id, replica), the surviving log's finding before the replicas'.
  std::vector<DuplicateApplication> findings;
};

DuplicateApplications find_duplicate_applications(const RunFacts& facts);

}  // namespace cutover::analysis
