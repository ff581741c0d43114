// The value a majority of voters has reached, when each voter's value only grows: the commit
// quorum's match index, the heartbeat round a majority answered (ReadIndex, leases).
//
// A full count looks at every voter, and the leader would need one on every
// acknowledgement: O(voters) per message, which made a 60-replica run slower per message
// than a 15-replica one. But the k-th largest of growing values can only move once enough
// voters have passed it: after a count that found `beyond` voters strictly above the value, a
// majority minus `beyond` more must pass it first. note_growth counts those down, so between
// counts each acknowledgement costs O(1). Anything else the count depends on (who votes, the
// term, a value of the leader's own that the caller does not report as growth) goes into
// `Inputs`; a change of it means a new count.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "models/core/check.h"

namespace cutover::models::raft {

template <typename Value, typename Inputs>
class QuorumCount {
 public:
  // Whether a count now could give another value than the last: never counted, the inputs
  // changed, or enough voters passed the counted value.
  bool may_have_moved(const Inputs& inputs) const {
    return !last_ || last_->short_by == 0 || !(last_->inputs == inputs);
  }
  // The last count's value. REQUIRES: counted since the last reset.
  Value value() const {
    CUTOVER_CHECK(last_.has_value(), "no quorum count yet");
    return last_->value;
  }
  // The `majority`-th largest of `values` (one per voter, reordered), remembered with the
  // inputs it was counted under.
  Value count(std::vector<Value>& values, std::size_t majority, const Inputs& inputs) {
    CUTOVER_CHECK(majority >= 1 && majority <= values.size(), "a majority of the voters counted");
    const auto kth = values.begin() + static_cast<std::ptrdiff_t>(majority - 1);
    std::nth_element(values.begin(), kth, values.end(), std::greater<>());
    const Value value = *kth;
    // Those ahead of the k-th largest are at least as far; the ones strictly beyond it are
    // fewer than a majority, else it would be larger.
    const auto beyond = static_cast<std::size_t>(
        std::count_if(values.begin(), kth, [&](const Value& v) { return v > value; }));
    last_ = Count{.inputs = inputs, .value = value, .short_by = majority - beyond};
    return value;
  }
  // A voter's value grew from `before` to `after` (a late answer that did not grow it may be
  // reported too: it changes nothing).
  void note_growth(const Value& before, const Value& after) {
    if (last_ && before <= last_->value && after > last_->value && last_->short_by > 0) {
      --last_->short_by;
    }
  }
  void reset() { last_.reset(); }

 private:
  struct Count {
    Inputs inputs;
    Value value;
    std::size_t short_by = 0;  // voters that must still pass `value` before it can move
  };
  std::optional<Count> last_;
};

}  // namespace cutover::models::raft
