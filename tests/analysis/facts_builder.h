// Hand-written histories for the analysis tests: times in milliseconds, so each test reads as
// a timeline ("write acked at 120 ms, failover at 150 ms").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/history.h"

namespace cutover::analysis::testing {

inline TimePoint at_ms(double ms) { return TimePoint(models::from_ms(ms)); }

// Positions of operations in the built history, as the checkers list the ones they flag.
using Indices = std::vector<std::size_t>;

inline Version version(std::uint64_t epoch, std::uint64_t index) {
  return Version{models::Epoch(epoch), models::LogIndex(index)};
}

class FactsBuilder {
 public:
  FactsBuilder() {
    facts_.scenario = "hand-written";
    facts_.seed = 7;
    facts_.simulated_s = 10;
    facts_.regions = {"us-east-1", "eu-west-1"};
    facts_.replicas = {"us-east-1-0", "eu-west-1-0"};
    facts_.replica_regions = {0, 1};
    facts_.final_state.survivor = NodeId(0);
  }

  // Returns the operation's index. Every operation comes from client 0, session 0, with its
  // index as request sequence; a write's write_id is (client 0, its index).
  std::size_t write(double invoked_ms, double completed_ms, OpOutcome outcome, Key key, Version v,
                    std::uint32_t region = 0) {
    return add(OpKind::kWrite, invoked_ms, completed_ms, outcome, key, v, region);
  }
  std::size_t read(double invoked_ms, double completed_ms, OpOutcome outcome,
                   std::uint32_t region = 0) {
    return add(OpKind::kRead, invoked_ms, completed_ms, outcome, 1, Version{}, region);
  }

  // A read of `key` that returned `v` (Version{}: the key had never been written).
  std::size_t read_of(double invoked_ms, double completed_ms, OpOutcome outcome, Key key, Version v,
                      std::uint32_t region = 0) {
    return add(OpKind::kRead, invoked_ms, completed_ms, outcome, key, v, region);
  }
  // The operation at `index`, to set fields the shorthands leave at their defaults (client,
  // session, node, write_id).
  // RunFacts stores operations packed, so the edit is applied on the builder's next call.
  Operation& op(std::size_t index) {
    apply_edit();
    edit_.emplace(index, facts_.operations.at(index));
    return edit_->second;
  }

  FactsBuilder& ack(double at, std::uint32_t node, std::uint64_t epoch,
                    OpKind kind = OpKind::kWrite) {
    facts_.acks.push_back(AckRecord{.at = at_ms(at),
                                    .node = NodeId(node),
                                    .epoch = models::Epoch(epoch),
                                    .kind = kind,
                                    .accepted_at = at_ms(at)});
    return *this;
  }
  FactsBuilder& phase(std::string name, double start, double end) {
    facts_.phases.push_back(
        Phase{.name = std::move(name), .start = at_ms(start), .end = at_ms(end)});
    return *this;
  }
  // A replica's final state: (key, version) cells with value_bytes 100, ascending by key.
  FactsBuilder& replica_state(std::uint32_t node, const std::vector<std::pair<Key, Version>>& cells,
                              std::vector<AppliedWrite> applied = {}) {
    ReplicaState state{.node = NodeId(node), .applied_writes = std::move(applied)};
    for (const auto& [key, v] : cells) {
      state.cells.push_back({.key = key, .version = v, .value_bytes = 100});
    }
    facts_.replica_states.push_back(std::move(state));
    return *this;
  }

  FactsBuilder& survive(Key key, Version v) {
    models::LogEntry entry;
    entry.key = key;
    entry.version = v;
    // A request id of its own (client 1000 issues nothing else): no false duplicates.
    entry.request = WriteId{models::ClientId(1000), facts_.final_state.surviving_log.size()};
    facts_.final_state.surviving_log.push_back(entry);
    return *this;
  }
  FactsBuilder& no_survivor() {
    facts_.final_state.survivor.reset();
    facts_.final_state.surviving_log.clear();
    return *this;
  }
  FactsBuilder& failover(double at, std::optional<std::uint32_t> from, std::uint32_t to,
                         std::uint64_t epoch) {
    FailoverRecord record;
    record.at = at_ms(at);
    if (from) record.from = NodeId(*from);
    record.to = NodeId(to);
    record.epoch = models::Epoch(epoch);
    facts_.failovers.push_back(record);
    return *this;
  }
  FactsBuilder& fault(std::string description, double start, std::optional<double> end,
                      bool disruptive) {
    FaultWindow window;
    window.description = std::move(description);
    window.start = at_ms(start);
    if (end) window.end = at_ms(*end);
    window.disruptive = disruptive;
    facts_.faults.push_back(window);
    return *this;
  }
  FactsBuilder& simulated_s(double s) {
    facts_.simulated_s = s;
    return *this;
  }

  RunFacts& facts() {
    apply_edit();
    return facts_;
  }

 private:
  std::size_t add(OpKind kind, double invoked_ms, double completed_ms, OpOutcome outcome, Key key,
                  Version v, std::uint32_t region) {
    Operation op;
    op.client_region = region;
    op.kind = kind;
    op.key = key;
    op.invoked_at = at_ms(invoked_ms);
    op.completed_at = at_ms(completed_ms);
    op.outcome = outcome;
    op.version = v;
    apply_edit();
    op.request_sequence = facts_.operations.size();
    if (kind == OpKind::kWrite) op.write_id = WriteId{models::ClientId(0), op.request_sequence};
    facts_.operations.push_back(op);
    return facts_.operations.size() - 1;
  }
  void apply_edit() {
    if (edit_) facts_.operations.replace(edit_->first, edit_->second);
    edit_.reset();
  }

  RunFacts facts_;
  std::optional<std::pair<std::size_t, Operation>> edit_;  // from op(), not yet applied
};

}  // namespace cutover::analysis::testing
