// The history one key at a time, for the checkers that work per key (linearizability, stale
// reads, session guarantees): for_each_key hands a checker each key's operations, keys
// ascending, each key's operations in history order, decoded from the packed history as
// KeyedOperation (the fields those checkers read).
//
// How, at the scale of an hour-long run (18 million operations, ~200 MB packed): gathering a
// key's operations by their indices reads the packed history in random order, a cache miss
// each, which was most of the report's time; decoding the whole history at once would take
// 1 GB. Instead the keys are split into batches of consecutive keys holding about an eighth of
// the operations each, and each batch is gathered by one pass over the history in storage
// order. A pass only compares a one-byte batch number per operation and decodes the batch's
// own operations, so the whole history is decoded about once. Memory: 8 bytes per operation
// (that byte and an eighth of 56-byte KeyedOperations), twice the 4-byte index per operation a
// grouping by index held. Batch size is a trade of memory for time: on 18 million synthetic
// operations (tests/bench-like, 10,000 keys), gathering took 1.7 s in batches of 1/19 of the
// history and 0.66 s in batches of 1/8.
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

// A batch's operations, at most (unless one key alone has more): an eighth of the history, or
// this many when that is fewer.
constexpr std::size_t kBatchOperationsMin = std::size_t{1} << 16;
constexpr std::size_t kBatchesWanted = 8;
// Batch numbers are one byte; the last value marks an operation that takes no part.
constexpr std::size_t kBatchesMax = 255;
constexpr std::uint8_t kNoBatch = 255;

// Each key's rank among the keys taking part. Counted in a plain array indexed by key while
// the keys are small integers, as the simulator's key spaces are (0 .. key_space - 1): no
// hashing per operation. The first key too large for it (a hand-built history may use any)
// moves the counts to a hash map.
class KeyRanks {
 public:
  explicit KeyRanks(std::size_t operations)
      : dense_limit_(std::max<std::uint64_t>(std::uint64_t{1} << 16, operations)) {}

  void count(Key key) {
    if (dense_ && key >= dense_limit_) move_to_sparse();
    if (!dense_) {
      ++sparse_[key];
      return;
    }
    if (key >= counts_.size()) {
      counts_.resize(std::min<std::uint64_t>(dense_limit_, std::max(key + 1, 2 * counts_.size())));
    }
    ++counts_[key];
  }
  // The keys counted, ascending, and the number of operations of each; afterwards rank(key) is
  // the key's position among them.
  void rank(std::vector<Key>& keys, std::vector<std::uint32_t>& counts) {
    if (dense_) {
      for (Key key = 0; key < counts_.size(); ++key) {
        if (counts_[key] == 0) continue;
        keys.push_back(key);
        counts.push_back(counts_[key]);
        counts_[key] = static_cast<std::uint32_t>(keys.size() - 1);
      }
      return;
    }
    keys.reserve(sparse_.size());
    for (const auto& [key, count] : sparse_) keys.push_back(key);
    std::sort(keys.begin(), keys.end());
    for (std::size_t k = 0; k < keys.size(); ++k) {
      std::uint32_t& slot = sparse_[keys[k]];
      counts.push_back(slot);
      slot = static_cast<std::uint32_t>(k);
    }
  }
  std::uint32_t rank(Key key) const { return dense_ ? counts_[key] : sparse_.at(key); }

 private:
  void move_to_sparse() {
    for (Key key = 0; key < counts_.size(); ++key) {
      if (counts_[key] > 0) sparse_[key] = counts_[key];
    }
    counts_ = {};
    dense_ = false;
  }

  std::uint64_t dense_limit_;  // the array never grows past this many keys (4 bytes each)
  bool dense_ = true;
  std::vector<std::uint32_t> counts_;
  std::unordered_map<Key, std::uint32_t> sparse_;
};

// Batches of consecutive key ranks: batch b holds ranks [firsts[b], firsts[b + 1]).
struct Batches {
  std::vector<std::uint32_t> firsts;
  std::vector<std::uint8_t> of_rank;
};

