#include "sim/scenario/region_rtt_table.h"

#include <array>

namespace cutover::sim {
namespace {

// Source: Skyplane project (UC Berkeley, NSDI'23), profiles/latency.csv, measured April 2022:
// average ping RTT between VMs, premium network tiers. Copied from
// /work/shared/data/inter-region-rtt-ms.csv (provider, region_a, region_b, rtt_ms_avg).
// Measurements age: a scenario that depends on an exact figure should state it in
// topology.links rather than rely on this table.
constexpr std::array<BuiltinRtt, 16> kTable = {{
    {"aws", "us-east-1", "us-east-2", 11.46},
    {"aws", "us-east-1", "us-west-2", 68.38},
    {"aws", "us-east-1", "eu-west-1", 84.94},
    {"aws", "us-east-1", "eu-central-1", 89.80},
    {"aws", "us-east-1", "ap-northeast-1", 168.45},
    {"aws", "us-west-2", "eu-west-1", 122.29},
    {"aws", "us-west-2", "ap-northeast-1", 97.59},
    {"aws", "eu-west-1", "ap-northeast-1", 214.36},
    {"aws", "eu-west-1", "eu-central-1", 22.50},
    {"aws", "us-east-2", "us-west-2", 54.20},
    {"gcp", "us-east1", "us-west1", 64.25},
    {"gcp", "us-east1", "europe-west1", 92.00},
    {"gcp", "europe-west1", "asia-northeast1", 223.00},
    {"azure", "eastus", "westeurope", 80.33},
    {"azure", "eastus", "japaneast", 156.18},
    {"azure", "westeurope", "japaneast", 224.15},
}};

}  // namespace

std::span<const BuiltinRtt> builtin_rtt_table() { return kTable; }

std::optional<BuiltinRtt> lookup_builtin_rtt(std::string_view a, std::string_view b) {
  // Linear scan: the table is tiny and lookups happen once per region pair at load time.
  for (const BuiltinRtt& row : kTable) {
    if ((row.region_a == a && row.region_b == b) || (row.region_a == b && row.region_b == a)) {
      return row;
    }
  }
  return std::nullopt;
}

std::string builtin_rtt_source(const BuiltinRtt& row) {
  return "built-in: Skyplane profiles/latency.csv, April 2022 (" + std::string(row.provider) + ")";
}

}  // namespace cutover::sim
