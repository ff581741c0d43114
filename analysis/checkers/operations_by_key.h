// Operation indices grouped by key, for the checkers that work one key at a time
// (linearizability, stale reads, session guarantees): keys ascending, each key's operations in
// history order, all in one flat array of 4-byte indices. A std::map of per-key vectors of
// 8-byte indices paid twice that plus a doubling vector per key, which at the end of an hour-long
// run (18 million operations) was a few hundred MB on top of the history itself.
//
// for_each_key then hands a checker each key's operations decoded once, as KeyedOperation: the
// fields those checkers read, without going back to the packed history (a random access each).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <unordered_map>
#include <vector>

#include "analysis/history.h"
#include "models/core/check.h"

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

// One operation as the per-key checkers read it.
struct KeyedOperation {
  std::uint32_t index = 0;  // into RunFacts::operations
  std::uint32_t client_region = 0;
  models::ClientId client;
  OpKind kind = OpKind::kRead;
  OpOutcome outcome = OpOutcome::kTimedOut;
  std::uint64_t session = 0;
  Version version;
  TimePoint invoked_at{};
  TimePoint completed_at{};
};

namespace by_key_detail {

// Keys are counted in a plain array indexed by key when they are small integers, as the
// simulator's key spaces are (0 .. key_space - 1): no hashing per operation. Larger keys (a
// hand-built history may use any) go through a hash map.
constexpr std::uint64_t kDenseKeysMin = std::uint64_t{1} << 16;
constexpr std::uint64_t kDenseKeysPerOperation = 4;

// Both arms count operations per key, then turn each count into its key's rank.
class KeySlots {
 public:
  KeySlots(std::uint64_t key_max, std::size_t operations)
      : dense_(key_max < std::max(kDenseKeysMin, kDenseKeysPerOperation * operations)) {
    if (dense_) counts_.assign(key_max + 1, 0);
  }
  void count(Key key) { ++(dense_ ? counts_[key] : sparse_[key]); }
  // The keys counted, ascending, with their counts; afterwards slot(key) is the key's rank.
  void rank(std::vector<Key>& keys, std::vector<std::uint32_t>& starts) {
    if (dense_) {
      for (Key key = 0; key < counts_.size(); ++key) {
        if (counts_[key] == 0) continue;
        keys.push_back(key);
        starts.push_back(starts.back() + counts_[key]);
        counts_[key] = static_cast<std::uint32_t>(keys.size() - 1);
      }
      return;
    }
    keys.reserve(sparse_.size());
    for (const auto& [key, count] : sparse_) keys.push_back(key);
    std::sort(keys.begin(), keys.end());
    for (std::size_t k = 0; k < keys.size(); ++k) {
      std::uint32_t& slot = sparse_[keys[k]];
      starts.push_back(starts.back() + slot);
      slot = static_cast<std::uint32_t>(k);
    }
  }
  std::uint32_t slot(Key key) const { return dense_ ? counts_[key] : sparse_.at(key); }

 private:
  bool dense_;
  std::vector<std::uint32_t> counts_;
  std::unordered_map<Key, std::uint32_t> sparse_;
};

}  // namespace by_key_detail

// The operations for which `takes_part(const Operation&)` holds. THROWS
// models::InvariantViolation past 2^32 operations (an index no longer fits; no run comes near).
// A template so that the packed history decodes only the fields the predicate reads.
template <typename TakesPart>
OperationsByKey group_by_key(const OperationLog& operations, TakesPart takes_part) {
  CUTOVER_CHECK(operations.size() <= std::numeric_limits<std::uint32_t>::max(),
                "too many operations to index by key");
  Key key_max = 0;
  for (const Operation& op : operations) key_max = std::max(key_max, op.key);
  // A counting sort: count per key, then place each index at its key's next free slot.
  by_key_detail::KeySlots slots(key_max, operations.size());
  for (const Operation& op : operations) {
    if (takes_part(op)) slots.count(op.key);
  }
  OperationsByKey grouped;
  grouped.starts.push_back(0);
  slots.rank(grouped.keys, grouped.starts);
  grouped.indices.resize(grouped.starts.back());
  std::vector<std::uint32_t> next(grouped.starts.begin(), grouped.starts.end() - 1);
  for (std::size_t i = 0; i < operations.size(); ++i) {
    const Operation op = operations[i];
    if (takes_part(op)) grouped.indices[next[slots.slot(op.key)]++] = static_cast<std::uint32_t>(i);
  }
  return grouped;
}

// Calls visit(key, std::span<const KeyedOperation>) for every key of `by_key`, ascending, with
// its operations in history order. The span is valid during the call only.
template <typename Visit>
void for_each_key(const OperationLog& operations, const OperationsByKey& by_key, Visit&& visit) {
  std::vector<KeyedOperation> decoded;
  for (std::size_t k = 0; k < by_key.key_count(); ++k) {
    decoded.clear();
    for (const std::uint32_t i : by_key.of(k)) {
      const Operation op = operations[i];
      decoded.push_back({.index = i,
                         .client_region = op.client_region,
                         .client = op.client,
                         .kind = op.kind,
                         .outcome = op.outcome,
                         .session = op.session,
                         .version = op.version,
                         .invoked_at = op.invoked_at,
                         .completed_at = op.completed_at});
    }
    visit(by_key.keys[k], std::span<const KeyedOperation>(decoded));
  }
}

}  // namespace cutover::analysis
