#include "analysis/checkers/linearizability.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <memory_resource>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/container_hash/hash.hpp>

#include "analysis/checkers/operations_by_key.h"
#include "models/core/check.h"

namespace cutover::analysis {
namespace {

using Verdict = LinearizabilityVerdict;

std::int64_t micros(TimePoint t) { return t.time_since_epoch().count(); }

// One operation of a key's sub-history, as the search sees it.
struct SearchOp {
  std::size_t operation = 0;  // index into RunFacts::operations
  bool write = false;
  Version version;           // for a stand-in write (see prepare), the orphan it writes
  std::uint32_t value = 0;   // `version` as an index into KeyHistory::values
  std::int64_t call_us = 0;  // closed interval [call_us, return_us]
  std::int64_t return_us = 0;
};

// Register states are indices into `values` (the key's distinct versions, Version{} included).
struct KeyHistory {
  std::vector<SearchOp> ops;  // ascending by (call_us, operation): bit i = ops[i]
  std::vector<Version> values;
  std::uint32_t initial = 0;         // the index of Version{}
  std::vector<std::uint32_t> reads;  // per value: how many reads return it
  // Per value: how many ways there are to put it in the register: its writes, plus one for the
  // initial value.
  std::vector<std::uint32_t> writers;
};

template <typename Op>
bool takes_part(const Op& op) {
  if (op.outcome == OpOutcome::kOk) return true;
  return op.outcome == OpOutcome::kTimedOut && op.kind == OpKind::kWrite;
}

// Version's order (epoch, then index) on the two integers: std::sort calls it millions of
// times, and the defaulted three-way comparison through the two StrongIds is slower.
bool older(Version a, Version b) {
  return a.epoch.value < b.epoch.value ||
         (a.epoch.value == b.epoch.value && a.index.value < b.index.value);
}

// Timed-out writes of unknown version, ascending by (invoked_at, index).
using UnknownWrites = std::vector<std::pair<std::int64_t, std::size_t>>;

// What the rules for timed-out writes need to know of one version among a key's operations.
struct VersionFacts {
  Version version;
  std::optional<std::int64_t> first_read_return_us;  // the earliest return of a read of it
  bool written = false;                              // by a write of known version
  bool kept = false;  // some operation of the search has it: it gets a value index
};

// The subset's distinct versions, ascending, and the position in that list of each operation's.
// One sort serves every question prepare asks about versions.
std::vector<VersionFacts> facts_by_version(const std::vector<KeyedOperation>& subset,
                                           std::vector<std::uint32_t>& version_of) {
  std::vector<std::pair<Version, std::uint32_t>> by_version;  // (version, position in subset)
  by_version.reserve(subset.size());
  for (std::uint32_t p = 0; p < subset.size(); ++p) by_version.emplace_back(subset[p].version, p);
  std::sort(by_version.begin(), by_version.end(),
            [](const auto& a, const auto& b) { return older(a.first, b.first); });
  std::vector<VersionFacts> versions;
  version_of.resize(subset.size());
  for (const auto& [version, p] : by_version) {
    if (versions.empty() || versions.back().version != version) versions.push_back({version});
    VersionFacts& facts = versions.back();
    version_of[p] = static_cast<std::uint32_t>(versions.size() - 1);
    const KeyedOperation& op = subset[p];
    if (op.kind == OpKind::kRead && op.version != Version{}) {
      const std::int64_t returned = micros(op.completed_at);
      facts.first_read_return_us =
          std::min(facts.first_read_return_us.value_or(returned), returned);
    } else if (op.kind == OpKind::kWrite && op.version != Version{}) {
      facts.written = true;
    }
  }
  return versions;
}

// Dense value indices for the versions some search operation has, plus Version{} (the initial
// state, the smallest version, so index 0); `ops[i].value` holds the version's position in
// `versions` on entry and its value index on return. Then what the search needs per value.
void index_values(std::vector<VersionFacts>& versions, KeyHistory& history) {
  for (const SearchOp& op : history.ops) versions[op.value].kept = true;
  std::vector<std::uint32_t> value_of(versions.size());
  history.values = {Version{}};
  history.initial = 0;
  for (std::size_t v = 0; v < versions.size(); ++v) {
    if (versions[v].version == Version{}) {
      value_of[v] = history.initial;
    } else if (versions[v].kept) {
      value_of[v] = static_cast<std::uint32_t>(history.values.size());
      history.values.push_back(versions[v].version);
    }
  }
  history.reads.assign(history.values.size(), 0);
  history.writers.assign(history.values.size(), 0);
  ++history.writers[history.initial];
  for (SearchOp& op : history.ops) {
    op.value = value_of[op.value];
    ++(op.write ? history.writers : history.reads)[op.value];
  }
}

// The search input for one key from a subset of its operations (in history order, each one
// taking part). Applies the header's rules for timed-out writes.
KeyHistory prepare(const std::vector<KeyedOperation>& subset) {
  std::vector<std::uint32_t> version_of;
  std::vector<VersionFacts> versions = facts_by_version(subset, version_of);
  UnknownWrites unknown;
  for (const KeyedOperation& op : subset) {
    if (op.kind == OpKind::kWrite && op.version == Version{} &&
        op.outcome == OpOutcome::kTimedOut) {
      unknown.emplace_back(micros(op.invoked_at), op.index);
    }
  }
  std::sort(unknown.begin(), unknown.end());
  KeyHistory history;
  for (std::uint32_t p = 0; p < subset.size(); ++p) {
    const KeyedOperation& op = subset[p];
    SearchOp search_op{.operation = op.index,
                       .write = op.kind == OpKind::kWrite,
                       .version = op.version,
                       .value = version_of[p],  // a position in `versions` until index_values
                       .call_us = micros(op.invoked_at),
                       .return_us = micros(op.completed_at)};
    if (op.outcome == OpOutcome::kTimedOut) {
      if (op.version == Version{}) continue;  // stood in for below
      const std::optional<std::int64_t> read = versions[version_of[p]].first_read_return_us;
      if (!read) continue;  // never observed: may not have happened
      search_op.return_us = std::max(search_op.call_us, *read);
    }
    history.ops.push_back(search_op);
  }
  // One stand-in write per orphan version (read, but written by no write of known version):
  // the orphan was written by one of the unknown writes invoked before its first read
  // returned, so at some instant between the earliest such invocation and that return. None
  // when there is no such write: the read then has no explanation and fails the search.
  for (std::uint32_t v = 0; v < versions.size(); ++v) {
    const std::optional<std::int64_t> read_return_us = versions[v].first_read_return_us;
    if (!read_return_us || versions[v].written) continue;
    if (unknown.empty() || unknown.front().first > *read_return_us) continue;
    history.ops.push_back({.operation = unknown.front().second,
                           .write = true,
                           .version = versions[v].version,
                           .value = v,
                           .call_us = unknown.front().first,
                           .return_us = *read_return_us});
  }
  std::sort(history.ops.begin(), history.ops.end(), [](const SearchOp& x, const SearchOp& y) {
    if (x.call_us != y.call_us) return x.call_us < y.call_us;
    if (x.operation != y.operation) return x.operation < y.operation;
    return older(x.version, y.version);
  });
  index_values(versions, history);
  return history;
}

// The linearized operations of a search, a bitset over KeyHistory::ops (in call order).
// describe() gives an exact canonical form that stays short while few operations below the
// highest linearized one are still pending, which is the case in a search over a long, mostly
// sequential history even with a few long-pending operations: the highest member + 1, then
// every non-member below it.
class LinearizedSet {
 public:
  explicit LinearizedSet(std::size_t size) : words_((size + 63) / 64, 0), size_(size) {}

