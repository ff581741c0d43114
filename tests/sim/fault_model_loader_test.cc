// The "explore" section of a scenario (sim/scenario/fault_model_loader.h): defaults, and one
// exact message per mistake.
#include "sim/scenario/fault_model_loader.h"

#include <algorithm>
#include <fstream>
#include <string>
#include <variant>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/faults/explorable_faults.h"
#include "sim/scenario/scenario_loader.h"

namespace cutover::sim {
namespace {

using nlohmann::json;

// Two regions, three replicas, a 10 s run.
json scenario_with(const json& explore) {
  json doc = json::parse(R"({
    "name": "model",
    "description": "A fault model under test.",
    "duration_s": 10,
    "topology": {
      "regions": [{"name": "a", "nodes": 2}, {"name": "b"}],
      "links": [{"regions": ["a", "b"], "rtt_ms": 20}]
    },
    "protocol": {"type": "primary_backup", "ack": "sync", "primary_region": "a"},
    "workload": [{"region": "a", "rate_per_s": 10}]
  })");
  doc["explore"] = explore;
  return doc;
}

FaultModel load_model(const json& doc) {
  LoadResult loaded = load_scenario_text(doc.dump(), "model.json");
  if (auto* error = std::get_if<LoadError>(&loaded)) {
    ADD_FAILURE() << error->message();
    return {};
  }
  const Scenario scenario = std::get<Scenario>(std::move(loaded));
  EXPECT_TRUE(scenario.explore.has_value());
  return scenario.explore.value_or(FaultModel{});
}

// The whole one-line message the CLI would print after "cutover: ".
std::string error_of(const json& doc) {
  const LoadResult loaded = load_scenario_text(doc.dump(), "model.json");
  const auto* error = std::get_if<LoadError>(&loaded);
  return error == nullptr ? "(loaded)" : error->message();
}

TEST(FaultModelLoader, AScenarioWithoutExploreHasNoFaultModel) {
  json doc = scenario_with({});
  doc.erase("explore");
  const LoadResult loaded = load_scenario_text(doc.dump(), "model.json");
  ASSERT_TRUE(std::holds_alternative<Scenario>(loaded));
  EXPECT_FALSE(std::get<Scenario>(loaded).explore.has_value());
}

TEST(FaultModelLoader, EmptyBoundsTakeTheTableDefaultsAndEveryTarget) {
  const FaultModel model = load_model(
      scenario_with(json::parse(R"({"fault_types": {"slow_disk": {}, "partition": {}}})")));
  ASSERT_EQ(model.fault_types.size(), 2u);
  // Table order, whatever the file's: partition comes before slow_disk.
  EXPECT_EQ(model.fault_types[0].type, "partition");
  EXPECT_EQ(model.fault_types[0].targets, (std::vector<std::string>{"a", "b"}));
  const ExploredFaultType& disk = model.fault_types[1];
  EXPECT_EQ(disk.type, "slow_disk");
  EXPECT_EQ(disk.targets, (std::vector<std::string>{"leader", "a-0", "a-1", "b-0"}));
  const FaultTypeSpec& spec = *find_explorable_type("slow_disk");
  EXPECT_EQ(disk.duration_s.min, spec.default_duration_s.min);
  EXPECT_EQ(disk.duration_s.max, spec.default_duration_s.max);
  EXPECT_EQ(disk.intensities.at("fsync_factor").min, spec.intensities[0].defaults.min);
  EXPECT_EQ(disk.intensities.at("fsync_factor").max, spec.intensities[0].defaults.max);
  EXPECT_EQ(model.faults_min, 1u);
  EXPECT_EQ(model.faults_max, 3u);
  EXPECT_EQ(model.checks.size(), 6u);  // every check: all reads go to the primary
}

TEST(FaultModelLoader, ExplicitBoundsAndChecksAreKept) {
  const FaultModel model = load_model(scenario_with(json::parse(R"({
      "fault_types": {"link_latency": {"duration_s": [0.5, 1], "extra_rtt_ms": [10, 20],
                                       "targets": ["b"]}},
      "faults_min": 0, "faults_max": 7, "start_after_s": 1, "quiet_period_s": 2,
      "healed_lag_ms_max": 250, "checks": ["healing", "data_loss"]})")));
  ASSERT_EQ(model.fault_types.size(), 1u);
  EXPECT_EQ(model.fault_types[0].duration_s.max, 1);
  EXPECT_EQ(model.fault_types[0].intensities.at("extra_rtt_ms").min, 10);
  EXPECT_EQ(model.fault_types[0].targets, std::vector<std::string>{"b"});
  EXPECT_EQ(model.faults_min, 0u);
  EXPECT_EQ(model.faults_max, 7u);
  EXPECT_EQ(model.start_after_s, 1);
  EXPECT_EQ(model.quiet_period_s, 2);
  EXPECT_EQ(model.healed_lag_ms_max, 250);
  // Check order is fixed, whatever the file's.
  EXPECT_EQ(model.checks,
            (std::vector<SafetyCheck>{SafetyCheck::kDataLoss, SafetyCheck::kHealing}));
}

TEST(FaultModelLoader, LocalReadsLeaveLinearizabilityOutOfTheDefaultChecks) {
  json doc = scenario_with(json::parse(R"({"fault_types": {"node_crash": {}}})"));
  doc["workload"][0]["read_from"] = "local";
  const FaultModel model = load_model(doc);
  EXPECT_EQ(model.checks.size(), 5u);
  EXPECT_EQ(std::count(model.checks.begin(), model.checks.end(), SafetyCheck::kLinearizability), 0);
  doc["explore"]["checks"] = {"linearizability"};
  EXPECT_EQ(error_of(doc),
            "model.json: /explore/checks/0: linearizability fails by design when a workload reads "
            "from \"local\" (stale reads); remove it or read from the primary");
}

TEST(FaultModelLoader, EveryMistakeIsReportedAtItsPointer) {
  auto with = [](const char* explore) { return error_of(scenario_with(json::parse(explore))); };
  EXPECT_EQ(with(R"({"fault_types": {}})"),
            "model.json: /explore/fault_types: no fault type to explore; list at least one of: "
            "node_crash, region_outage, partition, link_latency, slow_disk, process_pause");
  EXPECT_EQ(with(R"({"fault_types": {"meteor": {}}})"),
            "model.json: /explore/fault_types/meteor: unknown fault type \"meteor\"; explorable "
            "types: node_crash, region_outage, partition, link_latency, slow_disk, process_pause");
  EXPECT_EQ(with(R"({"fault_types": {"node_crash": {"fsync_factor": [2, 3]}}})"),
            "model.json: /explore/fault_types/node_crash/fsync_factor: unknown field "
            "\"fsync_factor\" for node_crash; allowed here: duration_s, targets");
  EXPECT_EQ(with(R"({"fault_types": {"node_crash": {"duration_s": [3, 2]}}})"),
            "model.json: /explore/fault_types/node_crash/duration_s: min 3 is above max 2");
  EXPECT_EQ(with(R"({"fault_types": {"node_crash": {"duration_s": 2}}})"),
            "model.json: /explore/fault_types/node_crash/duration_s: expected [min, max], two "
            "numbers, got 2");
  EXPECT_EQ(with(R"({"fault_types": {"slow_disk": {"fsync_factor": [1, 3]}}})"),
            "model.json: /explore/fault_types/slow_disk/fsync_factor/0: must be > 1, got 1");
  EXPECT_EQ(with(R"({"fault_types": {"process_pause": {"targets": ["a-2"]}}})"),
            "model.json: /explore/fault_types/process_pause/targets/0: unknown target \"a-2\" for "
            "process_pause; allowed: leader, a-0, a-1, b-0");
  EXPECT_EQ(with(R"({"fault_types": {"region_outage": {"targets": ["b", "b"]}}})"),
            "model.json: /explore/fault_types/region_outage/targets/1: target \"b\" is listed "
            "twice");
  EXPECT_EQ(with(R"({"fault_types": {"node_crash": {}}, "faults_min": 4, "faults_max": 2})"),
            "model.json: /explore/faults_min: faults_min (4) is above faults_max (2)");
  EXPECT_EQ(with(R"({"fault_types": {"node_crash": {}}, "start_after_s": 5,
                     "quiet_period_s": 5})"),
            "model.json: /explore/quiet_period_s: no time left for faults: start_after_s (5) + "
            "quiet_period_s (5) >= duration_s (10)");
  EXPECT_EQ(with(R"({"fault_types": {"node_crash": {"duration_s": [4, 5]}},
                     "start_after_s": 2, "quiet_period_s": 5})"),
            "model.json: /explore/fault_types/node_crash/duration_s: the shortest node_crash (4 s) "
            "does not fit between start_after_s (2 s) and the quiet period (from 5 s)");
  EXPECT_EQ(with(R"({"fault_types": {"node_crash": {}}, "faults_max": 0})"),
            "model.json: /explore/faults_max: must be >= 1, got 0");
  EXPECT_EQ(with(R"({"fault_types": {"node_crash": {}}, "checks": ["speed"]})"),
            "model.json: /explore/checks/0: must be one of \"invariant\", \"data_loss\", "
            "\"split_brain\", \"duplicate_writes\", \"linearizability\", \"healing\"; got "
            "string \"speed\"");
}

