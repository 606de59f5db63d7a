#include "mesoshttp/framework/demand_manager.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <mutex>
#include <optional>

#include "mesoshttp/calls.hpp"

namespace mesoshttp {

namespace asio = boost::asio;
using clock_type = demand_fsm::clock;

// Shared with the timer's and the calls' handlers through weak pointers, so
// a handler that runs after the manager is gone does nothing.
struct demand_manager::shared_state : std::enable_shared_from_this<shared_state> {
  shared_state(scheduler_client& c, std::vector<std::string> roles, demand_config config)
      : client(&c), fsm(std::move(roles), config), timer(c.get_executor()) {}

  // Recursive: a call sent from the client's own executor may complete at
  // once, on this thread, and its handler takes the lock again. Calls are
  // sent under the lock so that they leave in the order they were decided.
  mutable std::recursive_mutex mutex;
  scheduler_client* client;
  demand_fsm fsm;
  asio::steady_timer timer;
  std::optional<clock_type::time_point> armed;  // when the timer is set to fire
  bool stopped = false;

  // Holds `mutex`.
  void apply(const demand_fsm::actions& a) {
    if (stopped) return;
    if (!a.suppress.empty()) send(calls::suppress(a.suppress), a.epoch, a.suppress);
    if (!a.revive.empty()) send(calls::revive(a.revive), a.epoch, a.revive);
    if (a.wake_at && (!armed || *a.wake_at < *armed)) arm(*a.wake_at);
  }

  void send(mesos::v1::scheduler::Call call, std::uint64_t epoch, std::vector<std::string> roles) {
    client->async_send(std::move(call), [weak = weak_from_this(), epoch, roles = std::move(roles)](call_result r) {
      auto self = weak.lock();
      if (!self) return;
      std::lock_guard lock(self->mutex);
      if (self->stopped) return;
      self->apply(self->fsm.completed(epoch, roles, r.ok(), clock_type::now()));
    });
  }

  void arm(clock_type::time_point at) {
    armed = at;
    timer.expires_at(at);  // cancels a wait for a later time
    timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;  // re-armed or stopped
      auto self = weak.lock();
      if (!self) return;
      std::lock_guard lock(self->mutex);
      if (self->stopped) return;
      self->armed.reset();
      self->apply(self->fsm.tick(clock_type::now()));
    });
  }
};

demand_manager::demand_manager(scheduler_client& client, std::vector<std::string> roles, demand_config config)
    : state_(std::make_shared<shared_state>(client, std::move(roles), config)) {}

demand_manager::~demand_manager() {
  std::lock_guard lock(state_->mutex);
  state_->stopped = true;
  state_->timer.cancel();
}

void demand_manager::set_waiting(const std::string& role, std::uint64_t count) {
  std::lock_guard lock(state_->mutex);
  state_->apply(state_->fsm.set_waiting(role, count, clock_type::now()));
}

void demand_manager::add_work(const std::string& role, std::uint64_t count) {
  std::lock_guard lock(state_->mutex);
  state_->apply(state_->fsm.add(role, count, clock_type::now()));
}

void demand_manager::work_done(const std::string& role, std::uint64_t count) {
  std::lock_guard lock(state_->mutex);
  state_->apply(state_->fsm.remove(role, count, clock_type::now()));
}

void demand_manager::on_event(const client_event& item) {
  std::lock_guard lock(state_->mutex);
  switch (item.type) {
    case client_event::kind::subscribed: state_->apply(state_->fsm.subscribed(clock_type::now())); break;
    case client_event::kind::connecting:
    case client_event::kind::disconnected:
    case client_event::kind::closed:
      state_->fsm.lost();
      state_->armed.reset();
      state_->timer.cancel();
      break;
    case client_event::kind::event: break;
  }
}

std::uint64_t demand_manager::waiting(const std::string& role) const {
  std::lock_guard lock(state_->mutex);
  return state_->fsm.waiting(role);
}

demand_fsm::role_state demand_manager::state(const std::string& role) const {
  std::lock_guard lock(state_->mutex);
  return state_->fsm.state(role);
}

demand_counters demand_manager::counters() const {
  std::lock_guard lock(state_->mutex);
  return state_->fsm.counters();
}

}  // namespace mesoshttp
