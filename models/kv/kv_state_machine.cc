#include "models/kv/kv_state_machine.h"

#include <algorithm>
#include <string>

#include "models/core/check.h"

namespace cutover::models {

void KvStateMachine::apply(const LogEntry& entry) {
  CUTOVER_CHECK(entry.version.index.value == applied_index_.value + 1,
                "apply out of order: got " + std::to_string(entry.version.index.value) + " after " +
                    std::to_string(applied_index_.value));
  applied_index_ = entry.version.index;
  if (entry.kind != EntryKind::kNormal) return;
  auto& writes = applied_writes_[entry.request.client.value];
  if (writes.contains(entry.request.sequence)) {
    if (deduplicate_) {
      ++repeats_skipped_;
      return;
    }
    const auto count = applied_more_than_once_.emplace(entry.request, 1).first;
    ++count->second;  // the first application, plus one per repeat
    cells_[entry.key] = Cell{.version = entry.version, .value_bytes = entry.value_bytes};
    return;
  }
  writes.emplace(entry.request.sequence, entry.version);
  if (entry.request.sequence >= kDedupWindow) {
    writes.erase(writes.begin(), writes.lower_bound(entry.request.sequence - kDedupWindow + 1));
  }
  cells_[entry.key] = Cell{.version = entry.version, .value_bytes = entry.value_bytes};
}

std::optional<Version> KvStateMachine::applied_version(RequestId request) const {
  if (!deduplicate_) return std::nullopt;  // the planted bug: retries look new
  const auto client = applied_writes_.find(request.client.value);
  if (client == applied_writes_.end()) return std::nullopt;
  const auto write = client->second.find(request.sequence);
  if (write == client->second.end()) return std::nullopt;
  return write->second;
}

std::vector<AppliedWrite> KvStateMachine::recent_writes() const {
  std::vector<AppliedWrite> out;
  for (const auto& [client, writes] : applied_writes_) {
    for (const auto& [sequence, version] : writes) {
      out.push_back(
          AppliedWrite{.request = RequestId{.client = ClientId(client), .sequence = sequence},
                       .version = version});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const AppliedWrite& a, const AppliedWrite& b) { return a.request < b.request; });
  return out;
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
  applied_more_than_once_.clear();
  applied_writes_.clear();
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

void KvStateMachine::restore(const std::vector<KvCell>& cells,
                             const std::vector<AppliedWrite>& recent_writes, LogIndex last_index) {
  cells_.clear();
  applied_writes_.clear();
  for (const AppliedWrite& write : recent_writes) {
    applied_writes_[write.request.client.value].emplace(write.request.sequence, write.version);
  }
  for (const KvCell& cell : cells) {
    CUTOVER_CHECK(cell.version.index <= last_index, "snapshot cell newer than the snapshot");
    cells_[cell.key] = Cell{.version = cell.version, .value_bytes = cell.value_bytes};
  }
  applied_index_ = last_index;
}

}  // namespace cutover::models
