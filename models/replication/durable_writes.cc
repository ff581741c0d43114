#include "models/replication/durable_writes.h"

#include <algorithm>
#include <utility>

#include "models/core/check.h"

namespace cutover::models {

void DurableWrites::start(const Storage& storage) {
  durable_index_ = storage.last_index();
  durable_sequence_ = requested_sequence_ = storage.write_sequence();
  marks_.clear();
  pending_replies_.clear();
}

void DurableWrites::note_write(Context& ctx) {
  marks_.push_back(DurableMark{.sequence = ctx.storage().write_sequence(),
                               .last_index = ctx.storage().last_index()});
}

void DurableWrites::write_hard_state(const HardState& state, Context& ctx) {
  ctx.storage().set_hard_state(state);
  note_write(ctx);
}

void DurableWrites::request_persist(Context& ctx) {
  const std::uint64_t written = ctx.storage().write_sequence();
  if (written <= requested_sequence_) return;
  requested_sequence_ = written;
  const WriteToken token = ctx.persist();
  CUTOVER_CHECK(token.value == written, "persist token must name the write sequence");
}

void DurableWrites::send_when_durable(NodeId to, Message message, Context& ctx) {
  const std::uint64_t needed = ctx.storage().write_sequence();
  if (needed <= durable_sequence_) {
    ctx.send(to, std::move(message));
    return;
  }
  request_persist(ctx);
  pending_replies_.push_back(
      PendingReply{.sequence = needed, .to = to, .message = std::move(message)});
}

void DurableWrites::on_persisted(WriteToken token, Context& ctx) {
  durable_sequence_ = std::max(durable_sequence_, token.value);
  while (!marks_.empty() && marks_.front().sequence <= durable_sequence_) {
    durable_index_ = marks_.front().last_index;
    marks_.pop_front();
  }
  while (!pending_replies_.empty() && pending_replies_.front().sequence <= durable_sequence_) {
    ctx.send(pending_replies_.front().to, std::move(pending_replies_.front().message));
    pending_replies_.pop_front();
  }
}

void DurableWrites::clamp(LogIndex last) {
  for (DurableMark& mark : marks_) mark.last_index = std::min(mark.last_index, last);
  durable_index_ = std::min(durable_index_, last);
}

}  // namespace cutover::models
