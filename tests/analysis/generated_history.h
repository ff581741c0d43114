// A generated history of a correct register store, for the linearizability checker's tests
// and its benchmark (tests/bench): the same history in both, so the benchmark times what the
// test proves correct.
#pragma once

#include <algorithm>
#include <map>
#include <vector>

#include "analysis/history.h"
#include "models/core/rng.h"

#include "facts_builder.h"

namespace cutover::analysis::testing {

// A history of a correct register store: `clients` sequential clients, each operation taking
// effect at a random instant inside its interval; 1% of writes time out (half of those took
// effect, of which half have an unknown version).
inline RunFacts generated_history(std::size_t operations, std::uint64_t keys,
                                  std::uint32_t clients) {
  models::Rng rng(20240601);
  struct Planned {
    Operation op;
    double effect_ms;
    bool takes_effect;
    bool version_known;
  };
  std::vector<Planned> planned;
  std::vector<double> client_clock_ms(clients, 0.0);
  for (std::size_t i = 0; i < operations; ++i) {
    const auto client = static_cast<std::uint32_t>(i % clients);
    Operation op;
    op.client = models::ClientId(client);
    op.key = rng.uniform_below(keys);
    op.kind = rng.bernoulli(0.5) ? OpKind::kWrite : OpKind::kRead;
    const double start = client_clock_ms[client] + rng.uniform01() * 5.0;
    const double end = start + 1.0 + rng.uniform01() * 20.0;
    client_clock_ms[client] = end;
    op.invoked_at = at_ms(start);
    op.completed_at = at_ms(end);
    op.outcome = OpOutcome::kOk;
    bool takes_effect = true;
    bool version_known = true;
    if (op.kind == OpKind::kWrite && rng.bernoulli(0.01)) {
      op.outcome = OpOutcome::kTimedOut;
      takes_effect = rng.bernoulli(0.5);
      version_known = rng.bernoulli(0.5);
    }
    planned.push_back({op, start + rng.uniform01() * (end - start), takes_effect, version_known});
  }
  std::vector<std::size_t> by_effect(planned.size());
  for (std::size_t i = 0; i < by_effect.size(); ++i) by_effect[i] = i;
  std::sort(by_effect.begin(), by_effect.end(), [&](std::size_t a, std::size_t b) {
    return planned[a].effect_ms < planned[b].effect_ms;
  });
  std::map<Key, Version> store;
  std::uint64_t next_index = 1;
  for (std::size_t i : by_effect) {
    Planned& p = planned[i];
    if (p.op.kind == OpKind::kRead) {
      p.op.version = store[p.op.key];
    } else if (p.takes_effect) {
      const Version v = version(1, next_index++);
      store[p.op.key] = v;
      if (p.version_known) p.op.version = v;
    }
  }
  RunFacts facts = FactsBuilder().facts();
  for (const Planned& p : planned) facts.operations.push_back(p.op);
  return facts;
}

}  // namespace cutover::analysis::testing
