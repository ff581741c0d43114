#include "analysis/topology.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <utility>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/edmonds_karp_max_flow.hpp>

#include "models/core/check.h"

namespace cutover::analysis::topology {
namespace {

// What is down in one what-if.
struct Outage {
  std::vector<bool> site_down;
  std::vector<bool> link_down;
};

Outage nothing_down(const TopologyModel& model) {
  return {std::vector<bool>(model.sites.size(), false),
          std::vector<bool>(model.links.size(), false)};
}

// Who can talk to whom, and how fast, under an outage: direct links only.
class Reach {
 public:
  Reach(const TopologyModel& model, const Outage& outage)
      : sites_(model.sites.size()),
        alive_(sites_),
        rtt_ms_(sites_, std::vector<std::optional<double>>(sites_)) {
    for (std::size_t s = 0; s < sites_; ++s) {
      alive_[s] = !outage.site_down[s];
      if (alive_[s]) rtt_ms_[s][s] = model.sites[s].intra_rtt_ms;
    }
    for (std::size_t l = 0; l < model.links.size(); ++l) {
      if (outage.link_down[l]) continue;
      const SiteLink& link = model.links[l];
      for (std::uint32_t a : link.a) {
        for (std::uint32_t b : link.b) {
          if (alive_[a] && alive_[b]) rtt_ms_[a][b] = rtt_ms_[b][a] = link.rtt_ms;
        }
      }
    }
  }
  bool alive(std::uint32_t site) const { return alive_[site]; }
  // nullopt: the two sites cannot exchange messages.
  std::optional<double> rtt_ms(std::uint32_t a, std::uint32_t b) const { return rtt_ms_[a][b]; }

