// Built-in inter-region round-trip times, so a scenario only has to list the links it wants
// to differ from measured reality. The numbers are public measurements, copied as data (see
// region_rtt_table.cc for the source and date); a scenario overrides any of them in
// topology.links.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cutover::sim {

struct BuiltinRtt {
  std::string_view provider;  // "aws", "gcp", "azure"
  std::string_view region_a;
  std::string_view region_b;
  double rtt_ms = 0;  // average host-to-host round trip between VMs of the two regions
};

// Every row of the table, in source order.
std::span<const BuiltinRtt> builtin_rtt_table();

// The row for the unordered pair {a, b}, if the table has one. Region names are the
// providers' own ("us-east-1" is AWS, "us-east1" is GCP), so a name identifies its provider.
std::optional<BuiltinRtt> lookup_builtin_rtt(std::string_view a, std::string_view b);

// What Link::rtt_source says for a row: names the table, its date and the provider.
std::string builtin_rtt_source(const BuiltinRtt& row);

}  // namespace cutover::sim
