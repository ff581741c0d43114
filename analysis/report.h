// report.json, the terminal summary and timeseries.csv: everything a user reads after a run.
//
// The report is a pure function of RunFacts and the SLOs (plus the `run` section, which holds
// wall-clock facts and is excluded from determinism checks): the same scenario and seed give a
// byte-identical report everywhere. To that end:
//   * nlohmann::json keeps object keys sorted (std::map), so key order is stable;
//   * every floating value is rounded before it is stored: times and latencies (ms and s) to
//     3 decimals (the simulated clock's microsecond, in ms), availability fractions to 6
//     decimals (3 would turn 0.9995 into 1.0 and make "three and a half nines" unmeasurable);
//     -0.0 is stored as 0.0;
//   * a statistic with nothing to measure is null, never a made-up 0.
//
// Keys (all always present; stats are null when there is no data):
//   scenario, seed, simulated_s
//   ops.{write,read}.{attempted,ok,failed,timed_out}
//   latency_ms.{write,read}.{p50,p90,p99,p999,max,mean}    kOk operations only:
//   latency_ms.by_region.<region>.{write,read}.{...}       completed_at - invoked_at, by the
//                                                          client's region; every region listed
//   replication_lag_ms.<replica>.{p50,p99,max}             every replica listed
//   availability.{write,read}                              see checkers/availability.h
//   data_loss.{acknowledged_writes_lost,rpo_ms}            see checkers/lost_writes.h
//   failovers[] {time_s, from (null if unknown), to, epoch}, failover_count
//   rto_ms, recovery[] {fault, start_s, end_s, rto_ms, recovered}   disruptive faults only
//   end_of_run.{time_s, primary (null: none), has_primary (1/0), lag_ms.<replica>,
//     lag_ms_max}                                          the last lag sample: did it heal?
//   faults[] {description, start_s, end_s}                 every fault, in scenario order
//   consistency                                            see analysis/checkers/*.h
//     .stale_reads.{count,max_staleness_ms}                 stale_reads.h; also
//       .by_region.<region>.{...}, .by_phase.<phase>.{...}  every region and phase listed
//     .linearizable        true / false / null (unknown)    linearizability.h
//     .linearizable_ok     1 / 0 / null: the same, as a number an SLO can compare
//     .linearizability.{verdict ("linearizable", "not_linearizable", "unknown"), checked_keys,
//       violating_keys, unknown_keys, counterexample_key, counterexample[] {operation, kind,
//       key, version [epoch, index], outcome, invoke_ms, complete_ms, client, session, node}}
//     .read_your_writes_violations, .monotonic_read_violations, session_examples[]
//       {guarantee, earlier, read}                           session_guarantees.h
//     .split_brain.{count, cross_region, deposed_acks, windows[] {start_ms, end_ms, nodes[2],
//       epochs[2], cross_region}, write_regions_by_phase.<phase>[]}   split_brain.h
//     .duplicate_applications                               duplicates.h
//     .reconciliation.{diverging_ranges, diverging_keys (null when no survivor state was
//       recorded), replicas_compared, replicas.<replica>.{diverging_ranges[] [first, last],
//       diverging_keys}}                                    reconciliation.h
//   cost                                                   see analysis/cost_report.h
//   slo[] {name, metric, op, value, limit, ok}             in the order given
//   run                                                    the caller's section, verbatim
// Latency percentiles come from LatencyHistogram (<= 0.5% relative error); lag percentiles are
// exact. All percentiles use the definition in analysis/quantile.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/history.h"

namespace cutover::analysis {

// An assertion over one numeric report value. `metric` is a dotted path into the report (one
// of known_metric_paths()); `op` is one of "<", "<=", ">", ">=", "==".
struct SloSpec {
  std::string name;
  std::string metric;
  std::string op;
  double limit = 0;
};

// THROWS std::invalid_argument when an SLO's op is not one of the five above (the scenario
// loader rejects those, so this is a caller bug), and models::InvariantViolation when the facts
// contradict themselves (an operation's region or a replica id with no name: a recorder bug).
//
// SLO evaluation compares the value as stored in the report (rounded) with the limit as given
// (not rounded, and echoed verbatim), so `ok` can be re-derived from report.json alone. A
// metric whose value is null or missing (e.g. latency with no acknowledged operations, rto_ms
// when a fault never recovered) yields value null and ok = false: an SLO that cannot be
// evaluated has not been met. "==" compares exactly.
nlohmann::json build_report(const RunFacts& facts, const std::vector<SloSpec>& slos,
                            const nlohmann::json& run_section);

// The numeric value at a dotted path ("latency_ms.write.p99"), walking nested objects; nullopt
// when a segment is missing or the value is not a number. Region and replica names contain '-'
// but never '.', so a path splits unambiguously.
std::optional<double> lookup_metric(const nlohmann::json& report, const std::string& path);

// `value op limit`. THROWS std::invalid_argument for an unknown op.
bool compare(double value, const std::string& op, double limit);

// True when every slo[].ok is true (vacuously true with no SLOs).
bool all_slos_held(const nlohmann::json& report);

// A ~20-line human summary of a report built by build_report.
std::string render_summary(const nlohmann::json& report);

// timeseries.csv: header "time_s,primary,lag_ms.<replica>..." (replicas in RunFacts order),
// then one row per lag sample. time_s and lags with 3 decimals; primary is the replica name or
// empty when there was none; a missing or non-finite lag is an empty cell.
std::string render_timeseries_csv(const RunFacts& facts);

}  // namespace cutover::analysis
