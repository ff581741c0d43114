// Vocabulary types shared by every protocol and by the simulator glue.
//
// Time is integer microseconds on a simulated clock: protocols never read a real clock, and
// integer time keeps runs bit-for-bit reproducible. Identifiers are small strong types so a
// node id cannot be passed where a log index is expected.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>

namespace cutover::models {

// The simulated clock. Only drivers produce TimePoints (from the simulation engine or a test).
struct SimClock {
  using rep = std::int64_t;
  using period = std::micro;
  using duration = std::chrono::duration<rep, period>;
  using time_point = std::chrono::time_point<SimClock>;
  static constexpr bool is_steady = true;
};

using Duration = SimClock::duration;
using TimePoint = SimClock::time_point;

constexpr Duration from_ms(double ms) {
  return Duration(static_cast<std::int64_t>(ms * 1000.0 + (ms >= 0 ? 0.5 : -0.5)));
}
constexpr double to_ms(Duration d) { return static_cast<double>(d.count()) / 1000.0; }
constexpr double to_seconds(TimePoint t) {
  return static_cast<double>(t.time_since_epoch().count()) / 1e6;
}
constexpr TimePoint time_at_seconds(double s) {
  return TimePoint(Duration(static_cast<std::int64_t>(s * 1e6 + 0.5)));
}
// A time as an unsigned count of microseconds, for keys and packed storage, and back (a
// negative time wraps modulo 2^64 and round-trips).
constexpr std::uint64_t to_microseconds(TimePoint t) {
  return static_cast<std::uint64_t>(t.time_since_epoch().count());
}
constexpr TimePoint time_at_microseconds(std::uint64_t us) {
  return TimePoint(Duration(static_cast<Duration::rep>(us)));
}

// A strong integer wrapper: explicit construction, ordering, no arithmetic by accident.
template <typename Tag, typename Rep = std::uint64_t>
struct StrongId {
  Rep value{};
  constexpr StrongId() = default;
  constexpr explicit StrongId(Rep v) : value(v) {}
  constexpr auto operator<=>(const StrongId&) const = default;
};

using NodeId = StrongId<struct NodeIdTag, std::uint32_t>;      // replica, dense from 0
using ClientId = StrongId<struct ClientIdTag, std::uint32_t>;  // client endpoint, dense from 0
using Epoch = StrongId<struct EpochTag>;                       // primary generation (a "term")
using LogIndex = StrongId<struct LogIndexTag>;                 // 1-based; 0 means "none"
using TimerId = StrongId<struct TimerIdTag, std::uint32_t>;    // protocol-defined timer slots
using WriteToken = StrongId<struct WriteTokenTag>;             // durability request handle

// Identity of one client operation: unique across the run.
struct RequestId {
  ClientId client;
  std::uint64_t sequence = 0;
  auto operator<=>(const RequestId&) const = default;
};

// A write's version: the (epoch, index) of the log entry that carries it. Unique across a run
// because a log index is assigned once per epoch by that epoch's only primary.
struct Version {
  Epoch epoch;
  LogIndex index;
  auto operator<=>(const Version&) const = default;
};

using Key = std::uint64_t;

}  // namespace cutover::models
