// Storage against a reference that keeps the durable state the plain way: a second copy of
// the log, snapshot and hard state, to which each write is applied again when it is synced.
// Storage instead undoes the unsynced writes at a crash (storage.h); random walks of
// appends, truncations, hard-state changes, compactions, installs, syncs and crashes must
// leave both with the same current view and the same durable prefix after every step.
#include "models/core/storage.h"

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/core/rng.h"

namespace cutover::models {
namespace {

struct View {
  std::vector<LogEntry> log;
  std::shared_ptr<const Snapshot> snapshot;
  HardState hard_state;

  std::uint64_t base() const { return snapshot ? snapshot->last_index.value : 0; }
  std::uint64_t last() const { return base() + log.size(); }
  Epoch epoch_at(std::uint64_t index) const {
    if (index == 0) return Epoch(0);
    if (index == base()) return snapshot->last_epoch;
    return log[index - base() - 1].version.epoch;
  }
  void truncate_after(std::uint64_t keep) { log.resize(keep - base()); }
  void compact(const std::shared_ptr<const Snapshot>& to) {
    log.erase(log.begin(),
              log.begin() + static_cast<std::ptrdiff_t>(to->last_index.value - base()));
    snapshot = to;
  }
  void install(const std::shared_ptr<const Snapshot>& to) {
    const std::uint64_t last = to->last_index.value;
    if (last <= this->last() && epoch_at(last) == to->last_epoch) {
      compact(to);
    } else {
      log.clear();
      snapshot = to;
    }
  }
};

enum class WriteKind { kAppend, kTruncate, kHardState, kSnapshot };

// Every write changes the current view now and the durable copy when synced. Sequences are
// numbered as Storage numbers them: one per write, never reused after a crash. It also counts
// what crashes threw away, so the walk can show it covered every kind of undo.
class TwoCopyStorage {
 public:
  void write(WriteKind kind, std::function<void(View&)> change) {
    change(current_);
    pending_.push_back(Pending{.sequence = ++sequence_, .kind = kind, .change = std::move(change)});
  }
  void sync_through(std::uint64_t sequence) {
    bool synced = false;
    while (!pending_.empty() && pending_.front().sequence <= sequence) {
      pending_.front().change(durable_);
      pending_.pop_front();
      synced = true;
    }
    for (Pending& pending : pending_) pending.outlived_a_sync |= synced;
  }
  void crash() {
    for (const Pending& pending : pending_) {
      ++undone_[static_cast<std::size_t>(pending.kind)];
      if (pending.kind == WriteKind::kSnapshot && pending.outlived_a_sync) {
        ++snapshots_undone_after_a_sync_;
      }
    }
    pending_.clear();
    current_ = durable_;
  }
  const View& current() const { return current_; }
  const View& durable() const { return durable_; }
  std::uint64_t sequence() const { return sequence_; }
  std::uint64_t first_pending() const {
    return pending_.empty() ? sequence_ + 1 : pending_.front().sequence;
  }
  int undone(WriteKind kind) const { return undone_[static_cast<std::size_t>(kind)]; }
  int snapshots_undone_after_a_sync() const { return snapshots_undone_after_a_sync_; }