  void set(std::size_t i) {
    CUTOVER_CHECK(i < size_ && !test(i), "operation linearized twice");
    words_[i / 64] |= bit(i);
    ++count_;
    high_ = std::max(high_, i + 1);
    if (i == low_) advance_low();
  }
  void clear(std::size_t i) {
    CUTOVER_CHECK(i < size_ && test(i), "clearing an operation that is not linearized");
    words_[i / 64] &= ~bit(i);
    --count_;
    low_ = std::min(low_, i);
    if (i + 1 == high_) retreat_high();
  }
  bool test(std::size_t i) const { return (words_[i / 64] & bit(i)) != 0; }

  void describe(std::vector<std::uint32_t>& out) const {
    out.clear();
    out.push_back(static_cast<std::uint32_t>(high_));
    std::size_t remaining = high_ - count_;  // non-members below high_, all at or above low_
    for (std::size_t w = low_ / 64; remaining > 0; ++w) {
      std::uint64_t unset = ~words_[w];
      if (w == low_ / 64) unset &= ~(bit(low_) - 1);
      for (; unset != 0 && remaining > 0; unset &= unset - 1, --remaining) {
        out.push_back(static_cast<std::uint32_t>(w * 64 + std::countr_zero(unset)));
      }
    }
  }

 private:
  static std::uint64_t bit(std::size_t i) { return std::uint64_t{1} << (i % 64); }
  void advance_low() {
    while (low_ < size_) {
      const std::uint64_t unset = ~words_[low_ / 64] >> (low_ % 64);
      if (unset != 0) {
        low_ += static_cast<std::size_t>(std::countr_zero(unset));
        break;
      }
      low_ = (low_ / 64 + 1) * 64;
    }
    low_ = std::min(low_, size_);
  }
  void retreat_high() {
    for (std::size_t w = high_ / 64 + 1; w-- > 0;) {
      if (w < words_.size() && words_[w] != 0) {
        high_ = w * 64 + 64 - static_cast<std::size_t>(std::countl_zero(words_[w]));
        return;
      }
    }
    high_ = 0;
  }

