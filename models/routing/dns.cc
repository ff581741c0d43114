#include "models/routing/dns.h"

#include <string>
#include <utility>

#include "models/core/check.h"

namespace cutover::models::routing {
namespace {

// A population is a region's clients; a million is far beyond any scenario and bounds memory.
constexpr std::uint32_t kClientsMax = 1'000'000;

}  // namespace

DnsZone::DnsZone(Endpoint initial, TimePoint now)
    : default_record_{.target = initial, .changed_at = now} {}

void DnsZone::set_target(Endpoint target, TimePoint now) {
  // A regional answer that already points at `target` is kept, so that region keeps its change
  // time; every other region falls back to the default, which changes only if it differs.
  std::map<RegionId, DnsRecord> kept;
  for (const auto& [region, record] : region_records_) {
    if (record.target == target) kept.emplace(region, record);
  }
  if (default_record_.target != target) default_record_ = {.target = target, .changed_at = now};
  region_records_ = std::move(kept);
}

void DnsZone::set_target_for(RegionId client_region, Endpoint target, TimePoint now) {
  const DnsRecord current = record_for(client_region);
  if (current.target == target) return;  // unchanged answers keep their change time
  region_records_[client_region] = {.target = target, .changed_at = now};
}

DnsRecord DnsZone::record_for(RegionId client_region) const {
  const auto it = region_records_.find(client_region);
  return it == region_records_.end() ? default_record_ : it->second;
}

std::string DnsResolverConfig::validate() const {
  if (clients == 0 || clients > kClientsMax) return "dns clients must be in [1, 1000000]";
  if (ttl <= Duration::zero()) return "dns ttl must be positive";
  return {};
}

DnsResolver::DnsResolver(DnsResolverConfig config, const DnsZone& zone, TimePoint now, Rng& rng)
    : config_(config) {
  const std::string problem = config_.validate();
  CUTOVER_CHECK(problem.empty(), problem);
  const Endpoint target = zone.record_for(config_.client_region).target;
  const auto ttl_us = static_cast<std::uint64_t>(config_.ttl.count());
  caches_.reserve(config_.clients);
  for (std::uint32_t client = 0; client < config_.clients; ++client) {
    // Age in [0, ttl): filled in (now - ttl, now], so expiries are uniform in (now, now + ttl].
    const Duration age = config_.cache_fill == CacheFill::kStaggered
                             ? Duration(static_cast<std::int64_t>(rng.uniform_below(ttl_us)))
                             : Duration::zero();
    const TimePoint filled_at = now - age;
    caches_.push_back(DnsAnswer{.target = target,
                                .filled_at = filled_at,
                                .expires_at = filled_at + config_.ttl,
                                .queried = false});
  }
  last_now_.assign(config_.clients, now);
}

DnsAnswer DnsResolver::resolve(std::uint32_t client, const DnsZone& zone, TimePoint now) {
  CUTOVER_CHECK(client < caches_.size(), "dns client out of range");
  CUTOVER_CHECK(now >= last_now_[client], "dns client resolved back in time");
  last_now_[client] = now;
  DnsAnswer& cache = caches_[client];
  // Younger than the TTL: served from the cache, whatever the zone says now.
  if (now < cache.expires_at) {
    DnsAnswer answer = cache;
    answer.queried = false;
    return answer;
  }
  cache = DnsAnswer{.target = zone.record_for(config_.client_region).target,
                    .filled_at = now,
                    .expires_at = now + config_.ttl,
                    .queried = true};
  CUTOVER_CHECK(cache.expires_at > now, "a fresh dns answer must not be expired");
  return cache;
}

const DnsAnswer& DnsResolver::cached(std::uint32_t client) const {
  CUTOVER_CHECK(client < caches_.size(), "dns client out of range");
  return caches_[client];
}

}  // namespace cutover::models::routing
