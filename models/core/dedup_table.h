// The writes a replicated state applied, per client, so that a retry of one is answered with
// its first version instead of being applied again (kv_state_machine.h says why it is part of
// the replicated state).
//
// Copying a table is cheap, because every Raft snapshot copies one (each replica, every
// compaction: on the reference run 100,000 entries each time, measured at 4% of the run when
// it was a flat vector). A client's writes sit in fixed-size chunks shared between copies;
// a copy shares all of them, and whoever changes a chunk that another copy also holds copies
// that one chunk first. Forgetting old writes only moves an offset into the first chunk.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "models/core/types.h"

namespace cutover::models {

// A write the state machine applied, remembered so that a retry of it is not applied again.
struct AppliedWrite {
  RequestId request;
  Version version;  // where it took effect
  bool operator==(const AppliedWrite&) const = default;
};

class DedupTable {
 public:
  // Where the write with this request took effect, if remembered.
  std::optional<Version> find(RequestId request) const;
  // Remembers a write (its request not yet in the table) and forgets the client's writes a
  // full `window` of sequence numbers behind it.
  void remember(RequestId request, Version version, std::uint64_t window);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear();
  // Every remembered write, ascending by request.
  std::vector<AppliedWrite> entries() const;

 private:
  struct Applied {
    std::uint64_t sequence;
    Version version;
  };
  using Chunk = std::vector<Applied>;  // ascending by sequence, never empty
  // One client's writes, ascending by sequence: chunks[0] from `front` on, then the others.
  struct ClientWrites {
    std::uint32_t client = 0;
    std::vector<std::shared_ptr<Chunk>> chunks;
    std::size_t front = 0;
    // The first and the last write's sequences (while chunks is not empty): whether a request
    // is newer than all, and whether any is old enough to forget, known without following the
    // chunk pointers, whose memory a replica among many last touched long ago (measured: with
    // 60 replicas, those loads were most of the table's cost).
    std::uint64_t oldest = 0;
    std::uint64_t newest = 0;
  };
  // A position: chunk and index within it.
  struct Place {
    std::size_t chunk;
    std::size_t index;
  };

  // Where the client's writes are, or would be inserted (clients_ is ascending by client).
  std::size_t place_of(ClientId client) const;
  std::optional<std::size_t> known_place(ClientId client) const;  // if it has writes here
  // Client ids below this are found through direct_ in one step; the simulator numbers its
  // clients from 0, and a binary search over 20 clients' entries showed in the profile of a
  // 60-replica run. Larger ids fall back to the search.
  static constexpr std::uint32_t kDirectClients = 1 << 16;
  void index_clients();  // rebuilds direct_ after clients_ changed shape
  const ClientWrites* writes_of(ClientId client) const;
  ClientWrites& writes_for(ClientId client);
  // The first remembered write with sequence >= `sequence`, or one past the last.
  static Place lower_bound(const ClientWrites& writes, std::uint64_t sequence);
  static Chunk& own(std::shared_ptr<Chunk>& chunk);  // copied first if shared
  void insert(ClientWrites& writes, Place at, const Applied& applied);
  void forget_before(ClientWrites& writes, std::uint64_t sequence);

  std::vector<ClientWrites> clients_;  // ascending by client
  std::vector<std::uint32_t> direct_;  // by client id: its place in clients_ + 1, 0 if none
  std::size_t size_ = 0;
};

}  // namespace cutover::models
