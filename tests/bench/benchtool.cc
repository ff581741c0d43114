// cutover_benchtool: helpers for the whole-process benchmarks (tests/bench/*.sh).
//
//   cutover_benchtool variant IN.json OUT.json [--duration S] [--load X] [--regions K]
//       A copy of a scenario: --duration sets duration_s (a shorter run scales every fault and
//       migration time by the same factor, so the events still happen; a longer one keeps
//       them where they are); --load multiplies every workload's rate; --regions K makes K
//       copies of every region (same replicas per region, the same total request rate spread
//       over all of them, every link written out: a copy's RTT to another region is its
//       original's, and two copies of one region are 10 ms apart).
//   cutover_benchtool count SCENARIO.json [--seed N]
//       Runs the scenario through sim::run_simulation in this process and prints one JSON
//       line: wall_s (simulation only), simulated_s, operations, messages by kind.
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "tests/bench/bench_support.h"

namespace {

using nlohmann::json;
using namespace cutover;

std::string copy_name(const std::string& name, int copy) {
  return copy == 0 ? name : name + "-x" + std::to_string(copy);
}

json make_variant(const std::string& in_path, double duration, double load, int regions) {
  std::ifstream in(in_path);
  if (!in) throw std::runtime_error(in_path + ": cannot read");
  json doc = json::parse(in);
  const sim::Scenario loaded = bench::load_scenario_or_throw(in_path);

  if (duration > 0) {
    const double original = doc.at("duration_s").get<double>();
    const double factor = duration < original ? duration / original : 1.0;
    doc["duration_s"] = duration;
    if (doc.contains("faults")) {
      for (json& fault : doc["faults"]) {
        fault["at_s"] = fault.at("at_s").get<double>() * factor;
        if (fault.contains("until_s")) fault["until_s"] = fault["until_s"].get<double>() * factor;
      }
    }
    if (doc.contains("migration") && doc["migration"].contains("start_at_s")) {
      doc["migration"]["start_at_s"] = doc["migration"]["start_at_s"].get<double>() * factor;
    }
    if (doc.contains("sample_interval_ms")) {
      doc["sample_interval_ms"] =
          std::min(doc["sample_interval_ms"].get<double>(), duration * 1000.0);
    }
  }
  if (load != 1.0) {
    for (json& workload : doc.at("workload")) {
      if (workload.contains("rate_per_s")) {
        workload["rate_per_s"] = workload["rate_per_s"].get<double>() * load;
      }
    }
  }
  if (regions > 1) {
    std::map<std::pair<std::string, std::string>, double> rtt;
    for (const sim::Link& link : loaded.topology.links) {
      rtt[{link.region_a, link.region_b}] = link.rtt_ms;
      rtt[{link.region_b, link.region_a}] = link.rtt_ms;
    }
    json new_regions = json::array();
    std::vector<std::pair<std::string, std::string>> names;  // (copy name, original)
    for (int copy = 0; copy < regions; ++copy) {
      for (const json& region : doc["topology"]["regions"]) {
        json r = region;
        r["name"] = copy_name(region.at("name").get<std::string>(), copy);
        new_regions.push_back(r);
        names.emplace_back(r["name"].get<std::string>(), region.at("name").get<std::string>());
      }
    }
    json links = json::array();
    for (std::size_t i = 0; i < names.size(); ++i) {
      for (std::size_t j = i + 1; j < names.size(); ++j) {
        const double value =
            names[i].second == names[j].second ? 10.0 : rtt.at({names[i].second, names[j].second});
        links.push_back({{"regions", {names[i].first, names[j].first}}, {"rtt_ms", value}});
      }
    }
    doc["topology"]["regions"] = new_regions;
    doc["topology"]["links"] = links;
    json workloads = json::array();
    for (int copy = 0; copy < regions; ++copy) {
      for (const json& workload : doc.at("workload")) {
        json w = workload;
        w["region"] = copy_name(workload.at("region").get<std::string>(), copy);
        if (w.contains("rate_per_s")) w["rate_per_s"] = w["rate_per_s"].get<double>() / regions;
        workloads.push_back(w);
      }
    }
    doc["workload"] = workloads;
  }
  return doc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cutover_benchtool: scenario variants and counted runs for the benchmarks"};
  app.require_subcommand(1);
  std::string in_path;
  std::string out_path;
  double duration = 0;
  double load = 1.0;
  int regions = 1;
  CLI::App* variant = app.add_subcommand("variant", "Write a scaled copy of a scenario");
  variant->add_option("in", in_path)->required();
  variant->add_option("out", out_path)->required();
  variant->add_option("--duration", duration, "duration_s of the copy");
  variant->add_option("--load", load, "factor on every workload's rate");
  variant->add_option("--regions", regions, "copies of every region");
  std::string scenario_path;
  std::uint64_t seed = 0;
  bool seed_given = false;
  CLI::App* count = app.add_subcommand("count", "Run a scenario and count its messages");
  count->add_option("scenario", scenario_path)->required();
  count->add_option("--seed", seed)->each([&](const std::string&) { seed_given = true; });
  CLI11_PARSE(app, argc, argv);
  try {
    if (variant->parsed()) {
      const json doc = make_variant(in_path, duration, load, regions);
      std::ofstream out(out_path);
      out << doc.dump(2) << "\n";
      return out ? 0 : 2;
    }
    const sim::Scenario scenario = bench::load_scenario_or_throw(scenario_path);
    const bench::RunFigures f = bench::run_counted(scenario, seed_given ? seed : scenario.seed);
    const json line = {
        {"scenario", scenario.name},
        {"ok", f.ok},
        {"wall_s", f.wall_s},
        {"simulated_s", f.simulated_s},
        {"simulated_per_wall", f.simulated_s / f.wall_s},
        {"operations", f.operations},
        {"messages",
         {{"total", f.messages.total()},
          {"protocol", f.messages.protocol},
          {"client_request", f.messages.client_request},
          {"client_reply", f.messages.client_reply},
          {"control", f.messages.control}}},
        {"transfers",
         {{"sent", f.messages.transfers}, {"direct", f.direct}, {"simgrid_flows", f.flows}}},
        {"events", f.events},
        {"wall_us_per_event", 1e6 * f.wall_s / static_cast<double>(f.events)},
        {"messages_per_wall_s", static_cast<double>(f.messages.total()) / f.wall_s},
        {"wall_us_per_message", 1e6 * f.wall_s / static_cast<double>(f.messages.total())},
        {"wall_us_per_transfer", 1e6 * f.wall_s / static_cast<double>(f.messages.transfers)}};
    std::cout << line.dump() << "\n";
    return f.ok ? 0 : 3;
  } catch (const std::exception& error) {
    std::cerr << "cutover_benchtool: " << error.what() << "\n";
    return 2;
  }
}
