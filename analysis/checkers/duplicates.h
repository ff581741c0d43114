// Duplicate application: one logical client write (WriteId) applied more than once, i.e.
// idempotency broken (a retried or redirected request applied again instead of recognised).
//
// The source is each replica's applied-write counts (ReplicaState::applied_writes), recorded by
// the simulator: a count >= 2 is a duplicate on that replica. The log is not a source: it may
// hold one request twice (a retry, or a duplicated packet, that reached the leader while the
// original was still uncommitted), and a deduplicating state machine applies the second entry as
// a no-op (Raft thesis §6.3), so two entries are not two applications. count is the number of
// distinct write ids found applied more than once on any replica.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "analysis/history.h"

namespace cutover::analysis {

struct DuplicateApplication {
  WriteId write_id;
  std::optional<NodeId> replica;  // where it was applied more than once
  std::uint32_t times = 0;        // >= 2
};

struct DuplicateApplications {
  std::size_t count = 0;
  // Ascending by (write_id, replica).
  std::vector<DuplicateApplication> findings;
};

DuplicateApplications find_duplicate_applications(const RunFacts& facts);

}  // namespace cutover::analysis