  std::vector<std::uint64_t> words_;
  std::size_t size_;
  std::size_t count_ = 0;
  std::size_t low_ = 0;   // bits [0, low_) are all set; bit low_ is not
  std::size_t high_ = 0;  // bits [high_, size_) are all clear; bit high_ - 1 is set
};

// The configurations (linearized set, register state) already explored. Set descriptions are
// stored back to back in one arena; the hash set holds entry numbers (never iterated).
class Memo {
 public:
  Memo() : index_(64, Hash{this}, Equal{this}, &nodes_) {}
  Memo(const Memo&) = delete;
  Memo& operator=(const Memo&) = delete;

  // False when the configuration was already present.
  bool insert(const std::vector<std::uint32_t>& set, std::uint32_t state) {
    std::size_t hash = boost::hash_range(set.begin(), set.end());
    boost::hash_combine(hash, state);
    entries_.push_back({arena_.size(), set.size(), state, hash});
    arena_.insert(arena_.end(), set.begin(), set.end());
    if (index_.insert(entries_.size() - 1).second) return true;
    arena_.resize(entries_.back().offset);
    entries_.pop_back();
    return false;
  }

  // An estimate of the heap held, for the memory budget.
  std::uint64_t bytes() const {
    return arena_.capacity() * sizeof(std::uint32_t) + entries_.capacity() * sizeof(Entry) +
           index_.size() * (2 * sizeof(void*) + sizeof(std::size_t)) +
           index_.bucket_count() * sizeof(void*);
  }

 private:
  struct Entry {
    std::size_t offset = 0;
    std::size_t length = 0;
    std::uint32_t state = 0;
    std::size_t hash = 0;
  };
  struct Hash {
    const Memo* memo;
    std::size_t operator()(std::size_t entry) const { return memo->entries_[entry].hash; }
  };
  struct Equal {
    const Memo* memo;
    bool operator()(std::size_t a, std::size_t b) const {
      const Entry& x = memo->entries_[a];
      const Entry& y = memo->entries_[b];
      if (x.state != y.state || x.length != y.length) return false;
      const auto begin = memo->arena_.begin();
      return std::equal(begin + static_cast<std::ptrdiff_t>(x.offset),
                        begin + static_cast<std::ptrdiff_t>(x.offset + x.length),
                        begin + static_cast<std::ptrdiff_t>(y.offset));
    }
  };

