#include "mesoshttp/framework/reconciler.hpp"

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "mesoshttp/calls.hpp"

namespace mesoshttp {

using mesos::v1::TaskStatus;

// ------------------------------------------------------------ the decisions

reconcile_fsm::action reconcile_fsm::on_subscribed(const std::vector<tracked_task>& tasks) {
  running_ = true;
  rounds_ = 0;
  tasks_ = tasks;
  asked_.clear();
  for (const auto& t : tasks) asked_.insert(t.task_id);
  wait_ = config_.first_wait;
  if (asked_.empty()) return finish();
  return explicit_round();
}

reconcile_fsm::action reconcile_fsm::on_update(const TaskStatus& status) {
  if (!running_ || asked_.erase(status.task_id().value()) == 0) return {};
  if (asked_.empty()) return finish();
  return {};
}

reconcile_fsm::action reconcile_fsm::on_timeout() {
  if (!running_ || asked_.empty()) return {};
  wait_ = std::min(wait_ * 2, config_.max_wait);
  return explicit_round();
}

void reconcile_fsm::on_lost() {
  running_ = false;
  asked_.clear();
  tasks_.clear();
}

reconcile_fsm::action reconcile_fsm::explicit_round() {
  std::vector<calls::reconcile_task> ask;
  for (const auto& t : tasks_) {
    if (!asked_.count(t.task_id)) continue;
    calls::reconcile_task r;
    r.task_id.set_value(t.task_id);
    if (!t.agent_id.empty()) {
      r.agent_id.emplace();
      r.agent_id->set_value(t.agent_id);
    }
    ask.push_back(std::move(r));
  }
  ++rounds_;
  return {calls::reconcile(ask), wait_};
}

reconcile_fsm::action reconcile_fsm::finish() {
  // Every known task answered: now the ones the master knows and we do not.
  running_ = false;
  tasks_.clear();
  return {calls::reconcile({}), std::nullopt};
}

bool is_unknown_to_master(const TaskStatus& status) noexcept {
  switch (status.state()) {
    case mesos::v1::TASK_LOST:
    case mesos::v1::TASK_UNKNOWN:
    case mesos::v1::TASK_GONE:
    case mesos::v1::TASK_DROPPED: return status.reason() == TaskStatus::REASON_RECONCILIATION;
    default: return false;
  }
}

// ------------------------------------------------------------ the I/O

struct reconciler::state : std::enable_shared_from_this<reconciler::state> {
  state(scheduler_client& c, task_tracker& t, reconcile_config cfg, std::function<void(const TaskStatus&)> report)
      : client(c), tracker(t), fsm(cfg), on_unknown(std::move(report)), timer(c.get_executor()) {}

  // Under the mutex; the call goes out after it is released.
  std::optional<mesos::v1::scheduler::Call> follow(const reconcile_fsm::action& a) {
    asking.store(fsm.running(), std::memory_order_release);
    if (a.wait) {
      ++round;
      timer.expires_after(*a.wait);
      timer.async_wait([weak = weak_from_this(), round = round](boost::system::error_code ec) {
        if (ec) return;
        if (auto self = weak.lock()) self->timed_out(round);
      });
    } else if (!fsm.running()) {
      timer.cancel();
    }
    return a.call;
  }

  void timed_out(std::uint64_t at_round) {
    std::optional<mesos::v1::scheduler::Call> call;
    {
      std::lock_guard lock(mutex);
      if (at_round != round || closed) return;
      call = follow(fsm.on_timeout());
    }
    if (call) client.send(std::move(*call));
  }

  scheduler_client& client;
  task_tracker& tracker;
  std::mutex mutex;
  reconcile_fsm fsm;
  std::function<void(const TaskStatus&)> on_unknown;
  boost::asio::steady_timer timer;  // on the client's executor; touched under the mutex
  std::uint64_t round = 0;
  std::atomic<std::size_t> unknown_count{0};
  std::atomic<bool> asking{false};  // fsm.running(), readable without the mutex
  bool closed = false;
};

reconciler::reconciler(scheduler_client& client, task_tracker& tracker, reconcile_config config,
                       std::function<void(const TaskStatus&)> on_unknown)
    : state_(std::make_shared<state>(client, tracker, config, std::move(on_unknown))) {}

reconciler::~reconciler() {
  std::lock_guard lock(state_->mutex);
  state_->closed = true;
  state_->timer.cancel();
}

void reconciler::on_event(const client_event& item) {
  auto& s = *state_;
  if (item.type == client_event::kind::event) {
    if (!item.event || item.event->type() != mesos::v1::scheduler::Event::UPDATE) return;
    const auto& status = item.event->update().status();
    if (is_unknown_to_master(status)) {
      s.unknown_count.fetch_add(1, std::memory_order_relaxed);
      if (s.on_unknown) s.on_unknown(status);
    }
    // Most updates arrive while no round runs: no lock for them (the ingest
    // path's cost; see bench_system toolkit).
    if (!s.asking.load(std::memory_order_acquire)) return;
  }
  std::optional<mesos::v1::scheduler::Call> call;
  {
    std::lock_guard lock(s.mutex);
    if (s.closed) return;
    switch (item.type) {
      case client_event::kind::subscribed: call = s.follow(s.fsm.on_subscribed(s.tracker.live_tasks())); break;
      case client_event::kind::disconnected:
      case client_event::kind::closed:
        s.fsm.on_lost();
        s.asking.store(false, std::memory_order_release);
        s.timer.cancel();
        break;
      case client_event::kind::event: call = s.follow(s.fsm.on_update(item.event->update().status())); break;
      case client_event::kind::connecting: break;
    }
  }
  if (call) s.client.send(std::move(*call));
}

bool reconciler::running() const {
  std::lock_guard lock(state_->mutex);
  return state_->fsm.running();
}

std::size_t reconciler::unknown_answers() const { return state_->unknown_count.load(std::memory_order_relaxed); }

}  // namespace mesoshttp
