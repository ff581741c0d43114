#include "models/kv/kv_state_machine.h"

#include <algorithm>
#include <string>

#include "models/core/check.h"

namespace cutover::models {

const KvStateMachine::Cell* KvStateMachine::CellTable::find(Key key) const {
  if (key < kDenseKeys) {
    if (key >= dense_.size() || dense_[key].version.index.value == 0) return nullptr;
    return &dense_[key];
  }
  const auto it = sparse_.find(key);
  return it == sparse_.end() ? nullptr : &it->second;
}

void KvStateMachine::CellTable::set(Key key, const Cell& cell) {
  CUTOVER_CHECK(cell.version.index.value > 0, "a written cell has a log index");
  if (key < kDenseKeys) {
    if (key >= dense_.size()) dense_.resize(key + 1);
    if (dense_[key].version.index.value == 0) ++size_;
    dense_[key] = cell;
    return;
  }
  if (sparse_.insert_or_assign(key, cell).second) ++size_;
}

void KvStateMachine::CellTable::clear() {
  dense_.clear();
  sparse_.clear();
  size_ = 0;
}

std::vector<KvCell> KvStateMachine::CellTable::in_key_order() const {
  std::vector<KvCell> out;
  out.reserve(size_);
  for (Key key = 0; key < dense_.size(); ++key) {
    const Cell& cell = dense_[key];
    if (cell.version.index.value == 0) continue;
    out.push_back(KvCell{.key = key, .version = cell.version, .value_bytes = cell.value_bytes});
  }
  const std::size_t first_sparse = out.size();
  for (const auto& [key, cell] : sparse_) {
    out.push_back(KvCell{.key = key, .version = cell.version, .value_bytes = cell.value_bytes});
  }
  // Every sparse key is above every dense one: only the sparse tail needs sorting.
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first_sparse), out.end(),
            [](const KvCell& a, const KvCell& b) { return a.key < b.key; });
  return out;
}

void KvStateMachine::apply(const LogEntry& entry) {
  CUTOVER_CHECK(entry.version.index.value == applied_index_.value + 1,
                "apply out of order: got " + std::to_string(entry.version.index.value) + " after " +
                    std::to_string(applied_index_.value));
  applied_index_ = entry.version.index;
  if (entry.kind != EntryKind::kNormal) return;
  if (applied_writes_.find(entry.request)) {
    if (deduplicate_) {
      ++repeats_skipped_;
      return;
    }
    const auto count = applied_more_than_once_.emplace(entry.request, 1).first;
    ++count->second;  // the first application, plus one per repeat
    cells_.set(entry.key, Cell{.version = entry.version, .value_bytes = entry.value_bytes});
    return;
  }
  applied_writes_.remember(entry.request, entry.version, kDedupWindow);
  cells_.set(entry.key, Cell{.version = entry.version, .value_bytes = entry.value_bytes});
}

std::optional<Version> KvStateMachine::applied_version(RequestId request) const {
  if (!deduplicate_) return std::nullopt;  // the planted bug: retries look new
  return applied_writes_.find(request);
}

std::optional<Version> KvStateMachine::read(Key key) const {
  const Cell* cell = cells_.find(key);
  if (cell == nullptr) return std::nullopt;
  return cell->version;
}

std::uint32_t KvStateMachine::value_bytes(Key key) const {
  const Cell* cell = cells_.find(key);
  return cell == nullptr ? 0 : cell->value_bytes;
}

void KvStateMachine::reset() {
  cells_.clear();
  applied_more_than_once_.clear();
  applied_writes_.clear();
  applied_index_ = LogIndex(0);
}

std::vector<KvCell> KvStateMachine::cells() const { return cells_.in_key_order(); }

void KvStateMachine::restore(const std::vector<KvCell>& cells, const DedupTable& recent_writes,
                             LogIndex last_index) {
  cells_.clear();
  applied_writes_ = recent_writes;
  for (const KvCell& cell : cells) {
    CUTOVER_CHECK(cell.version.index <= last_index, "snapshot cell newer than the snapshot");
    cells_.set(cell.key, Cell{.version = cell.version, .value_bytes = cell.value_bytes});
  }
  applied_index_ = last_index;
}

}  // namespace cutover::models
