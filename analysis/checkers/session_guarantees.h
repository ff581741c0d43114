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
#include <span>
#include <utility>
#include <vector>

#include "analysis/checkers/operations_by_key.h"
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

// The same check fed one key at a time, for a caller that sweeps the history by key once for
// several checkers (analysis/checkers/per_key_checks.h). check_session_guarantees is this over
// every key of the history.
class SessionGuaranteeCheck {
 public:
  // `ops`: one key's operations in history order (any outcome; only kOk ones count), each key
  // once, in any order.
  void check_key(std::span<const KeyedOperation> ops);
  // The violations over the keys checked so far.
  SessionGuarantees finish(const RunFacts& facts);

 private:
  // Scratch for check_key. A session (client, session) is, with the key, the unit both
  // guarantees are checked over: per hash-table slot its first and last operation (positions in
  // the key's operations), and per operation the next one of its session.
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};
  std::vector<std::uint32_t> first_;
  std::vector<std::uint32_t> last_;
  std::vector<std::uint32_t> next_;
  std::vector<std::uint32_t> stream_;  // one session's positions
  // (read, earlier) operation indices.
  std::vector<std::pair<std::size_t, std::size_t>> read_your_writes_;
  std::vector<std::pair<std::size_t, std::size_t>> monotonic_reads_;
};

}  // namespace cutover::analysis
