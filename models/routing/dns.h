// Region-aware DNS with a TTL: why clients keep sending traffic to the old endpoint for a while
// after a failover or a migration step repoints the name.
//
// Two pieces:
//   - DnsZone is the authoritative side, one per service name. It answers per client region
//     (like latency- or geolocation-based records): a default answer for every region, which a
//     failover replaces everywhere, and optional per-region answers. Every answer remembers when
//     it last changed. The simulator (failover logic, the migration orchestrator) changes it.
//   - DnsResolver is the client side of one client population (the clients of one region): one
//     cache per client. `resolve` returns the cached answer while it is younger than the TTL and
//     asks the zone again once it has expired. So after the zone changes at time c, a client
//     whose cache was filled at f <= c keeps the old answer until f + ttl.
//
// The population model. If every client filled its cache at the same instant, the whole
// population would switch at once, exactly one TTL after that instant; real caches are not
// synchronized, because clients start, restart and first resolve at unrelated times. In
// CacheFill::kStaggered each client's cache at construction was filled at a time drawn
// uniformly from (now - ttl, now], so expiries are spread uniformly over the next TTL. Each
// client then re-queries at its first resolve at or after its expiry, so for clients that
// resolve often the phases stay spread, and after a change the fraction of clients still on the
// old answer drains linearly from 1 to 0 over one TTL (1 - elapsed / ttl). CacheFill::kSynchronized
// fills every cache at construction time: the one-client view, where the old answer lasts
// exactly one TTL after a change made right after the fill.
//
// Assumptions, stated because they matter for RTO: clients honour the TTL (no minimum-TTL
// clamping or stale-serving resolvers), the zone has held its construction-time answer for at
// least one TTL before the population starts, and a resolve is instantaneous (the query's own
// latency belongs to the simulator, if it wants it).
//
// Deterministic: the only randomness is the staggered fill, drawn from the Rng passed in.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/core/rng.h"
#include "models/core/types.h"
#include "models/routing/endpoint.h"

namespace cutover::models::routing {

// What the zone says for one client region, and since when.
struct DnsRecord {
  Endpoint target;
  TimePoint changed_at;
  auto operator<=>(const DnsRecord&) const = default;
};

class DnsZone {
 public:
  DnsZone(Endpoint initial, TimePoint now);

  // Points the name at `target` for every client region (a failover record); per-region
  // answers are dropped. A region whose answer does not change keeps its change time.
  void set_target(Endpoint target, TimePoint now);
  // Points the name at `target` for clients in `client_region` only.
  void set_target_for(RegionId client_region, Endpoint target, TimePoint now);

  // The authoritative answer for clients in `client_region`.
  DnsRecord record_for(RegionId client_region) const;

 private:
  DnsRecord default_record_;
  std::map<RegionId, DnsRecord> region_records_;  // overrides of the default
};

enum class CacheFill : std::uint8_t {
  kSynchronized,  // every cache filled at construction time
  kStaggered,     // each filled at a uniformly random time in the TTL before construction
};

struct DnsResolverConfig {
  RegionId client_region;          // where the population lives; the zone answers for it
  std::uint32_t clients = 1;       // population size; clients are indexed [0, clients)
  Duration ttl = from_ms(60'000);  // the record's TTL as the clients honour it
  CacheFill cache_fill = CacheFill::kStaggered;

  // Empty when valid, else what is wrong.
  std::string validate() const;
};

// One answer as a client sees it.
struct DnsAnswer {
  Endpoint target;
  TimePoint filled_at;   // when the client's cache got this answer (before now if cached)
  TimePoint expires_at;  // filled_at + ttl: the first instant the client asks again
  bool queried = false;  // true when this resolve asked the zone (the cache had expired)
};

class DnsResolver {
 public:
  // Fills every client's cache from `zone` as described above; `rng` is used only for
  // CacheFill::kStaggered. REQUIRES: config.validate() is empty.
  DnsResolver(DnsResolverConfig config, const DnsZone& zone, TimePoint now, Rng& rng);

  // The answer client `client` uses for a request at `now`: its cache while younger than the
  // TTL, else a fresh answer from `zone`, which it then caches.
  // REQUIRES: client < clients; `now` does not go back for this client.
  DnsAnswer resolve(std::uint32_t client, const DnsZone& zone, TimePoint now);

  // The client's cache as it stands (it may have expired: it refreshes only on resolve);
  // `queried` tells whether it was last filled by a resolve rather than at construction.
  const DnsAnswer& cached(std::uint32_t client) const;
  std::uint32_t clients() const { return static_cast<std::uint32_t>(caches_.size()); }
  const DnsResolverConfig& config() const { return config_; }

 private:
  DnsResolverConfig config_;
  std::vector<DnsAnswer> caches_;    // index: client
  std::vector<TimePoint> last_now_;  // per client, to check that time does not go back
};

}  // namespace cutover::models::routing
