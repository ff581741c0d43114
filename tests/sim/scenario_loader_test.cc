// Scenario loading in-process: every way a scenario can be wrong must be reported at the exact
// JSON pointer with a sentence a person can act on, and valid scenarios must come out with
// the documented defaults. No simulation runs here.
#include "sim/scenario/scenario_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/scenario/region_rtt_table.h"
#include "sim/scenario/scenario.h"

namespace cutover::sim {
namespace {

using nlohmann::json;

// A valid scenario that touches every section; each negative test breaks one thing in it, so
// the error reported can only come from that change.
json base_scenario() {
  return json::parse(R"({
    "name": "loader-test",
    "description": "Exercises every section of the scenario format.",
    "seed": 7,
    "duration_s": 60,
    "topology": {
      "regions": [
        {"name": "us-east-1", "nodes": 2},
        {"name": "us-west-2", "nodes": 1},
        {"name": "eu-west-1", "nodes": 1}
      ]
    },
    "protocol": {"type": "primary_backup", "ack": "semi_sync", "semi_sync_acks": 2,
                 "primary_region": "us-east-1"},
    "workload": [{"region": "us-east-1", "rate_per_s": 200}],
    "faults": [
      {"type": "region_outage", "region": "us-east-1", "at_s": 30, "until_s": 45},
      {"type": "partition", "groups": [["us-east-1"], ["us-west-2", "eu-west-1"]], "at_s": 10,
       "until_s": 12},
      {"type": "link_latency", "regions": ["us-east-1", "eu-west-1"], "extra_rtt_ms": 100,
       "at_s": 5, "until_s": 20}
    ],
    "slo": [{"name": "write p99 under 250 ms", "metric": "latency_ms.write.p99", "op": "<",
             "limit": 250}]
  })");
}

json minimal_scenario() {
  return json::parse(R"({
    "name": "minimal",
    "description": "The fewest fields a scenario needs.",
    "duration_s": 10,
    "topology": {"regions": [{"name": "us-east-1"}]},
    "protocol": {"type": "primary_backup", "ack": "async", "primary_region": "us-east-1"},
    "workload": [{"region": "us-east-1", "rate_per_s": 10}]
  })");
}

json with(json doc, const std::string& pointer, json value) {
  doc[json::json_pointer(pointer)] = std::move(value);
  return doc;
}

json without(json doc, const std::string& pointer) {
  const json::json_pointer p(pointer);
  doc[p.parent_pointer()].erase(p.back());
  return doc;
}

Scenario load_ok(const json& doc) {
  LoadResult result = load_scenario_text(doc.dump(2), "test.json");
  if (const auto* error = std::get_if<LoadError>(&result)) {
    ADD_FAILURE() << "unexpected error: " << error->message();
    return Scenario{};
  }
  return std::get<Scenario>(std::move(result));
}

// Loading `text` fails at exactly `pointer` with a problem containing `phrase`.
::testing::AssertionResult FailsAtText(const std::string& text, const std::string& pointer,
                                       const std::string& phrase) {
  const LoadResult result = load_scenario_text(text, "test.json");
  const auto* error = std::get_if<LoadError>(&result);
  if (error == nullptr) return ::testing::AssertionFailure() << "loaded without error";
  if (error->pointer != pointer || error->problem.find(phrase) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "expected pointer \"" << pointer << "\" and a problem containing \"" << phrase
           << "\"; got: " << error->message();
  }
  return ::testing::AssertionSuccess() << error->message();
}

::testing::AssertionResult FailsAt(const json& doc, const std::string& pointer,
                                   const std::string& phrase) {
  return FailsAtText(doc.dump(2), pointer, phrase);
}

TEST(ScenarioLoaderTest, BaseScenarioIsValid) { load_ok(base_scenario()); }

// --- JSON syntax -----------------------------------------------------------------------------

TEST(ScenarioLoaderTest, NotJsonReportsLineAndColumn) {
  EXPECT_TRUE(
      FailsAtText("{\n  \"name\": \"x\",\n  oops\n}", "", "not valid JSON: line 3, column 3"));
  EXPECT_TRUE(FailsAtText("", "", "not valid JSON: line 1, column 1"));
}

TEST(ScenarioLoaderTest, DuplicateJsonKeyIsReportedWhereItRepeats) {
  std::string text = base_scenario().dump();
  text.insert(text.find("\"seed\""), "\"seed\": 8, ");
  EXPECT_TRUE(FailsAtText(text, "/seed", "duplicate key \"seed\""));

  std::string nested = base_scenario().dump();
  nested.insert(nested.find("\"rate_per_s\""), "\"rate_per_s\": 5, ");
  EXPECT_TRUE(FailsAtText(nested, "/workload/0/rate_per_s", "duplicate key \"rate_per_s\""));
}

// --- Schema ----------------------------------------------------------------------------------

TEST(ScenarioLoaderTest, WrongTypeNamesExpectedAndActualType) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/workload/0/rate_per_s", "200"),
                      "/workload/0/rate_per_s", "expected number, got string \"200\""));
}

TEST(ScenarioLoaderTest, FractionalValueForIntegerField) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/topology/regions/1/nodes", 1.5),
                      "/topology/regions/1/nodes", "expected integer, got 1.5"));
}

TEST(ScenarioLoaderTest, RootMustBeAnObject) {
  EXPECT_TRUE(FailsAtText("[1, 2]", "", "expected object, got array"));
}

TEST(ScenarioLoaderTest, MissingProtocol) {
  EXPECT_TRUE(
      FailsAt(without(base_scenario(), "/protocol"), "", "missing required field \"protocol\""));
}

TEST(ScenarioLoaderTest, MissingTopology) {
  EXPECT_TRUE(
      FailsAt(without(base_scenario(), "/topology"), "", "missing required field \"topology\""));
}

TEST(ScenarioLoaderTest, NegativeIntraRegionRtt) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/topology/regions/0/intra_rtt_ms", -1),
                      "/topology/regions/0/intra_rtt_ms", "must be > 0, got -1"));
}

TEST(ScenarioLoaderTest, UnknownFieldIsReportedAtTheField) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/topology/colour", "blue"), "/topology/colour",
                      "unknown field \"colour\"; allowed here: default_link_bandwidth_mbps"));
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/workload/0/rate", 5), "/workload/0/rate",
                      "unknown field \"rate\""));
}

TEST(ScenarioLoaderTest, ZeroRegions) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/topology/regions", json::array()),
                      "/topology/regions", "must have at least 1 item, got 0"));
}

