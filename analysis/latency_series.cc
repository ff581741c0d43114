#include "analysis/latency_series.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/quantile.h"
#include "models/core/check.h"

namespace cutover::analysis {
namespace {

constexpr std::size_t kExactCdfOperationsMax = 2000;
constexpr int kCoarseCdfLevels = 1000;  // 0.001 apart
constexpr int kTailCdfLevels = 1000;    // 0.00001 apart, above 0.99

std::size_t kind_slot(OpKind kind) { return kind == OpKind::kWrite ? 0 : 1; }

models::Duration::rep latency_us(const Operation& op) {
  return (op.completed_at - op.invoked_at).count();
}

// Latencies are handled as microsecond counts above the shortest one (so that a negative one
// would order correctly too) and turned into ms only when reported: to_ms divides by 1000,
// which keeps order and equality, so every rank, selection and count below is the one the ms
// values would give.
struct LatencyRange {
  std::size_t count = 0;
  models::Duration::rep shortest_us = 0;
  std::uint64_t span_us = 0;  // longest - shortest

  void add(models::Duration::rep us) {
    if (count == 0) {
      shortest_us = us;
    } else if (us < shortest_us) {
      span_us += static_cast<std::uint64_t>(shortest_us - us);
      shortest_us = us;
    }
    span_us = std::max(span_us, static_cast<std::uint64_t>(us - shortest_us));
    ++count;
  }
  std::uint64_t above_shortest(models::Duration::rep us) const {
    return static_cast<std::uint64_t>(us - shortest_us);
  }
  double ms(std::uint64_t above_shortest_us) const {
    return models::to_ms(
        models::Duration(shortest_us + static_cast<models::Duration::rep>(above_shortest_us)));
  }
};

// One kind's acknowledged latencies as a distribution: the k-th smallest and how many are at
// most a value. A run's latencies span a few seconds at most, so they are usually counted per
// microsecond (no copy of millions of latencies, no sort); otherwise they are sorted.
class LatencyDistribution {
 public:
  // Both kinds' ([0] writes, [1] reads), from two passes over the history: their ranges, then
  // the latencies.
  static std::array<LatencyDistribution, 2> of_both_kinds(const RunFacts& facts) {
    std::array<LatencyDistribution, 2> kinds;
    for (const Operation& op : facts.operations) {
      if (op.outcome == OpOutcome::kOk) kinds[kind_slot(op.kind)].range_.add(latency_us(op));
    }
    for (LatencyDistribution& kind : kinds) kind.allocate();
    for (const Operation& op : facts.operations) {
      if (op.outcome == OpOutcome::kOk) kinds[kind_slot(op.kind)].add(latency_us(op));
    }
    for (LatencyDistribution& kind : kinds) kind.complete();
    return kinds;
  }

  std::size_t size() const { return range_.count; }
  // The k-th smallest (1-based), above the shortest. REQUIRES: 1 <= k <= size().
  std::uint64_t at_rank(std::size_t k) const {
    if (!counting_) return sorted_[k - 1];
    return static_cast<std::uint64_t>(std::lower_bound(at_most_.begin(), at_most_.end(), k) -
                                      at_most_.begin());
  }
  // How many are at most `v` (above the shortest).
  std::size_t at_most(std::uint64_t v) const {
    if (counting_) return at_most_[v];
    return static_cast<std::size_t>(std::upper_bound(sorted_.begin(), sorted_.end(), v) -
                                    sorted_.begin());
  }
  double ms(std::uint64_t above_shortest_us) const { return range_.ms(above_shortest_us); }

 private:
  void allocate() {
    // Counting is used when its array is no larger than the sorted copy would be.
    counting_ = range_.span_us < std::max<std::uint64_t>(std::uint64_t{1} << 20, range_.count);
    if (counting_) {
      at_most_.assign(range_.count == 0 ? 0 : range_.span_us + 1, 0);
    } else {
      sorted_.reserve(range_.count);
    }
  }
  void add(models::Duration::rep us) {
    if (counting_) {
      ++at_most_[range_.above_shortest(us)];
    } else {
      sorted_.push_back(range_.above_shortest(us));
    }
  }
  void complete() {
    for (std::size_t v = 1; v < at_most_.size(); ++v) at_most_[v] += at_most_[v - 1];
    std::sort(sorted_.begin(), sorted_.end());
  }

