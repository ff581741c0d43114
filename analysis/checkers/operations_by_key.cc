#include "analysis/checkers/operations_by_key.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "models/core/check.h"

namespace cutover::analysis {

OperationsByKey group_by_key(const OperationLog& operations,
                             const std::function<bool(const Operation&)>& takes_part) {
  CUTOVER_CHECK(operations.size() <= std::numeric_limits<std::uint32_t>::max(),
                "too many operations to index by key");
  // A counting sort: count per key, then place each index at its key's next free slot.
  std::unordered_map<Key, std::uint32_t> slot_of_key;  // key -> count, then -> rank
  for (const Operation& op : operations) {
    if (takes_part(op)) ++slot_of_key[op.key];
  }
  OperationsByKey grouped;
  grouped.keys.reserve(slot_of_key.size());
  for (const auto& [key, count] : slot_of_key) grouped.keys.push_back(key);
  std::sort(grouped.keys.begin(), grouped.keys.end());
  grouped.starts.assign(grouped.keys.size() + 1, 0);
  for (std::size_t k = 0; k < grouped.keys.size(); ++k) {
    std::uint32_t& slot = slot_of_key[grouped.keys[k]];
    grouped.starts[k + 1] = grouped.starts[k] + slot;
    slot = static_cast<std::uint32_t>(k);
  }
  grouped.indices.resize(grouped.starts.back());
  std::vector<std::uint32_t> next(grouped.starts.begin(), grouped.starts.end() - 1);
  for (std::size_t i = 0; i < operations.size(); ++i) {
    const Operation op = operations[i];
    if (takes_part(op))
      grouped.indices[next[slot_of_key[op.key]]++] = static_cast<std::uint32_t>(i);
  }
  return grouped;
}

}  // namespace cutover::analysis
