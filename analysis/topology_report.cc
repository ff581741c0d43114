#include "analysis/topology_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <sstream>
#include <vector>

namespace cutover::analysis::topology {
namespace {

using nlohmann::json;

constexpr const char* kNetworkModel =
    "direct links only: a message takes the link between its two ends, never a detour through "
    "a third region or zone (as the simulator routes)";

json milliseconds(std::optional<double> ms) {
  if (!ms) return nullptr;
  const double rounded = std::round(*ms * 1000.0) / 1000.0;
  return rounded == 0.0 ? 0.0 : rounded;
}

template <typename T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

const char* ack_name(AckMode ack) {
  switch (ack) {
    case AckMode::kAsync:
      return "async";
    case AckMode::kSemiSync:
      return "semi_sync";
    case AckMode::kSync:
      return "sync";
  }
  return "?";
}

const char* kind_name(FailureKind kind) {
  switch (kind) {
    case FailureKind::kRegion:
      return "region";
    case FailureKind::kZone:
      return "zone";
    case FailureKind::kLink:
      return "link";
  }
  return "?";
}

std::vector<std::string> site_names(const TopologyModel& model,
                                    const std::vector<std::uint32_t>& sites) {
  std::vector<std::string> names;
  for (std::uint32_t site : sites) names.push_back(model.sites[site].name);
  return names;
}

std::vector<std::string> link_names(const TopologyModel& model,
                                    const std::vector<std::uint32_t>& links) {
  std::vector<std::string> names;
  for (std::uint32_t link : links) names.push_back(link_name(model, link));
  return names;
}

std::vector<std::string> replica_names(const TopologyModel& model,
                                       const std::vector<std::uint32_t>& replicas) {
  std::vector<std::string> names;
  for (std::uint32_t replica : replicas) names.push_back(model.replicas[replica].name);
  return names;
}

json protocol_json(const TopologyModel& model, const TopologyAnswer& answer) {
  if (model.protocol == Protocol::kRaft) {
    return {{"type", "raft"}, {"voters", answer.voters}, {"majority", answer.majority}};
  }
  const PrimaryBackup& config = model.primary_backup;
  return {{"type", "primary_backup"},
          {"voters", answer.voters},
          {"majority", answer.majority},
          {"ack", ack_name(config.ack)},
          {"semi_sync_acks",
           config.ack == AckMode::kSemiSync ? json(config.semi_sync_acks) : json(nullptr)},
          {"primary", model.replicas[config.primary].name},
          {"failover", config.automatic_failover ? "automatic" : "scripted"}};
}

json site_json(const TopologyModel& model, const SiteAnswer& site) {
  const Site& where = model.sites[site.site];
  return {{"site", where.name},
          {"region", where.region},
          {"zone", where.zone.empty() ? json(nullptr) : json(where.zone)},
          {"voters", site.voters},
          {"quorum_rtt_ms", milliseconds(site.quorum_rtt_ms)},
          {"commit_latency_ms", milliseconds(site.commit_latency_ms)},
          {"acknowledgers", replica_names(model, site.acknowledgers)},
          {"links_to_cut_off", optional_json(site.links_to_cut_off)}};
}

json failure_json(const TopologyModel& model, const FailureAnswer& failure) {
  json promotable = nullptr;
  if (failure.promotable_backup) promotable = model.replicas[*failure.promotable_backup].name;
  return {{"kind", kind_name(failure.kind)},
          {"name", failure.name},
          {"writes_survive", failure.writes_survive},
          {"leader_sites", site_names(model, failure.leader_sites)},
          {"best_commit_latency_ms", milliseconds(failure.best_commit_latency_ms)},
          {"primary_survives", optional_json(failure.primary_survives)},
          {"promotable_backup", promotable},
          {"needs_operator", failure.needs_operator}};
}

// --- table ----------------------------------------------------------------------------------

std::string pad(const std::string& text, std::size_t width, bool left = true) {
  if (text.size() >= width) return text + " ";
  const std::string fill(width - text.size(), ' ');
  return left ? text + fill : fill + text;
}

std::string ms_text(std::optional<double> ms) {
  if (!ms) return "n/a";
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", *ms);
  return text;
}

std::string joined(const std::vector<std::string>& names) {
  if (names.empty()) return "-";
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string count_text(std::optional<std::uint32_t> count) {
  return count ? std::to_string(*count) : std::string("never");
}

std::size_t name_width(const TopologyModel& model, const TopologyAnswer& answer) {
  std::size_t width = 16;
  for (const Site& site : model.sites) width = std::max(width, site.name.size() + 4);
  for (const FailureAnswer& failure : answer.failures) {
    width = std::max(width, failure.name.size() + std::string(kind_name(failure.kind)).size() + 4);
  }
  return width;
}

void render_sites(const TopologyModel& model, const TopologyAnswer& answer, std::size_t width,
                  std::ostringstream& out) {
  const bool raft = model.protocol == Protocol::kRaft;
  out << pad(raft ? "leader in" : "primary in", width)
      << pad(raft ? "voters" : "replicas", 10, false) << pad("quorum rtt ms", 15, false)
      << pad("commit ms", 11, false) << "  " << pad("links to cut off", 18) << "waits for\n";
  for (const SiteAnswer& site : answer.sites) {
    out << pad("  " + model.sites[site.site].name, width)
        << pad(std::to_string(site.voters), 10, false)
        << pad(ms_text(site.quorum_rtt_ms), 15, false)
        << pad(ms_text(site.commit_latency_ms), 11, false) << "  "
        << pad(site.commit_latency_ms ? count_text(site.links_to_cut_off) : "-", 18)
        << (site.voters == 0 ? std::string("(no voter here)")
                             : joined(replica_names(model, site.acknowledgers)))
        << "\n";
  }
}

std::string verdict_text(const TopologyModel& model, const FailureAnswer& failure) {
  if (failure.writes_survive) {
    if (failure.primary_survives == false && failure.promotable_backup) {
      return "survive (failover to " + model.replicas[*failure.promotable_backup].name + ")";
    }
    return "survive";
  }
  if (failure.needs_operator) {
    return "LOST until an operator promotes " + model.replicas[*failure.promotable_backup].name;
  }
  return "LOST";
}

void render_failures(const TopologyModel& model, const TopologyAnswer& answer, std::size_t width,
                     std::ostringstream& out) {
  const bool raft = model.protocol == Protocol::kRaft;
  const std::string leaders_title = raft ? "leader can be in" : "primary can be in";
  std::size_t leaders_width = leaders_title.size() + 2;
  for (const FailureAnswer& failure : answer.failures) {
    leaders_width =
        std::max(leaders_width, joined(site_names(model, failure.leader_sites)).size() + 2);
  }
  out << pad("single failure", width) << pad("best commit ms", 15, false) << "  "
      << pad(leaders_title, leaders_width) << "writes\n";
  for (const FailureAnswer& failure : answer.failures) {
    out << pad(std::string("  ") + kind_name(failure.kind) + " " + failure.name, width)
        << pad(ms_text(failure.best_commit_latency_ms), 15, false) << "  "
        << pad(joined(site_names(model, failure.leader_sites)), leaders_width)
        << verdict_text(model, failure) << "\n";
  }
}

void render_cuts(const TopologyModel& model, const TopologyAnswer& answer,
                 std::ostringstream& out) {
  const Cut& cut = answer.min_cut;
  if (cut.links) {
    out << "min cut: " << *cut.links << (*cut.links == 1 ? " link" : " links") << " ("
        << joined(link_names(model, cut.cut_links)) << ") split {"
        << joined(site_names(model, cut.side_a)) << "} from {"
        << joined(site_names(model, cut.side_b)) << "}; writes "
        << (cut.writes_survive ? "survive" : "LOST") << "\n";
  } else {
    out << "min cut: none (every voter is in one site)\n";
  }
  const LinkSearch& stop = answer.links_to_stop_writes;
  out << "link failures that stop all writes: ";
  if (stop.budget_exhausted) {
    out << "unknown (search budget exhausted)\n";
  } else if (!stop.links) {
    out << "none: no set of link failures stops writes\n";
  } else {
    out << *stop.links << " (" << joined(link_names(model, stop.cut_links)) << ")\n";
  }
}

}  // namespace

json topology_json(const std::string& scenario, const TopologyModel& model,
                   const TopologyAnswer& answer) {
  json sites = json::array();
  for (const SiteAnswer& site : answer.sites) sites.push_back(site_json(model, site));
  json failures = json::array();
  for (const FailureAnswer& failure : answer.failures) {
    failures.push_back(failure_json(model, failure));
  }
  const Cut& cut = answer.min_cut;
  const LinkSearch& stop = answer.links_to_stop_writes;
  return {{"scenario", scenario},
          {"protocol", protocol_json(model, answer)},
          {"network", kNetworkModel},
          {"fsync_ms", model.fsync_ms},
          {"sites", std::move(sites)},
          {"failures", std::move(failures)},
          {"min_cut",
           {{"links", optional_json(cut.links)},
            {"cut", link_names(model, cut.cut_links)},
            {"sides", {site_names(model, cut.side_a), site_names(model, cut.side_b)}},
            {"writes_survive", cut.writes_survive}}},
          {"links_to_stop_writes",
           {{"links", optional_json(stop.links)},
            {"cut", link_names(model, stop.cut_links)},
            {"budget_exhausted", stop.budget_exhausted}}}};
}

std::string render_topology_table(const std::string& scenario, const TopologyModel& model,
                                  const TopologyAnswer& answer) {
  std::ostringstream out;
  out << "topology risk: " << scenario << " (";
  if (model.protocol == Protocol::kRaft) {
    out << "raft, " << answer.voters << " voters, majority " << answer.majority;
  } else {
    const PrimaryBackup& config = model.primary_backup;
    out << "primary-backup " << ack_name(config.ack);
    if (config.ack == AckMode::kSemiSync) out << " k=" << config.semi_sync_acks;
    out << ", primary " << model.replicas[config.primary].name << ", "
        << (config.automatic_failover ? "automatic" : "scripted") << " failover, " << answer.voters
        << " replicas";
  }
  out << "; fsync " << ms_text(model.fsync_ms) << " ms)\n";
  out << "network: " << kNetworkModel << "\n\n";
  const std::size_t width = name_width(model, answer);
  render_sites(model, answer, width, out);
  out << "\n";
  render_failures(model, answer, width, out);
  out << "\n";
  render_cuts(model, answer, out);
  return out.str();
}

}  // namespace cutover::analysis::topology