TEST(FaultModelLoader, TypesActingBetweenRegionsNeedTwoRegions) {
  json doc = scenario_with(json::parse(R"({"fault_types": {"partition": {}}})"));
  doc["topology"] = json::parse(R"({"regions": [{"name": "a", "nodes": 3}]})");
  EXPECT_EQ(error_of(doc),
            "model.json: /explore/fault_types/partition: partition acts between regions, and the "
            "topology has one region");
}

// The schema's "default" keywords (what editors show) agree with FaultModel's.
TEST(FaultModelLoader, SchemaDefaultsMatchTheLoadersDefaults) {
  std::ifstream in(std::string(CUTOVER_SOURCE_DIR) + "/scenarios/schema/scenario.schema.json");
  ASSERT_TRUE(in);
  const json schema = json::parse(in);
  const json& fields = schema.at(json::json_pointer("/properties/explore/properties"));
  const FaultModel defaults;
  EXPECT_EQ(fields.at("faults_min").at("default"), defaults.faults_min);
  EXPECT_EQ(fields.at("faults_max").at("default"), defaults.faults_max);
  EXPECT_EQ(fields.at("start_after_s").at("default"), defaults.start_after_s);
  EXPECT_EQ(fields.at("quiet_period_s").at("default"), defaults.quiet_period_s);
  EXPECT_EQ(fields.at("healed_lag_ms_max").at("default"), defaults.healed_lag_ms_max);
  // Every check name and every explorable type is spelled out for the user.
  json check_names = json::array();
  for (const auto& [check, name] : kSafetyCheckNames) check_names.push_back(name);
  EXPECT_EQ(fields.at("checks").at("items").at("enum"), check_names);
  const std::string types_text = fields.at("fault_types").at("description");
  for (const FaultTypeSpec& spec : explorable_fault_types()) {
    EXPECT_NE(types_text.find(std::string(spec.type)), std::string::npos) << spec.type;
  }
}

}  // namespace
}  // namespace cutover::sim
