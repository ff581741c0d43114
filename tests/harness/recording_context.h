// RecordingContext: a models::Context that carries nothing out and records everything, so a
// test can feed a protocol one input and assert the exact outputs it produced.
//
// It owns the node's Storage, its Rng and a settable clock. Sends, client replies, timer
// operations, persist requests and trace events are appended to public vectors in the order
// the protocol made them; clear_outputs() empties them between steps. Persist requests are also
// kept in a queue of unsynced tokens until complete_persist() syncs the storage and tells the
// protocol (on_persisted), which is what a disk finishing an fsync does.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "models/core/context.h"
#include "models/core/message.h"
#include "models/core/rng.h"
#include "models/core/storage.h"
#include "models/core/types.h"
#include "models/replication/protocol.h"

namespace cutover::models::testing {

struct SentMessage {
  NodeId to;
  Message message;
};

struct SentReply {
  ClientId to;
  ClientReply reply;
};

struct TimerSet {
  TimerId id;
  Duration after;
  TimePoint deadline;
};

// The timer as it stands now: every set_timer or cancel_timer makes a new generation, so a
// driver can tell a stale scheduled firing from the current one.
struct ArmedTimer {
  TimePoint deadline;
  std::uint64_t generation = 0;
};

class RecordingContext final : public Context {
 public:
  explicit RecordingContext(std::uint64_t seed = 1) : rng_(seed) {}

  // --- clock ------------------------------------------------------------------------------
  TimePoint now() const override { return now_; }
  void set_now(TimePoint now) { now_ = now; }
  void advance(Duration by) { now_ += by; }

  // --- Context ----------------------------------------------------------------------------
  void send(NodeId to, Message message) override {
    sends.push_back(SentMessage{.to = to, .message = std::move(message)});
  }
  void reply(ClientId to, const ClientReply& reply) override {
    replies.push_back(SentReply{.to = to, .reply = reply});
  }
  void set_timer(TimerId id, Duration after) override {
    timers_set.push_back(TimerSet{.id = id, .after = after, .deadline = now_ + after});
    armed_[id.value] = ArmedTimer{.deadline = now_ + after, .generation = ++timer_generation_};
  }
  void cancel_timer(TimerId id) override {
    timers_cancelled.push_back(id);
    armed_.erase(id.value);
  }
  Storage& storage() override { return storage_; }
  WriteToken persist() override {
    const WriteToken token(storage_.write_sequence());
    persists.push_back(token);
    unsynced_.push_back(token);
    return token;
  }
  Rng& rng() override { return rng_; }
  void emit(const TraceEvent& event) override { traces.push_back(event); }

  // --- recorded outputs (since the last clear_outputs) -----------------------------------
  std::vector<SentMessage> sends;
  std::vector<SentReply> replies;
  std::vector<TimerSet> timers_set;
  std::vector<TimerId> timers_cancelled;
  std::vector<WriteToken> persists;
  std::vector<TraceEvent> traces;

  // Forgets the recorded outputs. Armed timers and unsynced persists are state, not outputs,
  // and stay.
  void clear_outputs() {
    sends.clear();
    replies.clear();
    timers_set.clear();
    timers_cancelled.clear();
    persists.clear();
    traces.clear();
  }

  // Every recorded send of message type T, in order, with its destination.
  template <typename T>
  std::vector<std::pair<NodeId, T>> sent() const {
    std::vector<std::pair<NodeId, T>> found;
    for (const SentMessage& s : sends) {
      if (const T* m = std::get_if<T>(&s.message)) found.emplace_back(s.to, *m);
    }
    return found;
  }

  // --- timers -----------------------------------------------------------------------------
  std::optional<ArmedTimer> armed(TimerId id) const {
    auto it = armed_.find(id.value);
    if (it == armed_.end()) return std::nullopt;
    return it->second;
  }
  const std::map<std::uint32_t, ArmedTimer>& armed_timers() const { return armed_; }
  // The driver fires a timer: it is no longer armed.
  void disarm(TimerId id) { armed_.erase(id.value); }

  // --- durability -------------------------------------------------------------------------
  // Persist requests not yet completed, oldest first.
  const std::deque<WriteToken>& unsynced() const { return unsynced_; }

  // The disk finished the fsync for `token`: the storage makes it durable, then the protocol
  // hears about it. Completing out of order is allowed (a later token covers earlier writes).
  void complete_persist(Protocol& protocol, WriteToken token) {
    storage_.sync_through(token.value);
    std::erase_if(unsynced_, [&](WriteToken t) { return t.value <= token.value; });
    protocol.on_persisted(token, *this);
  }
  // Completes the oldest outstanding persist; returns false when there is none.
  bool complete_next_persist(Protocol& protocol) {
    if (unsynced_.empty()) return false;
    complete_persist(protocol, unsynced_.front());
    return true;
  }
  // Completes persists until none is outstanding, including any the protocol asks for while
  // handling a completion.
  void complete_all_persists(Protocol& protocol) {
    while (complete_next_persist(protocol)) {
    }
  }

  // A power loss: unsynced writes vanish, timers and pending persists die with the process.
  // Recorded outputs are cleared too; the next protocol object starts from the storage alone.
  void crash() {
    storage_.crash();
    unsynced_.clear();
    armed_.clear();
    clear_outputs();
  }

 private:
  TimePoint now_{};
  Storage storage_;
  Rng rng_;
  std::map<std::uint32_t, ArmedTimer> armed_;
  std::uint64_t timer_generation_ = 0;
  std::deque<WriteToken> unsynced_;
};

// Free-function form of RecordingContext::complete_persist.
inline void complete_persist(Protocol& protocol, RecordingContext& ctx, WriteToken token) {
  ctx.complete_persist(protocol, token);
}

}  // namespace cutover::models::testing