TEST(ScenarioLoaderTest, WriteFractionAboveOne) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/workload/0/write_fraction", 1.5),
                      "/workload/0/write_fraction", "must be <= 1, got 1.5"));
}

TEST(ScenarioLoaderTest, UnknownEnumValueListsTheChoices) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/protocol/ack", "quorum"), "/protocol/ack",
                      "must be one of \"async\", \"semi_sync\", \"sync\"; got string \"quorum\""));
}

TEST(ScenarioLoaderTest, RegionNameWithUppercaseOrDots) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/topology/regions/2/name", "EU.west"),
                      "/topology/regions/2/name", "must match ^[a-z0-9][a-z0-9-]*$"));
}

TEST(ScenarioLoaderTest, FaultFieldOfAnotherType) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/faults/0/extra_rtt_ms", 5), "/faults/0/extra_rtt_ms",
                      "field \"extra_rtt_ms\" does not apply to type \"region_outage\""));
}

TEST(ScenarioLoaderTest, FaultMissingFieldItsTypeNeeds) {
  EXPECT_TRUE(FailsAt(without(base_scenario(), "/faults/2/extra_rtt_ms"), "/faults/2",
                      "missing required field \"extra_rtt_ms\" (needed by type \"link_latency\")"));
}

TEST(ScenarioLoaderTest, FaultOfUnknownType) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/faults/1/type", "earthquake"), "/faults/1/type",
                      "must be one of \"region_outage\", \"partition\", \"link_latency\""));
}

TEST(ScenarioLoaderTest, PartitionNeedsTwoGroups) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/faults/1/groups", json::parse(R"([["us-east-1"]])")),
                      "/faults/1/groups", "must have at least 2 items, got 1"));
}

// --- Regions and links -----------------------------------------------------------------------

TEST(ScenarioLoaderTest, DuplicateRegionNames) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/topology/regions/2/name", "us-east-1"),
                      "/topology/regions/2/name",
                      "duplicate region name \"us-east-1\" (also /topology/regions/0)"));
}

TEST(ScenarioLoaderTest, UnknownRegionInLink) {
  const json links = json::parse(R"([{"regions": ["us-east-1", "mars-1"], "rtt_ms": 300}])");
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/topology/links", links),
                      "/topology/links/0/regions/1", "unknown region \"mars-1\"; regions are:"));
}

TEST(ScenarioLoaderTest, LinkFromARegionToItself) {
  const json links = json::parse(R"([{"regions": ["us-west-2", "us-west-2"], "rtt_ms": 1}])");
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/topology/links", links),
                      "/topology/links/0/regions/1", "two different regions"));
}

TEST(ScenarioLoaderTest, SameLinkListedTwice) {
  const json links = json::parse(R"([{"regions": ["us-east-1", "us-west-2"], "rtt_ms": 70},
                                     {"regions": ["us-west-2", "us-east-1"], "rtt_ms": 71}])");
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/topology/links", links), "/topology/links/1/regions",
                      "us-east-1 <-> us-west-2 is already listed at /topology/links/0"));
}

TEST(ScenarioLoaderTest, LinkPairInNeitherScenarioNorBuiltinTable) {
  json doc = base_scenario();
  doc["topology"]["regions"].push_back({{"name", "moon-1"}, {"nodes", 0}});
  EXPECT_TRUE(
      FailsAt(doc, "/topology/links", "no RTT for us-east-1 <-> moon-1; add it to topology.links"));
}

TEST(ScenarioLoaderTest, ListedLinkWithoutRttNotInBuiltinTable) {
  json doc = base_scenario();
  doc["topology"]["regions"].push_back({{"name", "moon-1"}, {"nodes", 0}});
  doc["topology"]["links"] = json::parse(R"([{"regions": ["moon-1", "us-east-1"]}])");
  EXPECT_TRUE(FailsAt(doc, "/topology/links/0", "no RTT for us-east-1 <-> moon-1; add rtt_ms"));
}

TEST(ScenarioLoaderTest, InterRegionRttBelowLocalRtt) {
  json doc = base_scenario();
  doc["topology"]["regions"][0]["intra_rtt_ms"] = 50;
  doc["topology"]["regions"][1]["intra_rtt_ms"] = 50;
  doc["topology"]["links"] =
      json::parse(R"([{"regions": ["us-east-1", "us-west-2"], "rtt_ms": 10}])");
  EXPECT_TRUE(FailsAt(doc, "/topology/links/0/rtt_ms",
                      "rtt_ms 10 ms for us-east-1 <-> us-west-2 is less than"));
}

TEST(ScenarioLoaderTest, BuiltinRttBelowLocalRttIsReportedAtLinks) {
  json doc = base_scenario();
  doc["topology"]["regions"][2]["intra_rtt_ms"] = 300;  // eu-west-1
  EXPECT_TRUE(FailsAt(doc, "/topology/links", "built-in RTT 84.94 ms for us-east-1 <-> eu-west-1"));
}

TEST(ScenarioLoaderTest, NoReplicasAtAll) {
  json doc = base_scenario();
  for (json& region : doc["topology"]["regions"]) region["nodes"] = 0;
  EXPECT_TRUE(FailsAt(doc, "/topology/regions", "no replicas"));
}

// --- Protocol --------------------------------------------------------------------------------

TEST(ScenarioLoaderTest, PrimaryRegionUnknown) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/protocol/primary_region", "us-east-9"),
                      "/protocol/primary_region", "unknown region \"us-east-9\""));
}

TEST(ScenarioLoaderTest, PrimaryRegionWithoutNodes) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/topology/regions/0/nodes", 0),
                      "/protocol/primary_region", "has nodes = 0"));
}

TEST(ScenarioLoaderTest, SemiSyncAcksLargerThanBackups) {
  // 4 replicas: the primary and 3 backups.
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/protocol/semi_sync_acks", 4),
                      "/protocol/semi_sync_acks", "more than the number of backups"));
  load_ok(with(base_scenario(), "/protocol/semi_sync_acks", 3));
}

TEST(ScenarioLoaderTest, SemiSyncWithoutAnyBackup) {
  const json doc = with(minimal_scenario(), "/protocol/ack", "semi_sync");
  EXPECT_TRUE(FailsAt(doc, "/protocol/ack", "the topology has 0 backups"));
}

TEST(ScenarioLoaderTest, SemiSyncAcksWithAnotherAckMode) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/protocol/ack", "sync"), "/protocol/semi_sync_acks",
                      "only used with ack \"semi_sync\""));
}

