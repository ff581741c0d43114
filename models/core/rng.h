// Deterministic, portable random numbers for the simulated world.
//
// Why our own: std::*_distribution algorithms differ between standard libraries, and a report
// must be byte-identical for the same scenario and seed on any machine. xoshiro256** seeded by
// SplitMix64 is a published, well-tested generator; the few distributions we need are short.
// Streams are forked by a stable name ("node/us-east-1-0"), so adding a node or a client does
// not shift any other stream.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace cutover::models {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  // A child stream whose sequence depends only on this stream's seed and `name`.
  Rng fork(std::string_view name) const;

  std::uint64_t next_u64();
  double uniform01();                            // [0, 1)
  std::uint64_t uniform_below(std::uint64_t n);  // [0, n); REQUIRES: n > 0
  double exponential(double mean);               // mean > 0
  bool bernoulli(double p);

 private:
  std::uint64_t seed_;
  std::uint64_t state_[4];
};

// Zipfian choice over [0, n) with exponent s (YCSB-style hot keys): rank 0 is the hottest.
// Precomputes the CDF once (n doubles), then each draw is a binary search.
class ZipfianSampler {
 public:
  ZipfianSampler(std::uint64_t n, double exponent);
  std::uint64_t sample(Rng& rng) const;

 private:
  std::vector<double> cdf_;
};

}  // namespace cutover::models