  std::vector<std::uint32_t> arena_;
  std::vector<Entry> entries_;
  // The hash set's nodes and bucket arrays come from a bump allocator, all released with the
  // memo: one malloc per explored configuration was a fifth of the search's time. The set and
  // its growth are those of std::unordered_set, so bytes() (and the memory budget) is
  // unchanged; it does not count bucket arrays outgrown, kept until the end (less than the
  // current one together).
  std::pmr::monotonic_buffer_resource nodes_;
  std::pmr::unordered_set<std::size_t, Hash, Equal> index_;
};

struct SearchResult {
  Verdict verdict = Verdict::kUnknown;
  std::uint64_t steps = 0;
};

// One key's search. Entries 0..n-1 are the calls of ops[0..n-1], n..2n-1 their returns, 2n the
// list head; the list holds them in time order, calls before returns at equal times.
class Search {
 public:
  Search(const KeyHistory& history, std::uint64_t steps_max, std::uint64_t memo_bytes_max)
      : history_(history),
        n_(static_cast<std::uint32_t>(history.ops.size())),
        head_(2 * n_),
        next_(2 * n_ + 1, kNil),
        prev_(2 * n_ + 1, kNil),
        linearized_(n_),
        reads_left_(history.reads),
        steps_max_(steps_max),
        memo_bytes_max_(memo_bytes_max) {
    CUTOVER_CHECK(history.ops.size() < kNil / 2, "too many operations on one key");
    link_in_time_order();
  }

  SearchResult run();

 private:
  static constexpr std::uint32_t kNil = std::numeric_limits<std::uint32_t>::max();

  struct Frame {
    std::uint32_t call = 0;
    std::uint32_t state_before = 0;
  };

  void link_in_time_order();
  bool is_call(std::uint32_t entry) const { return entry < n_; }
  void unlink(std::uint32_t e) {
    next_[prev_[e]] = next_[e];
    if (next_[e] != kNil) prev_[next_[e]] = prev_[e];
  }
  void relink(std::uint32_t e) {  // undoes unlink(e) (dancing links)
    next_[prev_[e]] = e;
    if (next_[e] != kNil) prev_[next_[e]] = e;
  }
  void lift(std::uint32_t call) {
    unlink(call);
    unlink(n_ + call);
  }
  void unlift(std::uint32_t call) {
    relink(n_ + call);
    relink(call);
  }
  // The register's state after `op`, or nullopt when `op` cannot take effect in `state`: a read
  // of another value, or a write while `state` is sealed.
  std::optional<std::uint32_t> apply(const SearchOp& op, std::uint32_t state) const {
    if (!op.write) return op.value == state ? std::optional<std::uint32_t>(state) : std::nullopt;
    if (sealed(state)) return std::nullopt;
    return op.value;
  }
  // Pruning (sound because versions are unique): a value only one write (or the initial state)
  // can produce is gone for good once overwritten, so while a read of it is still to be
  // linearized, no write may take effect: that branch cannot succeed. Lowe's and Porcupine's
  // searches are generic over the model and miss this; without it, a wrong guess about the order
  // of two concurrent writes is only refuted at the next read's return, after exploring every
  // subset of the operations in between.
  bool sealed(std::uint32_t state) const {
    return reads_left_[state] > 0 && history_.writers[state] == 1;
  }
  bool try_linearize(std::uint32_t call, std::uint32_t& state);
  void count_read(std::uint32_t call, int delta) {
    const SearchOp& op = history_.ops[call];
    if (!op.write)
      reads_left_[op.value] = static_cast<std::uint32_t>(reads_left_[op.value] + delta);
  }