TEST(ScenarioLoaderTest, FailoverTimeoutNotAboveHeartbeat) {
  const json doc = with(base_scenario(), "/protocol/failover",
                        json::parse(R"({"mode": "automatic", "failover_timeout_ms": 50})"));
  EXPECT_TRUE(FailsAt(doc, "/protocol/failover/failover_timeout_ms",
                      "must be greater than heartbeat_interval_ms (50)"));
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/protocol/heartbeat_interval_ms", 2000),
                      "/protocol/heartbeat_interval_ms", "failover_timeout_ms (1000)"));
}

TEST(ScenarioLoaderTest, ScriptedPromotionOfUnknownNode) {
  const json failover = json::parse(
      R"({"mode": "scripted", "promotions": [{"at_s": 31, "node": "us-west-2-0"},
                                             {"at_s": 40, "node": "us-west-2-1"}]})");
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/protocol/failover", failover),
                      "/protocol/failover/promotions/1/node",
                      "unknown node \"us-west-2-1\"; nodes are: us-east-1-0, us-east-1-1"));
}

TEST(ScenarioLoaderTest, ScriptedPromotionAfterTheEnd) {
  const json failover =
      json::parse(R"({"mode": "scripted", "promotions": [{"at_s": 60, "node": "us-west-2-0"}]})");
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/protocol/failover", failover),
                      "/protocol/failover/promotions/0/at_s", "not before the end of the run"));
}

TEST(ScenarioLoaderTest, PromotionsWithAutomaticFailover) {
  const json failover = json::parse(R"({"promotions": [{"at_s": 31, "node": "us-west-2-0"}]})");
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/protocol/failover", failover),
                      "/protocol/failover/promotions",
                      "only used with failover mode \"scripted\""));
}

// --- Workload, faults, SLOs, sampling --------------------------------------------------------

TEST(ScenarioLoaderTest, UnknownRegionInWorkload) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/workload/0/region", "ap-south-1"),
                      "/workload/0/region", "unknown region \"ap-south-1\""));
}

TEST(ScenarioLoaderTest, ZipfExponentWithUniformKeys) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/workload/0/zipf_exponent", 1.2),
                      "/workload/0/zipf_exponent", "only used with key_distribution \"zipfian\""));
}

TEST(ScenarioLoaderTest, LocalReadsFromRegionWithoutReplicasAreAllowed) {
  // Clients read from the nearest replica, wherever it is; a client-only region has one too.
  json doc = with(base_scenario(), "/topology/regions/2/nodes", 0);
  doc["workload"].push_back({{"region", "eu-west-1"}, {"rate_per_s", 5}, {"read_from", "local"}});
  const Scenario s = load_ok(doc);
  ASSERT_EQ(s.workloads.size(), 2U);
  EXPECT_EQ(s.workloads[1].read_from, ReadTarget::kLocal);
}

TEST(ScenarioLoaderTest, UnknownRegionInFault) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/faults/0/region", "us-east-3"), "/faults/0/region",
                      "unknown region \"us-east-3\""));
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/faults/2/regions/1", "eu-south-9"),
                      "/faults/2/regions/1", "unknown region \"eu-south-9\""));
}

TEST(ScenarioLoaderTest, PartitionRegionInTwoGroups) {
  const json groups = json::parse(R"([["us-east-1", "us-west-2"], ["us-west-2", "eu-west-1"]])");
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/faults/1/groups", groups), "/faults/1/groups/1/0",
                      "region \"us-west-2\" is already in group 0"));
}

TEST(ScenarioLoaderTest, FaultStartsAfterTheEnd) {
  EXPECT_TRUE(FailsAt(without(with(base_scenario(), "/faults/2/at_s", 75), "/faults/2/until_s"),
                      "/faults/2/at_s",
                      "fault starts at 75 s, after the end of the run (duration_s = 60)"));
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/faults/0/at_s", 60), "/faults/0/at_s",
                      "at the end of the run (duration_s = 60)"));
}

TEST(ScenarioLoaderTest, FaultEndsBeforeItStarts) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/faults/0/until_s", 30), "/faults/0/until_s",
                      "fault ends at 30 s, not after it starts (at_s = 30)"));
}

TEST(ScenarioLoaderTest, FaultMayOutlastTheRun) {
  const Scenario s = load_ok(with(base_scenario(), "/faults/0/until_s", 500));
  ASSERT_EQ(s.faults.size(), 3U);
  EXPECT_EQ(s.faults[0].until_s, 500);
}

TEST(ScenarioLoaderTest, SloMetricUnknown) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/slo/0/metric", "latency_ms.wrte.p99"),
                      "/slo/0/metric",
                      "unknown metric \"latency_ms.wrte.p99\"; did you mean "
                      "\"latency_ms.write.p99\"?"));
}

TEST(ScenarioLoaderTest, SloMetricsNameRegionsAndReplicas) {
  json doc = base_scenario();
  doc["slo"].push_back({{"name", "eu reads"},
                        {"metric", "latency_ms.by_region.eu-west-1.read.p99"},
                        {"op", "<="},
                        {"limit", 300}});
  doc["slo"].push_back({{"name", "lag"},
                        {"metric", "replication_lag_ms.us-east-1-1.max"},
                        {"op", "<"},
                        {"limit", 500}});
  EXPECT_EQ(load_ok(doc).slos.size(), 3U);
  EXPECT_TRUE(FailsAt(with(doc, "/slo/2/metric", "replication_lag_ms.us-east-1-2.max"),
                      "/slo/2/metric", "unknown metric"));
}

TEST(ScenarioLoaderTest, DuplicateSloName) {
  json doc = base_scenario();
  doc["slo"].push_back(doc["slo"][0]);
  EXPECT_TRUE(FailsAt(doc, "/slo/1/name", "duplicate SLO name"));
}

TEST(ScenarioLoaderTest, SampleIntervalLongerThanTheRun) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/sample_interval_ms", 61000), "/sample_interval_ms",
                      "longer than the run"));
}

// --- Files and messages ----------------------------------------------------------------------

TEST(ScenarioLoaderTest, UnreadableFile) {
  const LoadResult result = load_scenario_file("/nonexistent/cutover/scenario.json");
  const auto* error = std::get_if<LoadError>(&result);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->pointer, "");
  EXPECT_NE(error->problem.find("cannot read"), std::string::npos) << error->problem;
  EXPECT_EQ(error->message().rfind("/nonexistent/cutover/scenario.json: (root): cannot read", 0),
            0U)
      << error->message();
}

TEST(ScenarioLoaderTest, MessageFormat) {
  EXPECT_EQ((LoadError{"a.json", "", "broken"}).message(), "a.json: (root): broken");
  EXPECT_EQ((LoadError{"a.json", "/faults/2/at_s", "late"}).message(),
            "a.json: /faults/2/at_s: late");
}

