// Split brain: two nodes acknowledging writes as primary (leader) at the same time, from the
// primaries' own acknowledgement records (RunFacts::acks), not from who the run believed was
// primary.
//
// A node's acknowledgement period for an epoch is [first, last] write ack it sent as primary in
// that epoch. Two periods of different nodes that overlap (closed intervals: acks at the same
// instant overlap) form a split-brain window: their intersection. A window is cross-region when
// the two nodes are in different regions (RunFacts::replica_regions; unknown regions never
// count as different). The period is a lower bound of the node's reign (it says nothing between
// acks of another epoch), so a window is certain, a missing one is not a proof.
//
// Also counted: deposed acks, acknowledgements (writes or reads) sent by a node in epoch e
// after a newer epoch was established (a failover to a higher epoch, or an ack of a higher
// epoch, strictly earlier). They are what a deposed leader serving clients looks like even when
// its successor has not acknowledged anything yet.
//
// Per phase (RunFacts::phases): the regions whose nodes acknowledged writes as primary in it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/history.h"

namespace cutover::analysis {

struct SplitBrainWindow {
  NodeId first;  // first < second
  models::Epoch first_epoch;
  NodeId second;
  models::Epoch second_epoch;
  TimePoint start{};
  TimePoint end{};  // start <= end
  bool cross_region = false;
};

struct SplitBrain {
  std::vector<SplitBrainWindow> windows;  // ascending by (start, first, second)
  std::size_t cross_region_windows = 0;
  std::uint64_t deposed_acks = 0;
  // index = RunFacts::phases index: region indices, ascending.
  std::vector<std::vector<std::uint32_t>> write_regions_by_phase;
};

SplitBrain find_split_brain(const RunFacts& facts);

}  // namespace cutover::analysis
