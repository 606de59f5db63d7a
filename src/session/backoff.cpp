#include "session/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace mesoshttp::detail {

std::chrono::milliseconds backoff::next() {
  const std::size_t n = attempts_++;
  if (config_.custom_delay) return config_.custom_delay(n);
  const double initial = static_cast<double>(config_.initial_wait.count());
  const double cap = static_cast<double>(config_.max_wait.count());
  const double ceiling = std::min(cap, initial * std::pow(2.0, static_cast<double>(std::min<std::size_t>(n, 62))));
  const double jitter = std::clamp(config_.jitter, 0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double wait = ceiling * (1.0 - jitter) + ceiling * jitter * unit(rng_);
  return std::chrono::milliseconds(static_cast<std::int64_t>(wait));
}

}  // namespace mesoshttp::detail