// --- Valid scenarios -------------------------------------------------------------------------

TEST(ScenarioLoaderTest, MinimalScenarioGetsDocumentedDefaults) {
  const Scenario s = load_ok(minimal_scenario());
  EXPECT_EQ(s.name, "minimal");
  EXPECT_EQ(s.source_path, "test.json");
  EXPECT_EQ(s.seed, 1U);
  EXPECT_EQ(s.duration_s, 10);
  EXPECT_EQ(s.sample_interval_ms, 100);
  ASSERT_EQ(s.topology.regions.size(), 1U);
  EXPECT_EQ(s.topology.regions[0].nodes, 1U);
  EXPECT_EQ(s.topology.regions[0].intra_rtt_ms, 0.5);
  EXPECT_TRUE(s.topology.links.empty());

  EXPECT_EQ(s.node.service_distribution, ServiceDistribution::kConstant);
  EXPECT_EQ(s.node.service_time_ms, 0.1);
  EXPECT_EQ(s.node.cores, 1U);
  EXPECT_EQ(s.node.fsync_ms, 1.0);
  EXPECT_EQ(s.node.nic_bandwidth_mbps, 10000);

  const PrimaryBackupSettings& pb = s.protocol.primary_backup;
  EXPECT_EQ(s.protocol.type, ProtocolType::kPrimaryBackup);
  EXPECT_EQ(pb.ack, AckMode::kAsync);
  EXPECT_EQ(pb.semi_sync_acks, 1U);
  EXPECT_EQ(pb.primary_region, "us-east-1");
  EXPECT_EQ(pb.heartbeat_interval_ms, 50);
  EXPECT_EQ(pb.failover_mode, FailoverMode::kAutomatic);
  EXPECT_EQ(pb.failover_timeout_ms, 1000);
  EXPECT_TRUE(pb.promotions.empty());

  ASSERT_EQ(s.workloads.size(), 1U);
  const Workload& w = s.workloads[0];
  EXPECT_EQ(w.rate_per_s, 10);
  EXPECT_EQ(w.write_fraction, 0.5);
  EXPECT_EQ(w.key_space, 1000U);
  EXPECT_EQ(w.key_distribution, KeyDistribution::kUniform);
  EXPECT_EQ(w.zipf_exponent, 0.99);
  EXPECT_EQ(w.value_bytes, 256U);
  EXPECT_EQ(w.read_from, ReadTarget::kPrimary);
  EXPECT_EQ(w.client_timeout_ms, 1000);

  EXPECT_TRUE(s.faults.empty());
  EXPECT_TRUE(s.slos.empty());
}

// The schema's "default" keywords (what editors show) must agree with what the loader fills in.
TEST(ScenarioLoaderTest, SchemaDefaultsMatchLoaderDefaults) {
  std::ifstream in(std::string(CUTOVER_SOURCE_DIR) + "/scenarios/schema/scenario.schema.json");
  ASSERT_TRUE(in) << "cannot open the schema";
  const json schema = json::parse(in);
  const Scenario s = load_ok(minimal_scenario());
  auto schema_default = [&schema](const std::string& pointer) {
    return schema.at(json::json_pointer(pointer + "/default"));
  };
  const std::string top = "/properties";
  const std::string region = top + "/topology/properties/regions/items/properties";
  const std::string node = top + "/node/properties";
  const std::string protocol = top + "/protocol/properties";
  const std::string workload = top + "/workload/items/properties";
  EXPECT_EQ(schema_default(top + "/seed"), s.seed);
  EXPECT_EQ(schema_default(top + "/sample_interval_ms"), s.sample_interval_ms);
  EXPECT_EQ(schema_default(region + "/nodes"), s.topology.regions[0].nodes);
  EXPECT_EQ(schema_default(region + "/intra_rtt_ms"), s.topology.regions[0].intra_rtt_ms);
  EXPECT_EQ(schema_default(node + "/service_time_ms/properties/mean"), s.node.service_time_ms);
  EXPECT_EQ(schema_default(node + "/cores"), s.node.cores);
  EXPECT_EQ(schema_default(node + "/fsync_ms"), s.node.fsync_ms);
  EXPECT_EQ(schema_default(node + "/nic_bandwidth_mbps"), s.node.nic_bandwidth_mbps);
  EXPECT_EQ(schema_default(protocol + "/semi_sync_acks"), s.protocol.primary_backup.semi_sync_acks);
  EXPECT_EQ(schema_default(protocol + "/failover/properties/failover_timeout_ms"),
            s.protocol.primary_backup.failover_timeout_ms);
  const Workload& w = s.workloads[0];
  EXPECT_EQ(schema_default(workload + "/write_fraction"), w.write_fraction);
  EXPECT_EQ(schema_default(workload + "/key_space"), w.key_space);
  EXPECT_EQ(schema_default(workload + "/zipf_exponent"), w.zipf_exponent);
  EXPECT_EQ(schema_default(workload + "/value_bytes"), w.value_bytes);
  EXPECT_EQ(schema_default(workload + "/client_timeout_ms"), w.client_timeout_ms);

  const RaftSettings raft =
      load_ok(with(minimal_scenario(), "/protocol", {{"type", "raft"}})).protocol.raft;
  EXPECT_EQ(schema_default(protocol + "/election_timeout_min_ms"), raft.election_timeout_min_ms);
  EXPECT_EQ(schema_default(protocol + "/election_timeout_max_ms"), raft.election_timeout_max_ms);
  EXPECT_EQ(schema_default(protocol + "/pre_vote"), raft.pre_vote);
  EXPECT_EQ(schema_default(protocol + "/check_quorum"), raft.check_quorum);
  EXPECT_EQ(schema_default(protocol + "/read_mode"), "read_index");
  EXPECT_EQ(raft.read_mode, RaftReadMode::kReadIndex);
  EXPECT_EQ(schema_default(protocol + "/max_clock_drift"), raft.max_clock_drift);
  EXPECT_EQ(schema_default(protocol + "/snapshot_threshold_entries"),
            raft.snapshot_threshold_entries);
  EXPECT_EQ(schema_default(protocol + "/max_inflight_appends"), raft.max_inflight_appends);
  EXPECT_EQ(schema_default(protocol + "/max_entries_per_append"), raft.max_entries_per_append);
  // heartbeat_interval_ms has a default per protocol, stated in its description.
  const std::string heartbeat_text =
      schema.at(json::json_pointer(protocol + "/heartbeat_interval_ms/description"));
  EXPECT_NE(heartbeat_text.find(
                "Default " +
                std::to_string(static_cast<int>(s.protocol.primary_backup.heartbeat_interval_ms)) +
                " for primary_backup, " +
                std::to_string(static_cast<int>(raft.heartbeat_interval_ms)) + " for raft"),
            std::string::npos)
      << heartbeat_text;

  // The link bandwidth default is not stored in Scenario; check it through a two-region link.
  json doc = minimal_scenario();
  doc["topology"]["regions"].push_back({{"name", "us-west-2"}, {"nodes", 0}});
  EXPECT_EQ(schema_default(top + "/topology/properties/default_link_bandwidth_mbps"),
            load_ok(doc).topology.links.at(0).bandwidth_mbps);
}

