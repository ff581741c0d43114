// Client retries: bounded attempts, exponential backoff with jitter, and a per-operation
// deadline. Jitter follows Marc Brooker, "Exponential Backoff and Jitter" (AWS Architecture
// Blog, 2015). With cap(n) = min(max_backoff, initial_backoff * multiplier^(n-1)) for the
// delay after the n-th failed attempt:
//   - kFull:  delay = uniform in [0, cap(n)]             ("Full Jitter")
//   - kEqual: delay = cap(n)/2 + uniform in [0, cap(n)/2] ("Equal Jitter")
//   - kNone:  delay = cap(n)                              (for analysis and tests only)
// The default is full jitter: in the blog's simulation of contending clients it finished the
// work with the fewest calls and close to the fastest, and it is what the AWS SDKs use, so the
// simulated clients behave like real ones during a failover. Equal jitter keeps a floor of half
// the backoff, which spreads retries less and in the blog took much longer; it is here so a
// scenario can compare the two. Without jitter, clients that failed together retry together
// and hit a recovering leader in synchronized waves.
//
// Who calls it: the simulator's client actors, after a timeout or a retryable error. Retried
// writes are safe because every write carries an idempotency key (see client_writes.h).
//
// Deterministic: the only randomness is the Rng passed in; delays are whole microseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "models/core/rng.h"
#include "models/core/types.h"

namespace cutover::models::routing {

enum class Jitter : std::uint8_t { kFull, kEqual, kNone };

struct RetryConfig {
  std::uint32_t max_attempts = 3;           // attempts in all, the first one included
  Duration initial_backoff = from_ms(100);  // cap of the delay after the first failed attempt
  Duration max_backoff = from_ms(10'000);   // no delay is ever longer
  double multiplier = 2.0;                  // growth of the cap per failed attempt
  Jitter jitter = Jitter::kFull;
  // The whole operation (every attempt and delay) must finish within this; zero means none.
  Duration operation_deadline = Duration::zero();

  // Empty when valid, else what is wrong.
  std::string validate() const;
};

class RetryPolicy {
 public:
  // REQUIRES: config.validate() is empty.
  explicit RetryPolicy(RetryConfig config);

  // The delay before the next attempt, after `attempts_made` attempts have failed; nullopt when
  // no attempt is left. REQUIRES: attempts_made >= 1.
  std::optional<Duration> next_delay(std::uint32_t attempts_made, Rng& rng) const;
  // The un-jittered backoff after `attempts_made` failed attempts: cap(attempts_made) above.
  // REQUIRES: 1 <= attempts_made <= max_attempts.
  Duration backoff_cap(std::uint32_t attempts_made) const;

  // Whether an attempt starting at `attempt_at` is still inside the deadline of an operation
  // that started at `operation_started_at` (always true without a deadline). An attempt that
  // would start at or after the deadline is pointless: the caller has given up by then.
  bool within_deadline(TimePoint operation_started_at, TimePoint attempt_at) const;
  // When to make the next attempt, or nullopt when attempts are exhausted or it would start
  // past the deadline: next_delay and within_deadline together.
  std::optional<TimePoint> next_attempt_at(std::uint32_t attempts_made,
                                           TimePoint operation_started_at, TimePoint now,
                                           Rng& rng) const;

  const RetryConfig& config() const { return config_; }

 private:
  RetryConfig config_;
};

}  // namespace cutover::models::routing