  const KeyHistory& history_;
  std::uint32_t n_;
  std::uint32_t head_;
  std::vector<std::uint32_t> next_;
  std::vector<std::uint32_t> prev_;
  LinearizedSet linearized_;
  Memo memo_;
  std::vector<Frame> stack_;
  std::vector<std::uint32_t> description_;  // scratch for LinearizedSet::describe
  std::vector<std::uint32_t> reads_left_;   // per value: reads of it not linearized yet
  std::uint64_t steps_max_;
  std::uint64_t memo_bytes_max_;
};

// Calls and returns ordered by (time, calls first, operation). The calls already are: the ops
// are in call order (see prepare), so only the returns are sorted, then merged in.
void Search::link_in_time_order() {
  std::vector<std::uint32_t> returns(n_);
  for (std::uint32_t i = 0; i < n_; ++i) returns[i] = i;
  const std::vector<SearchOp>& ops = history_.ops;
  std::sort(returns.begin(), returns.end(), [&](std::uint32_t a, std::uint32_t b) {
    return std::tie(ops[a].return_us, a) < std::tie(ops[b].return_us, b);
  });
  std::uint32_t last = head_;
  const auto append = [&](std::uint32_t entry) {
    next_[last] = entry;
    prev_[entry] = last;
    last = entry;
  };
  std::uint32_t call = 0;
  for (const std::uint32_t op : returns) {
    for (; call < n_ && ops[call].call_us <= ops[op].return_us; ++call) append(call);
    append(n_ + op);
  }
  for (; call < n_; ++call) append(call);  // only when a return precedes its own call
}

// Linearizes `call` now if it can take effect and that leads to an unexplored configuration.
bool Search::try_linearize(std::uint32_t call, std::uint32_t& state) {
  const std::optional<std::uint32_t> after = apply(history_.ops[call], state);
  if (!after) return false;
  linearized_.set(call);
  linearized_.describe(description_);
  if (!memo_.insert(description_, *after)) {
    linearized_.clear(call);
    return false;
  }
  stack_.push_back({call, state});
  state = *after;
  count_read(call, -1);
  lift(call);
  return true;
}

SearchResult Search::run() {
  std::uint32_t state = history_.initial;
  std::uint32_t entry = next_[head_];
  std::uint64_t steps = 0;
  while (next_[head_] != kNil) {
    if (++steps > steps_max_ || memo_.bytes() > memo_bytes_max_) return {Verdict::kUnknown, steps};
    CUTOVER_CHECK(entry != kNil, "linearizability search ran off the list");
    if (is_call(entry)) {
      entry = try_linearize(entry, state) ? next_[head_] : next_[entry];
      continue;
    }
    // A return: its operation had to be linearized by now. Undo the latest choice and try the
    // entries after it.
    if (stack_.empty()) return {Verdict::kNotLinearizable, steps};
    const Frame frame = stack_.back();
    stack_.pop_back();
    state = frame.state_before;
    count_read(frame.call, +1);
    linearized_.clear(frame.call);
    unlift(frame.call);
    entry = next_[frame.call];
  }
  return {Verdict::kLinearizable, steps};
}

SearchResult search(const KeyHistory& history, std::uint64_t steps_max,
                    std::uint64_t memo_bytes_max) {
  if (history.ops.empty()) return {Verdict::kLinearizable, 0};
  return Search(history, steps_max, memo_bytes_max).run();
}

// `ops` without the chunk [start, start + length): the chunk's reads, then its writes no
// remaining read returns. Both removals keep a linearizable history linearizable, so what is
// left still proves a violation on its own. A write of unknown version goes only when no
// remaining read returns an orphan.
std::vector<KeyedOperation> without_chunk(const std::vector<KeyedOperation>& ops, std::size_t start,
                                          std::size_t length) {
  const auto in_chunk = [&](std::size_t position) {
    return position >= start && position - start < length;
  };
  std::set<Version> still_read;
  std::set<Version> written;
  for (std::size_t p = 0; p < ops.size(); ++p) {
    const KeyedOperation& op = ops[p];
    if (op.kind == OpKind::kWrite) written.insert(op.version);
    if (op.kind == OpKind::kRead && op.version != Version{} && !in_chunk(p)) {
      still_read.insert(op.version);
    }
  }
  const bool orphan_read = std::any_of(still_read.begin(), still_read.end(),
                                       [&](Version v) { return !written.contains(v); });
  std::vector<KeyedOperation> kept;
  for (std::size_t p = 0; p < ops.size(); ++p) {
    const KeyedOperation& op = ops[p];
    const bool needed = op.kind == OpKind::kWrite &&
                        (op.version == Version{} ? orphan_read : still_read.contains(op.version));
    if (!in_chunk(p) || needed) kept.push_back(ops[p]);
  }
  return kept;
}

// Shrinks a non-linearizable key history (in history order) to a smaller one that is
// still not linearizable: chunks of halving size are removed while the violation remains.
std::vector<KeyedOperation> shrink(std::vector<KeyedOperation> ops,
                                   const LinearizabilityConfig& config) {
  std::uint64_t budget = config.shrink_steps_max;
  const auto still_fails = [&](const std::vector<KeyedOperation>& candidate) {
    const SearchResult result = search(
        prepare(candidate), std::min(config.steps_per_key_max, budget), config.memo_bytes_max);
    budget -= std::min(budget, result.steps);
    return result.verdict == Verdict::kNotLinearizable;
  };
  std::size_t chunk = std::max<std::size_t>(1, ops.size() / 2);
  while (budget > 0) {
    bool removed = false;
    for (std::size_t start = 0; start < ops.size() && budget > 0;) {
      std::vector<KeyedOperation> candidate = without_chunk(ops, start, chunk);
      if (candidate.size() < ops.size() && still_fails(candidate)) {
        ops = std::move(candidate);
        removed = true;
      } else {
        start += chunk;
      }
    }
    if (chunk == 1 && !removed) break;
    chunk = std::max<std::size_t>(1, chunk / 2);
  }
  return ops;
}

}  // namespace

LinearizabilityCheck::LinearizabilityCheck(const LinearizabilityConfig& config)
    : config_(config), total_left_(config.steps_total_max) {}

void LinearizabilityCheck::check_key(Key key, std::span<const KeyedOperation> ops) {
  taking_part_.clear();
  for (const KeyedOperation& op : ops) {
    if (takes_part(op)) taking_part_.push_back(op);
  }
  const KeyHistory history = prepare(taking_part_);
  if (history.ops.empty()) return;
  ++result_.checked_keys;
  const SearchResult searched =
      search(history, std::min(config_.steps_per_key_max, total_left_), config_.memo_bytes_max);
  result_.steps += searched.steps;
  total_left_ -= std::min(total_left_, searched.steps);
  if (searched.verdict == Verdict::kUnknown) ++result_.unknown_keys;
  if (searched.verdict != Verdict::kNotLinearizable) return;
  ++result_.violating_keys;
  if (!result_.counterexample_key) {
    result_.counterexample_key = key;
    for (const KeyedOperation& op : shrink(taking_part_, config_)) {
      result_.counterexample.push_back(op.index);
    }
  }
}

Linearizability LinearizabilityCheck::finish() const {
  Linearizability result = result_;
  CUTOVER_CHECK(result.violating_keys + result.unknown_keys <= result.checked_keys,
                "linearizability key counts disagree");
  result.verdict = result.violating_keys > 0 ? Verdict::kNotLinearizable
                   : result.unknown_keys > 0 ? Verdict::kUnknown
                                             : Verdict::kLinearizable;
  return result;
}

Linearizability check_linearizability(const RunFacts& facts, const LinearizabilityConfig& config) {
  LinearizabilityCheck check(config);
  for_each_key(facts.operations, takes_part<Operation>,
               [&](Key key, std::span<const KeyedOperation> ops) { check.check_key(key, ops); });
  return check.finish();
}

}  // namespace cutover::analysis
