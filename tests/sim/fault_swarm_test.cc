// The swarm generator of `cutover explore` (sim/faults/fault_swarm.h): the same seed gives the
// same schedule, every fault stays inside the fault model's bounds, each seed enables a
// subset of the types, and every schedule is a valid scenario.
#include "sim/faults/fault_swarm.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <variant>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/scenario/scenario_loader.h"

namespace cutover::sim {
namespace {

using nlohmann::json;

// Three regions (a has two replicas), a 20 s run; faults between 2 s and 20 - 5 = 15 s.
json explored_scenario() {
  return json::parse(R"({
    "name": "swarm",
    "description": "Fault model over every explorable type.",
    "duration_s": 20,
    "topology": {
      "regions": [{"name": "a", "nodes": 2}, {"name": "b"}, {"name": "c"}],
      "links": [{"regions": ["a", "b"], "rtt_ms": 20}, {"regions": ["a", "c"], "rtt_ms": 40},
                {"regions": ["b", "c"], "rtt_ms": 30}]
    },
    "protocol": {"type": "raft"},
    "workload": [{"region": "a", "rate_per_s": 10}],
    "explore": {
      "fault_types": {
        "node_crash": {"duration_s": [0.5, 2], "targets": ["leader", "b-0"]},
        "region_outage": {"duration_s": [1, 3], "targets": ["c"]},
        "partition": {"duration_s": [1, 4]},
        "link_latency": {"duration_s": [1, 2], "extra_rtt_ms": [100, 200], "targets": ["b"]},
        "slow_disk": {"fsync_factor": [3, 4]},
        "process_pause": {"duration_s": [0.25, 0.5]}
      },
      "faults_min": 2,
      "faults_max": 6,
      "start_after_s": 2,
      "quiet_period_s": 5
    }
  })");
}

Scenario load(const json& doc) {
  LoadResult loaded = load_scenario_text(doc.dump(), "swarm.json");
  if (auto* error = std::get_if<LoadError>(&loaded)) {
    ADD_FAILURE() << error->message();
    return {};
  }
  return std::get<Scenario>(std::move(loaded));
}

const ExploredFaultType& type_named(const FaultModel& model, const std::string& name) {
  const auto it = std::find_if(model.fault_types.begin(), model.fault_types.end(),
                               [&name](const ExploredFaultType& t) { return t.type == name; });
  EXPECT_NE(it, model.fault_types.end()) << name;
  return *it;
}

bool within(double value, Interval bounds) { return value >= bounds.min && value <= bounds.max; }

TEST(FaultSwarm, TheSameSeedGivesTheSameScheduleAndSeedsDiffer) {
  const Scenario scenario = load(explored_scenario());
  std::set<std::string> distinct;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const FaultSchedule first = generate_fault_schedule(scenario, seed);
    const FaultSchedule again = generate_fault_schedule(scenario, seed);
    EXPECT_EQ(first.faults.dump(), again.faults.dump()) << "seed " << seed;
    EXPECT_EQ(first.enabled_types, again.enabled_types) << "seed " << seed;
    distinct.insert(first.faults.dump());
  }
  EXPECT_EQ(distinct.size(), 20u);
}

// Every bound of the model, checked fault by fault over 500 seeds.
TEST(FaultSwarm, EveryFaultStaysWithinTheModelsBounds) {
  const Scenario scenario = load(explored_scenario());
  const FaultModel& model = *scenario.explore;
  for (std::uint64_t seed = 1; seed <= 500; ++seed) {
    const FaultSchedule schedule = generate_fault_schedule(scenario, seed);
    SCOPED_TRACE("seed " + std::to_string(seed) + ": " + schedule.faults.dump());
    EXPECT_GE(schedule.faults.size(), 2u);
    EXPECT_LE(schedule.faults.size(), 6u);
    double previous_start = 0;
    for (const auto& fault : schedule.faults) {
      const std::string type = fault["type"];
      EXPECT_NE(std::find(schedule.enabled_types.begin(), schedule.enabled_types.end(), type),
                schedule.enabled_types.end());
      const ExploredFaultType& bounds = type_named(model, type);
      const double at = fault["at_s"], until = fault["until_s"];
      EXPECT_GE(at, 2.0);
      EXPECT_LE(until, 15.0);
      EXPECT_GE(at, previous_start);  // listed in start order
      previous_start = at;
      EXPECT_TRUE(within(until - at, {bounds.duration_s.min - 1e-9, bounds.duration_s.max + 1e-9}));
      for (const auto& [field, range] : bounds.intensities) {
        EXPECT_TRUE(within(fault[field].get<double>(), range)) << field;
      }
      if (fault.contains("node")) {
        EXPECT_NE(std::find(bounds.targets.begin(), bounds.targets.end(), fault["node"]),
                  bounds.targets.end());
      }
      if (type == "region_outage") {
        EXPECT_EQ(fault["region"], "c");
      }
      if (type == "link_latency") {
        EXPECT_EQ(fault["regions"][0], "b");
        EXPECT_NE(fault["regions"][1], "b");
      }
      if (type == "partition") {
        ASSERT_EQ(fault["groups"].size(), 2u);
        EXPECT_FALSE(fault["groups"][0].empty());
        EXPECT_FALSE(fault["groups"][1].empty());
        EXPECT_EQ(fault["groups"][0].size() + fault["groups"][1].size(), 3u);
      }
    }
  }
}

