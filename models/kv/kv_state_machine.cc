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

KvStateMachine::ClientWrites::const_iterator KvStateMachine::find_sequence(
    const ClientWrites& writes, std::uint64_t sequence) {
  // A client's new write is almost always newer than every remembered one.
  if (writes.empty() || writes.back().sequence < sequence) return writes.end();
  const auto at = std::lower_bound(
      writes.begin(), writes.end(), sequence,
      [](const AppliedSequence& write, std::uint64_t wanted) { return write.sequence < wanted; });
  return at != writes.end() && at->sequence == sequence ? at : writes.end();
}

void KvStateMachine::remember(ClientWrites& writes, std::uint64_t sequence, Version version) {
  auto at = writes.end();
  while (at != writes.begin() && std::prev(at)->sequence > sequence) --at;  // usually no step
  writes.insert(at, AppliedSequence{.sequence = sequence, .version = version});
  if (sequence >= kDedupWindow) {
    const std::uint64_t oldest_kept = sequence - kDedupWindow + 1;
    while (!writes.empty() && writes.front().sequence < oldest_kept) writes.pop_front();
  }
}

void KvStateMachine::apply(const LogEntry& entry) {
  CUTOVER_CHECK(entry.version.index.value == applied_index_.value + 1,
                "apply out of order: got " + std::to_string(entry.version.index.value) + " after " +
                    std::to_string(applied_index_.value));
  applied_index_ = entry.version.index;
  if (entry.kind != EntryKind::kNormal) return;
  ClientWrites& writes = applied_writes_[entry.request.client.value];
  if (find_sequence(writes, entry.request.sequence) != writes.end()) {
    if (deduplicate_) {
      ++repeats_skipped_;
      return;
    }
    const auto count = applied_more_than_once_.emplace(entry.request, 1).first;
    ++count->second;  // the first application, plus one per repeat
    cells_.set(entry.key, Cell{.version = entry.version, .value_bytes = entry.value_bytes});
    return;
  }
  remember(writes, entry.request.sequence, entry.version);
  cells_.set(entry.key, Cell{.version = entry.version, .value_bytes = entry.value_bytes});
}

std::optional<Version> KvStateMachine::applied_version(RequestId request) const {
  if (!deduplicate_) return std::nullopt;  // the planted bug: retries look new
  const auto client = applied_writes_.find(request.client.value);
  if (client == applied_writes_.end()) return std::nullopt;
  const auto write = find_sequence(client->second, request.sequence);
  if (write == client->second.end()) return std::nullopt;
  return write->version;
}

std::vector<AppliedWrite> KvStateMachine::recent_writes() const {
  std::vector<std::uint32_t> clients;
  std::size_t total = 0;
  for (const auto& [client, writes] : applied_writes_) {
    clients.push_back(client);
    total += writes.size();
  }
  std::sort(clients.begin(), clients.end());  // each client's writes are already in order
  std::vector<AppliedWrite> out;
  out.reserve(total);
  for (std::uint32_t client : clients) {
    for (const AppliedSequence& write : applied_writes_.at(client)) {
      out.push_back(
          AppliedWrite{.request = RequestId{.client = ClientId(client), .sequence = write.sequence},
                       .version = write.version});
    }
  }
  return out;
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

void KvStateMachine::restore(const std::vector<KvCell>& cells,
                             const std::vector<AppliedWrite>& recent_writes, LogIndex last_index) {
  cells_.clear();
  applied_writes_.clear();
  for (const AppliedWrite& write : recent_writes) {
    remember(applied_writes_[write.request.client.value], write.request.sequence, write.version);
  }
  for (const KvCell& cell : cells) {
    CUTOVER_CHECK(cell.version.index <= last_index, "snapshot cell newer than the snapshot");
    cells_.set(cell.key, Cell{.version = cell.version, .value_bytes = cell.value_bytes});
  }
  applied_index_ = last_index;
}

}  // namespace cutover::models
