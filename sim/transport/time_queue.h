// The scheduler's event queue (scheduler.h): values ordered by integer time, first in first
// out among equal times, for a clock that never goes back (nothing is queued before the time
// last taken out).
//
// Why our own: a discrete-event run only ever queues at or after "now", and a radix heap uses
// that to beat a comparison heap. An entry is filed into the bucket of the highest bit in
// which its time differs from the last time taken; only when the bucket of equal times runs
// dry is the lowest non-empty bucket re-filed around its minimum, and an entry moves down at
// most once per bit. No pop sifts through the whole queue, where std::priority_queue did
// (measured on the reference run, with about 6,000 events queued: see BENCHMARKS.md).
// Boost.Heap has binary, d-ary, pairing and Fibonacci heaps, all comparison-based; none
// exploits the monotone clock. An entry moves about 5 times before it is taken (measured on
// the reference run); buckets per byte or per 4 bits of the time move it less, but ran the
// 60 s reference copy 4-7% slower than these 64 buckets, which stay in the cache.
//
// FIFO among equal times comes for free: equal times always share a bucket (a bucket is a
// function of the time and the last time taken), entries join a bucket at its back and
// re-filing keeps their order.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/core/check.h"

namespace cutover::sim {

class TimeQueue {
 public:
  struct Entry {
    std::uint64_t time;
    std::uint32_t value;
  };

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  // REQUIRES: time >= the time of the last entry popped.
  void push(std::uint64_t time, std::uint32_t value) {
    CUTOVER_CHECK(time >= last_, "an event was queued before the last one taken out");
    file(Entry{.time = time, .value = value});
    ++size_;
  }

  // The earliest time queued. REQUIRES: !empty(). Looking does not move the queue's time, so
  // another actor may still queue between the last time popped and this one.
  std::uint64_t top_time() {
    if (head_ < buckets_[0].size()) return last_;
    return minimum_[lowest_filled()];
  }

  // Takes the earliest entry out (the first queued among equal times). REQUIRES: !empty().
  Entry pop() {
    if (head_ == buckets_[0].size()) refill_equal_times();
    --size_;
    return buckets_[0][head_++];
  }

 private:
  static constexpr std::size_t kBuckets = 65;  // equal times, then one per differing bit

  std::size_t bucket_of(std::uint64_t time) const {
    return time == last_ ? 0 : static_cast<std::size_t>(64 - std::countl_zero(time ^ last_));
  }
  // Files the entry by its time relative to last_.
  void file(const Entry& entry) {
    const std::size_t bucket = bucket_of(entry.time);
    buckets_[bucket].push_back(entry);
    if (bucket == 0) return;
    const std::uint64_t bit = std::uint64_t{1} << (bucket - 1);
    minimum_[bucket] = (filled_ & bit) != 0 ? std::min(minimum_[bucket], entry.time) : entry.time;
    filled_ |= bit;
  }
  std::size_t lowest_filled() const {
    CUTOVER_CHECK(filled_ != 0, "the event queue is empty");
    return 1 + static_cast<std::size_t>(std::countr_zero(filled_));
  }

  // Bucket 0 is used up: the queue's time moves to the minimum of the lowest non-empty
  // bucket, whose entries are re-filed around it (those at the minimum land in bucket 0, in
  // order). Every other bucket keeps its index: their entries differ from the old and the new
  // time in the same highest bit.
  void refill_equal_times() {
    buckets_[0].clear();
    head_ = 0;
    const std::size_t lowest = lowest_filled();
    std::vector<Entry>& moving = buckets_[lowest];
    last_ = minimum_[lowest];
    filled_ &= ~(std::uint64_t{1} << (lowest - 1));  // re-filing never lands in `lowest`
    for (const Entry& entry : moving) file(entry);
    moving.clear();
  }

  std::array<std::vector<Entry>, kBuckets> buckets_;
  std::uint64_t filled_ = 0;  // bit b - 1: bucket b (b >= 1) holds entries
  std::size_t head_ = 0;      // bucket 0's entries before head_ were taken
  std::size_t size_ = 0;
  std::uint64_t last_ = 0;  // the time of the last entry popped
  // minimum_[b]: the earliest time in bucket b >= 1, while it holds entries (kept as entries
  // are filed, so neither a look at the top nor a refill scans a bucket).
  std::array<std::uint64_t, kBuckets> minimum_{};
};

}  // namespace cutover::sim
