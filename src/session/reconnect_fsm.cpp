#include "session/reconnect_fsm.hpp"

namespace mesoshttp::detail {

namespace {

std::string seconds_text(std::chrono::milliseconds ms) {
  const auto tenths = ms.count() / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

}  // namespace

void reconnect_fsm::on_subscribed(clock::time_point now, std::chrono::milliseconds heartbeat_interval) {
  const auto lasting = config_.healthy_after.count() > 0 ? config_.healthy_after : heartbeat_interval;
  healthy_at_ = now + lasting;
}

reconnect_fsm::action reconnect_fsm::on_lost(clock::time_point now) {
  const bool healthy = healthy_at_ && now >= *healthy_at_;
  healthy_at_.reset();
  if (healthy) {
    backoff_.reset();
    failed_ = 0;
    without_since_ = now;
  }
  // A healthy subscription's loss is the common case of a leader change: the
  // first wait is short (the backoff starts again), and it is not a failure.
  return wait_or_give_up(now, !healthy);
}

reconnect_fsm::action reconnect_fsm::on_attempt_failed(clock::time_point now, bool round_over,
                                                       bool leader_unreachable) {
  healthy_at_.reset();
  if (!round_over) {
    // Another master of the list is next: no reason to wait. Still bounded by time.
    if (config_.give_up_after.count() > 0 && now - without_since_ >= config_.give_up_after) {
      return wait_or_give_up(now, false);
    }
    return {};
  }
  return wait_or_give_up(now, !leader_unreachable);
}

reconnect_fsm::action reconnect_fsm::wait_or_give_up(clock::time_point now, bool counts) {
  if (counts) ++failed_;
  const auto without = std::chrono::duration_cast<std::chrono::milliseconds>(now - without_since_);
  if (config_.give_up_after.count() > 0 && without >= config_.give_up_after) {
    return {action::kind::give_up,
            {},
            "no subscription for " + seconds_text(without) + " (reconnect.give_up_after " +
                seconds_text(config_.give_up_after) + "), " + std::to_string(failed_) + " failed attempts"};
  }
  // The first failure is the attempt itself; max_attempts counts the ones after it.
  if (counts && config_.max_attempts != 0 && failed_ > config_.max_attempts) {
    return {action::kind::give_up, {}, "gave up after " + std::to_string(failed_ - 1) + " reconnect attempts"};
  }
  return {action::kind::retry, backoff_.next(), {}};
}

}  // namespace mesoshttp::detail
