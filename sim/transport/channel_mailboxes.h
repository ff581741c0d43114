// One SimGrid mailbox per channel (sender, receiver), each with the receiving actor as its
// permanent receiver, and one receive kept posted on each (event_loop.h).
//
// Why per channel: SimGrid pairs a put with a posted get at once, and the pair then takes the
// put's whole path latency. With one mailbox per receiver, a get held by a message from a far
// region keeps a later message from the same rack waiting behind it, unless the receiver keeps
// many gets posted, and every wake-up then costs time in proportion to the posted gets
// (measured before this change: 54% of all samples in SimGrid's list walk on comm completion,
// 88 us per message). A channel carries one sender's stream over one route, in order, the way
// a TCP connection does, so a single posted get per channel never holds anything another
// channel is waiting for. A permanent receiver makes every put start its transfer at once, even
// while the channel's get is busy; finished transfers queue in the mailbox in send order.
#pragma once

#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/transport/channels.h"

namespace cutover::sim {

class ChannelMailboxes {
 public:
  // `names[i]` names endpoint index i (Channels::index) in mailbox names, for traces.
  ChannelMailboxes(const Channels& channels, const std::vector<std::string>& names);

  simgrid::s4u::Mailbox* of(std::size_t from, std::size_t to) const {
    return mailboxes_[from * endpoints_ + to];
  }
  // Every mailbox a packet for `to` can arrive in: nodes hear from nodes, clients and the
  // control endpoint; clients hear from nodes.
  const std::vector<simgrid::s4u::Mailbox*>& incoming(std::size_t to) const {
    return incoming_[to];
  }
  // The calling actor becomes the receiver of everything sent to `to`; packets left in the
  // mailboxes by a previous incarnation are dropped.
  void attach_self(std::size_t to) const;
  // No actor receives for `to` (its process died); transfers in flight stay queued until the
  // next attach_self drops them.
  void detach(std::size_t to) const;

 private:
  std::size_t endpoints_;
  std::vector<simgrid::s4u::Mailbox*> mailboxes_;  // endpoints_ x endpoints_, row = sender
  std::vector<std::vector<simgrid::s4u::Mailbox*>> incoming_;
};

}  // namespace cutover::sim
