#include "sim/faults/fault_text.h"

#include <cstdio>
#include <variant>
#include <vector>

namespace cutover::sim {
namespace {

std::string fixed(double value) {
  char text[48];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) text += (i == 0 ? "" : ",") + names[i];
  return text;
}

std::string link(const std::string& a, const std::string& b) { return a + "<->" + b; }

std::string text_of(const RegionOutage& outage) { return "region_outage " + outage.region; }
std::string text_of(const ZoneOutage& outage) { return "zone_outage " + outage.zone; }
std::string text_of(const NodeCrash& crash) { return "node_crash " + crash.node; }
std::string text_of(const ProcessPause& pause) { return "process_pause " + pause.node; }
std::string text_of(const DiskStall& stall) { return "disk_stall " + stall.node; }

std::string text_of(const Partition& partition) {
  std::string text = "partition";
  for (std::size_t g = 0; g < partition.groups.size(); ++g) {
    text += (g == 0 ? " " : " | ") + joined(partition.groups[g]);
  }
  return text;
}

std::string text_of(const OneWayPartition& partition) {
  return "one_way_partition " + joined(partition.from) + " -> " + joined(partition.to);
}

std::string text_of(const PartialPartition& partition) {
  std::string text = "partial_partition";
  for (std::size_t i = 0; i < partition.pairs.size(); ++i) {
    text += (i == 0 ? " " : ", ") + partition.pairs[i].first + " x " + partition.pairs[i].second;
  }
  return text;
}

std::string text_of(const LinkLatency& latency) {
  return "link_latency " + link(latency.region_a, latency.region_b) + " +" +
         fixed(latency.extra_rtt_ms) + " ms rtt";
}

std::string text_of(const LinkJitter& jitter) {
  const char* shape =
      jitter.distribution == JitterDistribution::kExponential ? "exponential" : "uniform";
  return "link_jitter " + link(jitter.region_a, jitter.region_b) + " " + shape + " mean " +
         fixed(jitter.mean_ms) + " ms";
}

std::string text_of(const PacketLoss& loss) {
  return "packet_loss " + link(loss.region_a, loss.region_b) + " p=" + fixed(loss.probability);
}

std::string text_of(const BandwidthCap& cap) {
  return "bandwidth_cap " + link(cap.region_a, cap.region_b) + " " + fixed(cap.bandwidth_mbps) +
         " mbps";
}

std::string text_of(const LinkFlapping& flapping) {
  return "link_flapping " + link(flapping.region_a, flapping.region_b) + " down " +
         fixed(flapping.down_s) + " s every " + fixed(flapping.period_s) + " s";
}

std::string text_of(const MessageDuplication& duplication) {
  return "message_duplication " + link(duplication.region_a, duplication.region_b) +
         " p=" + fixed(duplication.probability);
}

std::string text_of(const MessageReordering& reordering) {
  return "message_reordering " + link(reordering.region_a, reordering.region_b) +
         " p=" + fixed(reordering.probability) + " up to " + fixed(reordering.max_delay_ms) + " ms";
}

std::string text_of(const SlowDisk& slow) {
  return "slow_disk " + slow.node + " fsync x" + fixed(slow.fsync_factor);
}

std::string text_of(const ClockSkew& skew) {
  return "clock_skew " + skew.node + " offset " + fixed(skew.offset_ms) + " ms drift " +
         fixed(skew.drift);
}

}  // namespace

std::string describe_fault(const Fault& fault) {
  return std::visit([](const auto& what) { return text_of(what); }, fault.what);
}

}  // namespace cutover::sim
