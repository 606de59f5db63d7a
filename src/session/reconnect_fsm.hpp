// When to subscribe again after an attempt fails or a subscription ends, and
// when to give up. Sans-I/O: the session feeds it what happened and the time,
// and waits as it says; every rule is unit-tested without sockets or clocks.
//
// The rules:
// - A failed attempt waits only once every configured master has failed in a
//   round (leader_fsm::on_failure says so); otherwise the next one is tried at
//   once.
// - A subscription is healthy once it has lasted reconnect.healthy_after (by
//   default one heartbeat interval). Only then are the backoff and the count
//   of failed attempts reset. One that breaks sooner (a corrupt record right
//   after SUBSCRIBED, a proxy that cuts every stream) is a failed attempt, so
//   max_attempts still trips on a master that breaks every stream.
// - A failure to reach a leader that was named (by a detector, or by a 307)
//   means "leader unknown until the detector or the other masters say more":
//   it waits like any failure but does not count towards max_attempts, or a
//   dead leader that ZooKeeper names until its session expires (about 10 s)
//   would use up a small budget before the new leader is elected.
// - give_up_after bounds the time without a healthy subscription, whatever the
//   count.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "mesoshttp/config.hpp"
#include "session/backoff.hpp"

namespace mesoshttp::detail {

class reconnect_fsm {
 public:
  using clock = std::chrono::steady_clock;

  struct action {
    enum class kind { retry, give_up };
    kind what = kind::retry;
    std::chrono::milliseconds wait{0};  // for retry
    std::string reason;                 // for give_up: how many attempts, for how long
  };

  reconnect_fsm(const reconnect_config& config, std::uint64_t seed) : config_(config), backoff_(config, seed) {}

  // The client started without a subscription.
  void on_start(clock::time_point now) { without_since_ = now; }

  // SUBSCRIBED arrived; the master announced this heartbeat interval.
  void on_subscribed(clock::time_point now, std::chrono::milliseconds heartbeat_interval);

  // A subscription (SUBSCRIBED received) ended.
  action on_lost(clock::time_point now);

  // An attempt ended before SUBSCRIBED. `round_over`: leader_fsm::on_failure()'s
  // answer. `leader_unreachable`: a named leader could not be reached (see above).
  action on_attempt_failed(clock::time_point now, bool round_over, bool leader_unreachable);

  // Failed attempts that count towards max_attempts since the last healthy subscription.
  std::size_t failed_attempts() const noexcept { return failed_; }
  bool subscribed() const noexcept { return healthy_at_.has_value(); }

 private:
  action wait_or_give_up(clock::time_point now, bool counts);

  const reconnect_config& config_;
  backoff backoff_;
  std::size_t failed_ = 0;
  std::optional<clock::time_point> healthy_at_;  // set while subscribed
  clock::time_point without_since_{};            // start of the time without a healthy subscription
};

}  // namespace mesoshttp::detail
