// history.jsonl: the operation history as JSON lines, one object per operation, written as the
// operations complete so a long run never holds its history in memory for the file's sake.
//
// Called by the simulator at each operation's completion (ack, error or timeout), in completion
// order (REQUIRES: completed_at never decreases from one append to the next). One line:
//   {"invoke_s":1.250000,"complete_s":1.262500,"outcome":"ok","kind":"write","key":7,
//    "version":{"epoch":1,"index":3},"client":2,"session":0,"sequence":41,
//    "region":"us-east-1","node":"us-east-1-0","write_id":{"client":2,"sequence":41}}
// Keys always in this order. Times are the simulated clock's exact microseconds printed as
// seconds with 6 decimals (integer arithmetic: no float formatting). outcome is "ok", "failed"
// or "indeterminate" (timed out: the effect is unknown). version is null for a failed or
// indeterminate operation whose version is unknown (Version{}); for an ok read, {"epoch":0,
// "index":0} means the key had never been written. node and write_id are null when absent.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "analysis/history.h"

namespace cutover::analysis {

class HistoryJsonlWriter {
 public:
  // `regions` and `replicas` name Operation::client_region and Operation::node (RunFacts order).
  HistoryJsonlWriter(std::ostream& out, std::vector<std::string> regions,
                     std::vector<std::string> replicas);

  // Writes one line. THROWS models::InvariantViolation when an operation completes before the
  // previous one or names an unknown region or replica (a recorder bug).
  void append(const Operation& op);

  std::uint64_t lines_written() const { return lines_written_; }

 private:
  std::ostream& out_;
  std::vector<std::string> regions_;
  std::vector<std::string> replicas_;
  TimePoint last_completed_at_{};
  std::uint64_t lines_written_ = 0;
};

// One operation as its history.jsonl line, without the newline. Exposed for tests.
std::string history_jsonl_line(const Operation& op, const std::vector<std::string>& regions,
                               const std::vector<std::string>& replicas);

}  // namespace cutover::analysis