 private:
  struct Pending {
    std::uint64_t sequence;
    WriteKind kind;
    std::function<void(View&)> change;
    bool outlived_a_sync = false;  // a sync made earlier writes durable, not this one
  };
  View current_;
  View durable_;
  std::deque<Pending> pending_;
  std::uint64_t sequence_ = 0;
  std::array<int, 4> undone_{};
  int snapshots_undone_after_a_sync_ = 0;
};

void expect_same(const Storage& storage, const TwoCopyStorage& reference, const std::string& at) {
  const View& view = reference.current();
  ASSERT_EQ(storage.snapshot(), view.snapshot) << at;
  ASSERT_EQ(storage.last_index(), LogIndex(view.last())) << at;
  ASSERT_EQ(storage.last_epoch(), view.epoch_at(view.last())) << at;
  ASSERT_EQ(storage.hard_state(), view.hard_state) << at;
  ASSERT_EQ(storage.durable_last_index(), LogIndex(reference.durable().last())) << at;
  for (std::uint64_t i = view.base() + 1; i <= view.last(); ++i) {
    const LogEntry& entry = storage.entry(LogIndex(i));
    const LogEntry& expected = view.log[i - view.base() - 1];
    ASSERT_EQ(entry.version, expected.version) << at << ", index " << i;
    ASSERT_EQ(entry.key, expected.key) << at << ", index " << i;
  }
}

class StorageWalk : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(StorageWalk, UndoingUnsyncedWritesGivesWhatSyncedCopiesGive) {
  Rng rng(GetParam());
  Storage storage;
  TwoCopyStorage reference;
  std::uint64_t next_key = 1;
  std::uint64_t epoch = 1;
  constexpr int kSteps = 3000;
  for (int step = 0; step < kSteps; ++step) {
    const View& view = reference.current();
    const std::string at = "seed " + std::to_string(GetParam()) + ", step " + std::to_string(step);
    const std::uint64_t roll = rng.uniform_below(100);
    if (roll < 35) {  // append 1-4 entries, now and then in a new epoch
      if (rng.bernoulli(0.1)) ++epoch;
      std::vector<LogEntry> entries;
      for (std::uint64_t n = 1 + rng.uniform_below(4); n > 0; --n) {
        entries.push_back(
            LogEntry{.version = Version{Epoch(epoch), LogIndex(view.last() + entries.size() + 1)},
                     .key = next_key++});
      }
      storage.append(entries);
      reference.write(WriteKind::kAppend, [entries](View& v) {
        v.log.insert(v.log.end(), entries.begin(), entries.end());
      });
    } else if (roll < 45) {  // truncate somewhere in the log
      if (view.last() == view.base()) continue;
      const std::uint64_t keep = view.base() + rng.uniform_below(view.last() - view.base());
      storage.truncate_after(LogIndex(keep));
      reference.write(WriteKind::kTruncate, [keep](View& v) { v.truncate_after(keep); });
    } else if (roll < 55) {  // a new hard state
      if (rng.bernoulli(0.5)) ++epoch;
      const HardState state{.epoch = Epoch(epoch),
                            .voted_for = rng.bernoulli(0.5)
                                             ? std::optional(NodeId(rng.uniform_below(5)))
                                             : std::nullopt};
      storage.set_hard_state(state);
      reference.write(WriteKind::kHardState, [state](View& v) { v.hard_state = state; });
    } else if (roll < 62) {  // compact a prefix
      if (view.last() == view.base()) continue;
      const std::uint64_t through = view.base() + 1 + rng.uniform_below(view.last() - view.base());
      auto snapshot = std::make_shared<const Snapshot>(
          Snapshot{.last_index = LogIndex(through), .last_epoch = view.epoch_at(through)});
      storage.compact_through(snapshot);
      reference.write(WriteKind::kSnapshot, [snapshot](View& v) { v.compact(snapshot); });
    } else if (roll < 67) {  // install: one the log holds, or a foreign one
      const std::uint64_t last = view.base() + 1 + rng.uniform_below(view.last() - view.base() + 3);
      const bool matching = last <= view.last() && rng.bernoulli(0.5);
      if (!matching) ++epoch;
      auto snapshot = std::make_shared<const Snapshot>(
          Snapshot{.last_index = LogIndex(last),
                   .last_epoch = matching ? view.epoch_at(last) : Epoch(epoch)});
      storage.install_snapshot(snapshot);
      reference.write(WriteKind::kSnapshot, [snapshot](View& v) { v.install(snapshot); });
    } else if (roll < 92) {  // sync some of the pending writes
      const std::uint64_t first = reference.first_pending();
      if (first > reference.sequence()) continue;
      const std::uint64_t through = first + rng.uniform_below(reference.sequence() - first + 1);
      storage.sync_through(through);
      reference.sync_through(through);
    } else {  // crash
      storage.crash();
      reference.crash();
    }
    ASSERT_EQ(storage.write_sequence(), reference.sequence()) << at;
    expect_same(storage, reference, at);
  }
  // The walk reached every kind of undo, including a snapshot whose replaced entries had to
  // outlast a sync of the writes before it.
  for (WriteKind kind :
       {WriteKind::kAppend, WriteKind::kTruncate, WriteKind::kHardState, WriteKind::kSnapshot}) {
    EXPECT_GE(reference.undone(kind), 10) << "kind " << static_cast<int>(kind);
  }
  EXPECT_GE(reference.snapshots_undone_after_a_sync(), 3);
}

INSTANTIATE_TEST_SUITE_P(Seeds, StorageWalk, ::testing::Values(1, 2, 3, 4, 5, 6, 7, 8));

}  // namespace
}  // namespace cutover::models
