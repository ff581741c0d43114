#include "analysis/checkers/session_guarantees.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "analysis/checkers/operations_by_key.h"
#include "models/core/check.h"

namespace cutover::analysis {
namespace {

// (client, session) within one key: with the key, the unit both guarantees are checked over.
using Stream = std::tuple<std::uint32_t, std::uint64_t>;

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

// Sweeps one stream in time order: invocations (which are checked) before completions (which
// publish) at equal times, so only operations completed strictly earlier constrain a read.
void check_stream(const OperationLog& all, const std::vector<std::size_t>& ops,
                  std::vector<std::pair<std::size_t, std::size_t>>& read_your_writes,
                  std::vector<std::pair<std::size_t, std::size_t>>& monotonic_reads) {
  struct Event {
    std::int64_t at_us;
    bool completion;
    std::size_t operation;
  };
  std::vector<Event> events;
  events.reserve(2 * ops.size());
  for (std::size_t i : ops) {
    events.push_back({all[i].invoked_at.time_since_epoch().count(), false, i});
    events.push_back({all[i].completed_at.time_since_epoch().count(), true, i});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::tie(a.at_us, a.completion, a.operation) <
           std::tie(b.at_us, b.completion, b.operation);
  });
  Newest written;
  Newest read;
  for (const Event& event : events) {
    const Operation& op = all[event.operation];
    if (event.completion) {
      (op.kind == OpKind::kWrite ? written : read).offer(op.version, event.operation);
      continue;
    }
    if (op.kind != OpKind::kRead) continue;
    if (const auto w = written.contradicted_by(op.version)) {
      read_your_writes.emplace_back(event.operation, *w);
    }
    if (const auto r = read.contradicted_by(op.version)) {
      monotonic_reads.emplace_back(event.operation, *r);
    }
  }
}

}  // namespace

SessionGuarantees check_session_guarantees(const RunFacts& facts) {
  // Streams are found key by key (an open-loop workload makes every operation its own session:
  // a map of streams over the whole history held one node per operation).
  const OperationsByKey by_key = group_by_key(
      facts.operations, [](const Operation& op) { return op.outcome == OpOutcome::kOk; });
  // (read, earlier) pairs, sorted by read so examples come in history order.
  std::vector<std::pair<std::size_t, std::size_t>> read_your_writes;
  std::vector<std::pair<std::size_t, std::size_t>> monotonic_reads;
  std::vector<std::pair<Stream, std::size_t>> members;
  std::vector<std::size_t> ops;
  for (std::size_t k = 0; k < by_key.key_count(); ++k) {
    members.clear();
    for (std::uint32_t i : by_key.of(k)) {
      const Operation op = facts.operations[i];
      members.emplace_back(Stream{op.client.value, op.session}, i);
    }
    std::sort(members.begin(), members.end());  // by stream, then history order
    for (std::size_t first = 0; first < members.size();) {
      std::size_t last = first;
      ops.clear();
      while (last < members.size() && members[last].first == members[first].first) {
        ops.push_back(members[last++].second);
      }
      // One operation alone constrains nothing.
      if (ops.size() > 1) check_stream(facts.operations, ops, read_your_writes, monotonic_reads);
      first = last;
    }
  }
  std::sort(read_your_writes.begin(), read_your_writes.end());
  std::sort(monotonic_reads.begin(), monotonic_reads.end());

  SessionGuarantees result;
  for (const auto& [read, earlier] : read_your_writes) {
    CUTOVER_CHECK(facts.operations[read].kind == OpKind::kRead, "session violation by a write");
    note(result.read_your_writes_violations, result.read_your_writes_examples, {earlier, read});
  }
  for (const auto& [read, earlier] : monotonic_reads) {
    note(result.monotonic_read_violations, result.monotonic_read_examples, {earlier, read});
  }
  return result;
}

}  // namespace cutover::analysis
