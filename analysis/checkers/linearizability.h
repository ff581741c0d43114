// Linearizability of each key as a read/write register, checked from the client history alone.
//
// Model: every key is a register holding a version, initially Version{} ("never written"). A
// write sets it to its version; a read must return the version it holds. Keys are independent
// registers, so the history is checked key by key (P-compositionality: a history is linearizable
// iff every per-key sub-history is; Herlihy & Wing 1990, locality).
//
// Which operations take part (per key):
//   * kOk reads and writes, over [invoked_at, completed_at];
//   * kTimedOut writes: they may or may not have taken effect. One that took effect and is never
//     read is indistinguishable from one that did not, so a timed-out write whose version no
//     read returns is dropped. One with a known version that a read returns took effect before
//     that read: its interval is [invoked_at, earliest completion among those reads]. Those of
//     unknown version (Version{}) explain "orphans", versions some read returns that no write of
//     the key is known to have written: each orphan gets a stand-in write over [earliest
//     invocation among the unknown writes invoked before the orphan's first read completed,
//     that completion], reported as that earliest unknown write. An orphan with no such write
//     is unexplained and fails the check. (Limitation: one unknown write may stand in for two
//     orphans; a history needing that is accepted. The simulator can avoid the question by
//     recording the version of a timed-out write when it learns it.)
//   * kFailed operations had no effect and timed-out reads returned nothing: both are ignored.
// Intervals are closed: an operation completing at the instant another is invoked is concurrent
// with it.
//
// Algorithm: Wing & Gong's depth-first search for a linearization with Lowe's improvements as
// in Porcupine (Athalye): operations as call/return entries in a linked list, backtracking at
// a return, and memoisation of (linearized set, register state) so no configuration is
// explored twice. One register-specific pruning, sound because versions are unique: while a
// read of the current value remains to be linearized, no write may take effect (the value could
// never come back). The linearized set is a bitset over the key's operations in call order; the
// memo stores it exactly but compactly (its highest member, then its non-members below that), so
// a long, mostly sequential key costs memory in proportion to its concurrency, not its length.
// Written here because no installed library checks linearizability.
//
// Verdict: kLinearizable when every key is; kNotLinearizable when one is not, with a
// counterexample: the failing key's operations shrunk (delta-debugging style) to a small subset
// that is still not linearizable. Only removals that keep a linearizable history linearizable
// are tried (a read; a write no remaining read returns), so the subset proves the violation on
// its own. kUnknown when no key failed but some key exhausted its step or memory budget.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "analysis/checkers/operations_by_key.h"
#include "analysis/history.h"

namespace cutover::analysis {

struct LinearizabilityConfig {
  // Search steps (one per list entry visited) for one key before it is declared unknown.
  std::uint64_t steps_per_key_max = 1'000'000;
  // Search steps over the whole history; keys left when it runs out are unknown.
  std::uint64_t steps_total_max = 50'000'000;
  // Memo size for one key, in bytes, before it is declared unknown.
  std::uint64_t memo_bytes_max = std::uint64_t{256} << 20;
  // Search steps spent shrinking a counterexample; when exhausted, the counterexample found so
  // far (still a valid one, only less small) is reported.
  std::uint64_t shrink_steps_max = 5'000'000;
};

enum class LinearizabilityVerdict : std::uint8_t { kLinearizable, kNotLinearizable, kUnknown };

struct Linearizability {
  LinearizabilityVerdict verdict = LinearizabilityVerdict::kLinearizable;
  std::size_t checked_keys = 0;    // keys with at least one operation taking part
  std::size_t violating_keys = 0;  // keys found not linearizable
  std::size_t unknown_keys = 0;    // keys whose budget ran out
  std::uint64_t steps = 0;         // search steps, shrinking excluded
  // kNotLinearizable only: the lowest violating key and its shrunk counterexample (indices into
  // RunFacts::operations, ascending).
  std::optional<Key> counterexample_key;
  std::vector<std::size_t> counterexample;
};

Linearizability check_linearizability(const RunFacts& facts, const LinearizabilityConfig& config);

// The same check fed one key at a time, for a caller that sweeps the history by key once for
// several checkers (analysis/checkers/per_key_checks.h). check_linearizability is this over
// every key of the history.
class LinearizabilityCheck {
 public:
  explicit LinearizabilityCheck(const LinearizabilityConfig& config);
  // REQUIRES: keys in ascending order, each once (the total step budget goes to the lowest keys
  // first); `ops` the key's operations in history order, of which those that do not take part
  // are skipped.
  void check_key(Key key, std::span<const KeyedOperation> ops);
  // The verdict over the keys checked so far.
  Linearizability finish() const;

 private:
  LinearizabilityConfig config_;
  std::uint64_t total_left_;
  Linearizability result_;
  std::vector<KeyedOperation> taking_part_;  // scratch for check_key
};

}  // namespace cutover::analysis
