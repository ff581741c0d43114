// The dedup table against a plain ordered map with the same rules, under long random runs of
// in-order and out-of-order writes from several clients, with copies (what a snapshot takes)
// checked to stay as they were while the original goes on changing.
#include "models/core/dedup_table.h"

#include <map>
#include <random>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace cutover::models {
namespace {

// The rules written the obvious way: remember, then forget the client's writes a full window
// behind the one just remembered.
class ReferenceTable {
 public:
  void remember(RequestId request, Version version, std::uint64_t window) {
    writes_[request] = version;
    if (request.sequence < window) return;
    const std::uint64_t oldest_kept = request.sequence - window + 1;
    auto it = writes_.lower_bound(RequestId{.client = request.client, .sequence = 0});
    while (it != writes_.end() && it->first.client == request.client &&
           it->first.sequence < oldest_kept) {
      it = writes_.erase(it);
    }
  }
  bool contains(RequestId request) const { return writes_.count(request) > 0; }
  std::vector<AppliedWrite> entries() const {
    std::vector<AppliedWrite> out;
    for (const auto& [request, version] : writes_) {
      out.push_back(AppliedWrite{.request = request, .version = version});
    }
    return out;
  }

 private:
  std::map<RequestId, Version> writes_;
};

Version version_at(std::uint64_t index) { return Version{Epoch(1), LogIndex(index)}; }

struct Scenario {
  const char* name;
  std::uint32_t clients;
  std::uint64_t window;
  double out_of_order;    // chance a write lands behind the client's newest
  std::uint64_t max_lag;  // how far behind, at most
  int steps;
  std::uint32_t client_stride = 1;  // client ids: 0, stride, 2 * stride, ...
};

class DedupTableAgainstReference : public ::testing::TestWithParam<Scenario> {};

TEST_P(DedupTableAgainstReference, AgreesAndCopiesStayAsTheyWere) {
  const Scenario scenario = GetParam();
  std::mt19937_64 rng(42);
  DedupTable table;
  ReferenceTable reference;
  std::vector<std::uint64_t> next_sequence(scenario.clients, 0);
  // Copies taken along the way, with what they held when taken.
  std::vector<std::pair<DedupTable, std::vector<AppliedWrite>>> copies;
  std::uint64_t index = 0;
  for (int step = 0; step < scenario.steps; ++step) {
    const auto drawn = static_cast<std::uint32_t>(rng() % scenario.clients);
    const std::uint32_t client = drawn * scenario.client_stride;
    std::uint64_t sequence = next_sequence[drawn] += 1 + rng() % 3;
    if (std::bernoulli_distribution(scenario.out_of_order)(rng) && sequence > scenario.max_lag) {
      sequence -= 1 + rng() % scenario.max_lag;  // a retry of an older write, committed late
    }
    const RequestId request{.client = ClientId(client), .sequence = sequence};
    ASSERT_EQ(table.find(request).has_value(), reference.contains(request)) << "step " << step;
    if (reference.contains(request)) continue;  // applied before: the state machine skips it
    table.remember(request, version_at(++index), scenario.window);
    reference.remember(request, version_at(index), scenario.window);
    ASSERT_EQ(table.find(request), version_at(index)) << "step " << step;
    if (step % 997 == 0) copies.emplace_back(table, table.entries());
  }
  const std::vector<AppliedWrite> expected = reference.entries();
  EXPECT_EQ(table.entries(), expected);
  EXPECT_EQ(table.size(), expected.size());
  for (const AppliedWrite& write : expected) EXPECT_EQ(table.find(write.request), write.version);
  for (const auto& [copy, held] : copies) {
    EXPECT_EQ(copy.entries(), held) << "a later change reached a copy";
    EXPECT_EQ(copy.size(), held.size());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rules, DedupTableAgainstReference,
    ::testing::Values(
        // Many chunks per client, the window forgetting whole chunks.
        Scenario{.name = "in_order",
                 .clients = 3,
                 .window = 5000,
                 .out_of_order = 0,
                 .max_lag = 1,
                 .steps = 30000},
        // Inserts into shared chunks.
        Scenario{.name = "out_of_order",
                 .clients = 2,
                 .window = 20000,
                 .out_of_order = 0.3,
                 .max_lag = 40,
                 .steps = 30000},
        // Most writes land far behind: chunks grow past twice their size and split.
        Scenario{.name = "late_writes",
                 .clients = 1,
                 .window = 1000000,
                 .out_of_order = 0.9,
                 .max_lag = 20000,
                 .steps = 30000},
        // The same with a window that forgets from a chunk while it splits.
        Scenario{.name = "late_writes_forgotten",
                 .clients = 1,
                 .window = 6000,
                 .out_of_order = 0.9,
                 .max_lag = 5000,
                 .steps = 30000},
        // A window smaller than a chunk: the first chunk's offset does the forgetting.
        Scenario{.name = "small_window",
                 .clients = 4,
                 .window = 50,
                 .out_of_order = 0.2,
                 .max_lag = 40,
                 .steps = 20000},
        // Retries older than the window: they land before everything the client still holds.
        Scenario{.name = "lag_beyond_window",
                 .clients = 3,
                 .window = 50,
                 .out_of_order = 0.3,
                 .max_lag = 120,
                 .steps = 20000},
        // Client ids past those found in one step (dedup_table.h), mixed with small ones.
        Scenario{.name = "large_client_ids",
                 .clients = 6,
                 .window = 300,
                 .out_of_order = 0.2,
                 .max_lag = 40,
                 .steps = 20000,
                 .client_stride = 40000}),
    [](const ::testing::TestParamInfo<Scenario>& param_info) { return param_info.param.name; });

TEST(DedupTable, ACopyKeepsWhatItHeldWhileTheOriginalForgetsAndGrows) {
  DedupTable table;
  const ClientId client(7);
  for (std::uint64_t s = 0; s < 3000; ++s) {
    table.remember(RequestId{.client = client, .sequence = s}, version_at(s + 1), 2500);
  }
  const DedupTable snapshot = table;
  table.remember(RequestId{.client = client, .sequence = 5000}, version_at(9000), 2500);
  EXPECT_FALSE(table.find(RequestId{.client = client, .sequence = 2500}).has_value())
      << "2,500 sequences behind 5,000 are forgotten";
  EXPECT_EQ(snapshot.find(RequestId{.client = client, .sequence = 2500}), version_at(2501));
  EXPECT_FALSE(snapshot.find(RequestId{.client = client, .sequence = 5000}).has_value());
  EXPECT_EQ(snapshot.size(), 2500u) << "sequences 500..2999";
  EXPECT_EQ(table.size(), 500u) << "sequences 2501..2999 and 5000";
}

TEST(DedupTable, LateWritesPilingIntoTheNewestChunkSplitItAndKeepTheOrder) {
  // Every third sequence first (1,020 writes: one chunk), then the two missing between each
  // pair, all behind the newest: the newest chunk grows past twice a chunk's size and is
  // split, with a copy taken before that must not change.
  DedupTable table;
  ReferenceTable reference;
  const ClientId client(3);
  std::uint64_t index = 0;
  auto remember = [&](std::uint64_t sequence) {
    const RequestId request{.client = client, .sequence = sequence};
    table.remember(request, version_at(++index), 1'000'000);
    reference.remember(request, version_at(index), 1'000'000);
  };
  for (std::uint64_t s = 3; s <= 3 * 1020; s += 3) remember(s);
  const DedupTable before_late = table;
  const std::vector<AppliedWrite> held = table.entries();
  for (std::uint64_t s = 3 * 1020; s >= 3; s -= 3) {
    remember(s - 1);
    remember(s - 2);
  }
  EXPECT_EQ(table.entries(), reference.entries());
  EXPECT_EQ(table.size(), 3u * 1020);
  for (const AppliedWrite& write : reference.entries()) {
    ASSERT_EQ(table.find(write.request), write.version) << write.request.sequence;
  }
  EXPECT_EQ(before_late.entries(), held);
  remember(3 * 1020 + 1);  // the newest again, after the split
  EXPECT_EQ(table.entries(), reference.entries());
}

}  // namespace
}  // namespace cutover::models
