#include "sim/faults/network_faults.h"

#include <algorithm>
#include <variant>

#include "models/core/check.h"

namespace cutover::sim {
namespace {

// Linux's ceiling on the retransmission timeout (TCP_RTO_MAX), and its default number of
// retransmissions before it gives up on a connection (tcp_retries2); we stop drawing losses
// there rather than model the connection's death.
constexpr models::Duration kRtoMax = models::from_ms(120'000);
constexpr int kRetransmissionsMax = 15;

// The delay a lost-and-retransmitted packet accumulates: one timeout per loss, doubling.
models::Duration retransmission_delay(const PacketLoss& loss, models::Duration one_way,
                                      models::Rng& rng) {
  models::Duration rto = std::max(models::from_ms(loss.rto_min_ms), 2 * one_way);
  models::Duration total{};
  for (int lost = 0; lost < kRetransmissionsMax && rng.bernoulli(loss.probability); ++lost) {
    total += std::min(rto, kRtoMax);
    rto *= 2;
  }
  return total;
}

models::Duration jitter(const LinkJitter& jitter, models::Rng& rng) {
  const double ms = jitter.distribution == JitterDistribution::kExponential
                        ? rng.exponential(jitter.mean_ms)
                        : 2 * jitter.mean_ms * rng.uniform01();
  return models::from_ms(ms);
}

}  // namespace

NetworkFaults::NetworkFaults(std::size_t endpoints, std::size_t regions, std::size_t faults)
    : endpoints_(endpoints),
      regions_(regions),
      blocked_(endpoints * endpoints, 0),
      degradations_(faults),
      by_pair_(regions * regions) {}

bool NetworkFaults::block(std::size_t from, std::size_t to) {
  int& count = blocked_[from * endpoints_ + to];
  if (count++ > 0) return false;
  ++blocked_channels_;
  return true;
}

void NetworkFaults::unblock(std::size_t from, std::size_t to) {
  int& count = blocked_[from * endpoints_ + to];
  CUTOVER_CHECK(count > 0, "unblocking a channel that is not blocked");
  if (--count == 0) --blocked_channels_;
}

void NetworkFaults::degrade(std::size_t index, const Fault& fault, std::uint32_t region_a,
                            std::uint32_t region_b, models::Rng rng) {
  CUTOVER_CHECK(!degradations_.at(index), "a link fault starts once");
  degradations_[index] = Degradation{.fault = &fault, .rng = std::move(rng)};
  for (auto [from, to] : {std::pair(region_a, region_b), std::pair(region_b, region_a)}) {
    std::vector<std::size_t>& active = pair(from, to);
    if (active.empty()) ++degraded_pairs_;
    // Fault order, whatever order they started in: the draws are then the same for any
    // schedule that activates the same faults.
    active.insert(std::upper_bound(active.begin(), active.end(), index), index);
  }
}

void NetworkFaults::restore(std::size_t index, std::uint32_t region_a, std::uint32_t region_b) {
  CUTOVER_CHECK(degradations_.at(index).has_value(), "a link fault ends after it starts");
  degradations_[index].reset();
  for (auto [from, to] : {std::pair(region_a, region_b), std::pair(region_b, region_a)}) {
    std::vector<std::size_t>& active = pair(from, to);
    std::erase(active, index);
    if (active.empty()) --degraded_pairs_;
  }
}

PacketFate NetworkFaults::on_send(std::uint32_t from_region, std::uint32_t to_region,
                                  models::Duration one_way) {
  PacketFate fate;
  for (std::size_t index : pair(from_region, to_region)) {
    apply(*degradations_[index], one_way, fate);
  }
  return fate;
}

void NetworkFaults::apply(Degradation& degradation, models::Duration one_way, PacketFate& fate) {
  const auto& what = degradation.fault->what;
  models::Rng& rng = degradation.rng;
  if (const auto* loss = std::get_if<PacketLoss>(&what)) {
    fate.extra_delay += retransmission_delay(*loss, one_way, rng);
  } else if (const auto* delay = std::get_if<LinkJitter>(&what)) {
    fate.extra_delay += jitter(*delay, rng);
  } else if (const auto* duplication = std::get_if<MessageDuplication>(&what)) {
    if (rng.bernoulli(duplication->probability)) fate.duplicated = true;
  } else if (const auto* reordering = std::get_if<MessageReordering>(&what)) {
    if (rng.bernoulli(reordering->probability)) {
      fate.unordered = true;
      fate.extra_delay += models::from_ms(reordering->max_delay_ms * rng.uniform01());
    }
  } else {
    CUTOVER_CHECK(false, "not a per-packet link fault");
  }
}

}  // namespace cutover::sim
