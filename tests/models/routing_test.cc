// Unit tests for the routing models (health checks, DNS with a TTL, the load balancer and its
// read-only flag, retries), without SimGrid: each test feeds times and inputs and asserts the
// decisions. Statistical tests use a fixed seed and 10,000+ draws, so their tolerances are
// several standard deviations wide and the result is the same on every run.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/core/check.h"
#include "models/core/message.h"
#include "models/core/rng.h"
#include "models/core/types.h"
#include "models/routing/dns.h"
#include "models/routing/endpoint.h"
#include "models/routing/health_check.h"
#include "models/routing/load_balancer.h"
#include "models/routing/retry.h"

namespace cutover::models::routing {
namespace {

TimePoint at_ms(double ms) { return TimePoint(from_ms(ms)); }
TimePoint at_s(double s) { return time_at_seconds(s); }

// ============================== HealthChecker ==============================================

constexpr Duration kProbeInterval = from_ms(1'000);
constexpr Duration kProbeTimeout = from_ms(300);

HealthCheckConfig probe_config(std::uint32_t unhealthy_threshold, std::uint32_t healthy_threshold,
                               Health initial) {
  return HealthCheckConfig{.interval = kProbeInterval,
                           .timeout = kProbeTimeout,
                           .unhealthy_threshold = unhealthy_threshold,
                           .healthy_threshold = healthy_threshold,
                           .initial_state = initial};
}

// Probes one target at every interval, answering 100 ms after each send, and records its health
// after every result.
std::vector<Health> run_probes(HealthChecker& checker, NodeId target,
                               const std::vector<ProbeResult>& results) {
  std::vector<Health> seen;
  for (ProbeResult result : results) {
    const TimePoint sent = checker.next_probe_at(target);
    checker.on_probe_sent(target, sent);
    checker.on_probe_result(target, result, sent + from_ms(100));
    seen.push_back(checker.health(target));
  }
  return seen;
}

constexpr ProbeResult kOk = ProbeResult::kOk;
constexpr ProbeResult kFail = ProbeResult::kFailed;
constexpr ProbeResult kTime = ProbeResult::kTimedOut;
constexpr Health kUp = Health::kHealthy;
constexpr Health kDown = Health::kUnhealthy;

TEST(HealthCheckerThresholds, StateChangesOnlyAfterTheConfiguredRunOfResults) {
  struct Row {
    const char* name;
    Health initial;
    std::uint32_t unhealthy_threshold;
    std::uint32_t healthy_threshold;
    std::vector<ProbeResult> results;
    std::vector<Health> expected;  // health after each result
  };
  const std::vector<Row> rows = {
      // Going down: exactly N consecutive failures.
      {"three failures", kUp, 3, 2, {kFail, kFail, kFail}, {kUp, kUp, kDown}},
      {"one failure is enough with N=1", kUp, 1, 2, {kFail}, {kDown}},
      {"a success resets the failure run",
       kUp,
       3,
       2,
       {kFail, kFail, kOk, kFail, kFail, kFail},
       {kUp, kUp, kUp, kUp, kUp, kDown}},
      {"timeouts count as failures", kUp, 2, 2, {kTime, kTime}, {kUp, kDown}},
      {"failures and timeouts add up", kUp, 2, 2, {kFail, kTime}, {kUp, kDown}},
      // Coming up: exactly M consecutive successes.
      {"two successes", kDown, 2, 2, {kOk, kOk}, {kDown, kUp}},
      {"a failure resets the success run",
       kDown,
       2,
       3,
       {kOk, kOk, kFail, kOk, kOk, kOk},
       {kDown, kDown, kDown, kDown, kDown, kUp}},
      // Counters restart at a transition: down after 2 failures, then up needs 2 fresh successes.
      {"round trip",
       kUp,
       2,
       2,
       {kFail, kFail, kOk, kOk, kFail, kFail},
       {kUp, kDown, kDown, kUp, kUp, kDown}},
      // A healthy target stays healthy on successes, an unhealthy one down on failures.
      {"successes keep a healthy target", kUp, 2, 2, {kOk, kOk, kOk}, {kUp, kUp, kUp}},
      {"failures keep an unhealthy target", kDown, 2, 2, {kFail, kFail}, {kDown, kDown}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    HealthChecker checker(
        probe_config(row.unhealthy_threshold, row.healthy_threshold, row.initial));
    checker.add_target(NodeId(7), at_ms(0));
    EXPECT_EQ(checker.health(NodeId(7)), row.initial);
    EXPECT_EQ(run_probes(checker, NodeId(7), row.results), row.expected);
  }
}

TEST(HealthCheckerThresholds, NewTargetsAreHealthyByDefault) {
  HealthChecker checker(HealthCheckConfig{});
  checker.add_target(NodeId(1), at_ms(0));
  EXPECT_TRUE(checker.is_healthy(NodeId(1)));
}

TEST(HealthCheckerTransitions, AreReportedOnceWithTheTimeOfTheDecidingResult) {
  HealthChecker checker(probe_config(2, 2, kUp));
  checker.add_target(NodeId(3), at_ms(500));
  EXPECT_EQ(checker.last_transition_at(NodeId(3)), at_ms(500));

  checker.on_probe_sent(NodeId(3), at_ms(500));
  EXPECT_FALSE(checker.on_probe_result(NodeId(3), kFail, at_ms(600)).has_value());
  checker.on_probe_sent(NodeId(3), at_ms(1'500));
  const std::optional<HealthTransition> down =
      checker.on_probe_result(NodeId(3), kFail, at_ms(1'650));
  ASSERT_TRUE(down.has_value());
  EXPECT_EQ(down->target, NodeId(3));
  EXPECT_EQ(down->to, kDown);
  EXPECT_EQ(down->at, at_ms(1'650));
  EXPECT_EQ(checker.last_transition_at(NodeId(3)), at_ms(1'650));

  // A further failure changes nothing and reports nothing.
  checker.on_probe_sent(NodeId(3), at_ms(2'500));
  EXPECT_FALSE(checker.on_probe_result(NodeId(3), kFail, at_ms(2'600)).has_value());
  EXPECT_EQ(checker.last_transition_at(NodeId(3)), at_ms(1'650));
}

TEST(HealthCheckerSchedule, NextProbeIsDueOneIntervalAfterTheActualSend) {
  HealthChecker checker(probe_config(2, 2, kUp));
  checker.add_target(NodeId(2), at_ms(0));
  checker.add_target(NodeId(1), at_ms(0));
  // New targets are due at once, reported in ascending order.
  EXPECT_EQ(checker.due_targets(at_ms(0)), (std::vector<NodeId>{NodeId(1), NodeId(2)}));
  EXPECT_EQ(checker.next_probe_at(), at_ms(0));

  checker.on_probe_sent(NodeId(1), at_ms(0));
  EXPECT_TRUE(checker.probe_outstanding(NodeId(1)));
  EXPECT_EQ(checker.next_probe_at(NodeId(1)), at_ms(1'000));
  EXPECT_EQ(checker.due_targets(at_ms(0)), std::vector<NodeId>{NodeId(2)});

  // The caller sends to node 2 late: its next probe is one interval after that.
  checker.on_probe_sent(NodeId(2), at_ms(200));
  EXPECT_EQ(checker.next_probe_at(NodeId(2)), at_ms(1'200));
  // Every target has a probe out: nothing to wake up for until a result comes in.
  EXPECT_EQ(checker.next_probe_at(), std::nullopt);

  checker.on_probe_result(NodeId(1), kOk, at_ms(250));
  EXPECT_FALSE(checker.probe_outstanding(NodeId(1)));
  EXPECT_EQ(checker.next_probe_at(), at_ms(1'000));
  EXPECT_TRUE(checker.due_targets(at_ms(999)).empty());
  EXPECT_EQ(checker.due_targets(at_ms(1'000)), std::vector<NodeId>{NodeId(1)});
}

TEST(HealthCheckerTimeout, AnOkAnswerAfterTheTimeoutCountsAsATimeout) {
  HealthChecker checker(probe_config(1, 1, kUp));
  checker.add_target(NodeId(0), at_ms(0));
  checker.on_probe_sent(NodeId(0), at_ms(0));
  checker.on_probe_result(NodeId(0), kOk, TimePoint(kProbeTimeout));  // at the deadline: in time
  EXPECT_TRUE(checker.is_healthy(NodeId(0)));

  checker.on_probe_sent(NodeId(0), at_ms(1'000));
  checker.on_probe_result(NodeId(0), kOk, at_ms(1'000) + kProbeTimeout + Duration(1));
  EXPECT_FALSE(checker.is_healthy(NodeId(0)));
}

TEST(HealthCheckerMisuse, ResultsWithoutAProbeAndEarlyProbesAreBugs) {
  HealthChecker checker(probe_config(2, 2, kUp));
  checker.add_target(NodeId(0), at_ms(0));
  EXPECT_THROW(checker.on_probe_result(NodeId(0), kOk, at_ms(0)), InvariantViolation);
  checker.on_probe_sent(NodeId(0), at_ms(0));
  EXPECT_THROW(checker.on_probe_sent(NodeId(0), at_ms(2'000)), InvariantViolation);  // one out
  checker.on_probe_result(NodeId(0), kOk, at_ms(10));
  EXPECT_THROW(checker.on_probe_sent(NodeId(0), at_ms(999)), InvariantViolation);  // not due
  EXPECT_THROW(checker.add_target(NodeId(0), at_ms(0)), InvariantViolation);
  checker.remove_target(NodeId(0));
  EXPECT_THROW(checker.health(NodeId(0)), InvariantViolation);
}

TEST(HealthCheckerConfig, ValidateNamesTheProblem) {
  struct Row {
    HealthCheckConfig config;
    std::string problem;
  };
  const std::vector<Row> rows = {
      {HealthCheckConfig{}, ""},
      {HealthCheckConfig{.interval = Duration::zero()}, "health check interval must be positive"},
      {HealthCheckConfig{.timeout = Duration::zero()}, "health check timeout must be positive"},
      {HealthCheckConfig{.interval = from_ms(1'000), .timeout = from_ms(1'000)},
       "health check timeout must be shorter than the interval"},
      {HealthCheckConfig{.unhealthy_threshold = 0}, "unhealthy threshold must be in [1, 100]"},
      {HealthCheckConfig{.healthy_threshold = 101}, "healthy threshold must be in [1, 100]"},
  };
  for (const Row& row : rows) EXPECT_EQ(row.config.validate(), row.problem);
  EXPECT_THROW(HealthChecker(rows[3].config), InvariantViolation);
}

// ============================== DNS ========================================================

const Endpoint kOldEndpoint{.region = RegionId(0), .node = NodeId(0)};
const Endpoint kNewEndpoint{.region = RegionId(1), .node = NodeId(5)};

// The fraction of the population whose answer at `now` is still the old endpoint.
double fraction_on_old(DnsResolver& resolver, const DnsZone& zone, TimePoint now) {
  std::uint32_t old_count = 0;
  for (std::uint32_t client = 0; client < resolver.clients(); ++client) {
    if (resolver.resolve(client, zone, now).target == kOldEndpoint) ++old_count;
  }
  return static_cast<double>(old_count) / resolver.clients();
}

TEST(DnsResolverSingleClient, OldAnswerLastsExactlyOneTtlAfterAChangeRightAfterTheFill) {
  for (const Duration ttl : {from_ms(30'000), from_ms(60'000)}) {
    SCOPED_TRACE(to_ms(ttl));
    const TimePoint t0 = at_s(100);
    DnsZone zone(kOldEndpoint, at_s(0));
    Rng rng(1);
    DnsResolver resolver(DnsResolverConfig{.client_region = RegionId(0),
                                           .clients = 1,
                                           .ttl = ttl,
                                           .cache_fill = CacheFill::kSynchronized},
                         zone, t0, rng);
    zone.set_target(kNewEndpoint, t0);  // the failover, just after the client filled its cache

    const DnsAnswer first = resolver.resolve(0, zone, t0);
    EXPECT_EQ(first.target, kOldEndpoint);
    EXPECT_FALSE(first.queried);
    const DnsAnswer last_stale = resolver.resolve(0, zone, t0 + ttl - Duration(1));
    EXPECT_EQ(last_stale.target, kOldEndpoint);
    EXPECT_FALSE(last_stale.queried);
    const DnsAnswer fresh = resolver.resolve(0, zone, t0 + ttl);
    EXPECT_EQ(fresh.target, kNewEndpoint);
    EXPECT_TRUE(fresh.queried);
    EXPECT_EQ(fresh.filled_at, t0 + ttl);
    EXPECT_EQ(fresh.expires_at, t0 + 2 * ttl);
  }
}

TEST(DnsResolverSingleClient, CachesAFreshAnswerForOneTtl) {
  const Duration ttl = from_ms(10'000);
  DnsZone zone(kOldEndpoint, at_s(0));
  Rng rng(1);
  DnsResolver resolver(DnsResolverConfig{.client_region = RegionId(0),
                                         .clients = 1,
                                         .ttl = ttl,
                                         .cache_fill = CacheFill::kSynchronized},
                       zone, at_s(0), rng);
  EXPECT_TRUE(resolver.resolve(0, zone, at_s(10)).queried);  // expired: asks the zone
  zone.set_target(kNewEndpoint, at_s(12));
  EXPECT_EQ(resolver.resolve(0, zone, at_s(19.999)).target, kOldEndpoint);
  EXPECT_EQ(resolver.cached(0).expires_at, at_s(20));
  EXPECT_EQ(resolver.resolve(0, zone, at_s(20)).target, kNewEndpoint);
  EXPECT_THROW(resolver.resolve(0, zone, at_s(19)), InvariantViolation);  // time went back
  EXPECT_THROW(resolver.resolve(1, zone, at_s(21)), InvariantViolation);  // no such client
}

TEST(DnsResolverPopulation, StaggeredCachesDrainTheOldAnswerLinearlyOverOneTtl) {
  const Duration ttl = from_ms(60'000);
  const TimePoint t0 = at_s(0);
  DnsZone zone(kOldEndpoint, t0);
  Rng rng(20240501);
  DnsResolver resolver(DnsResolverConfig{.client_region = RegionId(0),
                                         .clients = 10'000,
                                         .ttl = ttl,
                                         .cache_fill = CacheFill::kStaggered},
                       zone, t0, rng);
  zone.set_target(kNewEndpoint, t0);
  struct Row {
    double elapsed_ttls;
    double expected;
    double tolerance;  // binomial sd at 10,000 clients is at most 0.005
  };
  const std::vector<Row> rows = {
      {0.0, 1.0, 0.0},     // every cache was filled before the change
      {0.25, 0.75, 0.02},  //
      {0.5, 0.5, 0.02},    // the brief's check: half the population still on the old answer
      {0.75, 0.25, 0.02},  //
      {1.0, 0.0, 0.0},     // every cache has expired exactly one TTL after the change
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.elapsed_ttls);
    const TimePoint now = t0 + Duration(std::llround(ttl.count() * row.elapsed_ttls));
    EXPECT_NEAR(fraction_on_old(resolver, zone, now), row.expected, row.tolerance);
  }
}

TEST(DnsResolverPopulation, BusyClientsStillDrainLinearlyAfterALaterChange) {
  // Clients resolve every 250 ms and refresh at their first resolve after expiry, so refreshes
  // land on that grid; the phases stay spread, and a change in the middle of the run drains
  // just as linearly.
  const Duration ttl = from_ms(20'000);
  const Duration step = from_ms(250);
  DnsZone zone(kOldEndpoint, at_s(0));
  Rng rng(7);
  DnsResolver resolver(DnsResolverConfig{.client_region = RegionId(0),
                                         .clients = 10'000,
                                         .ttl = ttl,
                                         .cache_fill = CacheFill::kStaggered},
                       zone, at_s(0), rng);
  TimePoint now = at_s(0);
  for (; now <= at_s(45); now += step) fraction_on_old(resolver, zone, now);
  const TimePoint changed_at = at_s(45);  // just after the resolves at 45 s
  zone.set_target(kNewEndpoint, changed_at);
  std::map<TimePoint, double> old_fraction_at;
  for (; now <= changed_at + ttl; now += step) {
    old_fraction_at[now] = fraction_on_old(resolver, zone, now);
  }
  EXPECT_NEAR(old_fraction_at.at(changed_at + ttl / 4), 0.75, 0.02);
  EXPECT_NEAR(old_fraction_at.at(changed_at + ttl / 2), 0.5, 0.02);
  EXPECT_NEAR(old_fraction_at.at(changed_at + ttl * 3 / 4), 0.25, 0.02);
  EXPECT_GT(old_fraction_at.at(changed_at + ttl - step), 0.0);
  EXPECT_EQ(old_fraction_at.at(changed_at + ttl), 0.0);
}

TEST(DnsResolverPopulation, SynchronizedCachesSwitchAllAtOnce) {
  const Duration ttl = from_ms(60'000);
  DnsZone zone(kOldEndpoint, at_s(0));
  Rng rng(20240501);
  DnsResolver resolver(DnsResolverConfig{.client_region = RegionId(0),
                                         .clients = 1'000,
                                         .ttl = ttl,
                                         .cache_fill = CacheFill::kSynchronized},
                       zone, at_s(0), rng);
  zone.set_target(kNewEndpoint, at_s(0));
  EXPECT_EQ(fraction_on_old(resolver, zone, at_s(59.999)), 1.0);
  EXPECT_EQ(fraction_on_old(resolver, zone, at_s(60)), 0.0);
}

TEST(DnsResolverDeterminism, SameSeedFillsTheSameCachesAndAnotherSeedDoesNot) {
  const DnsZone zone(kOldEndpoint, at_s(0));
  const DnsResolverConfig config{.client_region = RegionId(0),
                                 .clients = 100,
                                 .ttl = from_ms(30'000),
                                 .cache_fill = CacheFill::kStaggered};
  auto expiries = [&](std::uint64_t seed) {
    Rng rng(seed);
    const DnsResolver resolver(config, zone, at_s(50), rng);
    std::vector<TimePoint> out;
    for (std::uint32_t client = 0; client < resolver.clients(); ++client) {
      const DnsAnswer& cache = resolver.cached(client);
      EXPECT_GT(cache.expires_at, at_s(50));  // filled in (now - ttl, now]
      EXPECT_LE(cache.expires_at, at_s(80));
      EXPECT_EQ(cache.expires_at - cache.filled_at, config.ttl);
      out.push_back(cache.expires_at);
    }
    return out;
  };
  EXPECT_EQ(expiries(3), expiries(3));
  EXPECT_NE(expiries(3), expiries(4));
}

TEST(DnsZoneRegions, RegionalAnswersOverrideTheDefaultUntilAFailoverRecord) {
  DnsZone zone(kOldEndpoint, at_s(0));
  const Endpoint local{.region = RegionId(2), .node = NodeId(9)};
  zone.set_target_for(RegionId(2), local, at_s(5));
  EXPECT_EQ(zone.record_for(RegionId(2)), (DnsRecord{.target = local, .changed_at = at_s(5)}));
  EXPECT_EQ(zone.record_for(RegionId(0)),
            (DnsRecord{.target = kOldEndpoint, .changed_at = at_s(0)}));
  // Setting the answer a region already has is not a change.
  zone.set_target_for(RegionId(0), kOldEndpoint, at_s(6));
  EXPECT_EQ(zone.record_for(RegionId(0)).changed_at, at_s(0));
  // A failover record applies everywhere and replaces the regional answers.
  zone.set_target(kNewEndpoint, at_s(7));
  EXPECT_EQ(zone.record_for(RegionId(2)),
            (DnsRecord{.target = kNewEndpoint, .changed_at = at_s(7)}));
  EXPECT_EQ(zone.record_for(RegionId(0)).target, kNewEndpoint);
}

TEST(DnsResolverRegions, ClientsGetTheAnswerForTheirOwnRegion) {
  DnsZone zone(kOldEndpoint, at_s(0));
  zone.set_target_for(RegionId(1), kNewEndpoint, at_s(0));
  Rng rng(1);
  DnsResolver east(DnsResolverConfig{.client_region = RegionId(0),
                                     .clients = 1,
                                     .ttl = from_ms(1'000),
                                     .cache_fill = CacheFill::kSynchronized},
                   zone, at_s(0), rng);
  DnsResolver west(DnsResolverConfig{.client_region = RegionId(1),
                                     .clients = 1,
                                     .ttl = from_ms(1'000),
                                     .cache_fill = CacheFill::kSynchronized},
                   zone, at_s(0), rng);
  EXPECT_EQ(east.resolve(0, zone, at_s(0)).target, kOldEndpoint);
  EXPECT_EQ(west.resolve(0, zone, at_s(0)).target, kNewEndpoint);
}

TEST(DnsResolverConfig, ValidateNamesTheProblem) {
  EXPECT_EQ(DnsResolverConfig{}.validate(), "");
  EXPECT_EQ(DnsResolverConfig{.clients = 0}.validate(), "dns clients must be in [1, 1000000]");
  EXPECT_EQ(DnsResolverConfig{.ttl = Duration::zero()}.validate(), "dns ttl must be positive");
}

// ============================== LoadBalancer ===============================================

// Two backends in region 0 (nodes 0, 1), two in region 1 (nodes 2, 3), one in region 2 (4).
std::vector<Endpoint> three_regions() {
  return {{RegionId(0), NodeId(0)},
          {RegionId(0), NodeId(1)},
          {RegionId(1), NodeId(2)},
          {RegionId(1), NodeId(3)},
          {RegionId(2), NodeId(4)}};
}

// How often each node is picked in `draws` picks at `now`; index: node id, last: no backend.
std::vector<std::uint32_t> pick_counts(const LoadBalancer& balancer, TimePoint now,
                                       std::uint32_t draws, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::uint32_t> counts(6, 0);
  for (std::uint32_t i = 0; i < draws; ++i) {
    const std::optional<Endpoint> picked = balancer.pick(now, rng);
    ++counts[picked ? picked->node.value : 5];
  }
  return counts;
}

TEST(LoadBalancerWeights, AShiftMovesEveryWeightLinearlyOverItsDuration) {
  LoadBalancer balancer(three_regions(), {{RegionId(0), 100.0}}, at_s(0));
  balancer.set_weights({{RegionId(0), 0.0}, {RegionId(1), 100.0}}, at_s(10), from_ms(40'000));
  struct Row {
    double seconds;
    double region0;
    double region1;
  };
  const std::vector<Row> rows = {
      {10, 100, 0}, {20, 75, 25}, {30, 50, 50}, {40, 25, 75}, {50, 0, 100}, {90, 0, 100},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.seconds);
    EXPECT_DOUBLE_EQ(balancer.weight_at(RegionId(0), at_s(row.seconds)), row.region0);
    EXPECT_DOUBLE_EQ(balancer.weight_at(RegionId(1), at_s(row.seconds)), row.region1);
    EXPECT_DOUBLE_EQ(balancer.weight_at(RegionId(2), at_s(row.seconds)), 0.0);
  }
  EXPECT_EQ(balancer.weights_at(at_s(30)),
            (RegionWeights{{RegionId(0), 50.0}, {RegionId(1), 50.0}}));
}

TEST(LoadBalancerWeights, AZeroDurationShiftJumps) {
  LoadBalancer balancer(three_regions(), {{RegionId(0), 1.0}}, at_s(0));
  balancer.set_weights({{RegionId(1), 1.0}}, at_s(5), Duration::zero());
  EXPECT_DOUBLE_EQ(balancer.weight_at(RegionId(0), at_s(5)), 0.0);
  EXPECT_DOUBLE_EQ(balancer.weight_at(RegionId(1), at_s(5)), 1.0);
}

TEST(LoadBalancerWeights, AnInterruptedShiftContinuesFromWhereTrafficIs) {
  LoadBalancer balancer(three_regions(), {{RegionId(0), 100.0}}, at_s(0));
  balancer.set_weights({{RegionId(1), 100.0}}, at_s(0), from_ms(100'000));
  // Rollback half-way: back to region 0 over 10 s, starting from 50/50, not from 0/100.
  balancer.set_weights({{RegionId(0), 100.0}}, at_s(50), from_ms(10'000));
  EXPECT_DOUBLE_EQ(balancer.weight_at(RegionId(0), at_s(50)), 50.0);
  EXPECT_DOUBLE_EQ(balancer.weight_at(RegionId(1), at_s(50)), 50.0);
  EXPECT_DOUBLE_EQ(balancer.weight_at(RegionId(0), at_s(55)), 75.0);
  EXPECT_DOUBLE_EQ(balancer.weight_at(RegionId(1), at_s(60)), 0.0);
  EXPECT_THROW(balancer.set_weights({{RegionId(0), -1.0}}, at_s(70), Duration::zero()),
               InvariantViolation);
  EXPECT_THROW(balancer.set_weights({{RegionId(0), 1.0}}, at_s(40), Duration::zero()),
               InvariantViolation);  // back in time
}

TEST(LoadBalancerPick, ChoosesRegionsInProportionToTheirCurrentWeight) {
  LoadBalancer balancer(three_regions(), {{RegionId(0), 3.0}, {RegionId(1), 1.0}}, at_s(0));
  const std::vector<std::uint32_t> counts = pick_counts(balancer, at_s(0), 100'000, 11);
  EXPECT_NEAR((counts[0] + counts[1]) / 100'000.0, 0.75, 0.01);  // sd ~ 0.0014
  EXPECT_NEAR((counts[2] + counts[3]) / 100'000.0, 0.25, 0.01);
  EXPECT_EQ(counts[4], 0u);  // region 2 has weight 0
  // Within a region, healthy nodes share equally.
  EXPECT_NEAR(static_cast<double>(counts[0]) / (counts[0] + counts[1]), 0.5, 0.01);

  // Mid-way through a shift to region 2, the picks follow the interpolated weights.
  balancer.set_weights({{RegionId(2), 4.0}}, at_s(10), from_ms(10'000));
  const std::vector<std::uint32_t> mid = pick_counts(balancer, at_s(15), 100'000, 12);
  EXPECT_NEAR(mid[4] / 100'000.0, 0.5, 0.01);  // weights 1.5 : 0.5 : 2
}

TEST(LoadBalancerPick, NeverPicksAnUnhealthyBackend) {
  LoadBalancer balancer(three_regions(),
                        {{RegionId(0), 1.0}, {RegionId(1), 1.0}, {RegionId(2), 1.0}}, at_s(0));
  balancer.set_healthy(NodeId(0), false);
  balancer.set_healthy(NodeId(4), false);  // region 2 has no healthy backend left
  const std::vector<std::uint32_t> counts = pick_counts(balancer, at_s(0), 30'000, 5);
  EXPECT_EQ(counts[0], 0u);
  EXPECT_EQ(counts[4], 0u);
  // Region 2's share goes to the others: region 0's single healthy node gets half.
  EXPECT_NEAR(counts[1] / 30'000.0, 0.5, 0.02);
  EXPECT_GT(counts[2], 0u);
  EXPECT_GT(counts[3], 0u);
  // Back up: picked again.
  balancer.set_healthy(NodeId(0), true);
  EXPECT_GT(pick_counts(balancer, at_s(0), 1'000, 5)[0], 0u);
}

TEST(LoadBalancerPick, FallsBackToZeroWeightRegionsOnlyWhenWeightedOnesHaveNoHealthyBackend) {
  LoadBalancer balancer(three_regions(), {{RegionId(0), 1.0}}, at_s(0));
  EXPECT_EQ(pick_counts(balancer, at_s(0), 1'000, 1)[2], 0u);
  balancer.set_healthy(NodeId(0), false);
  balancer.set_healthy(NodeId(1), false);
  // Route 53's rule: the zero-weight regions (1 and 2) now share equally.
  const std::vector<std::uint32_t> counts = pick_counts(balancer, at_s(0), 20'000, 1);
  EXPECT_EQ(counts[0] + counts[1], 0u);
  EXPECT_NEAR((counts[2] + counts[3]) / 20'000.0, 0.5, 0.02);
  EXPECT_NEAR(counts[4] / 20'000.0, 0.5, 0.02);
}

TEST(LoadBalancerPick, ReturnsNothingWhenNoBackendIsHealthy) {
  LoadBalancer balancer({{RegionId(0), NodeId(0)}, {RegionId(1), NodeId(1)}},
                        {{RegionId(0), 1.0}, {RegionId(1), 1.0}}, at_s(0));
  balancer.set_healthy(NodeId(0), false);
  balancer.set_healthy(NodeId(1), false);
  Rng rng(1);
  EXPECT_EQ(balancer.pick(at_s(0), rng), std::nullopt);
  balancer.remove_backend(NodeId(1));
  balancer.add_backend({RegionId(1), NodeId(7)});  // a new replica, healthy on arrival
  EXPECT_EQ(balancer.pick(at_s(0), rng), (Endpoint{RegionId(1), NodeId(7)}));
}

TEST(LoadBalancerPick, TheSameSeedPicksTheSameSequence) {
  LoadBalancer balancer(three_regions(),
                        {{RegionId(0), 2.0}, {RegionId(1), 1.0}, {RegionId(2), 1.0}}, at_s(0));
  auto sequence = [&](std::uint64_t seed) {
    Rng rng(seed);
    std::vector<Endpoint> picks;
    for (int i = 0; i < 200; ++i) picks.push_back(*balancer.pick(at_s(0), rng));
    return picks;
  };
  EXPECT_EQ(sequence(42), sequence(42));
  EXPECT_NE(sequence(42), sequence(43));
}

TEST(LoadBalancerReadOnly, RejectsWritesButAdmitsReads) {
  struct Row {
    const char* name;
    std::optional<RegionId> flag;  // the one flag turned on; nullopt = global
    RegionId region;               // where the request enters
    OpKind kind;
    Admission expected;
  };
  const std::optional<RegionId> kGlobal = std::nullopt;
  const std::vector<Row> rows = {
      {"global flag, write", kGlobal, RegionId(1), OpKind::kWrite, Admission::kRejectedReadOnly},
      {"global flag, read", kGlobal, RegionId(1), OpKind::kRead, Admission::kAdmitted},
      {"own region's flag, write", RegionId(1), RegionId(1), OpKind::kWrite,
       Admission::kRejectedReadOnly},
      {"own region's flag, read", RegionId(1), RegionId(1), OpKind::kRead, Admission::kAdmitted},
      {"other region's flag, write", RegionId(0), RegionId(1), OpKind::kWrite,
       Admission::kAdmitted},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    LoadBalancer balancer(three_regions(), {{RegionId(0), 1.0}}, at_s(0));
    EXPECT_EQ(balancer.admit(row.kind, row.region, at_s(1)), Admission::kAdmitted);
    balancer.set_read_only(row.flag, true, at_s(2));
    EXPECT_EQ(balancer.admit(row.kind, row.region, at_s(2)), row.expected);
    balancer.set_read_only(row.flag, false, at_s(3));
    EXPECT_EQ(balancer.admit(row.kind, row.region, at_s(3)), Admission::kAdmitted);
  }
}

TEST(LoadBalancerReadOnly, AskingBeforeTheLatestFlagChangeIsABug) {
  LoadBalancer balancer(three_regions(), {{RegionId(0), 1.0}}, at_s(0));
  balancer.set_read_only(std::nullopt, true, at_s(5));
  EXPECT_THROW(balancer.admit(OpKind::kWrite, RegionId(0), at_s(4)), InvariantViolation);
  EXPECT_THROW(balancer.set_read_only(RegionId(0), false, at_s(4)), InvariantViolation);
}

// ============================== RetryPolicy ================================================

RetryConfig retry_config(Jitter jitter, std::uint32_t max_attempts = 8) {
  return RetryConfig{.max_attempts = max_attempts,
                     .initial_backoff = from_ms(100),
                     .max_backoff = from_ms(1'000),
                     .multiplier = 2.0,
                     .jitter = jitter};
}

TEST(RoutingRetryBackoff, CapsGrowGeometricallyUpToMaxBackoff) {
  const RetryPolicy policy(retry_config(Jitter::kNone));
  struct Row {
    std::uint32_t attempts_made;
    double cap_ms;
  };
  const std::vector<Row> rows = {{1, 100}, {2, 200}, {3, 400}, {4, 800}, {5, 1'000}, {8, 1'000}};
  Rng rng(1);
  for (const Row& row : rows) {
    SCOPED_TRACE(row.attempts_made);
    EXPECT_EQ(policy.backoff_cap(row.attempts_made), from_ms(row.cap_ms));
    // Without jitter the delay is the cap itself; after the last attempt there is none.
    const std::optional<Duration> expected =
        row.attempts_made < 8 ? std::optional<Duration>(from_ms(row.cap_ms)) : std::nullopt;
    EXPECT_EQ(policy.next_delay(row.attempts_made, rng), expected);
  }
}

TEST(RoutingRetryBackoff, JitteredDelaysStayWithinTheirBoundsAndNeverExceedMaxBackoff) {
  struct Row {
    Jitter jitter;
    double low_fraction;   // of the cap: every delay is at least this
    double mean_fraction;  // of the cap: the delays' mean
  };
  const std::vector<Row> rows = {{Jitter::kFull, 0.0, 0.5}, {Jitter::kEqual, 0.5, 0.75}};
  for (const Row& row : rows) {
    SCOPED_TRACE(static_cast<int>(row.jitter));
    const RetryPolicy policy(retry_config(row.jitter));
    Rng rng(99);
    for (std::uint32_t attempts_made = 1; attempts_made < 8; ++attempts_made) {
      const Duration cap = policy.backoff_cap(attempts_made);
      Duration lowest = cap;
      double sum_us = 0;
      constexpr int kDraws = 10'000;
      for (int i = 0; i < kDraws; ++i) {
        const Duration delay = *policy.next_delay(attempts_made, rng);
        ASSERT_LE(delay, cap);
        ASSERT_LE(delay, from_ms(1'000));
        ASSERT_GE(delay.count(), std::llround(cap.count() * row.low_fraction));
        lowest = std::min(lowest, delay);
        sum_us += static_cast<double>(delay.count());
      }
      EXPECT_NEAR(sum_us / kDraws / cap.count(), row.mean_fraction, 0.01);
      // The draws cover the range's low end (within 1% of it), so the modes really differ.
      EXPECT_LE(lowest.count(), std::llround(cap.count() * (row.low_fraction + 0.01)));
    }
  }
}

TEST(RoutingRetryBackoff, FullJitterIsTheDefault) {
  EXPECT_EQ(RetryConfig{}.jitter, Jitter::kFull);
}

TEST(RoutingRetryAttempts, AnOperationMakesAtMostMaxAttempts) {
  for (const std::uint32_t max_attempts : {1u, 2u, 5u}) {
    SCOPED_TRACE(max_attempts);
    const RetryPolicy policy(retry_config(Jitter::kFull, max_attempts));
    Rng rng(3);
    // Every attempt fails: count attempts until the policy gives up.
    std::uint32_t attempts_made = 1;
    while (policy.next_delay(attempts_made, rng).has_value()) ++attempts_made;
    EXPECT_EQ(attempts_made, max_attempts);
    EXPECT_EQ(policy.next_delay(max_attempts + 1, rng), std::nullopt);
  }
}

TEST(RoutingRetryDeadline, NoAttemptStartsAtOrAfterTheOperationDeadline) {
  RetryConfig config = retry_config(Jitter::kNone, 10);
  config.operation_deadline = from_ms(1'000);
  const RetryPolicy policy(config);
  Rng rng(1);
  const TimePoint started = at_ms(5'000);
  EXPECT_TRUE(policy.within_deadline(started, at_ms(5'999)));
  EXPECT_FALSE(policy.within_deadline(started, at_ms(6'000)));
  // Attempt 1 fails at 5300: retry at 5400 (100 ms). Attempt 2 fails at 5600: 5600 + 200 is in.
  EXPECT_EQ(policy.next_attempt_at(1, started, at_ms(5'300), rng), at_ms(5'400));
  EXPECT_EQ(policy.next_attempt_at(2, started, at_ms(5'600), rng), at_ms(5'800));
  // Attempt 3 fails at 5700: 5700 + 400 would be past the deadline, so the client gives up.
  EXPECT_EQ(policy.next_attempt_at(3, started, at_ms(5'700), rng), std::nullopt);
  // Without a deadline only the attempt count bounds the operation.
  const RetryPolicy unbounded(retry_config(Jitter::kNone, 10));
  EXPECT_EQ(unbounded.next_attempt_at(3, started, at_ms(60'000), rng), at_ms(60'400));
  EXPECT_EQ(unbounded.next_attempt_at(10, started, at_ms(60'000), rng), std::nullopt);
}

TEST(RoutingRetryDeterminism, TheSameSeedGivesTheSameDelays) {
  const RetryPolicy policy(retry_config(Jitter::kFull));
  auto delays = [&](std::uint64_t seed) {
    Rng rng(seed);
    std::vector<Duration> out;
    for (std::uint32_t attempts_made = 1; attempts_made < 8; ++attempts_made) {
      out.push_back(*policy.next_delay(attempts_made, rng));
    }
    return out;
  };
  EXPECT_EQ(delays(8), delays(8));
  EXPECT_NE(delays(8), delays(9));
}

TEST(RoutingRetryConfig, ValidateNamesTheProblem) {
  struct Row {
    RetryConfig config;
    std::string problem;
  };
  const std::vector<Row> rows = {
      {RetryConfig{}, ""},
      {RetryConfig{.max_attempts = 0}, "max attempts must be in [1, 100]"},
      {RetryConfig{.max_attempts = 101}, "max attempts must be in [1, 100]"},
      {RetryConfig{.initial_backoff = Duration::zero()}, "initial backoff must be positive"},
      {RetryConfig{.initial_backoff = from_ms(200), .max_backoff = from_ms(100)},
       "max backoff must be at least the initial backoff"},
      {RetryConfig{.multiplier = 0.5}, "backoff multiplier must be >= 1"},
      {RetryConfig{.operation_deadline = from_ms(-1)}, "operation deadline cannot be negative"},
  };
  for (const Row& row : rows) EXPECT_EQ(row.config.validate(), row.problem);
  EXPECT_THROW(RetryPolicy(rows[1].config), InvariantViolation);
}

}  // namespace
}  // namespace cutover::models::routing
