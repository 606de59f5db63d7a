// Reconnect waits with exponential growth and full jitter (see reconnect_config).
// Sans-I/O: it hands out waits; reconnect_fsm decides when to ask for one.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "mesoshttp/config.hpp"

namespace mesoshttp::detail {

class backoff {
 public:
  backoff(const reconnect_config& config, std::uint64_t seed) : config_(config), rng_(seed) {}

  // The wait before the next attempt; each call doubles the ceiling.
  std::chrono::milliseconds next();
  void reset() noexcept { attempts_ = 0; }
  std::size_t attempts() const noexcept { return attempts_; }

 private:
  const reconnect_config& config_;
  std::mt19937_64 rng_;
  std::size_t attempts_ = 0;
};

}  // namespace mesoshttp::detail
