#include "sim/scenario/region_egress_table.h"

#include <array>

namespace cutover::sim {
namespace {

// Source: AWS on-demand data-transfer prices as transcribed in the Skyplane dataset
// (aws_transfer_costs.csv, 2022-2023), plus Skyplane's 2022-11 cost profile for the Azure and
// GCP rows; US dollars per GB sent, charged at the source region (inbound is free). Copied
// from /work/shared/data/inter-region-egress-usd-per-gb.csv (provider, from_region,
// to_region, usd_per_gb). Prices change: a scenario whose conclusion depends on a price should
// state it in cost.egress.
constexpr std::array<BuiltinEgressPrice, 16> kTable = {{
    {"aws", "us-east-1", "us-east-2", 0.01},
    {"aws", "us-east-1", "us-west-2", 0.02},
    {"aws", "us-east-1", "eu-west-1", 0.02},
    {"aws", "us-east-1", "ap-northeast-1", 0.02},
    {"aws", "us-west-2", "us-east-1", 0.02},
    {"aws", "us-west-2", "eu-west-1", 0.02},
    {"aws", "us-west-2", "ap-northeast-1", 0.02},
    {"aws", "eu-west-1", "us-east-1", 0.02},
    {"aws", "eu-west-1", "us-west-2", 0.02},
    {"aws", "eu-west-1", "ap-northeast-1", 0.02},
    {"aws", "ap-northeast-1", "us-east-1", 0.09},
    {"aws", "ap-northeast-1", "us-west-2", 0.09},
    {"aws", "ap-northeast-1", "eu-west-1", 0.09},
    {"azure", "eastus", "westus2", 0.02},
    {"azure", "eastus", "westeurope", 0.05},
    {"gcp", "europe-west1", "us-east1", 0.08},
}};

}  // namespace

std::span<const BuiltinEgressPrice> builtin_egress_table() { return kTable; }

std::optional<BuiltinEgressPrice> lookup_builtin_egress(std::string_view from,
                                                        std::string_view to) {
  // Linear scan: the table is tiny and lookups happen once per region pair at load time.
  for (const BuiltinEgressPrice& row : kTable) {
    if (row.from_region == from && row.to_region == to) return row;
  }
  return std::nullopt;
}

std::string builtin_egress_source(const BuiltinEgressPrice& row) {
  if (row.provider == "aws") return "built-in: Skyplane aws_transfer_costs.csv, 2022-2023 (aws)";
  return "built-in: Skyplane cost profile, 2022-11 (" + std::string(row.provider) + ")";
}

}  // namespace cutover::sim
