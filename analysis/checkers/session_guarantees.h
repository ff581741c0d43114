// Session guarantees (Terry et al., "Session Guarantees for Weakly Consistent Replicated Data",
// 1994) per client session, checked per key from the client history.
//
// Within one session (Operation::client, Operation::session), for a kOk read R of key k:
//   * read-your-writes: every kOk write W of k by the session acknowledged before R began
//     (W.completed_at < R.invoked_at) must be visible: R.version >= W.version;
//   * monotonic reads: every kOk read R0 of k by the session completed before R began must not
//     be newer: R.version >= R0.version.
// "Before" is strict: operations of one session that overlap in time (a client may pipeline)
// are concurrent and constrain nothing. Versions order writes by (epoch, index); per key only,
// since a version says nothing about other keys. Failed and timed-out operations are ignored
// (the client learnt nothing from them). Each violating read counts once per guarantee, against
// the newest earlier operation it contradicts.
//
// Cost: O(n log n).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/history.h"

namespace cutover::analysis {

struct SessionViolation {
  std::size_t earlier = 0;  // the write (or read) the read should have seen; RunFacts index
  std::size_t read = 0;     // the read that went back; RunFacts index
};

struct SessionGuarantees {
  std::uint64_t read_your_writes_violations = 0;
  std::uint64_t monotonic_read_violations = 0;
  // The first kExamplesMax of each, ascending by read.
  std::vector<SessionViolation> read_your_writes_examples;
  std::vector<SessionViolation> monotonic_read_examples;
  static constexpr std::size_t kExamplesMax = 10;
};

SessionGuarantees check_session_guarantees(const RunFacts& facts);

}  // namespace cutover::analysis
