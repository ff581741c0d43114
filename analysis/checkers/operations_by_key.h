// Operation indices grouped by key, for the checkers that work one key at a time
// (linearizability, stale reads, session guarantees): keys ascending, each key's operations in
// history order, all in one flat array of 4-byte indices. A std::map of per-key vectors of
// 8-byte indices paid twice that plus a doubling vector per key, which at the end of an hour-long
// run (18 million operations) was a few hundred MB on top of the history itself.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "analysis/history.h"

namespace cutover::analysis {

struct OperationsByKey {
  std::vector<Key> keys;               // ascending
  std::vector<std::uint32_t> starts;   // keys.size() + 1 offsets into indices
  std::vector<std::uint32_t> indices;  // per key, ascending

  std::size_t key_count() const { return keys.size(); }
  std::span<const std::uint32_t> of(std::size_t k) const {
    return std::span<const std::uint32_t>(indices).subspan(starts[k], starts[k + 1] - starts[k]);
  }
};

// The operations for which `takes_part` holds. THROWS models::InvariantViolation past 2^32
// operations (an index no longer fits; no run comes near).
OperationsByKey group_by_key(const OperationLog& operations,
                             const std::function<bool(const Operation&)>& takes_part);

}  // namespace cutover::analysis
