// `--set /json/pointer=value`, in-process: how the text is read, and every way applying it can
// fail, each at the override's pointer with exit-code-2 wording. A value that applies but
// breaks the schema gets the schema's own message, as if it had been written in the file.
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/scenario/scenario_loader.h"

namespace cutover::sim {
namespace {

using nlohmann::json;

const char kScenario[] = R"({
  "name": "override-test",
  "description": "One region, one workload.",
  "duration_s": 10,
  "topology": {"regions": [{"name": "a", "nodes": 3}]},
  "protocol": {"type": "primary_backup", "ack": "async", "primary_region": "a"},
  "workload": [{"region": "a", "rate_per_s": 100}]
})";

ScenarioOverride parsed(const std::string& text) {
  auto result = parse_override(text);
  EXPECT_TRUE(std::holds_alternative<ScenarioOverride>(result)) << text;
  return std::holds_alternative<ScenarioOverride>(result) ? std::get<ScenarioOverride>(result)
                                                          : ScenarioOverride{};
}

std::string parse_problem(const std::string& text) {
  auto result = parse_override(text);
  EXPECT_TRUE(std::holds_alternative<std::string>(result)) << text;
  return std::holds_alternative<std::string>(result) ? std::get<std::string>(result) : "";
}

LoadResult load_with(const std::vector<std::string>& sets) {
  std::vector<ScenarioOverride> overrides;
  for (const std::string& text : sets) overrides.push_back(parsed(text));
  return load_scenario_text(kScenario, "s.json", overrides);
}

std::string error_of(const std::vector<std::string>& sets) {
  const LoadResult result = load_with(sets);
  EXPECT_TRUE(std::holds_alternative<LoadError>(result));
  return std::holds_alternative<LoadError>(result) ? std::get<LoadError>(result).message() : "";
}

TEST(ParseOverride, ValuesAreJsonWhenTheyParseAndTextOtherwise) {
  EXPECT_EQ(parsed("/workload/0/rate_per_s=250").value, json(250));
  EXPECT_EQ(parsed("/node/fsync_ms=0.5").value, json(0.5));
  EXPECT_EQ(parsed("/protocol/ack=sync").value, json("sync"));
  EXPECT_EQ(parsed("/name=\"42\"").value, json("42"));
  EXPECT_EQ(parsed("/name=a=b").value, json("a=b"));  // split at the first '='
  EXPECT_EQ(parsed("/workload/0/rate_per_s=250").pointer, "/workload/0/rate_per_s");
  EXPECT_EQ(parsed("/protocol/ack=sync").text(), "/protocol/ack=\"sync\"");
}

TEST(ParseOverride, MalformedTextsSayWhatIsExpected) {
  EXPECT_EQ(parse_problem("/workload/0/rate_per_s"),
            "--set /workload/0/rate_per_s: expected /json/pointer=value");
  EXPECT_EQ(parse_problem("workload=1"),
            "--set workload=1: the pointer must start with '/' (e.g. /workload/0/rate_per_s)");
  EXPECT_EQ(parse_problem("/a~2=1"),
            "--set /a~2=1: \"/a~2\" is not a JSON pointer ('~' must be followed by 0 or 1)");
}

TEST(ApplyOverride, ReplacesAFieldAndAddsOneToAnObject) {
  const LoadResult result = load_with({"/workload/0/rate_per_s=250", "/seed=9"});
  ASSERT_TRUE(std::holds_alternative<Scenario>(result)) << std::get<LoadError>(result).message();
  const Scenario& scenario = std::get<Scenario>(result);
  EXPECT_EQ(scenario.workloads.at(0).rate_per_s, 250);
  EXPECT_EQ(scenario.seed, 9u);
}

TEST(ApplyOverride, EachFailureIsReportedAtTheOverridesPointer) {
  EXPECT_EQ(error_of({"/workload/1=5"}),
            "s.json: /workload/1: --set: no element 1 (/workload has 1 element)");
  EXPECT_EQ(error_of({"/workload/x/rate_per_s=5"}),
            "s.json: /workload/x/rate_per_s: --set: \"x\" is not an array index");
  EXPECT_EQ(error_of({"/workload/3/rate_per_s=5"}),
            "s.json: /workload/3/rate_per_s: --set: no element 3 (/workload has 1 element)");
  EXPECT_EQ(error_of({"/workload/01=5"}),
            "s.json: /workload/01: --set: \"01\" is not an array index");
  EXPECT_EQ(error_of({"/name/x=5"}), "s.json: /name/x: --set: /name is not an object or an array");
  EXPECT_EQ(error_of({"/name/x/y=5"}),
            "s.json: /name/x/y: --set: /name is not an object or an array");
}

// A field whose objects the scenario leaves out (they have defaults) can still be set: the
// objects on the way are made. The schema still checks every name.
TEST(ApplyOverride, MakesTheObjectsOnTheWayThatTheScenarioLeavesOut) {
  const LoadResult result = load_with(
      {"/network_model/direct_tolerance_us=5", "/protocol/failover/failover_timeout_ms=4000"});
  ASSERT_TRUE(std::holds_alternative<Scenario>(result)) << std::get<LoadError>(result).message();
  const Scenario& scenario = std::get<Scenario>(result);
  EXPECT_EQ(scenario.network_model.direct_tolerance_us, 5);
  EXPECT_EQ(scenario.protocol.primary_backup.failover_timeout_ms, 4000);
  EXPECT_EQ(error_of({"/protcol/ack=sync"}).rfind("s.json: /protcol: unknown field", 0), 0u);
  EXPECT_EQ(error_of({"/network_model/tolerance/us=5"})
                .rfind("s.json: /network_model/tolerance: unknown field", 0),
            0u);
}

TEST(ApplyOverride, ABadValueGetsTheSchemasMessage) {
  EXPECT_EQ(error_of({"/workload/0/rate_per_s=fast"}),
            "s.json: /workload/0/rate_per_s: expected number, got string \"fast\"");
  EXPECT_EQ(error_of({"/workload/0/speed=1"}).rfind("s.json: /workload/0/speed: unknown field", 0),
            0u);
}

}  // namespace
}  // namespace cutover::sim
