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
// a map of streams over the whole history held one node per operation).
void SessionGuaranteeCheck::check_key(std::span<const KeyedOperation> ops) {
  members_.clear();
  for (std::uint32_t p = 0; p < ops.size(); ++p) {
    const KeyedOperation& op = ops[p];
    if (op.outcome == OpOutcome::kOk) members_.push_back(StreamMember(op.client, op.session, p));
  }
  std::sort(members_.begin(), members_.end());  // by stream, then history order
  for (std::size_t first = 0; first < members_.size();) {
    std::size_t last = first;
    stream_.clear();
    while (last < members_.size() && members_[last].same_stream(members_[first])) {
      stream_.push_back(members_[last++].position());
    }
    // One operation alone constrains nothing.
    if (stream_.size() > 1) check_stream(ops, stream_, read_your_writes_, monotonic_reads_);
    first = last;
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
  SessionGuaranteeCheck check;
  const auto acknowledged = [](const Operation& op) { return op.outcome == OpOutcome::kOk; };
  for_each_key(facts.operations, acknowledged,
               [&](Key, std::span<const KeyedOperation> ops) { check.check_key(ops); });
  return check.finish(facts);
}

}  // namespace cutover::analysis