TEST(ScenarioLoaderTest, LinksDefaultFromBuiltinTable) {
  const Scenario s = load_ok(base_scenario());
  // One link per unordered pair, in region order: (0,1), (0,2), (1,2).
  ASSERT_EQ(s.topology.links.size(), 3U);
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"us-east-1", "us-west-2"}, {"us-east-1", "eu-west-1"}, {"us-west-2", "eu-west-1"}};
  const std::vector<double> rtts = {68.38, 84.94, 122.29};
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const Link& link = s.topology.links[i];
    EXPECT_EQ(link.region_a, pairs[i].first);
    EXPECT_EQ(link.region_b, pairs[i].second);
    EXPECT_EQ(link.rtt_ms, rtts[i]);
    EXPECT_EQ(link.bandwidth_mbps, 10000);
    EXPECT_NE(link.rtt_source.find("Skyplane"), std::string::npos) << link.rtt_source;
    EXPECT_NE(link.rtt_source.find("April 2022"), std::string::npos) << link.rtt_source;
    EXPECT_NE(link.rtt_source.find("aws"), std::string::npos) << link.rtt_source;
  }
}

TEST(ScenarioLoaderTest, ExplicitLinkOverridesTheTable) {
  json doc = base_scenario();
  doc["topology"]["default_link_bandwidth_mbps"] = 5000;
  // Listed in reverse order: the loaded link still follows region order.
  doc["topology"]["links"] = json::parse(R"([
    {"regions": ["eu-west-1", "us-east-1"], "rtt_ms": 150, "bandwidth_mbps": 1000},
    {"regions": ["us-west-2", "eu-west-1"], "bandwidth_mbps": 2000}
  ])");
  const Scenario s = load_ok(doc);
  ASSERT_EQ(s.topology.links.size(), 3U);
  const Link& table = s.topology.links[0];  // us-east-1 <-> us-west-2, not listed
  EXPECT_EQ(table.rtt_ms, 68.38);
  EXPECT_EQ(table.bandwidth_mbps, 5000);
  const Link& overridden = s.topology.links[1];
  EXPECT_EQ(overridden.region_a, "us-east-1");
  EXPECT_EQ(overridden.region_b, "eu-west-1");
  EXPECT_EQ(overridden.rtt_ms, 150);
  EXPECT_EQ(overridden.bandwidth_mbps, 1000);
  EXPECT_EQ(overridden.rtt_source, "scenario");
  const Link& bandwidth_only = s.topology.links[2];  // rtt from the table, bandwidth listed
  EXPECT_EQ(bandwidth_only.rtt_ms, 122.29);
  EXPECT_EQ(bandwidth_only.bandwidth_mbps, 2000);
  EXPECT_NE(bandwidth_only.rtt_source.find("Skyplane"), std::string::npos);
}

TEST(ScenarioLoaderTest, ExplicitLinkForRegionsNotInTheTable) {
  json doc = base_scenario();
  doc["topology"]["regions"] = json::parse(R"([{"name": "dc-a", "nodes": 2}, {"name": "dc-b"}])");
  doc["topology"]["links"] = json::parse(R"([{"regions": ["dc-a", "dc-b"], "rtt_ms": 2}])");
  doc["protocol"]["primary_region"] = "dc-a";
  doc["protocol"]["semi_sync_acks"] = 1;
  doc["workload"][0]["region"] = "dc-a";
  doc.erase("faults");
  const Scenario s = load_ok(doc);
  ASSERT_EQ(s.topology.links.size(), 1U);
  EXPECT_EQ(s.topology.links[0].rtt_ms, 2);
}

TEST(ScenarioLoaderTest, FullScenarioParsesEverySection) {
  json doc = base_scenario();
  doc["node"] = json::parse(R"({"service_time_ms": {"distribution": "exponential", "mean": 0.3},
                                "cores": 4, "fsync_ms": 2, "nic_bandwidth_mbps": 25000})");
  doc["protocol"]["failover"] =
      json::parse(R"({"mode": "scripted", "promotions": [{"at_s": 31, "node": "us-west-2-0"}]})");
  doc["workload"][0] = json::parse(
      R"({"region": "us-east-1", "rate_per_s": 200, "write_fraction": 0.2, "key_space": 50,
          "key_distribution": "zipfian", "zipf_exponent": 1.1, "value_bytes": 1024,
          "read_from": "local", "client_timeout_ms": 500})");
  const Scenario s = load_ok(doc);
  EXPECT_EQ(s.seed, 7U);
  EXPECT_EQ(s.node.service_distribution, ServiceDistribution::kExponential);
  EXPECT_EQ(s.node.service_time_ms, 0.3);
  EXPECT_EQ(s.node.cores, 4U);
  EXPECT_EQ(s.protocol.primary_backup.ack, AckMode::kSemiSync);
  EXPECT_EQ(s.protocol.primary_backup.semi_sync_acks, 2U);
  EXPECT_EQ(s.protocol.primary_backup.failover_mode, FailoverMode::kScripted);
  ASSERT_EQ(s.protocol.primary_backup.promotions.size(), 1U);
  EXPECT_EQ(s.protocol.primary_backup.promotions[0].node, "us-west-2-0");
  EXPECT_EQ(s.protocol.primary_backup.promotions[0].at_s, 31);

  const Workload& w = s.workloads[0];
  EXPECT_EQ(w.key_distribution, KeyDistribution::kZipfian);
  EXPECT_EQ(w.zipf_exponent, 1.1);
  EXPECT_EQ(w.read_from, ReadTarget::kLocal);
  EXPECT_EQ(w.value_bytes, 1024U);

  ASSERT_EQ(s.faults.size(), 3U);
  const auto* outage = std::get_if<RegionOutage>(&s.faults[0].what);
  ASSERT_NE(outage, nullptr);
  EXPECT_EQ(outage->region, "us-east-1");
  EXPECT_EQ(s.faults[0].at_s, 30);
  EXPECT_EQ(s.faults[0].until_s, 45);
  const auto* partition = std::get_if<Partition>(&s.faults[1].what);
  ASSERT_NE(partition, nullptr);
  EXPECT_EQ(partition->groups,
            (std::vector<std::vector<std::string>>{{"us-east-1"}, {"us-west-2", "eu-west-1"}}));
  const auto* latency = std::get_if<LinkLatency>(&s.faults[2].what);
  ASSERT_NE(latency, nullptr);
  EXPECT_EQ(latency->region_a, "us-east-1");
  EXPECT_EQ(latency->region_b, "eu-west-1");
  EXPECT_EQ(latency->extra_rtt_ms, 100);

  ASSERT_EQ(s.slos.size(), 1U);
  EXPECT_EQ(s.slos[0].metric, "latency_ms.write.p99");
  EXPECT_EQ(s.slos[0].comparison, Comparison::kLess);
  EXPECT_EQ(s.slos[0].limit, 250);
}

