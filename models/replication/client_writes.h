// Client writes and idempotency, the same for every protocol: a write whose request the
// replicated state already applied (a client's retry after a timeout or a failover) is
// answered with the version where it took effect instead of being appended again; a retry
// that reaches the leader while the original is still uncommitted is appended, applied as a
// no-op, and acknowledged with the original's version (see KvStateMachine).
#pragma once

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

}  // namespace cutover::models
