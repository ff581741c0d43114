// Topology risk: what a replica placement survives and what it costs in commit latency, worked
// out from the topology alone, without simulating. `cutover analyze` (sim/cli/analyze_command.cc)
// builds a TopologyModel from a scenario and prints analyze_topology()'s answer.
//
// Network model: the simulator's. Two sites exchange messages only over their direct link
// (no rerouting through a third site, as in sim/platform: "routes are static"), so a leader
// can count on the voters of its own site and of the sites it has a live direct link to. A
// failed site takes its replicas and links with it.
//
// Sites: a site is where replicas live and what links join: a region, or each zone of a region
// that has zones (sim/scenario/topology_model.h). A site carries its region's name, so a
// region failure takes all of its sites and a zone failure one; a link may join several sites
// at each end (a region link reaches every zone of both regions) and fails as one.
//
// What each answer means (see README.md, "cutover analyze"):
//   * writes survive a failure when some live site can host a leader (primary) that commits:
//     Raft: it reaches a majority of all voters (itself included) over live direct links.
//     Primary-backup: the primary lives, hears a majority of all replicas when failover is
//     automatic (else it steps down), and its ack mode can complete: semi_sync needs k
//     reachable backups; sync needs every backup, or a majority heard so unreachable backups
//     leave the in-sync set. When the primary cannot, a live backup that could win the vote
//     (automatic) and then commit takes over; in scripted mode an operator must promote it.
//   * quorum RTT for a leader at a site: Raft, the RTT to the (majority - 1)-th nearest other
//     voter (same-site voters at the site's intra RTT); primary-backup, 0 for async, the k-th
//     nearest backup for semi_sync, the farthest backup for sync. Commit latency adds one fsync
//     (the acknowledger's; the leader's own runs during the round trip).
//   * min cut: the fewest links whose failure splits the voter-hosting sites into two groups
//     with no live link between them (what a partition fault does), by max flow (Boost.Graph)
//     between every pair of voter sites, where each link is one unit of capacity: a gadget of
//     two vertices per direction (every site of one end -> in -> out -> every site of the
//     other end, only in -> out finite) makes a link that reaches several zones count once,
//     and never carries traffic between two sites of the same end. Exact when every link
//     joins single sites (regions without zones). With zones, a cut that puts zones of one
//     region on both sides of a link counts that link once per direction in the flow, so the
//     answer is then the smallest cut found, an upper bound.
//   * links to stop writes: the fewest link failures after which no site can host a leader
//     that commits; an exact branch-and-bound search over the links between replica sites
//     (links to a site without replicas never matter here), bounded by kSearchBudget.
//   * links to cut off a site: the fewest link failures after which a leader at that site can
//     no longer commit (it must hand over), by the same search over the site's own links.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cutover::analysis::topology {

struct Site {
  std::string name;
  std::string region;         // equal to name while sites are regions
  std::string zone;           // empty: the site is a whole region
  double intra_rtt_ms = 0.5;  // between two hosts of the site
};

// A link: what fails as one. It joins every site of `a` to every site of `b` directly, at
// rtt_ms: the WAN link between two regions reaches every zone of both (as in the simulator),
// a link between two zones of a region joins just those two. Each pair of sites is joined by
// at most one link, and `a` and `b` share no site.
struct SiteLink {
  std::vector<std::uint32_t> a;
  std::vector<std::uint32_t> b;
  double rtt_ms = 0;
  std::string name;  // for people; empty: "<a's sites> <-> <b's sites>"
};

// kSpare: placed but outside the cluster (a Raft replica a migration may add later).
enum class Role { kVoter, kLearner, kSpare };

struct Replica {
  std::string name;
  std::uint32_t site = 0;
  Role role = Role::kVoter;  // primary-backup: every replica votes in a failover
};

enum class Protocol { kRaft, kPrimaryBackup };
enum class AckMode { kAsync, kSemiSync, kSync };

struct PrimaryBackup {
  AckMode ack = AckMode::kSemiSync;
  std::uint32_t semi_sync_acks = 1;  // k
  std::uint32_t primary = 0;         // index into TopologyModel::replicas
  bool automatic_failover = true;
};

struct TopologyModel {
  std::vector<Site> sites;
  std::vector<SiteLink> links;
  std::vector<Replica> replicas;
  Protocol protocol = Protocol::kRaft;
  PrimaryBackup primary_backup;  // kPrimaryBackup only
  double fsync_ms = 0;           // one fsync on the commit path
};

// The link's name, or one made from its sites' names.
std::string link_name(const TopologyModel& model, std::uint32_t link);

// What-ifs a link search may evaluate before giving up (it then reports no answer).
inline constexpr std::uint64_t kSearchBudget = 4'000'000;

// A leader (primary) at one site.
struct SiteAnswer {
  std::uint32_t site = 0;
  std::uint32_t voters = 0;             // Raft voters; primary-backup replicas
  std::optional<double> quorum_rtt_ms;  // nullopt: no leader here can commit
  std::optional<double> commit_latency_ms;
  std::vector<std::uint32_t> acknowledgers;       // replicas whose acks it waits for, nearest first
  std::optional<std::uint32_t> links_to_cut_off;  // nullopt: no link failures suffice
};

enum class FailureKind { kRegion, kZone, kLink };

struct FailureAnswer {
  FailureKind kind = FailureKind::kRegion;
  std::string name;  // the region or zone, or "a <-> b"
  bool writes_survive = false;
  std::vector<std::uint32_t> leader_sites;  // where a leader (primary) can commit afterwards
  std::optional<double> best_commit_latency_ms;
  // Primary-backup only (nullopt for Raft):
  std::optional<bool> primary_survives;            // the configured primary still commits
  std::optional<std::uint32_t> promotable_backup;  // the first live backup that could take over
  bool needs_operator = false;  // scripted failover: writes resume only after a promotion
};

struct Cut {
  std::optional<std::uint32_t> links;    // nullopt: nothing to separate (one voter site)
  std::vector<std::uint32_t> cut_links;  // indices into TopologyModel::links
  std::vector<std::uint32_t> side_a;     // sites
  std::vector<std::uint32_t> side_b;
  bool writes_survive = false;  // with the cut links down
};

struct LinkSearch {
  std::optional<std::uint32_t> links;    // nullopt: no number of link failures does it
  std::vector<std::uint32_t> cut_links;  // one smallest set
  bool budget_exhausted = false;         // gave up: links is nullopt but unknown
};

struct TopologyAnswer {
  std::uint32_t voters = 0;
  std::uint32_t majority = 0;
  std::vector<SiteAnswer> sites;        // in site order
  std::vector<FailureAnswer> failures;  // regions, then zones, then links, in model order
  Cut min_cut;
  LinkSearch links_to_stop_writes;
};

// REQUIRES: indices in range, links between distinct sites and at most one per pair, at least
// one voter, and for primary-backup a primary that exists (CUTOVER_CHECK otherwise; the
// scenario loader guarantees all of it).
TopologyAnswer analyze_topology(const TopologyModel& model);

}  // namespace cutover::analysis::topology