inline Batches batch_keys(const std::vector<std::uint32_t>& counts, std::size_t operations,
                          std::size_t batch_operations) {
  // Two neighbouring batches hold more than the limit together, so this many batches at most
  // fit in a byte.
  const std::size_t limit =
      std::max(batch_operations == 0 ? std::max(kBatchOperationsMin, operations / kBatchesWanted)
                                     : batch_operations,
               2 * operations / (kBatchesMax - 1) + 1);
  Batches batches;
  batches.firsts.push_back(0);
  std::size_t in_batch = 0;
  for (std::uint32_t r = 0; r < counts.size(); ++r) {
    if (in_batch > 0 && in_batch + counts[r] > limit) {
      batches.firsts.push_back(r);
      in_batch = 0;
    }
    in_batch += counts[r];
    batches.of_rank.push_back(static_cast<std::uint8_t>(batches.firsts.size() - 1));
  }
  batches.firsts.push_back(static_cast<std::uint32_t>(counts.size()));
  CUTOVER_CHECK(batches.firsts.size() - 1 <= kBatchesMax, "too many key batches");
  return batches;
}

inline KeyedOperation keyed(const Operation& op, std::uint32_t index) {
  return {.index = index,
          .client_region = op.client_region,
          .client = op.client,
          .kind = op.kind,
          .outcome = op.outcome,
          .session = op.session,
          .version = op.version,
          .invoked_at = op.invoked_at,
          .completed_at = op.completed_at};
}

}  // namespace by_key_detail

// Calls visit(key, std::span<const KeyedOperation>) for every key that has an operation for
// which takes_part(const Operation&) holds, keys ascending, with those operations in history
// order. The span is valid during the call only. `batch_operations`: see the header comment;
// 0 for the default (tests make batches small). THROWS models::InvariantViolation past 2^32
// operations (an index no longer fits; no run comes near).
template <typename TakesPart, typename Visit>
void for_each_key(const OperationLog& operations, TakesPart takes_part, Visit&& visit,
                  std::size_t batch_operations = 0) {
  using namespace by_key_detail;
  CUTOVER_CHECK(operations.size() <= std::numeric_limits<std::uint32_t>::max(),
                "too many operations to index by key");
  // Passes that read a few fields each: the packed history decodes only those.
  KeyRanks ranks(operations.size());
  for (const Operation& op : operations) {
    if (takes_part(op)) ranks.count(op.key);
  }
  std::vector<Key> keys;
  std::vector<std::uint32_t> counts;
  ranks.rank(keys, counts);
  const Batches batches = batch_keys(counts, operations.size(), batch_operations);
  std::vector<std::uint8_t> batch_of(operations.size(), kNoBatch);
  for (std::size_t i = 0; i < operations.size(); ++i) {
    const Operation op = operations[i];
    if (takes_part(op)) batch_of[i] = batches.of_rank[ranks.rank(op.key)];
  }

  std::vector<std::uint32_t> next;  // per rank of the batch: where its next operation goes
  std::size_t largest = 0;
  for (std::size_t b = 0; b + 1 < batches.firsts.size(); ++b) {
    std::size_t size = 0;
    for (std::uint32_t r = batches.firsts[b]; r < batches.firsts[b + 1]; ++r) size += counts[r];
    largest = std::max(largest, size);
  }
  // Allocated once at the largest batch's size: growing it would hold two at once.
  std::vector<KeyedOperation> gathered(largest);
  for (std::size_t b = 0; b + 1 < batches.firsts.size(); ++b) {
    const std::uint32_t first = batches.firsts[b];
    const std::uint32_t end = batches.firsts[b + 1];
    next.assign(1, 0);
    for (std::uint32_t r = first; r < end; ++r) next.push_back(next.back() + counts[r]);
    for (std::size_t i = 0; i < operations.size(); ++i) {
      if (batch_of[i] != b) continue;
      const Operation op = operations[i];
      gathered[next[ranks.rank(op.key) - first]++] = keyed(op, static_cast<std::uint32_t>(i));
    }
    // next[r - first] is now where rank r ends.
    std::size_t begin = 0;
    for (std::uint32_t r = first; r < end; ++r) {
      const std::size_t stop = next[r - first];
      visit(keys[r], std::span<const KeyedOperation>(gathered).subspan(begin, stop - begin));
      begin = stop;
    }
  }
}

// Runs a checker of acknowledged operations alone (stale reads, session guarantees; the report
// runs them together with linearizability, per_key_checks.h): check.check_key(ops) for each
// key's acknowledged operations, then check.finish(facts).
template <typename Check>
auto check_acknowledged_by_key(Check check, const RunFacts& facts) {
  const auto acknowledged = [](const Operation& op) { return op.outcome == OpOutcome::kOk; };
  for_each_key(facts.operations, acknowledged,
               [&](Key, std::span<const KeyedOperation> ops) { check.check_key(ops); });
  return check.finish(facts);
}

}  // namespace cutover::analysis
