#include "scheduler/client_metrics.hpp"

#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesoshttp::detail {

using mesos::v1::scheduler::Event;

std::string_view disconnect_reason(std::error_code why, bool was_subscribed) {
  if (why.category() == error_category()) {
    switch (static_cast<error>(why.value())) {
      case error::heartbeat_timeout: return "heartbeat_timeout";
      case error::stream_closed:
      case error::recordio_truncated: return "stream_ended";
      case error::recordio_bad_length:
      case error::recordio_length_overflow:
      case error::recordio_zero_length:
      case error::recordio_record_too_large:
      case error::decode_failed:
      case error::missing_required_fields:
      case error::unsupported_content_type:
      case error::unexpected_response: return "bad_stream";
      case error::subscribe_rejected: return "subscribe_rejected";
      case error::too_many_redirects:
      case error::redirect_loop:
      case error::insecure_redirect:
      case error::bad_redirect: return "redirect";
      case error::not_subscribed: return "subscription_gone";
      case error::no_leader: return "leader_changed";
      case error::framework_error:
      case error::framework_removed:
      case error::framework_failed_over: return "framework_error";  // an ERROR event, whatever it ended
      default: return "other";
    }
  }
  // The network's own errors (refused, reset, timed out, end of file) and
  // the HTTP parser's: an attempt that never reached SUBSCRIBED could not
  // get through; a subscribed stream ended.
  return was_subscribed ? "stream_ended" : "connect_failed";
}

std::string_view call_outcome(const call_result& result) {
  if (!result.error) return result.status == 202 ? "accepted" : "ok";
  if (result.error.category() != error_category()) return "error:other";
  switch (static_cast<error>(result.error.value())) {
    case error::call_rejected: return "error:rejected";
    case error::call_timeout: return "error:timeout";
    case error::connection_lost: return "error:connection_lost";
    case error::shut_down:
    case error::aborted: return "error:closed";
    case error::queue_full: return "error:queue_full";
    case error::invalid_argument:
    case error::encode_failed: return "error:invalid";
    case error::unexpected_response: return "error:unexpected_response";
    default: return "error:other";
  }
}

client_metrics::client_metrics(std::shared_ptr<metrics_registry> registry) : registry_(std::move(registry)) {
  if (!registry_) return;
  auto& r = *registry_;
  attempts_ = r.counter("mesoshttp_subscribe_attempts_total",
                        "Attempts to subscribe (each to one master; a redirect is another)");
  subscriptions_ = r.counter("mesoshttp_subscriptions_total", "Subscriptions established (SUBSCRIBED received)");
  subscribed_ = r.gauge("mesoshttp_subscribed", "1 while subscribed, 0 otherwise");
  heartbeat_interval_ =
      r.gauge("mesoshttp_heartbeat_interval_seconds", "Heartbeat interval announced in the last SUBSCRIBED");
  overflows_ =
      r.counter("mesoshttp_consumer_overflows_total", "Consumers detached for falling behind (overflow policy detach)");
  backpressure_pauses_ = r.counter("mesoshttp_backpressure_pauses_total",
                                   "Times the event stream stopped being read for a full consumer queue");
  // Every type up front: a type not seen yet shows as 0, not as a missing
  // series, and the event path only increments.
  for (int t = Event::Type_MIN; t <= Event::Type_MAX; ++t) {
    events_.emplace_back();
    if (!Event::Type_IsValid(t)) continue;
    events_.back() = r.counter("mesoshttp_events_total", "Events received from the master, by type",
                               {{"type", Event::Type_Name(static_cast<Event::Type>(t))}});
  }
  for (const auto reason : disconnect_reasons) {
    disconnects_.emplace_back(
        reason, r.counter("mesoshttp_disconnects_total", "Subscriptions lost and attempts failed, by reason",
                          {{"reason", std::string(reason)}}));
  }
  callbacks_.push_back(r.counter_callback("mesoshttp_subscribed_seconds_total", "Seconds spent subscribed", {},
                                          [this] { return seconds_subscribed(); }));
  callbacks_.push_back(r.gauge_callback(
      "mesoshttp_heartbeat_lag_seconds",
      "Seconds since the master last sent a byte, while subscribed (compare with the heartbeat interval)", {},
      [this] { return heartbeat_lag(); }));
}