// Swarm testing: over 200 seeds every type is enabled by some seed and left out by another,
// and some seeds enable a single type. (Each type is on with probability 1/2, so each of these
// fails to happen with probability below 2^-100; the seeds are fixed, so the test is too.)
TEST(FaultSwarm, EachSeedEnablesARandomSubsetOfTheTypes) {
  const Scenario scenario = load(explored_scenario());
  std::map<std::string, int> enabled_count;
  int single_type_seeds = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const FaultSchedule schedule = generate_fault_schedule(scenario, seed);
    ASSERT_FALSE(schedule.enabled_types.empty());
    if (schedule.enabled_types.size() == 1) ++single_type_seeds;
    for (const std::string& type : schedule.enabled_types) ++enabled_count[type];
  }
  ASSERT_EQ(enabled_count.size(), 6u);
  for (const auto& [type, count] : enabled_count) {
    EXPECT_GT(count, 0) << type;
    EXPECT_LT(count, 200) << type;
  }
  EXPECT_GT(single_type_seeds, 0);
}

// A model worked by hand: one type, a fixed 3 s duration, faults only in [1, 5] s (10 s run,
// quiet 5 s): every crash starts in [1, 2] s and ends exactly 3 s later; one fault per seed.
TEST(FaultSwarm, AFixedDurationFitsTheWindowExactly) {
  json doc = explored_scenario();
  doc["duration_s"] = 10;
  doc["explore"] = json::parse(R"({"fault_types": {"node_crash": {"duration_s": [3, 3],
      "targets": ["a-1"]}}, "faults_min": 1, "faults_max": 1, "start_after_s": 1,
      "quiet_period_s": 5})");
  const Scenario scenario = load(doc);
  double earliest = 10, latest = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const FaultSchedule schedule = generate_fault_schedule(scenario, seed);
    ASSERT_EQ(schedule.faults.size(), 1u);
    const auto& fault = schedule.faults[0];
    EXPECT_EQ(fault["node"], "a-1");
    EXPECT_NEAR(fault["until_s"].get<double>() - fault["at_s"].get<double>(), 3.0, 1e-9);
    earliest = std::min(earliest, fault["at_s"].get<double>());
    latest = std::max(latest, fault["at_s"].get<double>());
  }
  EXPECT_GE(earliest, 1.0);
  EXPECT_LE(latest, 2.0);
  EXPECT_LT(earliest, 1.1);  // 300 draws over 1001 start times cover the window's ends
  EXPECT_GT(latest, 1.9);
}

// Whatever it draws is a scenario the loader accepts.
TEST(FaultSwarm, EverySchedulePassesTheScenarioLoader) {
  const json doc = explored_scenario();
  const Scenario scenario = load(doc);
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    json with_faults = doc;
    with_faults["faults"] = json::parse(generate_fault_schedule(scenario, seed).faults.dump());
    const LoadResult loaded = load_scenario_text(with_faults.dump(), "seed.json");
    const auto* error = std::get_if<LoadError>(&loaded);
    EXPECT_EQ(error, nullptr) << "seed " << seed << ": " << (error ? error->message() : "");
  }
}

}  // namespace
}  // namespace cutover::sim