 private:
  std::size_t sites_;
  std::vector<bool> alive_;
  std::vector<std::vector<std::optional<double>>> rtt_ms_;
};

struct Peer {
  double rtt_ms = 0;
  std::uint32_t replica = 0;
};

// A commit a leader can make: the round trip to the slowest acknowledgement it waits for.
struct Commit {
  double quorum_rtt_ms = 0;
  std::vector<std::uint32_t> acknowledgers;
};

bool votes(const Replica& replica) { return replica.role == Role::kVoter; }

// The other live replicas `leader` can reach (voters only, or every cluster member), nearest
// first; ties by replica order, so answers are deterministic.
std::vector<Peer> reachable_peers(const TopologyModel& model, const Reach& reach,
                                  std::uint32_t leader, bool voters_only) {
  std::vector<Peer> peers;
  const std::uint32_t from = model.replicas[leader].site;
  for (std::uint32_t r = 0; r < model.replicas.size(); ++r) {
    const Replica& replica = model.replicas[r];
    if (r == leader || (voters_only && !votes(replica)) || replica.role == Role::kSpare) continue;
    if (const auto rtt = reach.rtt_ms(from, replica.site)) peers.push_back({*rtt, r});
  }
  std::sort(peers.begin(), peers.end(), [](const Peer& a, const Peer& b) {
    return a.rtt_ms != b.rtt_ms ? a.rtt_ms < b.rtt_ms : a.replica < b.replica;
  });
  return peers;
}

Commit commit_after(const std::vector<Peer>& peers, std::size_t acks) {
  CUTOVER_CHECK(acks <= peers.size(), "waiting for more acknowledgements than peers");
  Commit commit;
  for (std::size_t i = 0; i < acks; ++i) commit.acknowledgers.push_back(peers[i].replica);
  commit.quorum_rtt_ms = acks == 0 ? 0 : peers[acks - 1].rtt_ms;
  return commit;
}

std::uint32_t count_voters(const TopologyModel& model) {
  std::uint32_t voters = 0;
  for (const Replica& replica : model.replicas) voters += votes(replica) ? 1 : 0;
  return voters;
}

std::uint32_t majority_of(std::uint32_t voters) { return voters / 2 + 1; }

// Raft (§5.3): an entry commits once a majority of all voters, the leader included, has it.
std::optional<Commit> raft_commit(const TopologyModel& model, const Reach& reach,
                                  std::uint32_t leader) {
  if (!votes(model.replicas[leader]) || !reach.alive(model.replicas[leader].site)) return {};
  const std::vector<Peer> peers = reachable_peers(model, reach, leader, /*voters_only=*/true);
  const std::size_t acks = majority_of(count_voters(model)) - 1;
  if (peers.size() < acks) return std::nullopt;
  return commit_after(peers, acks);
}

// Primary-backup: the rules of models/replication/primary_backup (see topology.h).
std::optional<Commit> primary_backup_commit(const TopologyModel& model, const Reach& reach,
                                            std::uint32_t primary) {
  if (!reach.alive(model.replicas[primary].site)) return std::nullopt;
  const std::vector<Peer> backups = reachable_peers(model, reach, primary, /*voters_only=*/true);
  const auto replicas = static_cast<std::uint32_t>(model.replicas.size());
  const bool hears_majority = 1 + backups.size() >= majority_of(replicas);
  const PrimaryBackup& config = model.primary_backup;
  if (config.automatic_failover && !hears_majority) return std::nullopt;  // it steps down
  switch (config.ack) {
    case AckMode::kAsync:
      return commit_after(backups, 0);
    case AckMode::kSemiSync:
      if (backups.size() < config.semi_sync_acks) return std::nullopt;
      return commit_after(backups, config.semi_sync_acks);
    case AckMode::kSync:
      // Silent backups leave the in-sync set only while the primary hears a majority.
      if (!hears_majority && backups.size() + 1 < replicas) return std::nullopt;
      return commit_after(backups, backups.size());
  }
  return std::nullopt;
}

// The replica that would lead from `site`: its first voter (any voter there sees the same
// peers). nullopt: no voter lives there.
std::optional<std::uint32_t> leader_at(const TopologyModel& model, std::uint32_t site) {
  for (std::uint32_t r = 0; r < model.replicas.size(); ++r) {
    if (model.replicas[r].site == site && votes(model.replicas[r])) return r;
  }
  return std::nullopt;
}

std::optional<Commit> commit_from(const TopologyModel& model, const Reach& reach,
                                  std::uint32_t leader) {
  return model.protocol == Protocol::kRaft ? raft_commit(model, reach, leader)
                                           : primary_backup_commit(model, reach, leader);
}

void add_leader_site(FailureAnswer& answer, std::uint32_t site, double commit_ms) {
  if (std::find(answer.leader_sites.begin(), answer.leader_sites.end(), site) ==
      answer.leader_sites.end()) {
    answer.leader_sites.push_back(site);
  }
  answer.best_commit_latency_ms = std::min(
      answer.best_commit_latency_ms.value_or(std::numeric_limits<double>::infinity()), commit_ms);
}

void judge_raft(const TopologyModel& model, const Reach& reach, FailureAnswer& answer) {
  for (std::uint32_t site = 0; site < model.sites.size(); ++site) {
    const std::optional<std::uint32_t> leader = leader_at(model, site);
    if (!leader) continue;
    if (const auto commit = raft_commit(model, reach, *leader)) {
      add_leader_site(answer, site, commit->quorum_rtt_ms + model.fsync_ms);
    }
  }
  answer.writes_survive = !answer.leader_sites.empty();
}

void judge_primary_backup(const TopologyModel& model, const Reach& reach, FailureAnswer& answer) {
  const std::uint32_t primary = model.primary_backup.primary;
  if (const auto commit = primary_backup_commit(model, reach, primary)) {
    answer.primary_survives = true;
    answer.writes_survive = true;
    add_leader_site(answer, model.replicas[primary].site, commit->quorum_rtt_ms + model.fsync_ms);
    return;
  }
  answer.primary_survives = false;
  // A backup that could take over. primary_backup_commit already asks, in automatic mode, for
  // the majority a candidate needs to win the vote.
  for (std::uint32_t r = 0; r < model.replicas.size(); ++r) {
    if (r == primary) continue;
    const auto commit = primary_backup_commit(model, reach, r);
    if (!commit) continue;
    if (!answer.promotable_backup) answer.promotable_backup = r;
    add_leader_site(answer, model.replicas[r].site, commit->quorum_rtt_ms + model.fsync_ms);
  }
  const bool promotable = answer.promotable_backup.has_value();
  answer.writes_survive = promotable && model.primary_backup.automatic_failover;
  answer.needs_operator = promotable && !model.primary_backup.automatic_failover;
}

FailureAnswer judge(const TopologyModel& model, const Outage& outage) {
  const Reach reach(model, outage);
  FailureAnswer answer;
  if (model.protocol == Protocol::kRaft) {
    judge_raft(model, reach, answer);
  } else {
    judge_primary_backup(model, reach, answer);
  }
  std::sort(answer.leader_sites.begin(), answer.leader_sites.end());
  return answer;
}

// --- searches over link failures -------------------------------------------------------------

// The smallest subset of `candidates` whose failure makes `stops` true, found as the largest
// set of candidates that can stay up while `stops` still holds (branch and bound, each link
// kept before it is tried cut, so the first best found is deterministic). Pruning relies on
// monotonicity: a failure never adds a path, so once writes are stopped they stay stopped when
// more links fail; keeping link i is explored only if writes are still stopped with it up and
// every later candidate down.
class FailingSetSearch {
 public:
  FailingSetSearch(const TopologyModel& model, const std::vector<std::uint32_t>& candidates,
                   const std::function<bool(const Outage&)>& stops)
      : model_(model), candidates_(candidates), stops_(stops), kept_(candidates.size(), false) {}