TEST(ScenarioLoaderTest, FaultWithoutEndLastsToTheEnd) {
  const Scenario s = load_ok(without(base_scenario(), "/faults/0/until_s"));
  EXPECT_FALSE(s.faults[0].until_s.has_value());
}

TEST(RegionRttTableTest, LookupIgnoresOrder) {
  const auto forward = lookup_builtin_rtt("us-east-1", "eu-west-1");
  const auto backward = lookup_builtin_rtt("eu-west-1", "us-east-1");
  ASSERT_TRUE(forward.has_value());
  ASSERT_TRUE(backward.has_value());
  EXPECT_EQ(forward->rtt_ms, 84.94);
  EXPECT_EQ(backward->rtt_ms, 84.94);
  EXPECT_FALSE(lookup_builtin_rtt("us-east-1", "us-east1").has_value());  // AWS vs GCP name
  EXPECT_FALSE(lookup_builtin_rtt("us-east-1", "us-east-1").has_value());
}

TEST(RegionRttTableTest, EveryRowIsAUniquePairOfDistinctRegions) {
  const auto table = builtin_rtt_table();
  EXPECT_EQ(table.size(), 16U);
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_NE(table[i].region_a, table[i].region_b);
    EXPECT_GT(table[i].rtt_ms, 0);
    EXPECT_EQ(lookup_builtin_rtt(table[i].region_a, table[i].region_b)->rtt_ms, table[i].rtt_ms)
        << "row " << i << " is shadowed by an earlier row for the same pair";
  }
}

// The complete example in scenarios/README.md is a valid scenario, so the documentation
// cannot drift from the format unnoticed.
TEST(ScenarioLoaderTest, ReadmeExampleLoads) {
  std::ifstream in(std::string(CUTOVER_SOURCE_DIR) + "/scenarios/README.md");
  ASSERT_TRUE(in) << "cannot open scenarios/README.md";
  const std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string fence = "```json\n";
  const std::size_t start = readme.find(fence);
  ASSERT_NE(start, std::string::npos) << "no ```json block in scenarios/README.md";
  const std::size_t end = readme.find("```", start + fence.size());
  ASSERT_NE(end, std::string::npos);
  const LoadResult result = load_scenario_text(
      readme.substr(start + fence.size(), end - start - fence.size()), "scenarios/README.md");
  if (const auto* error = std::get_if<LoadError>(&result)) FAIL() << error->message();
}

// Every scenario shipped in the repository loads. Negative examples (scenarios/negative/)
// and the schema itself are not scenarios.
TEST(ScenarioLoaderTest, EveryShippedScenarioLoads) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(CUTOVER_SOURCE_DIR) / "scenarios";
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->is_directory() &&
        (it->path().filename() == "schema" || it->path().filename() == "negative")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().extension() == ".json") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    const LoadResult result = load_scenario_file(file.string());
    if (const auto* error = std::get_if<LoadError>(&result)) ADD_FAILURE() << error->message();
  }
}

}  // namespace
}  // namespace cutover::sim

// --- Raft and node crashes -------------------------------------------------------------------

namespace cutover::sim {
namespace {

json raft_scenario() {
  json doc = base_scenario();
  doc["protocol"] = json::parse(R"({"type": "raft", "election_timeout_min_ms": 300,
    "election_timeout_max_ms": 600, "heartbeat_interval_ms": 50, "pre_vote": false,
    "check_quorum": false, "read_mode": "lease", "max_clock_drift": 0.05,
    "snapshot_threshold_entries": 500, "initial_leader": "us-east-1-1",
    "learners": ["eu-west-1-0"]})");
  return doc;
}

TEST(ScenarioLoaderTest, RaftSettingsParse) {
  const Scenario s = load_ok(raft_scenario());
  ASSERT_EQ(s.protocol.type, ProtocolType::kRaft);
  const RaftSettings& raft = s.protocol.raft;
  EXPECT_EQ(raft.election_timeout_min_ms, 300);
  EXPECT_EQ(raft.election_timeout_max_ms, 600);
  EXPECT_EQ(raft.heartbeat_interval_ms, 50);
  EXPECT_FALSE(raft.pre_vote);
  EXPECT_FALSE(raft.check_quorum);
  EXPECT_EQ(raft.read_mode, RaftReadMode::kLease);
  EXPECT_EQ(raft.max_clock_drift, 0.05);
  EXPECT_EQ(raft.snapshot_threshold_entries, 500u);
  EXPECT_EQ(raft.initial_leader, "us-east-1-1");
  // Voters default to every replica that is not a learner, in replica order.
  EXPECT_EQ(raft.voters, (std::vector<std::string>{"us-east-1-0", "us-east-1-1", "us-west-2-0"}));
  EXPECT_EQ(raft.learners, (std::vector<std::string>{"eu-west-1-0"}));
}

TEST(ScenarioLoaderTest, RaftExplicitVotersLeaveTheRestOutsideTheCluster) {
  const Scenario s = load_ok(with(raft_scenario(), "/protocol/voters",
                                  json::array({"us-west-2-0", "us-east-1-0", "us-east-1-1"})));
  EXPECT_EQ(s.protocol.raft.voters,
            (std::vector<std::string>{"us-east-1-0", "us-east-1-1", "us-west-2-0"}));
  EXPECT_EQ(s.protocol.raft.learners, (std::vector<std::string>{"eu-west-1-0"}));
}

TEST(ScenarioLoaderTest, RaftRejectsWhatCannotWork) {
  EXPECT_TRUE(FailsAt(with(raft_scenario(), "/protocol/election_timeout_max_ms", 300),
                      "/protocol/election_timeout_max_ms",
                      "must be greater than election_timeout_min_ms (300)"));
  EXPECT_TRUE(FailsAt(with(raft_scenario(), "/protocol/heartbeat_interval_ms", 300),
                      "/protocol/election_timeout_min_ms",
                      "must be greater than heartbeat_interval_ms (300)"));
  EXPECT_TRUE(FailsAt(with(raft_scenario(), "/protocol/initial_leader", "eu-west-1-0"),
                      "/protocol/initial_leader", "is not a voter"));
  EXPECT_TRUE(FailsAt(with(raft_scenario(), "/protocol/initial_leader", "mars-0"),
                      "/protocol/initial_leader", "unknown node \"mars-0\""));
  EXPECT_TRUE(FailsAt(with(raft_scenario(), "/protocol/voters", json::array({"eu-west-1-0"})),
                      "/protocol/learners/0", "is also in voters"));
  EXPECT_TRUE(FailsAt(
      with(without(raft_scenario(), "/protocol/initial_leader"), "/protocol/voters", json::array()),
      "/protocol/voters", "needs at least one voter"));
  EXPECT_TRUE(FailsAt(with(raft_scenario(), "/protocol/read_mode", "read_index"),
                      "/protocol/max_clock_drift", "only used with read_mode \"lease\""));
}

TEST(ScenarioLoaderTest, FieldsOfTheOtherProtocolAreRefused) {
  EXPECT_TRUE(FailsAt(with(raft_scenario(), "/protocol/ack", "sync"), "/protocol/ack",
                      "field \"ack\" does not apply to type \"raft\""));
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/protocol/pre_vote", true), "/protocol/pre_vote",
                      "field \"pre_vote\" does not apply to type \"primary_backup\""));
  EXPECT_TRUE(FailsAt(without(base_scenario(), "/protocol/ack"), "/protocol",
                      "missing required field \"ack\" (needed by type \"primary_backup\")"));
}

