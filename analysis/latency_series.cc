#include "analysis/latency_series.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>

#include "analysis/quantile.h"
#include "models/core/check.h"

namespace cutover::analysis {
namespace {

constexpr std::size_t kExactCdfOperationsMax = 2000;
constexpr int kCoarseCdfLevels = 1000;  // 0.001 apart
constexpr int kTailCdfLevels = 1000;    // 0.00001 apart, above 0.99

std::size_t kind_slot(OpKind kind) { return kind == OpKind::kWrite ? 0 : 1; }

double latency_ms(const Operation& op) { return models::to_ms(op.completed_at - op.invoked_at); }

// Sorts by least significant digit first, 11 bits at a time and only as many digits as the
// largest value has: a run's latencies span a few seconds of microseconds, two passes, several
// times faster than std::sort on millions of them.
void radix_sort(std::vector<std::uint64_t>& values) {
  constexpr unsigned kDigitBits = 11;
  constexpr std::size_t kDigits = std::size_t{1} << kDigitBits;
  const std::uint64_t largest =
      values.empty() ? 0 : *std::max_element(values.begin(), values.end());
  std::vector<std::uint64_t> sorted(values.size());
  std::vector<std::size_t> next(kDigits + 1);
  for (unsigned shift = 0; shift < static_cast<unsigned>(std::bit_width(largest));
       shift += kDigitBits) {
    std::fill(next.begin(), next.end(), 0);
    for (const std::uint64_t v : values) ++next[((v >> shift) & (kDigits - 1)) + 1];
    for (std::size_t d = 0; d < kDigits; ++d) next[d + 1] += next[d];
    for (const std::uint64_t v : values) sorted[next[(v >> shift) & (kDigits - 1)]++] = v;
    values.swap(sorted);
  }
}

// One kind's acknowledged latencies in ms, ascending. Sorted as microsecond counts (above the
// shortest, so that a negative one would sort too), then converted: to_ms divides by 1000,
// which keeps the order, so the result is the sorted ms values themselves.
std::vector<double> sorted_latencies(const RunFacts& facts, OpKind kind) {
  std::vector<models::Duration::rep> latencies_us;
  for (const Operation& op : facts.operations) {
    if (op.kind == kind && op.outcome == OpOutcome::kOk) {
      latencies_us.push_back((op.completed_at - op.invoked_at).count());
    }
  }
  if (latencies_us.empty()) return {};
  const auto shortest = *std::min_element(latencies_us.begin(), latencies_us.end());
  std::vector<std::uint64_t> above_shortest;
  above_shortest.reserve(latencies_us.size());
  for (const auto us : latencies_us)
    above_shortest.push_back(static_cast<std::uint64_t>(us - shortest));
  latencies_us = {};
  radix_sort(above_shortest);
  std::vector<double> sorted;
  sorted.reserve(above_shortest.size());
  for (const std::uint64_t us : above_shortest) {
    sorted.push_back(
        models::to_ms(models::Duration(shortest + static_cast<models::Duration::rep>(us))));
  }
  return sorted;
}

// The bucket's p50 and p99 by selection rather than a sort: the k-th smallest latency is the
// value a sort would put at rank k. Reorders `latencies`.
LatencyBucket summarize_bucket(std::vector<double>& latencies, std::size_t errors) {
  LatencyBucket bucket{.ok = latencies.size(), .errors = errors};
  if (latencies.empty()) return bucket;
  const auto begin = latencies.begin();
  const std::size_t p99 = quantile_rank(0.99, latencies.size()) - 1;
  std::nth_element(begin, begin + static_cast<std::ptrdiff_t>(p99), latencies.end());
  bucket.p99_ms = latencies[p99];
  // The p99 - 1 values before it are the smallest: the p50 is among them (or is it).
  const std::size_t p50 = quantile_rank(0.50, latencies.size()) - 1;
  std::nth_element(begin, begin + static_cast<std::ptrdiff_t>(p50),
                   begin + static_cast<std::ptrdiff_t>(p99 + 1));
  bucket.p50_ms = latencies[p50];
  return bucket;
}

// The quantile levels whose latencies become CDF points when there are too many operations to
// list them all: evenly spaced, plus a finer grid in the top percent.
std::vector<double> cdf_levels() {
  std::vector<double> levels;
  for (int i = 1; i <= kCoarseCdfLevels; ++i) levels.push_back(i / double{kCoarseCdfLevels});
  for (int i = 1; i <= kTailCdfLevels; ++i) levels.push_back(0.99 + 0.01 * i / kTailCdfLevels);
  std::sort(levels.begin(), levels.end());
  return levels;
}

}  // namespace

double latency_bucket_s(double simulated_s, std::size_t buckets) {
  CUTOVER_CHECK(buckets > 0, "latency buckets: none asked for");
  const double width_min = std::max(simulated_s, 0.0) / static_cast<double>(buckets);
  constexpr int kExponentMin = -3;  // 1 ms
  constexpr int kExponentMax = 12;
  for (int exponent = kExponentMin; exponent <= kExponentMax; ++exponent) {
    const double decade = std::pow(10.0, exponent);
    for (const double mantissa : {1.0, 2.0, 5.0}) {
      // A width that divides the run into exactly `buckets` must qualify despite rounding.
      if (mantissa * decade >= width_min * (1 - 1e-9)) return mantissa * decade;
    }
  }
  return std::pow(10.0, kExponentMax + 1);  // a run of 10^15 s: the exact count does not matter
}

LatencyTimeline latency_over_time(const RunFacts& facts, double bucket_s) {
  CUTOVER_CHECK(bucket_s > 0, "latency bucket width " + std::to_string(bucket_s));
  const double buckets_exact = std::max(facts.simulated_s, 0.0) / bucket_s;
  const auto count =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(buckets_exact - 1e-9)));
  // [slot][bucket]: the latencies and error counts gathered before summarising.
  std::array<std::vector<std::vector<double>>, 2> latencies;
  std::array<std::vector<std::size_t>, 2> errors;
  for (std::size_t slot = 0; slot < 2; ++slot) {
    latencies[slot].resize(count);
    errors[slot].assign(count, 0);
  }
  for (const Operation& op : facts.operations) {
    if (op.outcome == OpOutcome::kRejected) continue;
    const double at_s = models::to_seconds(op.completed_at);
    const auto bucket =
        std::min(count - 1, static_cast<std::size_t>(std::max(0.0, std::floor(at_s / bucket_s))));
    if (op.outcome == OpOutcome::kOk) {
      latencies[kind_slot(op.kind)][bucket].push_back(latency_ms(op));
    } else {
      ++errors[kind_slot(op.kind)][bucket];
    }
  }
  LatencyTimeline timeline{.bucket_s = bucket_s};
  for (std::size_t b = 0; b < count; ++b) {
    timeline.start_s.push_back(static_cast<double>(b) * bucket_s);
    for (std::size_t slot = 0; slot < 2; ++slot) {
      timeline.by_kind[slot].push_back(summarize_bucket(latencies[slot][b], errors[slot][b]));
    }
  }
  return timeline;
}

std::vector<CdfPoint> latency_cdf(const RunFacts& facts, OpKind kind) {
  const std::vector<double> sorted = sorted_latencies(facts, kind);
  const std::size_t n = sorted.size();
  std::vector<std::size_t> ranks;  // 1-based
  if (n <= kExactCdfOperationsMax) {
    for (std::size_t k = 1; k <= n; ++k) ranks.push_back(k);
  } else {
    for (const double level : cdf_levels()) ranks.push_back(quantile_rank(level, n));
  }
  std::vector<CdfPoint> points;
  for (const std::size_t k : ranks) {
    const double value = sorted[k - 1];
    if (!points.empty() && points.back().latency_ms == value) continue;
    // F(value) counts every sample equal to it, not only those up to rank k.
    const auto at_most = std::upper_bound(sorted.begin(), sorted.end(), value) - sorted.begin();
    points.push_back(
        {.latency_ms = value, .fraction = static_cast<double>(at_most) / static_cast<double>(n)});
  }
  CUTOVER_CHECK(points.empty() || points.back().fraction == 1.0, "latency CDF ends below 1");
  return points;
}

}  // namespace cutover::analysis
