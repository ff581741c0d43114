#include "analysis/report.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <locale>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "analysis/checkers/availability.h"
#include "analysis/checkers/duplicates.h"
#include "analysis/checkers/lost_writes.h"
#include "analysis/checkers/per_key_checks.h"
#include "analysis/checkers/reconciliation.h"
#include "analysis/checkers/split_brain.h"
#include "analysis/cost_report.h"
#include "analysis/histogram.h"
#include "analysis/lag.h"
#include "analysis/quantile.h"
#include "models/core/check.h"

namespace cutover::analysis {
namespace {

using nlohmann::json;

constexpr int kTimeDecimals = 3;          // ms to the microsecond, s to the millisecond
constexpr int kAvailabilityDecimals = 6;  // a fraction: 3 decimals cannot tell 99.95% from 100%

struct KindName {
  OpKind kind;
  const char* name;
};
constexpr std::array<KindName, 2> kKinds = {{{OpKind::kWrite, "write"}, {OpKind::kRead, "read"}}};

std::size_t kind_slot(OpKind kind) { return kind == OpKind::kWrite ? 0 : 1; }

double round_to(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  const double rounded = std::round(value * scale) / scale;
  return rounded == 0.0 ? 0.0 : rounded;  // no "-0.0" in the output
}

// A rounded number, or null when absent or not finite (JSON has no NaN or infinity).
json number(std::optional<double> value, int decimals = kTimeDecimals) {
  if (!value || !std::isfinite(*value)) return nullptr;
  return round_to(*value, decimals);
}

json seconds(TimePoint t) { return number(models::to_seconds(t)); }

const std::string& replica_name(const RunFacts& facts, NodeId id) {
  CUTOVER_CHECK(id.value < facts.replicas.size(),
                "replica id " + std::to_string(id.value) + " has no name");
  return facts.replicas[id.value];
}

json latency_stats(const LatencyHistogram& histogram) {
  return {{"p50", number(histogram.percentile(0.50))},
          {"p90", number(histogram.percentile(0.90))},
          {"p99", number(histogram.percentile(0.99))},
          {"p999", number(histogram.percentile(0.999))},
          {"max", number(histogram.max())},
          {"mean", number(histogram.mean())}};
}

void add_ops_and_latency(const RunFacts& facts, json& report) {
  // [kind] overall, [region][kind] by client region; one pass over the history.
  std::array<OpCounts, 2> counts;
  std::array<LatencyHistogram, 2> overall;
  std::vector<std::array<LatencyHistogram, 2>> by_region(facts.regions.size());
  for (const auto& op : facts.operations) {
    counts[kind_slot(op.kind)].add(op.outcome);
    if (op.outcome != OpOutcome::kOk) continue;
    CUTOVER_CHECK(op.client_region < facts.regions.size(),
                  "operation from unknown region " + std::to_string(op.client_region));
    const double ms = models::to_ms(op.completed_at - op.invoked_at);
    overall[kind_slot(op.kind)].add(ms, by_region[op.client_region][kind_slot(op.kind)]);
  }

  json ops = json::object();
  json latency = json::object();
  json availability_section = json::object();
  for (const auto& [kind, name] : kKinds) {
    const OpCounts& of_kind = counts[kind_slot(kind)];
    ops[name] = {{"attempted", of_kind.attempted},
                 {"ok", of_kind.ok},
                 {"failed", of_kind.failed},
                 {"timed_out", of_kind.timed_out},
                 {"rejected", of_kind.rejected}};
    availability_section[name] = number(availability(of_kind), kAvailabilityDecimals);
    latency[name] = latency_stats(overall[kind_slot(kind)]);
  }
  json regions = json::object();
  for (std::size_t r = 0; r < facts.regions.size(); ++r) {
    json region = json::object();
    for (const auto& [kind, name] : kKinds)
      region[name] = latency_stats(by_region[r][kind_slot(kind)]);
    regions[facts.regions[r]] = std::move(region);
  }
  latency["by_region"] = std::move(regions);

  report["ops"] = std::move(ops);
  report["latency_ms"] = std::move(latency);
  report["availability"] = std::move(availability_section);
}

void add_lag(const RunFacts& facts, json& report) {
  json lag = json::object();
  for (const auto& summary : summarize_lag(facts)) {
    lag[summary.replica] = {
        {"p50", number(summary.p50)}, {"p99", number(summary.p99)}, {"max", number(summary.max)}};
  }
  report["replication_lag_ms"] = std::move(lag);
}

void add_failovers_and_faults(const RunFacts& facts, json& report) {
  json failovers = json::array();
  for (const auto& failover : facts.failovers) {
    failovers.push_back(
        {{"time_s", seconds(failover.at)},
         {"from", failover.from ? json(replica_name(facts, *failover.from)) : json(nullptr)},
         {"to", replica_name(facts, failover.to)},
         {"epoch", failover.epoch.value}});
  }
  report["failover_count"] = facts.failovers.size();
  report["failovers"] = std::move(failovers);

  json faults = json::array();
  for (const auto& fault : facts.faults) {
    faults.push_back({{"description", fault.description},
                      {"start_s", seconds(fault.start)},
                      {"end_s", fault.end ? seconds(*fault.end) : json(nullptr)}});
  }
  report["faults"] = std::move(faults);
}

json summarize_ms(const std::vector<double>& values) {
  if (values.empty()) {
    return {
        {"p50", nullptr}, {"p90", nullptr}, {"p99", nullptr}, {"max", nullptr}, {"mean", nullptr}};
  }
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (double v : sorted) sum += v;
  return {{"p50", number(exact_percentile(sorted, 0.50))},
          {"p90", number(exact_percentile(sorted, 0.90))},
          {"p99", number(exact_percentile(sorted, 0.99))},
          {"max", number(sorted.back())},
          {"mean", number(sum / static_cast<double>(sorted.size()))}};
}

void add_elections(const RunFacts& facts, json& report) {
  json elections = json::array();
  std::vector<double> durations;
  std::vector<double> leaderless;
  for (const auto& election : facts.elections) {
    const double duration_ms = models::to_ms(election.ended_at - election.started_at);
    durations.push_back(duration_ms);
    json without_leader = nullptr;
    if (election.leader_lost_at) {
      const double ms = models::to_ms(election.ended_at - *election.leader_lost_at);
      leaderless.push_back(ms);
      without_leader = number(ms);
    }
    elections.push_back({{"start_s", seconds(election.started_at)},
                         {"end_s", seconds(election.ended_at)},
                         {"term", election.term.value},
                         {"winner", replica_name(facts, election.winner)},
                         {"candidacies", election.candidacies},
                         {"duration_ms", number(duration_ms)},
                         {"leaderless_ms", without_leader}});
  }
  report["elections"] = std::move(elections);
  report["election_summary"] = {{"count", facts.elections.size()},
                                {"duration_ms", summarize_ms(durations)},
                                {"leaderless_ms", summarize_ms(leaderless)}};
}

std::uint64_t between_regions(const std::vector<std::vector<std::uint64_t>>& matrix) {
  std::uint64_t total = 0;
  for (std::size_t a = 0; a < matrix.size(); ++a) {
    for (std::size_t b = 0; b < matrix.size(); ++b) {
      if (a != b) total += matrix[a][b];
    }
  }
  return total;
}

// Bytes sent between regions: totals by class and, per ordered pair, "from->to".
json traffic_json(const RunFacts& facts, const TrafficMatrix& traffic) {
  json pairs = json::object();
  for (std::size_t a = 0; a < traffic.replication.size(); ++a) {
    for (std::size_t b = 0; b < traffic.replication.size(); ++b) {
      if (a == b || (traffic.replication[a][b] == 0 && traffic.client[a][b] == 0)) continue;
      pairs[facts.regions.at(a) + "->" + facts.regions.at(b)] = {
          {"replication", traffic.replication[a][b]}, {"client", traffic.client[a][b]}};
    }
  }
  const std::uint64_t replication = between_regions(traffic.replication);
  const std::uint64_t client = between_regions(traffic.client);
  return {{"replication", replication},
          {"client", client},
          {"total", replication + client},
          {"by_pair", std::move(pairs)}};
}

// What clients saw while one step ran: operations completed in [start, end), and the largest
// replication lag sampled then.
json phase_metrics(const RunFacts& facts, const StepRecord& step) {
  // [kind], gathered in one pass over the history.
  std::array<std::vector<double>, 2> latencies;
  std::array<std::uint64_t, 2> errors{};
  std::array<std::uint64_t, 2> rejected{};
  for (const Operation& op : facts.operations) {
    if (op.completed_at < step.start || op.completed_at >= step.end) continue;
    const std::size_t slot = kind_slot(op.kind);
    if (op.outcome == OpOutcome::kOk) {
      latencies[slot].push_back(models::to_ms(op.completed_at - op.invoked_at));
    } else if (op.outcome == OpOutcome::kRejected) {
      ++rejected[slot];
    } else {
      ++errors[slot];
    }
  }
  json metrics = json::object();
  for (const auto& [kind, name] : kKinds) {
    std::vector<double>& of_kind = latencies[kind_slot(kind)];
    std::sort(of_kind.begin(), of_kind.end());
    metrics[name] = {{"ok", of_kind.size()},
                     {"errors", errors[kind_slot(kind)]},
                     {"rejected", rejected[kind_slot(kind)]},
                     {"p50_ms", number(exact_percentile(of_kind, 0.50))},
                     {"p99_ms", number(exact_percentile(of_kind, 0.99))}};
  }
  std::optional<double> max_lag;
  for (std::size_t i = 0; i < facts.lag.times.size(); ++i) {
    if (facts.lag.times[i] < step.start || facts.lag.times[i] >= step.end) continue;
    for (const auto& series : facts.lag.lag_ms) {
      if (i < series.size() && std::isfinite(series[i])) {
        max_lag = std::max(max_lag.value_or(0.0), series[i]);
      }
    }
  }
  metrics["max_lag_ms"] = number(max_lag);
  metrics["inter_region_bytes"] = traffic_json(facts, step.traffic);
  return metrics;
}

// Clients behind DNS: when the record moved, and how long stale caches kept sending requests
// to the node it no longer named.
void add_dns(const RunFacts& facts, json& report) {
  json updates = json::array();
  for (const DnsUpdate& update : facts.dns_updates) {
    updates.push_back(
        {{"time_s", seconds(update.at)}, {"target", replica_name(facts, update.target)}});
  }
  json workloads = json::array();
  for (const DnsRouting& routing : facts.dns_routing) {
    workloads.push_back({{"workload", routing.workload},
                         {"ttl_s", routing.ttl_s},
                         {"requests", routing.requests},
                         {"stale_requests", routing.stale_requests},
                         {"last_stale_s", routing.last_stale_at ? seconds(*routing.last_stale_at)
                                                                : json(nullptr)}});
  }
  report["dns"] = {{"updates", std::move(updates)}, {"workloads", std::move(workloads)}};
}

// The plan's timeline, and the write-unavailability window of each planned cutover: from the
// start of a step that moves leadership to the first acknowledged write issued after it.
void add_migration(const RunFacts& facts, json& report) {
  const MigrationFacts& migration = facts.migration;
  if (!migration.planned) {
    report["migration"] = nullptr;
    report["cutover_unavailable_ms"] = nullptr;
    return;
  }
  json steps = json::array();
  std::optional<double> worst_cutover_ms;
  for (const StepRecord& step : migration.steps) {
    json cutover_ms = nullptr;
    if (step.moves_leadership && step.ok) {
      std::optional<TimePoint> first_ack;
      for (const Operation& op : facts.operations) {
        if (op.kind != OpKind::kWrite || op.outcome != OpOutcome::kOk) continue;
        if (op.invoked_at < step.start) continue;
        if (!first_ack || op.completed_at < *first_ack) first_ack = op.completed_at;
      }
      if (first_ack) {
        const double ms = models::to_ms(*first_ack - step.start);
        cutover_ms = number(ms);
        worst_cutover_ms = std::max(worst_cutover_ms.value_or(0.0), ms);
      }
    }
    steps.push_back({{"name", step.name},
                     {"type", step.type},
                     {"rollback", step.rollback},
                     {"start_s", seconds(step.start)},
                     {"end_s", seconds(step.end)},
                     {"duration_ms", number(models::to_ms(step.end - step.start))},
                     {"ok", step.ok},
                     {"detail", step.detail},
                     {"write_unavailable_ms", cutover_ms},
                     {"metrics", phase_metrics(facts, step)}});
  }
  json guard = nullptr;
  if (migration.guard_fired) {
    const GuardFiring& fired = *migration.guard_fired;
    guard = {{"guard", fired.guard},
             {"step", fired.step},
             {"time_s", seconds(fired.at)},
             {"value", number(fired.value)},
             {"limit", fired.limit}};
  }
  report["migration"] = {{"steps", std::move(steps)},
                         {"guard_fired", std::move(guard)},
                         {"completed", migration.completed},
                         {"rolled_back", migration.rolled_back}};
  report["cutover_unavailable_ms"] = number(worst_cutover_ms);
}

// The state the run ends in, from the last lag sample: who is primary and how far each replica
// trails it. A system that healed after its faults has a primary and replicas near lag 0 (clients
// stop at duration_s, so caught-up replicas show exactly 0). `cutover explore` checks it.
void add_end_of_run(const RunFacts& facts, json& report) {
  json end = {{"time_s", nullptr},
              {"primary", nullptr},
              {"has_primary", 0},
              {"lag_ms", json::object()},
              {"lag_ms_max", nullptr}};
  if (!facts.lag.times.empty()) {
    const std::size_t last = facts.lag.times.size() - 1;
    end["time_s"] = seconds(facts.lag.times[last]);
    if (last < facts.lag.primary.size() && facts.lag.primary[last]) {
      end["primary"] = replica_name(facts, *facts.lag.primary[last]);
      end["has_primary"] = 1;
    }
    std::optional<double> lag_max;
    for (std::size_t r = 0; r < facts.lag.lag_ms.size() && r < facts.replicas.size(); ++r) {
      const std::vector<double>& series = facts.lag.lag_ms[r];
      const bool measured = last < series.size() && std::isfinite(series[last]);
      end["lag_ms"][facts.replicas[r]] = measured ? number(series[last]) : json(nullptr);
      if (measured) lag_max = std::max(lag_max.value_or(0.0), series[last]);
    }
    end["lag_ms_max"] = number(lag_max);
  }
  report["end_of_run"] = std::move(end);
}

void add_recovery(const RunFacts& facts, json& report) {
  const Recovery recovery = measure_recovery(facts);
  json entries = json::array();
  for (const auto& fault : recovery.faults) {
    entries.push_back({{"fault", fault.description},
                       {"start_s", seconds(fault.start)},
                       {"end_s", fault.end ? seconds(*fault.end) : json(nullptr)},
                       {"rto_ms", number(fault.rto_ms)},
                       {"recovered", fault.recovered()}});
  }
  report["recovery"] = std::move(entries);
  report["rto_ms"] = number(recovery.rto_ms);
}

// The loss the configuration allows, to flag runs that lose more (a model or protocol bug).
// Zero-loss configurations: 0 while no more replicas fail at once than they tolerate (the
// simulator does not count concurrent failures yet, so the bound is 0 for every run). Async:
// for each failover, the writes acknowledged per second in the second before the disruptive
// fault that caused it, times the lag of the replica it promoted at that fault (from the lag
// samples in that second), with 50% slack for sampling and one write of rounding.
std::optional<double> loss_bound(const RunFacts& facts) {
  if (facts.guarantee.zero_loss) return 0.0;
  double bound = 0;
  for (const FailoverRecord& failover : facts.failovers) {
    std::optional<TimePoint> fault_start;
    for (const FaultWindow& fault : facts.faults) {
      if (fault.disruptive && fault.start <= failover.at &&
          (!fault_start || fault.start > *fault_start)) {
        fault_start = fault.start;
      }
    }
    if (!fault_start) continue;  // a planned promotion loses nothing it acknowledged
    const TimePoint from = *fault_start - models::from_ms(1000);
    std::size_t acked = 0;
    for (const Operation& op : facts.operations) {
      if (op.kind == OpKind::kWrite && op.outcome == OpOutcome::kOk && op.completed_at >= from &&
          op.completed_at < *fault_start) {
        ++acked;
      }
    }
    double lag_ms = 0;
    const auto& series = facts.lag.lag_ms;
    for (std::size_t i = 0; i < facts.lag.times.size(); ++i) {
      if (facts.lag.times[i] < from || facts.lag.times[i] > *fault_start) continue;
      if (failover.to.value < series.size() && i < series[failover.to.value].size() &&
          std::isfinite(series[failover.to.value][i])) {
        lag_ms = std::max(lag_ms, series[failover.to.value][i]);
      }
    }
    bound += static_cast<double>(acked) * lag_ms / 1000.0 * 1.5 + 1;
  }
  return bound;
}

void add_data_loss(const RunFacts& facts, json& report) {
  const LostWrites lost = find_lost_writes(facts);
  const std::optional<double> bound = loss_bound(facts);
  report["data_loss"] = {
      {"acknowledged_writes_lost", lost.count},
      {"rpo_ms", number(lost.rpo_ms)},
      {"zero_loss_promised", facts.guarantee.zero_loss},
      {"bound_writes", number(bound)},
      {"exceeds_bound", bound ? json(static_cast<double>(lost.count) > *bound) : json(nullptr)}};
}

json stale_figures(const StaleReadFigures& figures) {
  return {{"count", figures.count}, {"max_staleness_ms", number(figures.max_staleness_ms)}};
}

json stale_reads_section(const RunFacts& facts, const StaleReads& stale) {
  json by_region = json::object();
  for (std::size_t r = 0; r < facts.regions.size(); ++r) {
    by_region[facts.regions[r]] = stale_figures(stale.by_region[r]);
  }
  json by_phase = json::object();
  for (std::size_t p = 0; p < facts.phases.size(); ++p) {
    by_phase[facts.phases[p].name] = stale_figures(stale.by_phase[p]);
  }
  json section = stale_figures(stale.overall);
  section["by_region"] = std::move(by_region);
  section["by_phase"] = std::move(by_phase);
  return section;
}

// One operation as the consistency section shows it (counterexamples, examples).
json operation_json(const RunFacts& facts, std::size_t index) {
  const Operation& op = facts.operations[index];
  const char* outcome = op.outcome == OpOutcome::kOk       ? "ok"
                        : op.outcome == OpOutcome::kFailed ? "failed"
                                                           : "indeterminate";
  return {{"operation", index},
          {"kind", op.kind == OpKind::kWrite ? "write" : "read"},
          {"key", op.key},
          {"version", {op.version.epoch.value, op.version.index.value}},
          {"outcome", outcome},
          {"invoke_ms", number(models::to_ms(op.invoked_at.time_since_epoch()))},
          {"complete_ms", number(models::to_ms(op.completed_at.time_since_epoch()))},
          {"client", op.client.value},
          {"session", op.session},
          {"node", op.node ? json(replica_name(facts, *op.node)) : json(nullptr)}};
}

void add_linearizability(const RunFacts& facts, const Linearizability& checked, json& consistency) {
  json counterexample = json::array();
  for (std::size_t index : checked.counterexample) {
    counterexample.push_back(operation_json(facts, index));
  }
  const char* verdict = "unknown";
  json linearizable = nullptr;
  json linearizable_ok = nullptr;
  if (checked.verdict != LinearizabilityVerdict::kUnknown) {
    const bool ok = checked.verdict == LinearizabilityVerdict::kLinearizable;
    verdict = ok ? "linearizable" : "not_linearizable";
    linearizable = ok;
    linearizable_ok = ok ? 1 : 0;
  }
  consistency["linearizable"] = std::move(linearizable);
  consistency["linearizable_ok"] = std::move(linearizable_ok);
  consistency["linearizability"] = {
      {"verdict", verdict},
      {"checked_keys", checked.checked_keys},
      {"violating_keys", checked.violating_keys},
      {"unknown_keys", checked.unknown_keys},
      {"counterexample_key",
       checked.counterexample_key ? json(*checked.counterexample_key) : json(nullptr)},
      {"counterexample", std::move(counterexample)}};
}

void add_sessions(const RunFacts& facts, const SessionGuarantees& sessions, json& consistency) {
  json examples = json::array();
  const auto add_examples = [&](const char* guarantee, const auto& list) {
    for (const SessionViolation& v : list) {
      examples.push_back({{"guarantee", guarantee},
                          {"earlier", operation_json(facts, v.earlier)},
                          {"read", operation_json(facts, v.read)}});
    }
  };
  add_examples("read_your_writes", sessions.read_your_writes_examples);
  add_examples("monotonic_reads", sessions.monotonic_read_examples);
  consistency["read_your_writes_violations"] = sessions.read_your_writes_violations;
  consistency["monotonic_read_violations"] = sessions.monotonic_read_violations;
  consistency["session_examples"] = std::move(examples);
}

json split_brain_section(const RunFacts& facts) {
  const SplitBrain split = find_split_brain(facts);
  json windows = json::array();
  for (const SplitBrainWindow& w : split.windows) {
    windows.push_back({{"start_ms", number(models::to_ms(w.start.time_since_epoch()))},
                       {"end_ms", number(models::to_ms(w.end.time_since_epoch()))},
                       {"nodes", {replica_name(facts, w.first), replica_name(facts, w.second)}},
                       {"epochs", {w.first_epoch.value, w.second_epoch.value}},
                       {"cross_region", w.cross_region}});
  }
  json write_regions = json::object();
  for (std::size_t p = 0; p < facts.phases.size(); ++p) {
    json names = json::array();
    for (std::uint32_t region : split.write_regions_by_phase[p]) {
      CUTOVER_CHECK(region < facts.regions.size(), "replica in unknown region");
      names.push_back(facts.regions[region]);
    }
    write_regions[facts.phases[p].name] = std::move(names);
  }
  return {{"count", split.windows.size()},
          {"cross_region", split.cross_region_windows},
          {"deposed_acks", split.deposed_acks},
          {"windows", std::move(windows)},
          {"write_regions_by_phase", std::move(write_regions)}};
}

json reconciliation_section(const RunFacts& facts) {
  const Reconciliation reconciled = reconcile_replicas(facts, ReconciliationConfig{});
  if (!reconciled.compared) {
    return {{"diverging_ranges", nullptr},
            {"diverging_keys", nullptr},
            {"replicas_compared", 0},
            {"replicas", json::object()}};
  }
  json replicas = json::object();
  for (const ReplicaDivergence& divergence : reconciled.replicas) {
    json ranges = json::array();
    for (const KeyRange& range : divergence.ranges) ranges.push_back({range.first, range.last});
    replicas[replica_name(facts, divergence.replica)] = {
        {"diverging_ranges", std::move(ranges)}, {"diverging_keys", divergence.keys.size()}};
  }
  return {{"diverging_ranges", reconciled.diverging_ranges},
          {"diverging_keys", reconciled.diverging_keys},
          {"replicas_compared", reconciled.replicas_compared},
          {"replicas", std::move(replicas)}};
}

void add_consistency(const RunFacts& facts, json& report) {
  json consistency = json::object();
  const PerKeyFindings per_key = check_per_key(facts, LinearizabilityConfig{});
  consistency["stale_reads"] = stale_reads_section(facts, per_key.stale_reads);
  add_linearizability(facts, per_key.linearizability, consistency);
  add_sessions(facts, per_key.sessions, consistency);
  consistency["split_brain"] = split_brain_section(facts);
  consistency["duplicate_applications"] = find_duplicate_applications(facts).count;
  consistency["reconciliation"] = reconciliation_section(facts);
  report["consistency"] = std::move(consistency);
}

// The JSON node at a dotted path, or nullptr when a segment is missing.
const json* find_path(const json& root, const std::string& path) {
  const json* node = &root;
  std::size_t begin = 0;
  while (true) {
    const std::size_t dot = path.find('.', begin);
    const std::string segment = path.substr(begin, dot == std::string::npos ? dot : dot - begin);
    if (!node->is_object()) return nullptr;
    const auto it = node->find(segment);
    if (it == node->end()) return nullptr;
    node = &*it;
    if (dot == std::string::npos) return node;
    begin = dot + 1;
  }
}

// ostringstream in the classic locale: a global locale with ',' decimals must not leak into
// files other tools parse.
std::ostringstream classic_stream() {
  std::ostringstream out;
  out.imbue(std::locale::classic());
  return out;
}

// `value` rounded to `decimals` places, written with exactly that many. std::to_chars writes
// what printf's "%.*f" (in the C locale, so what the classic stream) would, without building a
// stream per number: timeseries.csv has one per replica per lag sample.
void append_fixed(std::string& out, double value, int decimals) {
  std::array<char, 512> buffer;  // a double's integer part has at most 309 digits
  const auto [end, error] =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), round_to(value, decimals),
                    std::chars_format::fixed, decimals);
  CUTOVER_CHECK(error == std::errc(), "cannot write " + std::to_string(value));
  out.append(buffer.data(), end);
}

