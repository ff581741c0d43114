// Acknowledged writes that the surviving state does not contain: the data a failover lost.
//
// A write whose outcome is kOk is lost iff the surviving log (FinalState::surviving_log) has no
// entry with the same version AND the same key. Versions are unique per run, so the key check
// only matters when a version was reused for a different write (which is itself a loss of the
// acknowledged one). A later write to the same key does not hide an earlier one: the log keeps
// every entry, so both are looked up by their own version. Timed-out writes (effect unknown)
// and failed writes were never acknowledged and never count.
//
// With no survivor (FinalState::survivor == nullopt) nothing survived: every acknowledged
// write is lost.
//
// RPO: each lost write is attributed to the first failover at or after its ack time
// (completed_at): the failover that lost it. For that failover the data-loss window is
// failover.at - (earliest ack among the writes it lost), and rpo_ms is the largest window over
// all failovers. A lost write with no failover at or after its ack (e.g. the last primary died
// and nothing took over, or a deposed primary kept acknowledging after the failover) is
// attributed to the end of the run (RunFacts::simulated_s) instead: the loss is only certain
// once the run ended without that write surviving. rpo_ms is 0 when nothing is lost.
#pragma once

#include <cstddef>
#include <vector>

#include "analysis/history.h"

namespace cutover::analysis {

struct LostWrites {
  std::size_t count = 0;                     // == lost_operations.size()
  std::vector<std::size_t> lost_operations;  // indices into RunFacts::operations, ascending
  double rpo_ms = 0;
};

LostWrites find_lost_writes(const RunFacts& facts);

}  // namespace cutover::analysis
