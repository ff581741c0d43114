#include "models/kv/kv_state_machine.h"

#include <algorithm>
#include <string>

#include "models/core/check.h"

namespace cutover::models {

void KvStateMachine::apply(const LogEntry& entry) {
  CUTOVER_CHECK(entry.version.index.value == applied_index_.value + 1,
                "apply out of order: got " + std::to_string(entry.version.index.value) + " after " +
                    std::to_string(applied_index_.value));
  if (entry.kind == EntryKind::kNormal) {
    cells_[entry.key] = Cell{.version = entry.version, .value_bytes = entry.value_bytes};
  }
  applied_index_ = entry.version.index;
}

std::optional<Version> KvStateMachine::read(Key key) const {
  auto it = cells_.find(key);
  if (it == cells_.end()) return std::nullopt;
  return it->second.version;
}

std::uint32_t KvStateMachine::value_bytes(Key key) const {
  auto it = cells_.find(key);
  return it == cells_.end() ? 0 : it->second.value_bytes;
}

void KvStateMachine::reset() {
  cells_.clear();
  applied_index_ = LogIndex(0);
}

std::vector<KvCell> KvStateMachine::cells() const {
  std::vector<KvCell> out;
  out.reserve(cells_.size());
  for (const auto& [key, cell] : cells_) {
    out.push_back(KvCell{.key = key, .version = cell.version, .value_bytes = cell.value_bytes});
  }
  std::sort(out.begin(), out.end(), [](const KvCell& a, const KvCell& b) { return a.key < b.key; });
  return out;
}

void KvStateMachine::restore(const std::vector<KvCell>& cells, LogIndex last_index) {
  cells_.clear();
  for (const KvCell& cell : cells) {
    CUTOVER_CHECK(cell.version.index <= last_index, "snapshot cell newer than the snapshot");
    cells_[cell.key] = Cell{.version = cell.version, .value_bytes = cell.value_bytes};
  }
  applied_index_ = last_index;
}

}  // namespace cutover::models
