#include "analysis/checkers/session_guarantees.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "analysis/checkers/operations_by_key.h"
#include "models/core/check.h"

namespace cutover::analysis {
namespace {

// The newest version seen so far by a stream, and the operation that carried it.
struct Newest {
  std::optional<std::pair<Version, std::size_t>> seen;
  void offer(Version v, std::size_t operation) {
    if (!seen || seen->first < v) seen = {v, operation};
  }
  // The operation `v` contradicts (it carried a newer version), if any.
  std::optional<std::size_t> contradicted_by(Version v) const {
    if (seen && v < seen->first) return seen->second;
    return std::nullopt;
  }
};

void note(std::uint64_t& count, std::vector<SessionViolation>& examples, SessionViolation v) {
  ++count;
  if (examples.size() < SessionGuarantees::kExamplesMax) examples.push_back(v);
}

// Sweeps one stream (positions in the key's operations, ascending) in time order: invocations
// (which are checked) before completions (which publish) at equal times, so only operations
// completed strictly earlier constrain a read.
void check_stream(std::span<const KeyedOperation> key_ops, const std::vector<std::uint32_t>& stream,
                  std::vector<std::pair<std::size_t, std::size_t>>& read_your_writes,
                  std::vector<std::pair<std::size_t, std::size_t>>& monotonic_reads) {
  struct Event {
    std::int64_t at_us;
    bool completion;
    std::uint32_t position;  // ascending with the operation's index
  };
  std::vector<Event> events;
  events.reserve(2 * stream.size());
  for (const std::uint32_t p : stream) {
    events.push_back({key_ops[p].invoked_at.time_since_epoch().count(), false, p});
    events.push_back({key_ops[p].completed_at.time_since_epoch().count(), true, p});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::tie(a.at_us, a.completion, a.position) <
           std::tie(b.at_us, b.completion, b.position);
  });
  Newest written;
  Newest read;
  for (const Event& event : events) {
    const KeyedOperation& op = key_ops[event.position];
    if (event.completion) {
      (op.kind == OpKind::kWrite ? written : read).offer(op.version, op.index);
      continue;
    }
    if (op.kind != OpKind::kRead) continue;
    if (const auto w = written.contradicted_by(op.version)) {
      read_your_writes.emplace_back(op.index, *w);
    }
    if (const auto r = read.contradicted_by(op.version)) {
      monotonic_reads.emplace_back(op.index, *r);
    }
  }
}

}  // namespace

// Streams are found key by key (an open-loop workload makes every operation its own session:
// a map of streams over the whole history held one node per operation), by hashing (client,
// session) into a table of twice the key's operations: no sort, which took most of this
// checker's time. Streams come out in table order, but every violation is recorded with its
// operations and finish() sorts them, so the order does not show.
void SessionGuaranteeCheck::check_key(std::span<const KeyedOperation> ops) {
  std::size_t slots = 2;
  while (slots < 2 * ops.size()) slots *= 2;
  first_.assign(slots, kNone);
  last_.resize(slots);
  next_.assign(ops.size(), kNone);
  const auto hash = [&](const KeyedOperation& op) {
    const std::uint64_t mixed =
        (std::uint64_t{op.client.value} * 0x9e3779b97f4a7c15ULL ^ op.session) *
        0xff51afd7ed558ccdULL;
    return static_cast<std::size_t>(mixed >> 32) & (slots - 1);
  };
  bool repeated = false;  // some stream has two operations or more
  for (std::uint32_t p = 0; p < ops.size(); ++p) {
    const KeyedOperation& op = ops[p];
    if (op.outcome != OpOutcome::kOk) continue;
    std::size_t slot = hash(op);
    while (first_[slot] != kNone &&
           (ops[first_[slot]].client != op.client || ops[first_[slot]].session != op.session)) {
      slot = (slot + 1) & (slots - 1);
    }
    if (first_[slot] == kNone) {
      first_[slot] = p;
    } else {
      next_[last_[slot]] = p;
      repeated = true;
    }
    last_[slot] = p;
  }
  if (!repeated) return;
  for (std::size_t slot = 0; slot < slots; ++slot) {
    // One operation alone constrains nothing.
    if (first_[slot] == kNone || next_[first_[slot]] == kNone) continue;
    stream_.clear();
    for (std::uint32_t p = first_[slot]; p != kNone; p = next_[p]) stream_.push_back(p);
    check_stream(ops, stream_, read_your_writes_, monotonic_reads_);
  }
}

SessionGuarantees SessionGuaranteeCheck::finish(const RunFacts& facts) {
  // (read, earlier) pairs, sorted by read so examples come in history order.
  std::sort(read_your_writes_.begin(), read_your_writes_.end());
  std::sort(monotonic_reads_.begin(), monotonic_reads_.end());
  SessionGuarantees result;
  for (const auto& [read, earlier] : read_your_writes_) {
    CUTOVER_CHECK(facts.operations[read].kind == OpKind::kRead, "session violation by a write");
    note(result.read_your_writes_violations, result.read_your_writes_examples, {earlier, read});
  }
  for (const auto& [read, earlier] : monotonic_reads_) {
    note(result.monotonic_read_violations, result.monotonic_read_examples, {earlier, read});
  }
  return result;
}

SessionGuarantees check_session_guarantees(const RunFacts& facts) {
  return check_acknowledged_by_key(SessionGuaranteeCheck{}, facts);
}

}  // namespace cutover::analysis
