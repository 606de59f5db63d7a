// What the scheduler client records into its metrics registry, from a few
// hook points in client_impl.hpp (all on the client's strand; the snapshot reads
// from any thread). The event path costs one relaxed atomic add per event
// (a counter resolved per event type up front) and one clock read per socket
// read; everything else happens per call or per subscription.
//
// Metric names (see README "Metrics"):
//   mesoshttp_subscribe_attempts_total, mesoshttp_subscriptions_total,
//   mesoshttp_disconnects_total{reason}, mesoshttp_subscribed,
//   mesoshttp_subscribed_seconds_total, mesoshttp_heartbeat_interval_seconds,
//   mesoshttp_heartbeat_lag_seconds, mesoshttp_events_total{type},
//   mesoshttp_consumer_queue_depth, mesoshttp_consumer_overflows_total,
//   mesoshttp_backpressure_pauses_total, mesoshttp_calls_total{type,outcome},
//   mesoshttp_call_duration_seconds{type}
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "mesoshttp/client.hpp"
#include "mesoshttp/metrics.hpp"

namespace mesoshttp::detail {

// The fixed reason a lost subscription (or failed attempt) is counted under:
// heartbeat_timeout, stream_ended, bad_stream, connect_failed,
// subscribe_rejected, redirect, subscription_gone, leader_changed,
// framework_error, other. `was_subscribed`: the stream had reached SUBSCRIBED.
std::string_view disconnect_reason(std::error_code why, bool was_subscribed);
inline constexpr std::string_view disconnect_reasons[] = {
    "heartbeat_timeout", "stream_ended",      "bad_stream",     "connect_failed",  "subscribe_rejected",
    "redirect",          "subscription_gone", "leader_changed", "framework_error", "other"};

// A call's outcome label: "accepted" (202), "ok" (any other 2xx), or
// "error:<what>" with <what> one of rejected, timeout, connection_lost,
// closed, queue_full, invalid, unexpected_response, other.
std::string_view call_outcome(const call_result& result);

class client_metrics {
 public:
  using clock = std::chrono::steady_clock;

  // Null: records nothing (every hook is a test of one pointer).
  explicit client_metrics(std::shared_ptr<metrics_registry> registry);
  client_metrics(const client_metrics&) = delete;
  client_metrics& operator=(const client_metrics&) = delete;

  // The depth of the consumers' queues, read at snapshot time from any thread.
  void watch_queue_depth(std::function<std::size_t()> read);

  void attempt();
  void subscribed(double heartbeat_interval_seconds);
  // The subscription or the attempt is gone; counted when `announce` (the
  // end was not one the client expected, such as TEARDOWN's).
  void down(std::error_code why, bool announce);
  // Hot path: one event of the stream.
  void event(int type) const noexcept {
    if (type >= 0 && static_cast<std::size_t>(type) < events_.size()) events_[static_cast<std::size_t>(type)].inc();
  }
  // A socket read's bytes were parsed: the master is alive.
  void data() noexcept {
    if (registry_) last_data_ns_.store(now_ns(), std::memory_order_relaxed);
  }
  // Asked after every parse slice whether a consumer is full: a pause is
  // counted when the answer turns to yes.
  void consumers_full(bool full) {
    if (full && !was_full_) backpressure_pauses_.inc();
    was_full_ = full;
  }
  void overflow() const noexcept { overflows_.inc(); }
  // `sent`: the call went out at least once (only those are timed).
  void call_completed(std::string_view type_name, int type, const call_result& result, clock::time_point submitted,
                      bool sent);

 private:
  static std::int64_t now_ns() noexcept;
  double seconds_subscribed() const;
  double heartbeat_lag() const;

  std::shared_ptr<metrics_registry> registry_;
  counter attempts_;
  counter subscriptions_;
  gauge subscribed_;
  gauge heartbeat_interval_;
  counter overflows_;
  counter backpressure_pauses_;
  std::vector<counter> events_;                                    // by Event type number
  std::vector<std::pair<std::string_view, counter>> disconnects_;  // by reason, in disconnect_reasons' order
  std::map<std::pair<int, std::string_view>, counter> calls_;
  std::map<int, histogram> call_latency_;
  bool was_full_ = false;
  bool is_subscribed_ = false;

  std::atomic<std::int64_t> last_data_ns_{0};
  std::atomic<bool> subscribed_now_{false};
  mutable std::mutex time_mutex_;  // the subscribed time's two parts, read together
  std::int64_t subscribed_since_ns_ = 0;
  std::int64_t subscribed_total_ns_ = 0;

  // Last: unregistered first, so no snapshot reads the members above while
  // they are destroyed.
  std::vector<metric_callback_handle> callbacks_;
};

}  // namespace mesoshttp::detail
