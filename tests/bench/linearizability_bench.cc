// The linearizability checker on the generated 100,000-operation history over 1,000 keys that
// tests/analysis proves linearizable (issue 6 asks for the figure in BENCHMARKS.md).
#include "analysis/checkers/linearizability.h"

#include "tests/analysis/generated_history.h"
#include <benchmark/benchmark.h>

namespace {

void BM_Linearizability100kOps1kKeys(benchmark::State& state) {
  const cutover::analysis::RunFacts facts =
      cutover::analysis::testing::generated_history(100'000, 1'000, 200);
  for (auto _ : state) {
    const auto result = cutover::analysis::check_linearizability(facts, {});
    benchmark::DoNotOptimize(result.verdict);
  }
  state.SetItemsProcessed(state.iterations() * 100'000);
}
BENCHMARK(BM_Linearizability100kOps1kKeys)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