std::string fixed(double value, int decimals) {
  std::string text;
  append_fixed(text, value, decimals);
  return text;
}

// A report value for the terminal: integers as such, floats with `decimals`, null as "n/a".
std::string show(const json& value, int decimals = kTimeDecimals) {
  if (value.is_number_integer()) return value.dump();
  if (value.is_number()) return fixed(value.get<double>(), decimals);
  return "n/a";
}

std::string show_percent(const json& fraction) {
  if (!fraction.is_number()) return "n/a";
  return fixed(fraction.get<double>() * 100.0, kAvailabilityDecimals - 2) + "%";
}

std::string pad(const std::string& text, std::size_t width, bool left_align = false) {
  if (text.size() >= width) return text;
  const std::string fill(width - text.size(), ' ');
  return left_align ? text + fill : fill + text;
}

std::size_t name_width(const json& object, std::size_t minimum) {
  std::size_t width = minimum;
  for (const auto& [name, value] : object.items()) width = std::max(width, name.size() + 2);
  return width;
}

bool is_comparison(const std::string& op) {
  return op == "<" || op == "<=" || op == ">" || op == ">=" || op == "==";
}

}  // namespace

bool compare(double value, const std::string& op, double limit) {
  if (op == "<") return value < limit;
  if (op == "<=") return value <= limit;
  if (op == ">") return value > limit;
  if (op == ">=") return value >= limit;
  if (op == "==") return value == limit;
  throw std::invalid_argument("unknown SLO comparison \"" + op + "\"");
}

