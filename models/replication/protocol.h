// The sans-IO interface every replication protocol implements.
//
// A protocol is a deterministic state machine: each input (a message, a timer, a client
// request, a durability completion, an operator command) changes its state and queues
// outputs on the Context. Drivers (the SimGrid node actor, the in-memory test cluster) call
// check_invariants() after every input. On a crash the driver drops the object, crashes the
// storage and builds a fresh one; nothing survives except what the storage made durable.
#pragma once

#include <optional>
#include <variant>

#include "models/core/context.h"
#include "models/core/message.h"
#include "models/core/types.h"
#include "models/kv/kv_state_machine.h"

namespace cutover::models {

// kLearner: a Raft node that receives the log but does not vote (a learner, or a node that is
// not, or no longer, a member).
enum class Role : std::uint8_t { kPrimary, kBackup, kCandidate, kLearner };

// What observers (the sampler, the report) may know about a node without touching its state.
struct NodeView {
  Role role = Role::kBackup;
  Epoch epoch;
  std::optional<NodeId> known_primary;
  LogIndex commit_index;
  bool voter = true;   // counts for elections and commit (false for Raft learners and non-members)
  bool member = true;  // in the cluster's configuration (false for a Raft node not yet added)
};

// Operator commands. PromoteNow is a scripted promotion: take over at once, no election
// (primary-backup). The others are Raft's, sent to the leader (ignored elsewhere):
// TransferLeadership hands leadership to a voter (thesis §3.10); AddLearner, PromoteLearner and
// RemoveNode are single-server membership changes (thesis §4.1).
struct PromoteNow {};
struct TransferLeadership {
  NodeId target;
};
struct AddLearner {
  NodeId node;
};
struct PromoteLearner {
  NodeId node;
};
struct RemoveNode {
  NodeId node;
};
using AdminCommand =
    std::variant<PromoteNow, TransferLeadership, AddLearner, PromoteLearner, RemoveNode>;

class Protocol {
 public:
  virtual ~Protocol() = default;
  virtual void on_start(Context& ctx) = 0;
  virtual void on_message(NodeId from, const Message& message, Context& ctx) = 0;
  virtual void on_timer(TimerId id, Context& ctx) = 0;
  virtual void on_client_request(ClientId from, const ClientRequest& request, Context& ctx) = 0;
  virtual void on_persisted(WriteToken token, Context& ctx) = 0;
  virtual void on_admin(const AdminCommand& command, Context& ctx) = 0;
  virtual NodeView view() const = 0;
  // The group's configuration as this node knows it, and whether its last change committed:
  // what an operator's tooling reads (etcd's member list). Protocols without membership
  // changes have none.
  struct MembershipView {
    Membership membership;
    bool settled = true;
  };
  virtual std::optional<MembershipView> membership_view() const { return std::nullopt; }
  // The replicated key-value state this node has applied (for end-of-run reconciliation).
  virtual const KvStateMachine& applied_state() const = 0;
  virtual void check_invariants(const Storage& storage) const = 0;
};

}  // namespace cutover::models
