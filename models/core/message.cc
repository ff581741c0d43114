#include "models/core/message.h"

#include <algorithm>

namespace cutover::models {

bool Membership::is_voter(NodeId node) const {
  return std::binary_search(voters.begin(), voters.end(), node);
}

bool Membership::is_learner(NodeId node) const {
  return std::binary_search(learners.begin(), learners.end(), node);
}

std::uint64_t Snapshot::size_bytes() const {
  std::uint64_t total = 0;
  for (const KvCell& cell : cells) total += kSnapshotCellOverheadBytes + cell.value_bytes;
  total += recent_writes.size() * kSnapshotCellOverheadBytes;
  return total;
}

namespace {

struct MessageSize {
  std::uint64_t operator()(const AppendEntries& append) const {
    std::uint64_t total = kMessageHeaderBytes;
    for (const LogEntry& entry : append.entries) {
      total += kEntryOverheadBytes + entry.value_bytes;
      if (entry.membership) total += 8 * entry.membership->voters.size();
      if (entry.membership) total += 8 * entry.membership->learners.size();
    }
    return total;
  }
  std::uint64_t operator()(const InstallSnapshot& install) const {
    return kMessageHeaderBytes + (install.snapshot ? install.snapshot->size_bytes() : 0);
  }
  template <typename Small>
  std::uint64_t operator()(const Small&) const {
    return kMessageHeaderBytes;
  }
};

}  // namespace

std::uint64_t size_bytes(const Message& message) { return std::visit(MessageSize{}, message); }

std::uint64_t size_bytes(const ClientRequest& request) {
  return kMessageHeaderBytes + (request.kind == OpKind::kWrite ? request.value_bytes : 0);
}

std::uint64_t size_bytes(const ClientReply& reply) {
  return kMessageHeaderBytes + reply.value_bytes;
}

}  // namespace cutover::models
