#include "sim/transport/channel_mailboxes.h"

#include "models/core/check.h"

namespace sg4 = simgrid::s4u;

namespace cutover::sim {
namespace {

bool can_send(Endpoint from, Endpoint to) {
  switch (to.kind) {
    case Endpoint::Kind::kNode:
      return true;
    case Endpoint::Kind::kClient:
      return from.kind == Endpoint::Kind::kNode;
    case Endpoint::Kind::kControl:
      return false;  // the control endpoint only sends
  }
  return false;
}

}  // namespace

ChannelMailboxes::ChannelMailboxes(const Channels& channels, const std::vector<std::string>& names)
    : endpoints_(channels.endpoint_count()),
      mailboxes_(endpoints_ * endpoints_, nullptr),
      incoming_(endpoints_) {
  CUTOVER_CHECK(names.size() == endpoints_, "one name per endpoint");
  for (std::size_t to = 0; to < endpoints_; ++to) {
    for (std::size_t from = 0; from < endpoints_; ++from) {
      if (!can_send(channels.endpoint_at(from), channels.endpoint_at(to))) continue;
      sg4::Mailbox* mailbox = sg4::Mailbox::by_name(names[to] + "/from/" + names[from]);
      mailboxes_[from * endpoints_ + to] = mailbox;
      incoming_[to].push_back(mailbox);
    }
  }
}

void ChannelMailboxes::attach_self(std::size_t to) const {
  for (sg4::Mailbox* mailbox : incoming_[to]) {
    mailbox->clear();
    mailbox->set_receiver(sg4::Actor::self());
  }
}

void ChannelMailboxes::detach(std::size_t to) const {
  for (sg4::Mailbox* mailbox : incoming_[to]) mailbox->set_receiver(nullptr);
}

}  // namespace cutover::sim
