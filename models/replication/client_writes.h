// Client writes and idempotency, the same for every protocol: a write whose request the
// replicated state already applied (a client's retry after a timeout or a failover) is
// answered with the version where it took effect instead of being appended again; a retry
// that reaches the leader while the original is still uncommitted is appended, applied as a
// no-op, and acknowledged with the original's version (see KvStateMachine).
#pragma once

#include <deque>

#include "models/core/check.h"
#include "models/core/context.h"
#include "models/core/message.h"
#include "models/kv/kv_state_machine.h"

namespace cutover::models {

// True when `request` is a write already applied; it has then been answered.
inline bool answer_repeated_write(const KvStateMachine& kv, ClientId from,
                                  const ClientRequest& request, Context& ctx) {
  if (request.kind != OpKind::kWrite) return false;
  const std::optional<Version> applied = kv.applied_version(request.id);
  if (!applied) return false;
  ctx.reply(from, ClientReply{.id = request.id, .status = ReplyStatus::kOk, .version = *applied});
  return true;
}

// The version to acknowledge for a committed (and applied) write whose own entry is `own`.
inline Version acknowledged_version(const KvStateMachine& kv, RequestId request, Version own) {
  return kv.applied_version(request).value_or(own);
}

// Client writes a primary has appended and not yet acknowledged, oldest first. Each is
// answered once the commit index reaches it, with the version where its request took effect.
class PendingClientWrites {
 public:
  void add(LogIndex index, ClientId client, RequestId request) {
    writes_.push_back(Write{.index = index, .client = client, .request = request});
  }
  // Writes not yet committed get no answer when the primary gives up its role: their fate is
  // decided by the next primary, so the client must treat them as unknown (timeout).
  void clear() { writes_.clear(); }
  bool none_committed_by(LogIndex commit) const {
    return writes_.empty() || writes_.front().index > commit;
  }
  // Answers every write through `commit`. `epoch` is the primary's: its own entries carry it.
  void reply_committed(LogIndex commit, Epoch epoch, const Storage& storage,
                       const KvStateMachine& kv, Context& ctx) {
    while (!writes_.empty() && writes_.front().index <= commit) {
      const Write& write = writes_.front();
      CUTOVER_CHECK(storage.epoch_at(write.index) == epoch,
                    "a pending write was replaced in the primary's own log");
      ctx.reply(write.client, ClientReply{.id = write.request,
                                          .status = ReplyStatus::kOk,
                                          .version = acknowledged_version(
                                              kv, write.request, Version{epoch, write.index})});
      writes_.pop_front();
    }
  }

 private:
  struct Write {
    LogIndex index;
    ClientId client;
    RequestId request;
  };
  std::deque<Write> writes_;
};

}  // namespace cutover::models