  LinkSearch run() {
    LinkSearch search;
    if (!still_stopped(0)) return search;  // even every candidate down is not enough
    explore(0, 0);
    search.budget_exhausted = exhausted_;
    if (exhausted_ || !best_kept_) return search;
    for (std::size_t i = 0; i < candidates_.size(); ++i) {
      if (!best_set_[i]) search.cut_links.push_back(candidates_[i]);
    }
    search.links = static_cast<std::uint32_t>(search.cut_links.size());
    return search;
  }

 private:
  // `stops` with the candidates kept so far (below `decided`) up and every other one down.
  bool still_stopped(std::size_t decided) {
    if (++evaluated_ > kSearchBudget) exhausted_ = true;
    Outage outage = nothing_down(model_);
    for (std::size_t i = 0; i < candidates_.size(); ++i) {
      outage.link_down[candidates_[i]] = i >= decided || !kept_[i];
    }
    return stops_(outage);
  }

  void explore(std::size_t next, std::size_t kept) {
    if (exhausted_) return;
    if (best_kept_ && kept + (candidates_.size() - next) <= *best_kept_) return;  // bound
    if (next == candidates_.size()) {
      best_kept_ = kept;
      best_set_ = kept_;
      return;
    }
    kept_[next] = true;
    if (still_stopped(next + 1)) explore(next + 1, kept + 1);
    kept_[next] = false;
    explore(next + 1, kept);
  }

