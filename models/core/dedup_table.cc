#include "models/core/dedup_table.h"

#include <algorithm>

#include "models/core/check.h"

namespace cutover::models {

namespace {

// Entries per chunk: what a change copies at most when its chunk is shared with a snapshot.
constexpr std::size_t kChunkEntries = 1024;

}  // namespace

std::optional<Version> DedupTable::find(RequestId request) const {
  const ClientWrites* writes = writes_of(request.client);
  // A client's new write is almost always newer than every remembered one.
  if (writes == nullptr || writes->chunks.empty() || writes->newest < request.sequence) {
    return std::nullopt;
  }
  const Place at = lower_bound(*writes, request.sequence);
  if (at.chunk == writes->chunks.size()) return std::nullopt;
  const Applied& found = (*writes->chunks[at.chunk])[at.index];
  if (found.sequence != request.sequence) return std::nullopt;
  return found.version;
}

void DedupTable::remember(RequestId request, Version version, std::uint64_t window) {
  ClientWrites& writes = writes_for(request.client);
  const Applied applied{.sequence = request.sequence, .version = version};
  if (writes.chunks.empty()) writes.oldest = request.sequence;
  if (writes.chunks.empty() || writes.newest < request.sequence) {
    if (writes.chunks.empty() || writes.chunks.back()->size() >= kChunkEntries) {
      writes.chunks.push_back(std::make_shared<Chunk>());
      writes.chunks.back()->reserve(kChunkEntries);
    }
    own(writes.chunks.back()).push_back(applied);
    writes.newest = request.sequence;
    ++size_;
  } else {
    insert(writes, lower_bound(writes, request.sequence), applied);
    writes.oldest = std::min(writes.oldest, request.sequence);
  }
  if (request.sequence >= window) forget_before(writes, request.sequence - window + 1);
}

void DedupTable::clear() {
  clients_.clear();
  direct_.clear();
  size_ = 0;
}

std::vector<AppliedWrite> DedupTable::entries() const {
  std::vector<AppliedWrite> out;
  out.reserve(size_);
  for (const ClientWrites& writes : clients_) {
    for (std::size_t c = 0; c < writes.chunks.size(); ++c) {
      const Chunk& chunk = *writes.chunks[c];
      for (std::size_t i = c == 0 ? writes.front : 0; i < chunk.size(); ++i) {
        out.push_back(AppliedWrite{
            .request = RequestId{.client = ClientId(writes.client), .sequence = chunk[i].sequence},
            .version = chunk[i].version});
      }
    }
  }
  return out;
}

std::size_t DedupTable::place_of(ClientId client) const {
  const auto it = std::lower_bound(
      clients_.begin(), clients_.end(), client.value,
      [](const ClientWrites& writes, std::uint32_t c) { return writes.client < c; });
  return static_cast<std::size_t>(it - clients_.begin());
}

std::optional<std::size_t> DedupTable::known_place(ClientId client) const {
  if (client.value < kDirectClients) {
    const std::uint32_t place = client.value < direct_.size() ? direct_[client.value] : 0;
    if (place == 0) return std::nullopt;
    return place - 1;
  }
  const std::size_t at = place_of(client);
  if (at < clients_.size() && clients_[at].client == client.value) return at;
  return std::nullopt;
}

const DedupTable::ClientWrites* DedupTable::writes_of(ClientId client) const {
  const std::optional<std::size_t> at = known_place(client);
  return at ? &clients_[*at] : nullptr;
}

DedupTable::ClientWrites& DedupTable::writes_for(ClientId client) {
  if (const std::optional<std::size_t> known = known_place(client)) return clients_[*known];
  const std::size_t at = place_of(client);
  clients_.insert(clients_.begin() + static_cast<std::ptrdiff_t>(at),
                  ClientWrites{.client = client.value});
  index_clients();
  return clients_[at];
}

void DedupTable::index_clients() {
  direct_.clear();
  for (std::uint32_t place = 0; place < clients_.size(); ++place) {
    const std::uint32_t client = clients_[place].client;
    if (client >= kDirectClients) break;  // ascending: the rest are larger
    if (client >= direct_.size()) direct_.resize(client + 1, 0);
    direct_[client] = place + 1;
  }
}

DedupTable::Place DedupTable::lower_bound(const ClientWrites& writes, std::uint64_t sequence) {
  // The first chunk whose last write is at or after `sequence` holds the place.
  const auto chunk = std::lower_bound(
      writes.chunks.begin(), writes.chunks.end(), sequence,
      [](const std::shared_ptr<Chunk>& c, std::uint64_t s) { return c->back().sequence < s; });
  const auto index = static_cast<std::size_t>(chunk - writes.chunks.begin());
  if (chunk == writes.chunks.end()) return Place{.chunk = index, .index = 0};
  const auto begin = (*chunk)->begin() + static_cast<std::ptrdiff_t>(index == 0 ? writes.front : 0);
  const auto at =
      std::lower_bound(begin, (*chunk)->end(), sequence,
                       [](const Applied& a, std::uint64_t s) { return a.sequence < s; });
  return Place{.chunk = index, .index = static_cast<std::size_t>(at - (*chunk)->begin())};
}

DedupTable::Chunk& DedupTable::own(std::shared_ptr<Chunk>& chunk) {
  if (chunk.use_count() > 1) {
    auto copy = std::make_shared<Chunk>();
    copy->reserve(std::max(kChunkEntries, chunk->size() + 1));
    copy->assign(chunk->begin(), chunk->end());
    chunk = std::move(copy);
  }
  return *chunk;
}

void DedupTable::insert(ClientWrites& writes, Place at, const Applied& applied) {
  CUTOVER_CHECK(at.chunk < writes.chunks.size(), "an insert past the end is an append");
  Chunk& chunk = own(writes.chunks[at.chunk]);
  CUTOVER_CHECK(chunk[at.index].sequence != applied.sequence, "a write remembered twice");
  chunk.insert(chunk.begin() + static_cast<std::ptrdiff_t>(at.index), applied);
  ++size_;
  const std::size_t first_live = at.chunk == 0 ? writes.front : 0;
  if (chunk.size() - first_live <= 2 * kChunkEntries) return;
  // Writes that commit out of order grew this chunk: split it, so a copy stays small.
  const std::size_t keep = first_live + (chunk.size() - first_live) / 2;
  auto upper =
      std::make_shared<Chunk>(chunk.begin() + static_cast<std::ptrdiff_t>(keep), chunk.end());
  chunk.resize(keep);
  writes.chunks.insert(writes.chunks.begin() + static_cast<std::ptrdiff_t>(at.chunk + 1),
                       std::move(upper));
}

void DedupTable::forget_before(ClientWrites& writes, std::uint64_t sequence) {
  if (writes.chunks.empty() || writes.oldest >= sequence) return;
  while (!writes.chunks.empty() && (*writes.chunks.front())[writes.front].sequence < sequence) {
    --size_;
    if (++writes.front == writes.chunks.front()->size()) {
      writes.chunks.erase(writes.chunks.begin());
      writes.front = 0;
    }
  }
  if (!writes.chunks.empty()) writes.oldest = (*writes.chunks.front())[writes.front].sequence;
}

}  // namespace cutover::models
