#include "analysis/histogram.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "analysis/quantile.h"
#include "models/core/check.h"

namespace cutover::analysis {
namespace {

// The fewest bins whose common ratio does not exceed kMaxBinRatio over the axis range.
unsigned bin_count() {
  const double log_range = std::log(LatencyHistogram::kHighestMs / LatencyHistogram::kLowestMs);
  return static_cast<unsigned>(std::ceil(log_range / std::log(LatencyHistogram::kMaxBinRatio)));
}

}  // namespace

LatencyHistogram::LatencyHistogram()
    : histogram_(
          boost::histogram::make_histogram_with(boost::histogram::dense_storage<std::uint64_t>(),
                                                Axis(bin_count(), kLowestMs, kHighestMs))) {}

void LatencyHistogram::add(double ms) {
  CUTOVER_CHECK(std::isfinite(ms) && ms >= 0.0, "latency " + std::to_string(ms) + " ms");
  histogram_(ms);
  count(ms);
}

void LatencyHistogram::add(double ms, LatencyHistogram& also) {
  CUTOVER_CHECK(std::isfinite(ms) && ms >= 0.0, "latency " + std::to_string(ms) + " ms");
  // Every histogram has the same axis; index -1 and size() are the underflow and overflow bins.
  const auto bin = histogram_.axis().index(ms);
  ++histogram_.at(bin);
  ++also.histogram_.at(bin);
  count(ms);
  also.count(ms);
}

void LatencyHistogram::count(double ms) {
  if (count_ == 0) {
    min_ = ms;
    max_ = ms;
  } else {
    min_ = std::min(min_, ms);
    max_ = std::max(max_, ms);
  }
  ++count_;
  sum_ += ms;
}

std::optional<double> LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return std::nullopt;
  const std::uint64_t rank = quantile_rank(q, count_);
  if (rank == 1) return min_;
  if (rank == count_) return max_;

  const Axis& axis = histogram_.axis();
  const int bins = axis.size();
  std::uint64_t seen = 0;
  // Index -1 is the underflow bin and `bins` the overflow bin.
  for (int i = -1; i <= bins; ++i) {
    seen += histogram_.at(i);
    if (seen < rank) continue;
    if (i == -1) return min_;
    if (i == bins) return max_;
    // On a log axis the centre in transformed space is the geometric midpoint of the edges.
    const double midpoint = axis.value(i + 0.5);
    return std::clamp(midpoint, min_, max_);
  }
  // Unreachable: the bins hold count_ >= rank samples.
  CUTOVER_CHECK(false, "histogram bins hold fewer samples than count()");
  return std::nullopt;
}

std::optional<double> LatencyHistogram::mean() const {
  if (count_ == 0) return std::nullopt;
  return sum_ / static_cast<double>(count_);
}

std::optional<double> LatencyHistogram::min() const {
  if (count_ == 0) return std::nullopt;
  return min_;
}

std::optional<double> LatencyHistogram::max() const {
  if (count_ == 0) return std::nullopt;
  return max_;
}

double LatencyHistogram::bin_ratio() const {
  const Axis& axis = histogram_.axis();
  return axis.value(1) / axis.value(0);
}

}  // namespace cutover::analysis