std::optional<double> lookup_metric(const json& report, const std::string& path) {
  const json* node = find_path(report, path);
  if (node == nullptr || !node->is_number()) return std::nullopt;
  return node->get<double>();
}

json build_report(const RunFacts& facts, const std::vector<SloSpec>& slos,
                  const json& run_section) {
  json report = json::object();
  report["scenario"] = facts.scenario;
  report["seed"] = facts.seed;
  report["simulated_s"] = number(facts.simulated_s);
  add_ops_and_latency(facts, report);
  add_lag(facts, report);
  add_failovers_and_faults(facts, report);
  add_elections(facts, report);
  add_migration(facts, report);
  report["inter_region_bytes"] = traffic_json(facts, facts.traffic);
  report["cost"] = cost_section(facts);
  add_dns(facts, report);
  add_recovery(facts, report);
  add_end_of_run(facts, report);
  add_data_loss(facts, report);
  add_consistency(facts, report);

  // Evaluated before `slo` and `run` exist, so a metric can only name a measured value.
  json slo_results = json::array();
  for (const auto& slo : slos) {
    if (!is_comparison(slo.op)) {
      throw std::invalid_argument("SLO \"" + slo.name + "\": unknown comparison \"" + slo.op +
                                  "\"");
    }
    const json* node = find_path(report, slo.metric);
    const bool numeric = node != nullptr && node->is_number();
    const bool ok = numeric && compare(node->get<double>(), slo.op, slo.limit);
    slo_results.push_back({{"name", slo.name},
                           {"metric", slo.metric},
                           {"op", slo.op},
                           {"value", numeric ? *node : json(nullptr)},
                           {"limit", slo.limit},
                           {"ok", ok}});
  }
  report["slo"] = std::move(slo_results);
  report["run"] = run_section;
  return report;
}

