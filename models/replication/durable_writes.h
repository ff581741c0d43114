// Which of a node's storage writes are durable, and the messages that may leave only once they
// are: every acknowledgement that promises durability waits for its fsync (persist before you
// send). One place for the bookkeeping every protocol needs.
//
// Each storage write has a sequence number; a completed persist makes every write up to its
// token durable. The durable log length is tracked per write, so a truncation (or a snapshot
// that replaces the log) lowers what counts as durable until the next fsync.
#pragma once

#include <cstdint>
#include <deque>

#include "models/core/context.h"
#include "models/core/message.h"
#include "models/core/storage.h"
#include "models/core/types.h"

namespace cutover::models {

class DurableWrites {
 public:
  // After a (re)start everything in storage is durable: the driver crashed away the rest.
  void start(const Storage& storage);

  // Records the storage write just made (its sequence and the log length after it).
  void note_write(Context& ctx);
  void write_hard_state(const HardState& state, Context& ctx);
  // Asks the driver to fsync everything written so far, unless already asked.
  void request_persist(Context& ctx);
  // Sends `message` once every write made so far is durable (at once if it already is).
  void send_when_durable(NodeId to, Message message, Context& ctx);
  // A completed fsync: advances what is durable and sends the messages waiting for it.
  void on_persisted(WriteToken token, Context& ctx);
  // The log now ends at or before `last`: nothing beyond it can count as durable.
  void clamp(LogIndex last);

  LogIndex durable_index() const { return durable_index_; }  // durable log length
  std::uint64_t durable_sequence() const { return durable_sequence_; }
  bool is_durable(std::uint64_t sequence) const { return sequence <= durable_sequence_; }

 private:
  struct PendingReply {
    std::uint64_t sequence;  // durable through this write sequence first
    NodeId to;
    Message message;
  };
  struct DurableMark {  // log length right after the write with this sequence
    std::uint64_t sequence;
    LogIndex last_index;
  };

  LogIndex durable_index_;
  std::uint64_t durable_sequence_ = 0;
  std::uint64_t requested_sequence_ = 0;
  std::deque<DurableMark> marks_;
  std::deque<PendingReply> pending_replies_;
};

}  // namespace cutover::models
