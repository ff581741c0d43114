#include "analysis/checkers/reconciliation.h"

#include <algorithm>
#include <set>

#include "models/core/check.h"

namespace cutover::analysis {
namespace {

constexpr std::uint64_t kFnvPrime = 1099511628211ull;
constexpr std::uint64_t kLeavesMax = std::uint64_t{1} << 20;

std::uint64_t fnv1a_le(std::uint64_t hash, std::uint64_t value, std::size_t bytes) {
  unsigned char buffer[8];
  for (std::size_t i = 0; i < bytes; ++i) buffer[i] = static_cast<unsigned char>(value >> (8 * i));
  return fnv1a(hash, buffer, bytes);
}

// The shared split of [0, key_space) into leaves.
struct Layout {
  std::uint32_t fanout = 2;
  std::uint32_t depth = 1;
  std::uint64_t leaves = 2;
  std::uint64_t width = 1;  // keys per leaf
  std::uint64_t leaf_of(Key key) const { return key / width; }
  KeyRange range_of(std::uint64_t leaf) const { return {leaf * width, leaf * width + width - 1}; }
};

Layout make_layout(const ReconciliationConfig& config, std::uint64_t key_space) {
  CUTOVER_CHECK(config.fanout >= 2, "Merkle fan-out below 2");
  CUTOVER_CHECK(config.depth >= 1, "Merkle depth below 1");
  Layout layout{.fanout = config.fanout, .depth = config.depth, .leaves = 1};
  for (std::uint32_t level = 0; level < config.depth; ++level) {
    layout.leaves *= config.fanout;
    CUTOVER_CHECK(layout.leaves <= kLeavesMax, "Merkle tree with more than 2^20 leaves");
  }
  layout.width = std::max<std::uint64_t>(1, (key_space + layout.leaves - 1) / layout.leaves);
  return layout;
}

// levels[0] is the root, levels[depth] the leaves.
using MerkleTree = std::vector<std::vector<std::uint64_t>>;

MerkleTree build_tree(const std::vector<models::KvCell>& cells, const Layout& layout) {
  MerkleTree tree(layout.depth + 1);
  tree[layout.depth].assign(layout.leaves, kFnvOffsetBasis);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    CUTOVER_CHECK(i == 0 || cells[i - 1].key < cells[i].key, "replica cells not ascending by key");
    std::uint64_t& leaf = tree[layout.depth][layout.leaf_of(cells[i].key)];
    leaf = fnv1a_le(leaf, cells[i].key, 8);
    leaf = fnv1a_le(leaf, cells[i].version.epoch.value, 8);
    leaf = fnv1a_le(leaf, cells[i].version.index.value, 8);
    leaf = fnv1a_le(leaf, cells[i].value_bytes, 4);
  }
  for (std::uint32_t level = layout.depth; level > 0; --level) {
    tree[level - 1].assign(tree[level].size() / layout.fanout, kFnvOffsetBasis);
    for (std::size_t node = 0; node < tree[level].size(); ++node) {
      std::uint64_t& parent = tree[level - 1][node / layout.fanout];
      parent = fnv1a_le(parent, tree[level][node], 8);
    }
  }
  return tree;
}

// Leaves whose hashes differ, found top-down: a subtree with equal hashes is skipped.
void diverging_leaves(const MerkleTree& a, const MerkleTree& b, const Layout& layout,
                      std::uint32_t level, std::uint64_t node, std::vector<std::uint64_t>& out) {
  if (a[level][node] == b[level][node]) return;
  if (level == layout.depth) {
    out.push_back(node);
    return;
  }
  for (std::uint64_t child = node * layout.fanout; child < (node + 1) * layout.fanout; ++child) {
    diverging_leaves(a, b, layout, level + 1, child, out);
  }
}

// The cells of [range.first, range.last].
std::vector<models::KvCell> cells_in(const std::vector<models::KvCell>& cells, KeyRange range) {
  const auto by_key = [](const models::KvCell& c, Key k) { return c.key < k; };
  const auto begin = std::lower_bound(cells.begin(), cells.end(), range.first, by_key);
  auto end = begin;
  while (end != cells.end() && end->key <= range.last) ++end;
  return {begin, end};
}

// Keys of `range` whose cells differ between the two states (or that one lacks).
void diverging_keys_in(const std::vector<models::KvCell>& a, const std::vector<models::KvCell>& b,
                       KeyRange range, std::vector<Key>& out) {
  const std::vector<models::KvCell> left = cells_in(a, range);
  const std::vector<models::KvCell> right = cells_in(b, range);
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < left.size() || j < right.size()) {
    if (j == right.size() || (i < left.size() && left[i].key < right[j].key)) {
      out.push_back(left[i++].key);
    } else if (i == left.size() || right[j].key < left[i].key) {
      out.push_back(right[j++].key);
    } else {
      if (!(left[i] == right[j])) out.push_back(left[i].key);
      ++i;
      ++j;
    }
  }
}

}  // namespace

std::uint64_t fnv1a(std::uint64_t hash, const unsigned char* bytes, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= kFnvPrime;
  }
  return hash;
}

Reconciliation reconcile_replicas(const RunFacts& facts, const ReconciliationConfig& config) {
  Reconciliation result;
  const auto& states = facts.replica_states;
  const auto survivor = std::find_if(states.begin(), states.end(), [&](const ReplicaState& s) {
    return facts.final_state.survivor && s.node == *facts.final_state.survivor;
  });
  if (survivor == states.end()) return result;
  result.compared = true;

  std::uint64_t key_space = 0;
  for (const ReplicaState& state : states) {
    if (!state.cells.empty()) key_space = std::max(key_space, state.cells.back().key + 1);
  }
  const Layout layout = make_layout(config, key_space);
  const MerkleTree reference = build_tree(survivor->cells, layout);
  std::set<std::uint64_t> all_leaves;
  std::set<Key> all_keys;
  for (const ReplicaState& state : states) {
    if (&state == &*survivor) continue;
    ReplicaDivergence divergence{.replica = state.node};
    std::vector<std::uint64_t> leaves;
    diverging_leaves(reference, build_tree(state.cells, layout), layout, 0, 0, leaves);
    for (std::uint64_t leaf : leaves) {
      divergence.ranges.push_back(layout.range_of(leaf));
      diverging_keys_in(survivor->cells, state.cells, layout.range_of(leaf), divergence.keys);
    }
    CUTOVER_CHECK(leaves.empty() || !divergence.keys.empty(), "leaf hashes differ, cells do not");
    all_leaves.insert(leaves.begin(), leaves.end());
    all_keys.insert(divergence.keys.begin(), divergence.keys.end());
    result.replicas.push_back(std::move(divergence));
  }
  std::sort(result.replicas.begin(), result.replicas.end(),
            [](const auto& a, const auto& b) { return a.replica < b.replica; });
  result.replicas_compared = result.replicas.size();
  result.diverging_ranges = all_leaves.size();
  result.diverging_keys = all_keys.size();
  return result;
}

}  // namespace cutover::analysis
