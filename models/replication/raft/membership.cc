// Raft membership: learners and single-server changes (thesis §4.1, §4.2). A configuration
// is a log entry and is in force as soon as it is appended; see raft.h for why single-server
// changes and not joint consensus.
#include <algorithm>

#include "models/core/check.h"
#include "models/replication/raft/raft.h"

namespace cutover::models::raft {

bool Raft::can_change_membership() const {
  // One change at a time, and (the published fix to single-server changes) only after the
  // leader committed an entry of its own term; never during a leadership transfer.
  return role_ == Role::kPrimary && !transfer_target_ && membership_index_ <= commit_index_ &&
         kv_.applied_index() == commit_index_ && commit_index_ >= first_index_of_term_;
}

void Raft::propose_membership(Membership next, Context& ctx) {
  CUTOVER_CHECK(can_change_membership(), "membership change while another is pending");
  CUTOVER_CHECK(!next.voters.empty(), "a configuration without voters");
  append_as_leader(LogEntry{.kind = EntryKind::kConfig,
                            .membership = std::make_shared<const Membership>(std::move(next))},
                   ctx);
}

void Raft::adopt_membership_from_log(const Storage& storage) {
  // The latest configuration entry in the log, else the snapshot's, else the initial one.
  auto adopt = [&](Membership membership, LogIndex index) {
    membership_ = std::move(membership);
    membership_index_ = index;
    self_voter_ = membership_.is_voter(config_.self);
  };
  const auto held = storage.entries_from(storage.first_index());
  for (auto it = held.rbegin(); it != held.rend(); ++it) {
    if (it->kind == EntryKind::kConfig) {
      CUTOVER_CHECK(it->membership != nullptr, "configuration entry without a membership");
      adopt(*it->membership, it->version.index);
      return;
    }
  }
  if (const auto& snapshot = storage.snapshot()) {
    adopt(snapshot->membership, snapshot->last_index);
    return;
  }
  adopt(Membership{.voters = config_.voters, .learners = config_.learners}, LogIndex(0));
}

void Raft::membership_changed(Context& ctx) {
  switch (role_) {
    case Role::kPrimary:
      // A removed leader keeps leading (without counting itself) until the change commits.
      sync_progress_with_membership(ctx);
      if (transfer_target_ && !membership_.is_voter(*transfer_target_)) transfer_target_.reset();
      break;
    case Role::kLearner:
      if (self_voter_) {  // promoted: from now on it watches the leader and may campaign
        role_ = Role::kBackup;
        arm_election_timer(ctx);
      }
      break;
    case Role::kBackup:
    case Role::kCandidate:
      if (!self_voter_) become_learner(ctx);
      break;
  }
}

void Raft::sync_progress_with_membership(Context& ctx) {
  const LogIndex next(ctx.storage().last_index().value + 1);
  std::vector<Progress> updated;
  auto keep_or_add = [&](NodeId node, bool voter) {
    if (node == config_.self) return;
    if (Progress* existing = progress_of(node)) {
      existing->voter = voter;
      updated.push_back(std::move(*existing));
      return;
    }
    Progress fresh{.node = node, .voter = voter, .match_index = LogIndex(0), .next_index = next};
    fresh.last_heard = ctx.now();  // a full election timeout before it counts as silent
    updated.push_back(std::move(fresh));
  };
  for (NodeId node : membership_.voters) keep_or_add(node, true);
  for (NodeId node : membership_.learners) keep_or_add(node, false);
  // Thesis §4.2.2: a server removed by a change that has not committed yet keeps receiving
  // the log, so it learns of its removal and goes quiet; dropped once the change commits.
  // (Quorums count membership_ only, so this progress never counts.)
  if (membership_index_ > commit_index_) {
    for (const auto* members : {&applied_membership_.voters, &applied_membership_.learners}) {
      for (NodeId node : *members) {
        if (!membership_.is_member(node) && progress_of(node) != nullptr) keep_or_add(node, false);
      }
    }
  }
  std::sort(updated.begin(), updated.end(),
            [](const Progress& a, const Progress& b) { return a.node < b.node; });
  track_progress(std::move(updated));
}

}  // namespace cutover::models::raft