bool all_slos_held(const json& report) {
  const auto it = report.find("slo");
  if (it == report.end()) return true;
  for (const auto& slo : *it) {
    if (!slo.value("ok", false)) return false;
  }
  return true;
}

std::string render_summary(const json& report) {
  auto out = classic_stream();
  out << "scenario " << report.value("scenario", std::string()) << "   seed "
      << show(report.at("seed")) << "   simulated " << show(report.at("simulated_s")) << " s\n";

  constexpr std::size_t kCol = 11;
  out << pad("ops", 9, true) << pad("attempted", kCol) << pad("ok", kCol) << pad("failed", kCol)
      << pad("timed_out", kCol) << pad("available", kCol + 2) << "\n";
  for (const auto& [kind, name] : kKinds) {
    const json& ops = report.at("ops").at(name);
    out << pad(std::string("  ") + name, 9, true) << pad(show(ops.at("attempted")), kCol)
        << pad(show(ops.at("ok")), kCol) << pad(show(ops.at("failed")), kCol)
        << pad(show(ops.at("timed_out")), kCol)
        << pad(show_percent(report.at("availability").at(name)), kCol + 2) << "\n";
  }

  out << pad("latency ms", 12, true);
  for (const char* stat : {"p50", "p99", "p999", "max"}) out << pad(stat, kCol);
  out << "\n";
  for (const auto& [kind, name] : kKinds) {
    const json& stats = report.at("latency_ms").at(name);
    out << pad(std::string("  ") + name, 12, true);
    for (const char* stat : {"p50", "p99", "p999", "max"}) out << pad(show(stats.at(stat)), kCol);
    out << "\n";
  }

  const json& lag = report.at("replication_lag_ms");
  const std::size_t lag_width = name_width(lag, 18) + 2;
  out << pad("replication lag ms", lag_width, true) << pad("p99", kCol) << pad("max", kCol) << "\n";
  for (const auto& [replica, stats] : lag.items()) {
    out << pad("  " + replica, lag_width, true) << pad(show(stats.at("p99")), kCol)
        << pad(show(stats.at("max")), kCol) << "\n";
  }

  out << "failovers " << show(report.at("failover_count")) << "\n";
  for (const auto& failover : report.at("failovers")) {
    const json& from = failover.at("from");
    out << "  " << pad(show(failover.at("time_s")), 10) << " s  "
        << (from.is_string() ? from.get<std::string>() : std::string("(unknown)")) << " -> "
        << failover.at("to").get<std::string>() << "  (epoch " << show(failover.at("epoch"))
        << ")\n";
  }

  const json& loss = report.at("data_loss");
  out << "data loss " << show(loss.at("acknowledged_writes_lost")) << " acknowledged "
      << (loss.at("acknowledged_writes_lost") == 1 ? "write" : "writes") << " lost, RPO "
      << show(loss.at("rpo_ms")) << " ms\n";

  const json& recovery = report.at("recovery");
  if (recovery.empty()) {
    out << "RTO n/a (no disruptive faults)\n";
  } else {
    const json& rto = report.at("rto_ms");
    out << "RTO " << (rto.is_number() ? show(rto) + " ms" : std::string("n/a (not recovered)"))
        << "\n";
    for (const auto& fault : recovery) {
      out << "  " << fault.at("fault").get<std::string>() << " at " << show(fault.at("start_s"))
          << " s: "
          << (fault.at("recovered").get<bool>() ? "recovered in " + show(fault.at("rto_ms")) + " ms"
                                                : std::string("NOT recovered"))
          << "\n";
    }
  }

  const json& consistency = report.at("consistency");
  const json& stale = consistency.at("stale_reads");
  const json& linearizable = consistency.at("linearizable");
  std::string verdict = "unknown";
  if (linearizable.is_boolean()) {
    verdict = linearizable.get<bool>() ? "yes" : "NO";
    const json& key = consistency.at("linearizability").at("counterexample_key");
    if (!linearizable.get<bool>() && key.is_number()) {
      verdict += " (e.g. key " + show(key) +
                 ", see consistency.linearizability; stale reads from "
                 "local replicas count)";
    }
  }
  out << "consistency: linearizable " << verdict << ", stale reads " << show(stale.at("count"))
      << " (max " << show(stale.at("max_staleness_ms")) << " ms), session violations "
      << show(consistency.at("read_your_writes_violations")) << " ryw / "
      << show(consistency.at("monotonic_read_violations")) << " monotonic\n";
  out << "  split brain " << show(consistency.at("split_brain").at("count"))
      << " windows, duplicate applications " << show(consistency.at("duplicate_applications"))
      << ", diverging keys " << show(consistency.at("reconciliation").at("diverging_keys")) << "\n";

  if (report.contains("cost")) out << render_cost_summary(report);

  const json& slos = report.at("slo");
  std::size_t held = 0;
  for (const auto& slo : slos) held += slo.at("ok").get<bool>() ? 1 : 0;
  out << "SLOs " << held << " of " << slos.size() << " held\n";
  for (const auto& slo : slos) {
    const std::string metric = slo.at("metric").get<std::string>();
    const int decimals =
        metric.rfind("availability.", 0) == 0 ? kAvailabilityDecimals : kTimeDecimals;
    const json& value = slo.at("value");
    const double limit = slo.at("limit").get<double>();
    // A limit on a count reads better as an integer when it is one.
    const bool integral_limit = value.is_number_integer() && limit == std::floor(limit);
    out << "  " << (slo.at("ok").get<bool>() ? "PASS" : "FAIL") << "  "
        << slo.at("name").get<std::string>() << ": " << metric << " = " << show(value, decimals)
        << " (limit " << slo.at("op").get<std::string>() << " "
        << fixed(limit, integral_limit ? 0 : decimals) << ")\n";
  }
  return out.str();
}

std::string render_timeseries_csv(const RunFacts& facts) {
  std::string out = "time_s,primary";
  for (const auto& replica : facts.replicas) out += ",lag_ms." + replica;
  out += "\n";
  const LagSeries& lag = facts.lag;
  for (std::size_t i = 0; i < lag.times.size(); ++i) {
    append_fixed(out, models::to_seconds(lag.times[i]), kTimeDecimals);
    out += ",";
    if (i < lag.primary.size() && lag.primary[i]) out += replica_name(facts, *lag.primary[i]);
    for (std::size_t r = 0; r < facts.replicas.size(); ++r) {
      out += ",";
      if (r < lag.lag_ms.size() && i < lag.lag_ms[r].size() && std::isfinite(lag.lag_ms[r][i])) {
        append_fixed(out, lag.lag_ms[r][i], kTimeDecimals);
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace cutover::analysis