TEST(ScenarioLoaderTest, SlowDiskAndProcessPauseParse) {
  const json slow = json::parse(
      R"({"type": "slow_disk", "node": "leader", "fsync_factor": 8, "at_s": 3, "until_s": 9})");
  const Scenario s = load_ok(with(base_scenario(), "/faults/3", slow));
  EXPECT_EQ(std::get<SlowDisk>(s.faults[3].what).fsync_factor, 8);
  EXPECT_EQ(std::get<SlowDisk>(s.faults[3].what).node, NodeCrash::kCurrentLeader);
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/faults/3", with(slow, "/fsync_factor", 0.5)),
                      "/faults/3/fsync_factor", ""));
  const json pause =
      json::parse(R"({"type": "process_pause", "node": "us-west-2-0", "at_s": 3, "until_s": 4})");
  EXPECT_EQ(
      std::get<ProcessPause>(load_ok(with(base_scenario(), "/faults/3", pause)).faults[3].what)
          .node,
      "us-west-2-0");
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/faults/3", with(pause, "/fsync_factor", 2)),
                      "/faults/3/fsync_factor", "does not apply to type \"process_pause\""));
}

TEST(ScenarioLoaderTest, NodeCrashNamesAReplicaOrTheLeader) {
  const json crash = json::parse(R"({"type": "node_crash", "node": "us-west-2-0", "at_s": 3,
                                     "until_s": 4})");
  const Scenario s = load_ok(with(base_scenario(), "/faults/3", crash));
  ASSERT_EQ(s.faults.size(), 4u);
  EXPECT_EQ(std::get<NodeCrash>(s.faults[3].what).node, "us-west-2-0");
  EXPECT_EQ(std::get<NodeCrash>(
                load_ok(with(base_scenario(), "/faults/3", with(crash, "/node", "leader")))
                    .faults[3]
                    .what)
                .node,
            NodeCrash::kCurrentLeader);
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/faults/3", with(crash, "/node", "us-west-2-7")),
                      "/faults/3/node", "unknown node \"us-west-2-7\""));
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/faults/3", with(crash, "/region", "us-west-2")),
                      "/faults/3/region", "does not apply to type \"node_crash\""));
}

}  // namespace
}  // namespace cutover::sim

// --- Migration plans ---------------------------------------------------------------------------

namespace cutover::sim {
namespace {

json migration_scenario() {
  json doc = raft_scenario();
  doc["migration"] = json::parse(R"({"start_at_s": 5, "steps": [
    {"name": "add", "type": "add_replicas", "region": "us-west-2", "count": 1, "as_learner": true},
    {"type": "wait_until", "region": "us-west-2", "lag_below_ms": 100, "for_s": 2, "timeout_s": 30},
    {"type": "set_read_only"},
    {"name": "cut", "type": "transfer_leadership", "region": "us-west-2"},
    {"type": "wait", "duration_s": 3}
  ], "guards": [{"name": "slow", "metric": "write_p99_ms", "above": 250, "during": ["cut"]}],
  "rollback": [{"type": "transfer_leadership", "region": "us-east-1"}]})");
  return doc;
}

TEST(ScenarioLoaderTest, MigrationPlanParses) {
  const Scenario s = load_ok(migration_scenario());
  ASSERT_TRUE(s.migration.has_value());
  const Migration& m = *s.migration;
  EXPECT_EQ(m.start_at_s, 5);
  ASSERT_EQ(m.steps.size(), 5u);
  EXPECT_EQ(m.steps[0].type, StepType::kAddReplicas);
  EXPECT_EQ(m.steps[0].count, 1u);
  EXPECT_EQ(m.steps[1].name, "1 wait_until") << "the default name: index and type";
  EXPECT_EQ(m.steps[1].lag_below_ms, 100);
  EXPECT_EQ(m.steps[1].timeout_s, 30);
  EXPECT_TRUE(m.steps[2].region.empty()) << "a global read-only flag";
  EXPECT_TRUE(m.steps[2].read_only);
  EXPECT_EQ(m.steps[4].duration_s, 3);
  ASSERT_EQ(m.guards.size(), 1u);
  EXPECT_EQ(m.guards[0].metric, GuardMetric::kWriteP99Ms);
  EXPECT_EQ(m.guards[0].window_s, 5) << "the default window";
  EXPECT_EQ(m.guards[0].during, (std::vector<std::string>{"cut"}));
  ASSERT_EQ(m.rollback.size(), 1u);
  EXPECT_EQ(m.rollback[0].type, StepType::kTransferLeadership);
}

