// Stale reads: acknowledged reads that returned a version older than a write already
// acknowledged when the read began.
//
// For an ok read R of key k, let W(R) be the kOk writes to k with completed_at < R.invoked_at
// (strictly: a write acknowledged at the instant the read starts is concurrent with it). R is
// stale iff some write in W(R) has a version greater than R.version (versions are ordered by
// (epoch, index); Version{} is older than every write). Its staleness is R.invoked_at minus the
// earliest ack among those newer writes: how long the newer data had been acknowledged before
// the read began. Failed and timed-out reads returned nothing and are never stale; timed-out
// and failed writes were never acknowledged and never make a read stale.
//
// Figures overall, per client region (Operation::client_region) and per phase (a read counts in
// every RunFacts::phases window its invocation falls in, [start, end)). max_staleness_ms is 0
// when nothing is stale (like rpo_ms): an SLO on it then holds.
//
// Cost: O(n log n) in the number of operations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "analysis/checkers/operations_by_key.h"
#include "analysis/history.h"

namespace cutover::analysis {

struct StaleReadFigures {
  std::uint64_t count = 0;
  double max_staleness_ms = 0;
};

struct StaleReads {
  StaleReadFigures overall;
  std::vector<StaleReadFigures> by_region;    // index = region, RunFacts::regions.size() entries
  std::vector<StaleReadFigures> by_phase;     // index = RunFacts::phases index
  std::vector<std::size_t> stale_operations;  // indices into RunFacts::operations, ascending
};

StaleReads find_stale_reads(const RunFacts& facts);

// The same check fed one key at a time, for a caller that sweeps the history by key once for
// several checkers (analysis/checkers/per_key_checks.h). find_stale_reads is this over every
// key of the history.
class StaleReadCheck {
 public:
  // `ops`: one key's operations in history order (any outcome; only kOk ones count), each key
  // once, in any order.
  void check_key(std::span<const KeyedOperation> ops);
  // The figures over the keys checked so far.
  StaleReads finish(const RunFacts& facts);

 private:
  struct StaleRead {
    std::size_t operation = 0;
    std::uint32_t client_region = 0;
    TimePoint invoked_at{};
    double staleness_ms = 0;
  };
  // Scratch for check_key: (time, position in the key's operations).
  std::vector<std::pair<TimePoint, std::uint32_t>> writes_;
  std::vector<std::pair<TimePoint, std::uint32_t>> reads_;
  std::vector<StaleRead> stale_;
};

}  // namespace cutover::analysis
