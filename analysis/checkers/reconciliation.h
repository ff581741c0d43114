// End-of-run reconciliation: does every replica hold the survivor's key-value state? What an
// SRE runs after a cutover to confirm parity, done the way anti-entropy does it (Dynamo,
// Cassandra): Merkle trees over the key space, compared top-down so only diverging ranges are
// looked into.
//
// The key space [0, K), K = 1 + the largest key any compared replica holds, is split into
// fanout^depth leaves of equal width ceil(K / leaves) (the last ones may be narrower or empty);
// every tree uses the same split, so nodes compare position by position. A leaf's hash is FNV-1a
// (64-bit) over its cells in key order, each as little-endian (key u64, epoch u64, index u64,
// value_bytes u32); an inner node's hash is FNV-1a over its children's hashes (u64 each). An empty
// leaf hashes to the FNV offset basis. FNV-1a is written out here, rather than boost::hash, because
// its result is specified exactly: trees (and any hash printed) are the same on every platform
// and library version.
//
// Each replica of RunFacts::replica_states other than the survivor (FinalState::survivor) is
// compared to the survivor's. A diverging range is a leaf whose hashes differ; within it, a
// diverging key is one whose cell differs (version or value_bytes) or that only one side holds.
// With no survivor, or no recorded state for it, nothing is compared (compared == false).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "analysis/history.h"

namespace cutover::analysis {

struct ReconciliationConfig {
  std::uint32_t fanout = 16;  // children per inner node; >= 2
  std::uint32_t depth = 3;    // levels below the root; fanout^depth leaves, at most 2^20
};

struct KeyRange {
  Key first = 0;
  Key last = 0;  // inclusive
  bool operator==(const KeyRange&) const = default;
};

struct ReplicaDivergence {
  NodeId replica;
  std::vector<KeyRange> ranges;  // diverging leaves, ascending
  std::vector<Key> keys;         // diverging keys, ascending
};

struct Reconciliation {
  bool compared = false;
  std::size_t replicas_compared = 0;
  std::size_t diverging_ranges = 0;         // distinct leaves diverging on at least one replica
  std::size_t diverging_keys = 0;           // distinct keys diverging on at least one replica
  std::vector<ReplicaDivergence> replicas;  // every compared replica, ascending by node
};

Reconciliation reconcile_replicas(const RunFacts& facts, const ReconciliationConfig& config);

// FNV-1a, 64-bit, over `size` bytes, continuing from `hash` (start with kFnvOffsetBasis).
inline constexpr std::uint64_t kFnvOffsetBasis = 14695981039346656037ull;
std::uint64_t fnv1a(std::uint64_t hash, const unsigned char* bytes, std::size_t size);

}  // namespace cutover::analysis
