// Built-in prices for data sent between cloud regions, so a scenario gets an egress cost
// without listing prices. The numbers are public list prices copied as data (see
// region_egress_table.cc for the source and its date); a scenario overrides any of them in
// cost.egress. Mirrors region_rtt_table.h: region names are the providers' own, so a scenario
// region named "us-east-1" is AWS us-east-1.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cutover::sim {

struct BuiltinEgressPrice {
  std::string_view provider;  // "aws", "gcp", "azure"
  std::string_view from_region;
  std::string_view to_region;
  double usd_per_gb = 0;  // charged to the sending region, per 10^9 bytes
};

// Every row of the table, in source order.
std::span<const BuiltinEgressPrice> builtin_egress_table();

// The row for data sent from `from` to `to`, if the table has one. Prices are directional
// (the sender pays, and regions price their outbound traffic differently), so the reverse
// pair is never used in place of a missing one.
std::optional<BuiltinEgressPrice> lookup_builtin_egress(std::string_view from, std::string_view to);

// Where a built-in price came from, for the report: the table, its date and the provider.
std::string builtin_egress_source(const BuiltinEgressPrice& row);

}  // namespace cutover::sim
