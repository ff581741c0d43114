// Direct delivery (sim/transport/link_occupancy.h) is a shortcut, not a different model: the
// benchmark reference run with it gives the same latencies as the same run with every message
// a SimGrid flow (network_model.direct_tolerance_us = 0), to within what the tolerance allows.
// Each message may arrive up to 20 us off; an operation crosses the network four times
// (request, append, acknowledgement, reply), so its latency may move by 80 us.
#include <cmath>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/scenario/scenario_loader.h"

#include "tests/sim/cli_runner.h"

namespace cutover::sim {
namespace {

using nlohmann::json;
using test_support::read_text;
using test_support::run_cutover;
using test_support::run_scenario;
using test_support::ScenarioRun;
using test_support::source_dir;

json short_reference() {
  json scenario = json::parse(read_text(source_dir() / "scenarios" / "bench" / "reference.json"));
  // The whole story in 8 s: leadership moves to eu-west-1 at 2 s, eu-west-1 is dark 4-6 s.
  scenario["duration_s"] = 8;
  scenario["migration"]["start_at_s"] = 2;
  scenario["faults"][0]["at_s"] = 4;
  scenario["faults"][0]["until_s"] = 6;
  return scenario;
}

TEST(NetworkFidelity, DirectDeliveryGivesTheLatenciesOfEveryMessageASimGridFlow) {
  json exact_scenario = short_reference();
  exact_scenario["network_model"] = {{"direct_tolerance_us", 0}};
  const ScenarioRun direct = run_scenario(short_reference());
  const ScenarioRun exact = run_scenario(exact_scenario);
  ASSERT_EQ(direct.command.exit_code, 0) << direct.command.err;
  ASSERT_EQ(exact.command.exit_code, 0) << exact.command.err;

  const json& direct_transfers = direct.report.at("run").at("transfers");
  const json& exact_transfers = exact.report.at("run").at("transfers");
  EXPECT_EQ(exact_transfers.at("direct"), 0);
  const double direct_share = direct_transfers.at("direct").get<double>() /
                              (direct_transfers.at("direct").get<double>() +
                               direct_transfers.at("simgrid_flows").get<double>());
  EXPECT_GT(direct_share, 0.9);  // small messages on idle 10 Gbit/s links: nearly all

  EXPECT_EQ(direct.report.at("ops"), exact.report.at("ops"));
  constexpr double kOperationToleranceMs = 4 * 0.020;
  for (const char* kind : {"read", "write"}) {
    for (const char* figure : {"p50", "p90", "p99", "mean", "max"}) {
      const double with_direct = direct.report.at("latency_ms").at(kind).at(figure);
      const double with_flows = exact.report.at("latency_ms").at(kind).at(figure);
      EXPECT_NEAR(with_direct, with_flows, kOperationToleranceMs) << kind << " " << figure;
    }
  }
  EXPECT_NEAR(direct.report.at("rto_ms").get<double>(), exact.report.at("rto_ms").get<double>(),
              kOperationToleranceMs);
}

TEST(NetworkFidelity, TheToleranceDefaultsAsTheSchemaSaysAndANegativeOneIsRefused) {
  const json schema =
      json::parse(read_text(source_dir() / "scenarios" / "schema" / "scenario.schema.json"));
  const LoadResult loaded = load_scenario_text(short_reference().dump(), "reference.json");
  ASSERT_TRUE(std::holds_alternative<Scenario>(loaded)) << std::get<LoadError>(loaded).message();
  EXPECT_EQ(schema.at(json::json_pointer(
                "/properties/network_model/properties/direct_tolerance_us/default")),
            std::get<Scenario>(loaded).network_model.direct_tolerance_us);

  json bad = short_reference();
  bad["network_model"] = {{"direct_tolerance_us", -1}};
  const ScenarioRun run = run_scenario(bad);
  EXPECT_EQ(run.command.exit_code, 2) << run.command.describe();
  EXPECT_NE(run.command.err.find("/network_model/direct_tolerance_us"), std::string::npos)
      << run.command.err;
  EXPECT_NE(run.command.err.find("scenario.json"), std::string::npos) << run.command.err;
}

}  // namespace
}  // namespace cutover::sim
