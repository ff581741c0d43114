// In-order delivery per channel (sim/transport/channels.h), without SimGrid: packets that
// arrive early wait for their predecessors, and a reset connection drops its stragglers.
#include "sim/transport/channels.h"

#include <memory>
#include <vector>

#include <gtest/gtest.h>

namespace cutover::sim {
namespace {

constexpr Endpoint kNode0{Endpoint::Kind::kNode, 0};
constexpr Endpoint kNode1{Endpoint::Kind::kNode, 1};
constexpr Endpoint kClient0{Endpoint::Kind::kClient, 0};

struct Fixture {
  Channels channels{2, 1};
  InOrderInbox inbox{channels, kNode1};
  std::vector<std::uint64_t> delivered;  // packet.sequence in delivery order

  std::unique_ptr<Packet> stamped(Endpoint from) {
    auto packet = std::make_unique<Packet>();
    packet->from = from;
    channels.stamp(from, kNode1, *packet);
    return packet;
  }
  void arrive(std::unique_ptr<Packet> packet) {
    inbox.accept(std::move(packet),
                 [&](std::unique_ptr<Packet> p) { delivered.push_back(p->sequence); });
  }
};

TEST(Channels, EndpointAtInvertsIndex) {
  const Channels channels{2, 1};
  for (std::size_t i = 0; i < channels.endpoint_count(); ++i) {
    EXPECT_EQ(channels.index(channels.endpoint_at(i)), i);
  }
  EXPECT_EQ(channels.endpoint_at(channels.index(kClient0)).kind, Endpoint::Kind::kClient);
}

TEST(InOrderInbox, PacketsArrivingInOrderAreDeliveredAtOnce) {
  Fixture f;
  for (int i = 0; i < 3; ++i) f.arrive(f.stamped(kNode0));
  EXPECT_EQ(f.delivered, (std::vector<std::uint64_t>{0, 1, 2}));
}

TEST(InOrderInbox, AnEarlyPacketWaitsForItsPredecessor) {
  Fixture f;
  auto first = f.stamped(kNode0);
  auto second = f.stamped(kNode0);
  auto third = f.stamped(kNode0);
  f.arrive(std::move(third));
  f.arrive(std::move(second));
  EXPECT_TRUE(f.delivered.empty());
  f.arrive(std::move(first));
  EXPECT_EQ(f.delivered, (std::vector<std::uint64_t>{0, 1, 2}));
}

TEST(InOrderInbox, ChannelsFromDifferentSendersAreIndependent) {
  Fixture f;
  auto from_node = f.stamped(kNode0);
  auto from_node_next = f.stamped(kNode0);
  f.arrive(std::move(from_node_next));  // held: its predecessor is in flight
  f.arrive(f.stamped(kClient0));        // another sender is not blocked by it
  EXPECT_EQ(f.delivered, (std::vector<std::uint64_t>{0}));
  f.arrive(std::move(from_node));
  EXPECT_EQ(f.delivered, (std::vector<std::uint64_t>{0, 0, 1}));
}

TEST(InOrderInbox, AResetDropsTheOldConnectionsPacketsAndStartsAfresh) {
  Fixture f;
  auto lost = f.stamped(kNode0);  // lost on the cut link: never arrives
  auto straggler = f.stamped(kNode0);
  f.arrive(std::move(straggler));  // held behind the lost one
  f.channels.reset(f.channels.index(kNode0), f.channels.index(kNode1));
  auto old = f.stamped(kNode0);
  old->connection = lost->connection;  // a packet of the broken connection, arriving late
  f.arrive(std::move(old));
  EXPECT_TRUE(f.delivered.empty());
  auto fresh = f.stamped(kNode0);
  EXPECT_EQ(fresh->sequence, 1u);  // `old` took sequence 0 of the new connection
  f.arrive(std::move(fresh));
  EXPECT_TRUE(f.delivered.empty()) << "sequence 1 must wait for sequence 0";
}

TEST(InOrderInbox, AfterAResetTheNewStreamFlowsEvenWithStragglersHeld) {
  Fixture f;
  f.arrive(f.stamped(kNode0));
  auto lost = f.stamped(kNode0);
  f.arrive(f.stamped(kNode0));  // sequence 2 held behind the lost 1
  f.channels.reset(f.channels.index(kNode0), f.channels.index(kNode1));
  f.arrive(f.stamped(kNode0));
  f.arrive(f.stamped(kNode0));
  EXPECT_EQ(f.delivered, (std::vector<std::uint64_t>{0, 0, 1}));
  f.arrive(std::move(lost));  // the old connection's packet, should it ever turn up
  EXPECT_EQ(f.delivered, (std::vector<std::uint64_t>{0, 0, 1}));
}

}  // namespace
}  // namespace cutover::sim
