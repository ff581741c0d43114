#include "models/routing/retry.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "models/core/check.h"

namespace cutover::models::routing {
namespace {

// Retries are bounded like every queue: a client never loops for ever against a dead region.
constexpr std::uint32_t kAttemptsMax = 100;

// Uniform in [0, span], whole microseconds.
Duration uniform_up_to(Duration span, Rng& rng) {
  const auto span_us = static_cast<std::uint64_t>(span.count());
  return Duration(static_cast<std::int64_t>(rng.uniform_below(span_us + 1)));
}

}  // namespace

std::string RetryConfig::validate() const {
  if (max_attempts == 0 || max_attempts > kAttemptsMax) return "max attempts must be in [1, 100]";
  if (initial_backoff <= Duration::zero()) return "initial backoff must be positive";
  if (max_backoff < initial_backoff) return "max backoff must be at least the initial backoff";
  if (!std::isfinite(multiplier) || multiplier < 1.0) return "backoff multiplier must be >= 1";
  if (operation_deadline < Duration::zero()) return "operation deadline cannot be negative";
  return {};
}

RetryPolicy::RetryPolicy(RetryConfig config) : config_(config) {
  const std::string problem = config_.validate();
  CUTOVER_CHECK(problem.empty(), problem);
}

Duration RetryPolicy::backoff_cap(std::uint32_t attempts_made) const {
  CUTOVER_CHECK(attempts_made >= 1, "backoff before any attempt");
  CUTOVER_CHECK(attempts_made <= config_.max_attempts, "backoff beyond max attempts");
  // Grow step by step and clamp each time: never overflows, and the loop is bounded by
  // max_attempts (<= kAttemptsMax).
  const double max_us = static_cast<double>(config_.max_backoff.count());
  double cap_us = static_cast<double>(config_.initial_backoff.count());
  for (std::uint32_t n = 1; n < attempts_made && cap_us < max_us; ++n) {
    cap_us = std::min(max_us, cap_us * config_.multiplier);
  }
  return Duration(static_cast<std::int64_t>(std::llround(std::min(cap_us, max_us))));
}

std::optional<Duration> RetryPolicy::next_delay(std::uint32_t attempts_made, Rng& rng) const {
  CUTOVER_CHECK(attempts_made >= 1, "next delay asked before any attempt");
  if (attempts_made >= config_.max_attempts) return std::nullopt;
  const Duration cap = backoff_cap(attempts_made);
  Duration delay = cap;
  switch (config_.jitter) {
    case Jitter::kFull:
      delay = uniform_up_to(cap, rng);
      break;
    case Jitter::kEqual: {
      const Duration half = cap / 2;
      delay = (cap - half) + uniform_up_to(half, rng);  // cap - half: exact for odd caps
      break;
    }
    case Jitter::kNone:
      break;
  }
  CUTOVER_CHECK(delay >= Duration::zero(), "negative backoff");
  CUTOVER_CHECK(delay <= config_.max_backoff, "backoff above max_backoff");
  return delay;
}

bool RetryPolicy::within_deadline(TimePoint operation_started_at, TimePoint attempt_at) const {
  if (config_.operation_deadline == Duration::zero()) return true;
  return attempt_at < operation_started_at + config_.operation_deadline;
}

std::optional<TimePoint> RetryPolicy::next_attempt_at(std::uint32_t attempts_made,
                                                      TimePoint operation_started_at, TimePoint now,
                                                      Rng& rng) const {
  CUTOVER_CHECK(now >= operation_started_at, "operation started in the future");
  const std::optional<Duration> delay = next_delay(attempts_made, rng);
  if (!delay) return std::nullopt;
  const TimePoint attempt_at = now + *delay;
  if (!within_deadline(operation_started_at, attempt_at)) return std::nullopt;
  return attempt_at;
}

}  // namespace cutover::models::routing
