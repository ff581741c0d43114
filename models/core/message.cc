#include "models/core/message.h"

namespace cutover::models {
namespace {

struct MessageSize {
  std::uint64_t operator()(const AppendEntries& append) const {
    std::uint64_t total = kMessageHeaderBytes;
    for (const LogEntry& entry : append.entries) total += kEntryOverheadBytes + entry.value_bytes;
    return total;
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
