// The checkers that work one key at a time (linearizability, stale reads, session guarantees)
// in one sweep: the history is grouped by key once and each operation decoded once for all
// three. Run one by one, each groups the history itself and decodes every operation again; on
// an hour-long run (18 million operations) that grouping and decoding was most of the report's
// time. The findings are exactly those of check_linearizability, find_stale_reads and
// check_session_guarantees.
#pragma once

#include "analysis/checkers/linearizability.h"
#include "analysis/checkers/session_guarantees.h"
#include "analysis/checkers/stale_reads.h"
#include "analysis/history.h"

namespace cutover::analysis {

struct PerKeyFindings {
  Linearizability linearizability;
  StaleReads stale_reads;
  SessionGuarantees sessions;
};

PerKeyFindings check_per_key(const RunFacts& facts, const LinearizabilityConfig& config);

}  // namespace cutover::analysis