  const TopologyModel& model_;
  const std::vector<std::uint32_t>& candidates_;
  const std::function<bool(const Outage&)>& stops_;
  std::vector<bool> kept_;
  std::optional<std::size_t> best_kept_;
  std::vector<bool> best_set_;
  std::uint64_t evaluated_ = 0;
  bool exhausted_ = false;
};

LinkSearch smallest_failing_set(const TopologyModel& model,
                                const std::vector<std::uint32_t>& candidates,
                                const std::function<bool(const Outage&)>& stops) {
  return FailingSetSearch(model, candidates, stops).run();
}

bool contains(const std::vector<std::uint32_t>& sites, std::uint32_t site) {
  return std::find(sites.begin(), sites.end(), site) != sites.end();
}

bool joins(const SiteLink& link, std::uint32_t site) {
  return contains(link.a, site) || contains(link.b, site);
}

bool hosts_replicas(const TopologyModel& model, std::uint32_t site) {
  for (const Replica& replica : model.replicas) {
    if (replica.site == site && replica.role != Role::kSpare) return true;
  }
  return false;
}

LinkSearch links_to_stop_writes(const TopologyModel& model) {
  std::vector<std::uint32_t> candidates;
  auto any_hosts = [&model](const std::vector<std::uint32_t>& sites) {
    return std::any_of(sites.begin(), sites.end(),
                       [&model](std::uint32_t site) { return hosts_replicas(model, site); });
  };
  for (std::uint32_t l = 0; l < model.links.size(); ++l) {
    if (any_hosts(model.links[l].a) && any_hosts(model.links[l].b)) candidates.push_back(l);
  }
  return smallest_failing_set(model, candidates, [&model](const Outage& outage) {
    return !judge(model, outage).writes_survive;
  });
}

std::optional<std::uint32_t> links_to_cut_off(const TopologyModel& model, std::uint32_t site,
                                              std::uint32_t leader) {
  std::vector<std::uint32_t> own_links;
  for (std::uint32_t l = 0; l < model.links.size(); ++l) {
    if (joins(model.links[l], site)) own_links.push_back(l);
  }
  const LinkSearch search =
      smallest_failing_set(model, own_links, [&model, leader](const Outage& outage) {
        return !commit_from(model, Reach(model, outage), leader).has_value();
      });
  return search.links;
}

// --- min cut (Boost.Graph) ------------------------------------------------------------------

using FlowTraits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using FlowGraph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<
        boost::edge_capacity_t, long,
        boost::property<boost::edge_residual_capacity_t, long,
                        boost::property<boost::edge_reverse_t, FlowTraits::edge_descriptor>>>>;

// One unit of capacity per link, so a max flow between two sites counts link-disjoint paths,
// which by Menger's theorem is the fewest links whose failure separates them. Vertices 0..n-1
// are the sites; each link adds, per direction, an "in" and an "out" vertex: every site of
// the sending end -> in (unbounded), in -> out (1), out -> every site of the receiving end
// (unbounded). A link reaching several zones thus counts once, and carries nothing between
// two sites of the same end.
FlowGraph link_gadget_graph(const TopologyModel& model) {
  constexpr long kUnbounded = 1L << 30;
  FlowGraph graph(model.sites.size());
  auto capacity = boost::get(boost::edge_capacity, graph);
  auto reverse = boost::get(boost::edge_reverse, graph);
  auto add_arc = [&](std::size_t from, std::size_t to, long units) {
    const auto forward = boost::add_edge(from, to, graph).first;
    const auto backward = boost::add_edge(to, from, graph).first;
    capacity[forward] = units;
    capacity[backward] = 0;
    reverse[forward] = backward;
    reverse[backward] = forward;
  };
  auto add_direction = [&](const std::vector<std::uint32_t>& from,
                           const std::vector<std::uint32_t>& to) {
    const std::size_t in = boost::add_vertex(graph);
    const std::size_t out = boost::add_vertex(graph);
    for (std::uint32_t site : from) add_arc(site, in, kUnbounded);
    add_arc(in, out, 1);
    for (std::uint32_t site : to) add_arc(out, site, kUnbounded);
  };
  for (const SiteLink& link : model.links) {
    add_direction(link.a, link.b);
    add_direction(link.b, link.a);
  }
  return graph;
}

// Sites still reachable from `source` over arcs with residual capacity: the source side of a
// minimum cut once the flow is maximal.
std::vector<bool> source_side(const FlowGraph& graph, std::uint32_t source) {
  const auto residual = boost::get(boost::edge_residual_capacity, graph);
  std::vector<bool> seen(boost::num_vertices(graph), false);
  std::deque<std::size_t> queue{source};
  seen[source] = true;
  while (!queue.empty()) {
    const std::size_t at = queue.front();
    queue.pop_front();
    for (const auto arc : boost::make_iterator_range(boost::out_edges(at, graph))) {
      const std::size_t next = boost::target(arc, graph);
      if (residual[arc] > 0 && !seen[next]) {
        seen[next] = true;
        queue.push_back(next);
      }
    }
  }
  return seen;
}

Cut cut_for_side(const TopologyModel& model, const std::vector<bool>& side) {
  Cut cut;
  Outage outage = nothing_down(model);
  for (std::uint32_t l = 0; l < model.links.size(); ++l) {
    const SiteLink& link = model.links[l];
    bool crosses = false;
    for (std::uint32_t a : link.a) {
      for (std::uint32_t b : link.b) crosses = crosses || side[a] != side[b];
    }
    if (crosses) {
      cut.cut_links.push_back(l);
      outage.link_down[l] = true;
    }
  }
  for (std::uint32_t s = 0; s < model.sites.size(); ++s) {
    (side[s] ? cut.side_a : cut.side_b).push_back(s);
  }
  cut.links = static_cast<std::uint32_t>(cut.cut_links.size());
  cut.writes_survive = judge(model, outage).writes_survive;
  return cut;
}

Cut min_cut(const TopologyModel& model) {
  std::vector<std::uint32_t> voter_sites;
  for (std::uint32_t s = 0; s < model.sites.size(); ++s) {
    if (leader_at(model, s)) voter_sites.push_back(s);
  }
  Cut best;
  for (std::size_t i = 0; i < voter_sites.size(); ++i) {
    for (std::size_t j = i + 1; j < voter_sites.size(); ++j) {
      FlowGraph graph = link_gadget_graph(model);
      const long flow = boost::edmonds_karp_max_flow(graph, voter_sites[i], voter_sites[j]);
      Cut cut = cut_for_side(model, source_side(graph, voter_sites[i]));
      // Equal when every link joins single sites; a link whose ends are both split by the cut
      // (zones of one region on both sides) counts once here but twice in the flow.
      CUTOVER_CHECK(*cut.links <= static_cast<std::uint32_t>(flow), "cut larger than the flow");
      if (!best.links || *cut.links < *best.links) best = std::move(cut);
    }
  }
  return best;
}

// --- failures and sites ---------------------------------------------------------------------

FailureAnswer judge_sites_down(const TopologyModel& model, FailureKind kind,
                               const std::string& name,
                               const std::function<bool(const Site&)>& down) {
  Outage outage = nothing_down(model);
  for (std::size_t s = 0; s < model.sites.size(); ++s) outage.site_down[s] = down(model.sites[s]);
  FailureAnswer answer = judge(model, outage);
  answer.kind = kind;
  answer.name = name;
  return answer;
}

std::vector<FailureAnswer> single_failures(const TopologyModel& model) {
  std::vector<FailureAnswer> failures;
  std::set<std::string> regions_done;
  for (const Site& site : model.sites) {
    if (!regions_done.insert(site.region).second) continue;
    failures.push_back(
        judge_sites_down(model, FailureKind::kRegion, site.region,
                         [&site](const Site& s) { return s.region == site.region; }));
  }
  for (const Site& site : model.sites) {
    if (site.zone.empty()) continue;
    failures.push_back(judge_sites_down(model, FailureKind::kZone, site.zone,
                                        [&site](const Site& s) { return s.name == site.name; }));
  }
  for (std::uint32_t l = 0; l < model.links.size(); ++l) {
    Outage outage = nothing_down(model);
    outage.link_down[l] = true;
    FailureAnswer answer = judge(model, outage);
    answer.kind = FailureKind::kLink;
    answer.name = link_name(model, l);
    failures.push_back(std::move(answer));
  }
  return failures;
}

SiteAnswer answer_for_site(const TopologyModel& model, std::uint32_t site) {
  SiteAnswer answer{.site = site};
  for (const Replica& replica : model.replicas) {
    if (replica.site == site && votes(replica)) ++answer.voters;
  }
  const std::optional<std::uint32_t> leader = leader_at(model, site);
  if (!leader) return answer;
  const Reach reach(model, nothing_down(model));
  if (const auto commit = commit_from(model, reach, *leader)) {
    answer.quorum_rtt_ms = commit->quorum_rtt_ms;
    answer.commit_latency_ms = commit->quorum_rtt_ms + model.fsync_ms;
    answer.acknowledgers = commit->acknowledgers;
    answer.links_to_cut_off = links_to_cut_off(model, site, *leader);
  }
  return answer;
}

void check_model(const TopologyModel& model) {
  std::set<std::pair<std::uint32_t, std::uint32_t>> pairs;
  for (const SiteLink& link : model.links) {
    CUTOVER_CHECK(!link.a.empty() && !link.b.empty(), "a link with an empty end");
    for (std::uint32_t a : link.a) {
      for (std::uint32_t b : link.b) {
        CUTOVER_CHECK(a < model.sites.size() && b < model.sites.size(), "link to no site");
        CUTOVER_CHECK(a != b, "a link joins two different sites");
        CUTOVER_CHECK(pairs.insert(std::minmax(a, b)).second, "two links for one pair of sites");
      }
    }
  }
  for (const Replica& replica : model.replicas) {
    CUTOVER_CHECK(replica.site < model.sites.size(), "replica " + replica.name + " has no site");
  }
  CUTOVER_CHECK(count_voters(model) > 0, "no voter");
  if (model.protocol == Protocol::kPrimaryBackup) {
    CUTOVER_CHECK(model.primary_backup.primary < model.replicas.size(), "no such primary");
  }
}

}  // namespace

std::string link_name(const TopologyModel& model, std::uint32_t link) {
  const SiteLink& joined = model.links.at(link);
  if (!joined.name.empty()) return joined.name;
  auto names = [&model](const std::vector<std::uint32_t>& sites) {
    std::string text;
    for (std::uint32_t site : sites) text += (text.empty() ? "" : "+") + model.sites.at(site).name;
    return text;
  };
  return names(joined.a) + " <-> " + names(joined.b);
}

TopologyAnswer analyze_topology(const TopologyModel& model) {
  check_model(model);
  TopologyAnswer answer;
  answer.voters = count_voters(model);
  answer.majority = majority_of(answer.voters);
  for (std::uint32_t site = 0; site < model.sites.size(); ++site) {
    answer.sites.push_back(answer_for_site(model, site));
  }
  answer.failures = single_failures(model);
  answer.min_cut = min_cut(model);
  answer.links_to_stop_writes = links_to_stop_writes(model);
  return answer;
}

}  // namespace cutover::analysis::topology
