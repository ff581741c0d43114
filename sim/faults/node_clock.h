// The clock a replica's protocol reads (clock_skew faults). Only the protocol sees it: the node
// actor's SimContext converts now() and timer durations through it, while the simulator's own
// records (history, traces, acknowledgements) keep true time.
//
// While a fault lasts, local(t) = t + offset + drift x (t - start): the clock is stepped by the
// offset when the fault starts and then runs at (1 + drift) times real speed, so a timer set
// for d on the local clock fires after d / (1 + drift) of real time. When the fault ends the
// clock is stepped back to true time, as an NTP correction would. One fault at a time per node
// (the loader refuses overlapping clock faults on a node).
//
// Cost when no fault is active: one branch per now() and per timer.
#pragma once

#include <cmath>

#include "models/core/check.h"
#include "models/core/types.h"

namespace cutover::sim {

class NodeClock {
 public:
  // REQUIRES: drift > -1 (the clock keeps moving forward).
  void skew(models::TimePoint start, models::Duration offset, double drift) {
    CUTOVER_CHECK(drift > -1.0, "a clock runs forward");
    skewed_ = true;
    start_ = start;
    offset_ = offset;
    rate_ = 1.0 + drift;
  }
  void reset() { skewed_ = false; }

  models::TimePoint local(models::TimePoint real) const {
    if (!skewed_) return real;
    const double drifted_us = (rate_ - 1.0) * static_cast<double>((real - start_).count());
    return real + offset_ + models::Duration(static_cast<std::int64_t>(std::llround(drifted_us)));
  }
  // Real time a local duration takes.
  models::Duration real_duration(models::Duration local) const {
    if (!skewed_) return local;
    return models::Duration(
        static_cast<std::int64_t>(std::llround(static_cast<double>(local.count()) / rate_)));
  }

 private:
  bool skewed_ = false;
  models::TimePoint start_{};
  models::Duration offset_{};
  double rate_ = 1.0;
};

}  // namespace cutover::sim