TEST(ScenarioLoaderTest, MigrationPlanMistakesAreRefused) {
  EXPECT_TRUE(FailsAt(with(migration_scenario(), "/migration/guards/0/during/0", "nope"),
                      "/migration/guards/0/during/0", "no step is named \"nope\""));
  EXPECT_TRUE(FailsAt(with(migration_scenario(), "/migration/start_at_s", 60),
                      "/migration/start_at_s", "not before the end of the run"));
  EXPECT_TRUE(FailsAt(with(migration_scenario(), "/migration/steps/0/region", "mars"),
                      "/migration/steps/0/region", "unknown region \"mars\""));
  EXPECT_TRUE(FailsAt(with(migration_scenario(), "/migration/steps/4/lag_below_ms", 5),
                      "/migration/steps/4/lag_below_ms",
                      "field \"lag_below_ms\" does not apply to type \"wait\""));
  EXPECT_TRUE(FailsAt(without(migration_scenario(), "/migration/steps/1/lag_below_ms"),
                      "/migration/steps/1",
                      "missing required field \"lag_below_ms\" (needed by type \"wait_until\")"));
  // Primary-backup cannot change its replica set.
  json pb = base_scenario();
  pb["migration"] = json::parse(R"({"steps": [{"type": "add_replicas", "region": "us-west-2"}]})");
  EXPECT_TRUE(FailsAt(pb, "/migration/steps/0/type", "only protocol \"raft\" can do"));
}

}  // namespace
}  // namespace cutover::sim

// --- Clients: closed loop and retries ----------------------------------------------------------

namespace cutover::sim {
namespace {

TEST(ScenarioLoaderTest, ClosedLoopAndRetriesParse) {
  json doc = base_scenario();
  doc["workload"][0] = json::parse(R"({"region": "us-east-1",
    "closed_loop": {"users": 30, "think_time_ms": 20}, "client_timeout_ms": 3000,
    "retry": {"max_attempts": 4, "initial_backoff_ms": 50, "jitter": "equal"}})");
  const Workload w = load_ok(doc).workloads[0];
  ASSERT_TRUE(w.closed_loop.has_value());
  EXPECT_EQ(w.closed_loop->users, 30u);
  EXPECT_EQ(w.closed_loop->think_time_ms, 20);
  EXPECT_EQ(w.retry.max_attempts, 4u);
  EXPECT_EQ(w.retry.attempt_timeout_ms, 750) << "default: the timeout split over the attempts";
  EXPECT_EQ(w.retry.initial_backoff_ms, 50);
  EXPECT_EQ(w.retry.jitter, RetryJitter::kEqual);
  EXPECT_FALSE(w.dns.has_value());
  doc["workload"][0]["dns"] = {{"ttl_s", 30}};
  const Workload behind_dns = load_ok(doc).workloads[0];
  ASSERT_TRUE(behind_dns.dns.has_value());
  EXPECT_EQ(behind_dns.dns->ttl_s, 30);
  EXPECT_EQ(behind_dns.dns->clients, 1000u) << "the documented default";
  // Without a retry object: one attempt that may take the whole timeout.
  const Workload plain = load_ok(base_scenario()).workloads[0];
  EXPECT_EQ(plain.retry.max_attempts, 1u);
  EXPECT_EQ(plain.retry.attempt_timeout_ms, plain.client_timeout_ms);
}

TEST(ScenarioLoaderTest, WorkloadLoadAndRetryMistakesAreRefused) {
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/workload/0/closed_loop", {{"users", 3}}),
                      "/workload/0", "exclusive; keep one"));
  EXPECT_TRUE(FailsAt(without(base_scenario(), "/workload/0/rate_per_s"), "/workload/0",
                      "missing the load"));
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/workload/0/retry", {{"attempt_timeout_ms", 5000}}),
                      "/workload/0/retry/attempt_timeout_ms",
                      "cannot outlast the whole operation"));
  EXPECT_TRUE(FailsAt(with(base_scenario(), "/workload/0/retry",
                           {{"initial_backoff_ms", 500}, {"max_backoff_ms", 100}}),
                      "/workload/0/retry/max_backoff_ms", "is below initial_backoff_ms"));
}

}  // namespace
}  // namespace cutover::sim

// --- Load balancer and traffic shifts -----------------------------------------------------------

namespace cutover::sim {
namespace {

TEST(ScenarioLoaderTest, LoadBalancerAndTrafficShiftParse) {
  json doc = migration_scenario();
  doc["load_balancer"] = json::parse(
      R"({"weights": {"us-east-1": 3, "us-west-2": 1}, "health_check": {"interval_ms": 200,
          "timeout_ms": 100, "unhealthy_threshold": 3}})");
  doc["migration"]["steps"].push_back(
      json::parse(R"({"type": "shift_traffic", "weights": {"us-west-2": 1}, "over_s": 30})"));
  const Scenario s = load_ok(doc);
  ASSERT_TRUE(s.load_balancer.has_value());
  EXPECT_EQ(s.load_balancer->weights.at("us-east-1"), 3);
  EXPECT_EQ(s.load_balancer->health_check.interval_ms, 200);
  EXPECT_EQ(s.load_balancer->health_check.unhealthy_threshold, 3u);
  EXPECT_EQ(s.load_balancer->health_check.healthy_threshold, 2u) << "the documented default";
  const MigrationStep& shift = s.migration->steps.back();
  EXPECT_EQ(shift.type, StepType::kShiftTraffic);
  EXPECT_EQ(shift.weights.at("us-west-2"), 1);
  EXPECT_EQ(shift.over_s, 30);
}

TEST(ScenarioLoaderTest, LoadBalancerMistakesAreRefused) {
  json doc = migration_scenario();
  doc["load_balancer"] = json::parse(R"({"weights": {"us-east-1": 0}})");
  EXPECT_TRUE(FailsAt(doc, "/load_balancer/weights", "no region has a positive weight"));
  doc["load_balancer"] = json::parse(R"({"weights": {"moon": 1}})");
  EXPECT_TRUE(FailsAt(doc, "/load_balancer/weights/moon", "unknown region \"moon\""));
  doc["load_balancer"] =
      json::parse(R"({"weights": {"us-east-1": 1}, "health_check": {"timeout_ms": 2000}})");
  EXPECT_TRUE(FailsAt(doc, "/load_balancer/health_check/timeout_ms", "must be shorter"));
  json no_balancer = migration_scenario();
  no_balancer["migration"]["steps"].push_back(
      json::parse(R"({"type": "shift_traffic", "weights": {"us-west-2": 1}})"));
  EXPECT_TRUE(FailsAt(no_balancer, "/migration/steps/5/type", "needs a load_balancer"));
}

}  // namespace
}  // namespace cutover::sim
