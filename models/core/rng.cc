#include "models/core/rng.h"

#include <algorithm>
#include <cmath>

#include "models/core/check.h"

namespace cutover::models {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(std::uint64_t seed) : seed_(seed) {
  std::uint64_t x = seed;
  for (auto& word : state_) word = splitmix64(x);
}

Rng Rng::fork(std::string_view name) const {
  std::uint64_t mixed = seed_ ^ fnv1a(name);
  return Rng(splitmix64(mixed));
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

double Rng::uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

std::uint64_t Rng::uniform_below(std::uint64_t n) {
  CUTOVER_CHECK(n > 0, "uniform_below(0)");
  // Lemire's debiased multiply-shift would be faster; rejection keeps it obviously unbiased.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t x = next_u64();
  while (x >= limit) x = next_u64();
  return x % n;
}

double Rng::exponential(double mean) {
  CUTOVER_CHECK(mean > 0, "exponential mean must be positive");
  return -mean * std::log1p(-uniform01());
}

bool Rng::bernoulli(double p) { return uniform01() < p; }

ZipfianSampler::ZipfianSampler(std::uint64_t n, double exponent) {
  CUTOVER_CHECK(n > 0, "zipfian over an empty key space");
  cdf_.resize(n);
  double total = 0;
  for (std::uint64_t rank = 0; rank < n; ++rank) {
    total += 1.0 / std::pow(static_cast<double>(rank + 1), exponent);
    cdf_[rank] = total;
  }
  for (double& c : cdf_) c /= total;
}

std::uint64_t ZipfianSampler::sample(Rng& rng) const {
  const double u = rng.uniform01();
  auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  if (it == cdf_.end()) --it;
  return static_cast<std::uint64_t>(it - cdf_.begin());
}

}  // namespace cutover::models
