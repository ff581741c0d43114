// Client latency as it changed over the run, and its distribution: the series behind the charts
// of report.html (analysis/html_report.h). report.json summarises latency over the whole run;
// these say *when* it was bad and how the whole distribution looked.
//
// Both read RunFacts::operations only and use the report's one definition of a percentile
// (analysis/quantile.h), computed exactly from the sorted latencies (completed_at - invoked_at
// of acknowledged operations, in ms). An operation belongs to the bucket of its completion, as
// in the report's per-step metrics, so a timed-out write counts as an error when it times out.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <vector>

#include "analysis/history.h"

namespace cutover::analysis {

// What the clients of one kind saw in one time bucket.
struct LatencyBucket {
  std::size_t ok = 0;            // acknowledged operations completed in the bucket
  std::size_t errors = 0;        // failed or timed out (rejected writes are policy, not errors)
  std::optional<double> p50_ms;  // nullopt when ok == 0
  std::optional<double> p99_ms;
};

// Buckets [start_s[i], start_s[i] + bucket_s) covering [0, simulated_s]; the last one also takes
// what completed at simulated_s exactly. by_kind[0] is writes, by_kind[1] reads.
struct LatencyTimeline {
  double bucket_s = 0;
  std::vector<double> start_s;
  std::array<std::vector<LatencyBucket>, 2> by_kind;
};

// A bucket width for about `buckets` buckets over `simulated_s`: the smallest 1, 2 or 5 times a
// power of ten (in seconds, 1 ms at least) that needs no more than `buckets` of them, so the
// axis of a chart reads in round numbers. REQUIRES: buckets > 0.
double latency_bucket_s(double simulated_s, std::size_t buckets);

// REQUIRES: bucket_s > 0.
LatencyTimeline latency_over_time(const RunFacts& facts, double bucket_s);

// A point (v, F(v)) of the empirical distribution function of acknowledged latencies: F(v) is
// the fraction of them <= v.
struct CdfPoint {
  double latency_ms = 0;
  double fraction = 0;
};

// The empirical CDF of one kind's acknowledged latencies, ascending, ending at (max, 1.0); empty
// without acknowledged operations. Up to 2,000 operations every distinct latency is a point;
// beyond, the latencies at quantile levels 0.001, 0.002, ..., 1 and, for the tail a chart on a
// log axis shows, 0.99001, 0.99002, ..., 1 (at most about 2,000 points).
std::vector<CdfPoint> latency_cdf(const RunFacts& facts, OpKind kind);

// latency_cdf of both kinds, [0] writes and [1] reads, reading the history once for both.
std::array<std::vector<CdfPoint>, 2> latency_cdfs(const RunFacts& facts);

}  // namespace cutover::analysis