void client_metrics::watch_queue_depth(std::function<std::size_t()> read) {
  if (!registry_) return;
  callbacks_.push_back(registry_->gauge_callback("mesoshttp_consumer_queue_depth",
                                                 "Events waiting in the fullest pull consumer's queue", {},
                                                 [read = std::move(read)] { return static_cast<double>(read()); }));
}

std::int64_t client_metrics::now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch()).count();
}

void client_metrics::attempt() { attempts_.inc(); }

void client_metrics::subscribed(double heartbeat_interval_seconds) {
  if (!registry_) return;
  subscriptions_.inc();
  subscribed_.set(1);
  heartbeat_interval_.set(heartbeat_interval_seconds);
  const auto now = now_ns();
  last_data_ns_.store(now, std::memory_order_relaxed);
  std::lock_guard lock(time_mutex_);
  if (!is_subscribed_) subscribed_since_ns_ = now;
  is_subscribed_ = true;
  subscribed_now_.store(true, std::memory_order_relaxed);
}

void client_metrics::down(std::error_code why, bool announce) {
  if (!registry_) return;
  bool was_subscribed = false;
  {
    std::lock_guard lock(time_mutex_);
    was_subscribed = is_subscribed_;
    if (is_subscribed_) subscribed_total_ns_ += now_ns() - subscribed_since_ns_;
    is_subscribed_ = false;
    subscribed_now_.store(false, std::memory_order_relaxed);
  }
  subscribed_.set(0);
  was_full_ = false;
  if (!announce || !why) return;
  const auto reason = disconnect_reason(why, was_subscribed);
  for (const auto& [name, count] : disconnects_)
    if (name == reason) count.inc();
}

double client_metrics::seconds_subscribed() const {
  std::lock_guard lock(time_mutex_);
  auto total = subscribed_total_ns_;
  if (is_subscribed_) total += now_ns() - subscribed_since_ns_;
  return static_cast<double>(total) / 1e9;
}

double client_metrics::heartbeat_lag() const {
  if (!subscribed_now_.load(std::memory_order_relaxed)) return 0;
  const auto since = now_ns() - last_data_ns_.load(std::memory_order_relaxed);
  return since > 0 ? static_cast<double>(since) / 1e9 : 0.0;
}

void client_metrics::call_completed(std::string_view type_name, int type, const call_result& result,
                                    clock::time_point submitted, bool sent) {
  if (!registry_) return;
  const auto outcome = call_outcome(result);
  auto counted = calls_.find({type, outcome});
  if (counted == calls_.end()) {
    counted = calls_
                  .emplace(std::pair{type, outcome},
                           registry_->counter("mesoshttp_calls_total", "Calls completed, by type and outcome",
                                              {{"type", std::string(type_name)}, {"outcome", std::string(outcome)}}))
                  .first;
  }
  counted->second.inc();
  // Only calls that went out: one refused on submission (or timed out in
  // the queue) says nothing about the master's answers, and is counted above.
  if (!sent) return;
  auto timed = call_latency_.find(type);
  if (timed == call_latency_.end()) {
    timed = call_latency_
                .emplace(type, registry_->histogram("mesoshttp_call_duration_seconds",
                                                    "From send to the call's result (queueing included), by type",
                                                    default_latency_bounds(), {{"type", std::string(type_name)}}))
                .first;
  }
  timed->second.observe(std::chrono::duration<double>(clock::now() - submitted).count());
}

}  // namespace mesoshttp::detail