  LatencyRange range_;
  bool counting_ = false;
  std::vector<std::size_t> at_most_;   // counting: [v] = how many are <= v
  std::vector<std::uint64_t> sorted_;  // otherwise
};

// p50 and p99 of one bucket's latencies by selection rather than a sort: the k-th smallest is
// the value a sort would put at rank k. Reorders `latencies`.
template <typename Us>
LatencyBucket summarize_bucket(std::span<Us> latencies, const LatencyRange& range,
                               std::size_t errors) {
  LatencyBucket bucket{.ok = latencies.size(), .errors = errors};
  if (latencies.empty()) return bucket;
  const auto begin = latencies.begin();
  const std::size_t p99 = quantile_rank(0.99, latencies.size()) - 1;
  std::nth_element(begin, begin + static_cast<std::ptrdiff_t>(p99), latencies.end());
  bucket.p99_ms = range.ms(latencies[p99]);
  // The p99 - 1 values before it are the smallest: the p50 is among them (or is it).
  const std::size_t p50 = quantile_rank(0.50, latencies.size()) - 1;
  std::nth_element(begin, begin + static_cast<std::ptrdiff_t>(p50),
                   begin + static_cast<std::ptrdiff_t>(p99 + 1));
  bucket.p50_ms = range.ms(latencies[p50]);
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

namespace {

// The (kind, bucket) an operation counts in; nullopt for a rejected one (policy, not an error).
struct BucketOf {
  double bucket_s;
  std::size_t count;
  std::optional<std::size_t> operator()(const Operation& op) const {
    if (op.outcome == OpOutcome::kRejected) return std::nullopt;
    const double at_s = models::to_seconds(op.completed_at);
    const auto bucket =
        std::min(count - 1, static_cast<std::size_t>(std::max(0.0, std::floor(at_s / bucket_s))));
    return kind_slot(op.kind) * count + bucket;
  }
};

// Every (kind, bucket)'s acknowledged latencies, stored as `Us` (microseconds above the
// shortest, 4 bytes each when they fit) back to back in bucket order, then summarised.
template <typename Us>
void summarize_buckets(const RunFacts& facts, const BucketOf& bucket_of, const LatencyRange& range,
                       const std::vector<std::size_t>& ok, const std::vector<std::size_t>& errors,
                       LatencyTimeline& timeline) {
  std::vector<std::size_t> next(ok.size() + 1, 0);
  for (std::size_t b = 0; b < ok.size(); ++b) next[b + 1] = next[b] + ok[b];
  std::vector<Us> latencies(next.back());
  for (const Operation& op : facts.operations) {
    if (op.outcome != OpOutcome::kOk) continue;
    latencies[next[*bucket_of(op)]++] = static_cast<Us>(range.above_shortest(latency_us(op)));
  }
  std::size_t begin = 0;
  for (std::size_t b = 0; b < ok.size(); ++b) {
    const std::span<Us> bucket(latencies.data() + begin, next[b] - begin);
    timeline.by_kind[b / bucket_of.count].push_back(summarize_bucket(bucket, range, errors[b]));
    begin = next[b];
  }
}

}  // namespace

LatencyTimeline latency_over_time(const RunFacts& facts, double bucket_s) {
  CUTOVER_CHECK(bucket_s > 0, "latency bucket width " + std::to_string(bucket_s));
  const double buckets_exact = std::max(facts.simulated_s, 0.0) / bucket_s;
  const auto count =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(buckets_exact - 1e-9)));
  const BucketOf bucket_of{.bucket_s = bucket_s, .count = count};
  // Counted first, so that the latencies then go into one array of the exact size.
  std::vector<std::size_t> ok(2 * count, 0);  // [kind slot * count + bucket]
  std::vector<std::size_t> errors(2 * count, 0);
  LatencyRange range;
  for (const Operation& op : facts.operations) {
    const std::optional<std::size_t> b = bucket_of(op);
    if (!b) continue;
    if (op.outcome == OpOutcome::kOk) {
      ++ok[*b];
      range.add(latency_us(op));
    } else {
      ++errors[*b];
    }
  }
  LatencyTimeline timeline{.bucket_s = bucket_s};
  for (std::size_t b = 0; b < count; ++b)
    timeline.start_s.push_back(static_cast<double>(b) * bucket_s);
  if (range.span_us <= std::numeric_limits<std::uint32_t>::max()) {
    summarize_buckets<std::uint32_t>(facts, bucket_of, range, ok, errors, timeline);
  } else {
    summarize_buckets<std::uint64_t>(facts, bucket_of, range, ok, errors, timeline);
  }
  return timeline;
}

namespace {

std::vector<CdfPoint> cdf_points(const LatencyDistribution& latencies) {
  const std::size_t n = latencies.size();
  std::vector<std::size_t> ranks;  // 1-based
  if (n <= kExactCdfOperationsMax) {
    for (std::size_t k = 1; k <= n; ++k) ranks.push_back(k);
  } else {
    for (const double level : cdf_levels()) ranks.push_back(quantile_rank(level, n));
  }
  std::vector<CdfPoint> points;
  for (const std::size_t k : ranks) {
    const std::uint64_t value = latencies.at_rank(k);
    const double ms = latencies.ms(value);
    if (!points.empty() && points.back().latency_ms == ms) continue;
    // F(value) counts every sample equal to it, not only those up to rank k.
    points.push_back(
        {.latency_ms = ms,
         .fraction = static_cast<double>(latencies.at_most(value)) / static_cast<double>(n)});
  }
  CUTOVER_CHECK(points.empty() || points.back().fraction == 1.0, "latency CDF ends below 1");
  return points;
}

}  // namespace

std::array<std::vector<CdfPoint>, 2> latency_cdfs(const RunFacts& facts) {
  const std::array<LatencyDistribution, 2> kinds = LatencyDistribution::of_both_kinds(facts);
  return {cdf_points(kinds[0]), cdf_points(kinds[1])};
}

std::vector<CdfPoint> latency_cdf(const RunFacts& facts, OpKind kind) {
  return latency_cdfs(facts)[kind_slot(kind)];
}

}  // namespace cutover::analysis
