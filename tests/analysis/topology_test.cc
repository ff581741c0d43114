// Topology risk on placements small enough to work out by hand: which single failures keep
// writes, the commit latency a leader sees from each site, the min cut (max flow over unit
// link capacities) and the fewest link failures that stop writes. Direct links only, as the
// simulator routes: in a line A - B - C, A and C cannot talk at all.
#include "analysis/topology.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "analysis/topology_report.h"

namespace cutover::analysis::topology {
namespace {

constexpr double kFsyncMs = 1;

struct PlacementSpec {
  std::vector<std::string> sites;
  std::vector<std::uint32_t> voters;  // per site
  std::vector<SiteLink> links;
  double intra_rtt_ms = 1;
};

TopologyModel raft(const PlacementSpec& spec) {
  TopologyModel model;
  for (const std::string& name : spec.sites) {
    model.sites.push_back(
        {.name = name, .region = name, .zone = "", .intra_rtt_ms = spec.intra_rtt_ms});
  }
  model.links = spec.links;
  for (std::uint32_t s = 0; s < spec.sites.size(); ++s) {
    for (std::uint32_t i = 0; i < spec.voters[s]; ++i) {
      model.replicas.push_back(
          {.name = spec.sites[s] + "-" + std::to_string(i), .site = s, .role = Role::kVoter});
    }
  }
  model.protocol = Protocol::kRaft;
  model.fsync_ms = kFsyncMs;
  return model;
}

TopologyModel primary_backup(const PlacementSpec& spec, AckMode ack, bool automatic,
                             std::uint32_t semi_sync_acks = 1) {
  TopologyModel model = raft(spec);
  model.protocol = Protocol::kPrimaryBackup;
  model.primary_backup = {
      .ack = ack, .semi_sync_acks = semi_sync_acks, .primary = 0, .automatic_failover = automatic};
  return model;
}

const FailureAnswer& failure(const TopologyAnswer& answer, const std::string& name) {
  for (const FailureAnswer& f : answer.failures) {
    if (f.name == name) return f;
  }
  ADD_FAILURE() << "no failure named " << name;
  return answer.failures.front();
}

// Three regions in a line: A -10 ms- B -20 ms- C, no A-C link; one voter each (majority 2).
const PlacementSpec kLine{
    .sites = {"a", "b", "c"},
    .voters = {1, 1, 1},
    .links = {{.a = {0}, .b = {1}, .rtt_ms = 10}, {.a = {1}, .b = {2}, .rtt_ms = 20}}};

// Five regions, full mesh, one voter each (majority 3). RTT between i and j: 10 * (i + j + 1).
PlacementSpec five_full_mesh() {
  PlacementSpec spec{.sites = {"r0", "r1", "r2", "r3", "r4"}, .voters = {1, 1, 1, 1, 1}};
  for (std::uint32_t i = 0; i < 5; ++i) {
    for (std::uint32_t j = i + 1; j < 5; ++j) {
      spec.links.push_back({.a = {i}, .b = {j}, .rtt_ms = 10.0 * (i + j + 1)});
    }
  }
  return spec;
}

// 2 + 2 + 1 voters (majority 3): A-B 10 ms, B-C 20 ms, A-C 30 ms, 1 ms inside a region.
const PlacementSpec kTwoTwoOne{.sites = {"a", "b", "c"},
                               .voters = {2, 2, 1},
                               .links = {{.a = {0}, .b = {1}, .rtt_ms = 10},
                                         {.a = {1}, .b = {2}, .rtt_ms = 20},
                                         {.a = {0}, .b = {2}, .rtt_ms = 30}}};

// --- commit latency per site ------------------------------------------------------------------

struct LatencyRow {
  const char* placement;
  std::uint32_t site;
  std::optional<double> quorum_rtt_ms;  // the (majority - 1)-th nearest other voter
};

TEST(TopologyLatency, LeaderWaitsForTheNearestQuorum) {
  const TopologyAnswer line = analyze_topology(raft(kLine));
  const TopologyAnswer mesh = analyze_topology(raft(five_full_mesh()));
  const TopologyAnswer two_two_one = analyze_topology(raft(kTwoTwoOne));
  const std::vector<std::pair<const TopologyAnswer*, LatencyRow>> rows = {
      // Line, majority 2: one other voter, the nearest one reachable directly.
      {&line, {"line", 0, 10}},  // a: b at 10
      {&line, {"line", 1, 10}},  // b: a at 10 (c at 20)
      {&line, {"line", 2, 20}},  // c: b at 20 (a unreachable)
      // Full mesh, majority 3: the second nearest of the 4 others.
      {&mesh, {"mesh", 0, 30}},  // r0: 20, 30, 40, 50
      {&mesh, {"mesh", 2, 40}},  // r2: 30, 40, 60, 70
      {&mesh, {"mesh", 4, 60}},  // r4: 50, 60, 70, 80
      // 2+2+1, majority 3: the local voter counts at intra RTT (1 ms).
      {&two_two_one, {"2+2+1", 0, 10}},  // a: 1, 10, 10, 30
      {&two_two_one, {"2+2+1", 1, 10}},  // b: 1, 10, 10, 20
      {&two_two_one, {"2+2+1", 2, 20}},  // c: 20, 20, 30, 30
  };
  for (const auto& [answer, row] : rows) {
    SCOPED_TRACE(std::string(row.placement) + " site " + std::to_string(row.site));
    const SiteAnswer& site = answer->sites.at(row.site);
    EXPECT_EQ(site.quorum_rtt_ms, row.quorum_rtt_ms);
    ASSERT_TRUE(site.commit_latency_ms.has_value());
    EXPECT_DOUBLE_EQ(*site.commit_latency_ms, *row.quorum_rtt_ms + kFsyncMs);
  }
  EXPECT_EQ(two_two_one.majority, 3u);
  EXPECT_EQ(two_two_one.sites[0].acknowledgers, (std::vector<std::uint32_t>{1, 2}));  // a-1, b-0
}

TEST(TopologyLatency, SiteWithoutVotersCannotLead) {
  PlacementSpec spec = kTwoTwoOne;
  spec.voters = {2, 1, 0};
  const TopologyAnswer answer = analyze_topology(raft(spec));
  EXPECT_EQ(answer.sites[2].voters, 0u);
  EXPECT_FALSE(answer.sites[2].commit_latency_ms.has_value());
}

// --- single failures --------------------------------------------------------------------------

struct FailureRow {
  const char* failure;
  bool writes_survive;
  std::vector<std::uint32_t> leader_sites;
  std::optional<double> best_commit_ms;
};

void expect_failures(const TopologyAnswer& answer, const std::vector<FailureRow>& rows) {
  for (const FailureRow& row : rows) {
    SCOPED_TRACE(row.failure);
    const FailureAnswer& f = failure(answer, row.failure);
    EXPECT_EQ(f.writes_survive, row.writes_survive);
    EXPECT_EQ(f.leader_sites, row.leader_sites);
    EXPECT_EQ(f.best_commit_latency_ms, row.best_commit_ms);
  }
}

TEST(TopologyFailures, LineLosesWritesWithItsMiddleRegion) {
  const TopologyAnswer answer = analyze_topology(raft(kLine));
  ASSERT_EQ(answer.failures.size(), 5u);  // 3 regions, 2 links
  expect_failures(answer, {
                              {"a", true, {1, 2}, 21},         // b and c still talk
                              {"b", false, {}, std::nullopt},  // a and c have no link
                              {"c", true, {0, 1}, 11},
                              {"a <-> b", true, {1, 2}, 21},
                              {"b <-> c", true, {0, 1}, 11},
                          });
}

TEST(TopologyFailures, FullMeshOfFiveSurvivesAnySingleFailure) {
  const TopologyAnswer answer = analyze_topology(raft(five_full_mesh()));
  ASSERT_EQ(answer.failures.size(), 15u);  // 5 regions, 10 links
  for (const FailureAnswer& f : answer.failures) {
    EXPECT_TRUE(f.writes_survive) << f.name;
  }
  // Without r0 the best leader is r1: others r2 at 40, r3 at 50, r4 at 60 ms; the majority is
  // still 3 of all 5 voters, so it waits for the 2nd nearest, 50 ms.
  EXPECT_EQ(failure(answer, "r0").best_commit_latency_ms, 51);
}

TEST(TopologyFailures, TwoTwoOneKeepsAQuorumWithoutAnyOneRegionOrLink) {
  const TopologyAnswer answer = analyze_topology(raft(kTwoTwoOne));
  expect_failures(answer, {
                              // b (2) + c (1) = 3: b waits for b-1 (1) and c (20).
                              {"a", true, {1, 2}, 21},
                              // a (2) + c (1) = 3: a waits for a-1 (1) and c (30).
                              {"b", true, {0, 2}, 31},
                              {"c", true, {0, 1}, 11},
                              // a reaches a + c = 3 (30 ms); b reaches b + c (20 ms); c all.
                              {"a <-> b", true, {0, 1, 2}, 21},
                              {"b <-> c", true, {0, 1, 2}, 11},
                              {"a <-> c", true, {0, 1, 2}, 11},
                          });
}

TEST(TopologyFailures, ARegionWithoutVotersRelaysNothing) {
  // 2 + 2 voters and a clients-only region c linked to both. With a-b down the graph is still
  // connected through c, but messages do not travel through a third region (nor in the
  // simulator), so neither side reaches 3 of 4.
  PlacementSpec spec = kTwoTwoOne;
  spec.voters = {2, 2, 0};
  const TopologyAnswer answer = analyze_topology(raft(spec));
  expect_failures(answer, {{"a <-> b", false, {}, std::nullopt}, {"c", true, {0, 1}, 11}});
  EXPECT_EQ(answer.links_to_stop_writes.links, 1u);
  EXPECT_EQ(answer.links_to_stop_writes.cut_links, (std::vector<std::uint32_t>{0}));
}

// --- cuts -------------------------------------------------------------------------------------

struct CutRow {
  const char* placement;
  TopologyModel model;
  std::uint32_t min_cut_links;
  bool writes_survive_min_cut;
  std::optional<std::uint32_t> links_to_stop_writes;
  std::vector<std::optional<std::uint32_t>> links_to_cut_off;  // per site
};

TEST(TopologyCuts, MinCutAndLinksToStopWrites) {
  const std::vector<CutRow> rows = {
      // Line: cutting a-b isolates a; b and c keep the quorum. Both links down: no pair talks.
      // a and c lose their only neighbour with one cut; b needs both cut.
      {"line", raft(kLine), 1, true, 2, {1, 2, 1}},
      // Mesh of 5: isolating one region takes its 4 links. Writes stop once every region
      // reaches at most one other (a matching of at most 2 links kept out of 10): 8 cuts. A
      // leader is cut off once it reaches fewer than 2 others: 3 of its 4 links.
      {"mesh", raft(five_full_mesh()), 4, true, 8, {3, 3, 3, 3, 3}},
      // 2+2+1: isolating any one region takes 2 links and leaves 3 voters together. Writes
      // stop only with all 3 links down (any region with any neighbour makes 3); so a leader
      // anywhere is cut off only when both of its links are.
      {"2+2+1", raft(kTwoTwoOne), 2, true, 3, {2, 2, 2}},
  };
  for (const CutRow& row : rows) {
    SCOPED_TRACE(row.placement);
    const TopologyAnswer answer = analyze_topology(row.model);
    ASSERT_TRUE(answer.min_cut.links.has_value());
    EXPECT_EQ(*answer.min_cut.links, row.min_cut_links);
    EXPECT_EQ(answer.min_cut.cut_links.size(), row.min_cut_links);
    EXPECT_EQ(answer.min_cut.writes_survive, row.writes_survive_min_cut);
    EXPECT_FALSE(answer.links_to_stop_writes.budget_exhausted);
    EXPECT_EQ(answer.links_to_stop_writes.links, row.links_to_stop_writes);
    for (std::size_t s = 0; s < row.links_to_cut_off.size(); ++s) {
      EXPECT_EQ(answer.sites[s].links_to_cut_off, row.links_to_cut_off[s]) << "site " << s;
    }
  }
}

TEST(TopologyCuts, MinCutSidesAreSeparatedByExactlyTheCutLinks) {
  const TopologyModel model = raft(kTwoTwoOne);
  const Cut cut = analyze_topology(model).min_cut;
  ASSERT_FALSE(cut.side_a.empty());
  ASSERT_FALSE(cut.side_b.empty());
  for (std::uint32_t l = 0; l < model.links.size(); ++l) {
    const bool a_in_a = std::count(cut.side_a.begin(), cut.side_a.end(), model.links[l].a[0]) > 0;
    const bool b_in_a = std::count(cut.side_a.begin(), cut.side_a.end(), model.links[l].b[0]) > 0;
    const bool crosses = a_in_a != b_in_a;
    const bool listed = std::count(cut.cut_links.begin(), cut.cut_links.end(), l) > 0;
    EXPECT_EQ(crosses, listed) << "link " << l;
  }
}

TEST(TopologyCuts, EvenSplitOfFourVotersLeavesNoQuorum) {
  // 2 + 2 over one link: the min cut is that link, and neither side has 3 of 4.
  const TopologyModel model =
      raft({.sites = {"a", "b"}, .voters = {2, 2}, .links = {{.a = {0}, .b = {1}, .rtt_ms = 10}}});
  const TopologyAnswer answer = analyze_topology(model);
  EXPECT_EQ(answer.min_cut.links, 1u);
  EXPECT_FALSE(answer.min_cut.writes_survive);
  EXPECT_EQ(answer.links_to_stop_writes.links, 1u);
}

TEST(TopologyCuts, AllVotersInOneRegionHaveNoCutAndNoLinkStopsThem) {
  const TopologyAnswer answer = analyze_topology(
      raft({.sites = {"a", "b"}, .voters = {3, 0}, .links = {{.a = {0}, .b = {1}, .rtt_ms = 10}}}));
  EXPECT_FALSE(answer.min_cut.links.has_value());
  EXPECT_FALSE(answer.links_to_stop_writes.links.has_value());
  EXPECT_FALSE(answer.links_to_stop_writes.budget_exhausted);
  EXPECT_FALSE(failure(answer, "a").writes_survive);
}

// --- zones ------------------------------------------------------------------------------------

// Region a has zones a1 (2 voters) and a2 (1), 2 ms apart; region b (2 voters) is one site. The
// WAN link a <-> b (40 ms) reaches both zones and fails as one. 1 ms inside a zone.
TopologyModel zoned() {
  TopologyModel model = raft({.sites = {"a1", "a2", "b"}, .voters = {2, 1, 2}});
  model.sites[0].region = model.sites[1].region = "a";
  model.sites[0].zone = "a1";
  model.sites[1].zone = "a2";
  model.links = {{.a = {0}, .b = {1}, .rtt_ms = 2, .name = "a1 <-> a2"},
                 {.a = {0, 1}, .b = {2}, .rtt_ms = 40, .name = "a <-> b"}};
  return model;
}

TEST(TopologyZones, ZonesFailAloneOrWithTheirRegionAndTheWanLinkFailsAsOne) {
  const TopologyAnswer answer = analyze_topology(zoned());
  // Leader in a1: a1-1 at 1 ms, a2-0 at 2 ms make 3 of 5.
  EXPECT_EQ(answer.sites[0].quorum_rtt_ms, 2);
  EXPECT_EQ(answer.sites[2].quorum_rtt_ms, 40);  // b: b-1 at 1, then a zone at 40
  ASSERT_EQ(answer.failures.size(), 6u);         // regions a, b; zones a1, a2; 2 links
  EXPECT_EQ(answer.failures[2].kind, FailureKind::kZone);
  expect_failures(answer, {
                              {"a", false, {}, std::nullopt},  // b alone holds 2 of 5
                              {"a1", true, {1, 2}, 41},        // a2 + b = 3, 40 ms apart
                              {"a2", true, {0, 2}, 41},        // a1-1 at 1, b at 40
                              {"a1 <-> a2", true, {0, 1, 2}, 41},
                              {"a <-> b", true, {0, 1}, 3},  // both zones, 2 ms apart
                          });
  // b is cut off from a by the one WAN link; stopping writes also needs a1 <-> a2.
  EXPECT_EQ(answer.min_cut.links, 1u);
  EXPECT_EQ(answer.links_to_stop_writes.links, 2u);
  EXPECT_EQ(answer.sites[2].links_to_cut_off, 1u);
}

// --- primary-backup ---------------------------------------------------------------------------

// Primary a-0; backups b-0 and c-0. RTT a-b 10, b-c 20, a-c 30.
const PlacementSpec kThreeSingles{
    .sites = {"a", "b", "c"}, .voters = {1, 1, 1}, .links = kTwoTwoOne.links};

TEST(TopologyPrimaryBackup, QuorumRttFollowsTheAckMode) {
  struct Row {
    AckMode ack;
    double quorum_rtt_ms;  // primary at a
  };
  for (const Row& row :
       {Row{AckMode::kAsync, 0}, Row{AckMode::kSemiSync, 10}, Row{AckMode::kSync, 30}}) {
    const TopologyAnswer answer = analyze_topology(primary_backup(kThreeSingles, row.ack, true));
    EXPECT_EQ(answer.sites[0].quorum_rtt_ms, row.quorum_rtt_ms);
  }
  const TopologyAnswer two_acks =
      analyze_topology(primary_backup(kThreeSingles, AckMode::kSemiSync, true, 2));
  EXPECT_EQ(two_acks.sites[0].quorum_rtt_ms, 30);
}

TEST(TopologyPrimaryBackup, LosingThePrimaryRegionFailsOverToABackupThatWinsTheVote) {
  const TopologyAnswer answer =
      analyze_topology(primary_backup(kThreeSingles, AckMode::kSemiSync, true));
  const FailureAnswer& lost = failure(answer, "a");
  EXPECT_EQ(lost.primary_survives, false);
  EXPECT_EQ(lost.promotable_backup, 1u);  // b-0: hears c-0, 2 of 3
  EXPECT_TRUE(lost.writes_survive);
  EXPECT_EQ(lost.best_commit_latency_ms, 21);  // b's nearest backup, c at 20
  EXPECT_EQ(failure(answer, "b").primary_survives, true);
}

TEST(TopologyPrimaryBackup, TwoRegionsWithoutAMajorityOrAnAckStopWrites) {
  const PlacementSpec two{
      .sites = {"a", "b"}, .voters = {1, 1}, .links = {{.a = {0}, .b = {1}, .rtt_ms = 10}}};
  // Automatic: the primary hears 1 of 2 and steps down; b cannot win alone either.
  const TopologyAnswer automatic = analyze_topology(primary_backup(two, AckMode::kAsync, true));
  EXPECT_FALSE(failure(automatic, "b").writes_survive);
  EXPECT_EQ(failure(automatic, "b").primary_survives, false);
  // Scripted async: nothing makes the primary step down, and it needs no ack.
  const TopologyAnswer scripted = analyze_topology(primary_backup(two, AckMode::kAsync, false));
  EXPECT_TRUE(failure(scripted, "b").writes_survive);
  // Scripted semi-sync: the primary lives but no backup can ack.
  const TopologyAnswer waiting = analyze_topology(primary_backup(two, AckMode::kSemiSync, false));
  EXPECT_FALSE(failure(waiting, "b").writes_survive);
  // Scripted, primary region lost: writes wait for an operator to promote b-0.
  const FailureAnswer& lost = failure(scripted, "a");
  EXPECT_FALSE(lost.writes_survive);
  EXPECT_TRUE(lost.needs_operator);
  EXPECT_EQ(lost.promotable_backup, 1u);
}

TEST(TopologyPrimaryBackup, SyncCommitsWithoutAnUnreachableBackupOnlyWhileItHearsAMajority) {
  // Link a-c down: a still hears b (2 of 3), so c leaves the in-sync set and a waits for b.
  const TopologyAnswer automatic =
      analyze_topology(primary_backup(kThreeSingles, AckMode::kSync, true));
  EXPECT_TRUE(failure(automatic, "a <-> c").writes_survive);
  EXPECT_EQ(failure(automatic, "a <-> c").best_commit_latency_ms, 11);
}

// --- output -----------------------------------------------------------------------------------

TEST(TopologyReport, JsonNamesSitesReplicasAndLinks) {
  const TopologyModel model = raft(kLine);
  const nlohmann::json json = topology_json("line", model, analyze_topology(model));
  EXPECT_EQ(json["protocol"]["majority"], 2);
  EXPECT_EQ(json["sites"][2]["quorum_rtt_ms"], 20.0);
  EXPECT_EQ(json["sites"][2]["acknowledgers"], nlohmann::json::array({"b-0"}));
  EXPECT_EQ(json["failures"][1]["name"], "b");
  EXPECT_EQ(json["failures"][1]["writes_survive"], false);
  EXPECT_EQ(json["min_cut"]["cut"], nlohmann::json::array({"a <-> b"}));
  EXPECT_EQ(json["links_to_stop_writes"]["links"], 2);
}

}  // namespace
}  // namespace cutover::analysis::topology
